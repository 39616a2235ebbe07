"""Jupyter's own kernel test suite (jupyter_kernel_test) against the virel-ts kernel.

Run by scripts/extra-tests.mjs with /usr/bin/python3 -m pytest, after installing the kernelspec into a temporary
prefix on JUPYTER_PATH (never into the user's real kernel directory).
"""
import unittest

import jupyter_kernel_test


class VirelTsKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "virel-ts"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'

    completion_samples = [
        {"text": "Math.ma", "matches": {"max"}},
        {"text": "virel.Rn", "matches": {"Rng"}},
    ]

    complete_code_samples = ["1 + 1", "let x = 1;", "function f() { return 1; }", "for (;;) {}"]
    incomplete_code_samples = ["function f() {", "let a = [1,", "`abc", "if (true) {\n  g("]
    invalid_code_samples = ["x = )", "1 +* 2", "let 3 = 4;", "}"]

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {"code": "[1, 2].length", "result": "2"},
    ]
    code_history_pattern = "6 ? 7"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'display.svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\" width=\\"10\\" height=\\"10\\"></svg>")', "mime": "image/svg+xml"},
        {"code": 'display.markdown("**bold**")', "mime": "text/markdown"},
        {"code": "display.lines([{ name: \"y\", y: [1, 2, 3] }])", "mime": "application/vnd.plotly.v1+json"},
    ]

    code_inspect_sample = "Math.max"

    code_clear_output = "display.clear()"


if __name__ == "__main__":
    unittest.main()


class VirelTsLifecycleTests(unittest.TestCase):
    """Interrupt (jupyter_client's signal path: SIGINT to the kernel's process group), restart and shutdown."""

    def setUp(self):
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="virel-ts")

    def tearDown(self):
        self.kc.stop_channels()
        if self.km.is_alive():
            self.km.shutdown_kernel(now=True)

    def run_cell(self, code, timeout=30):
        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
        return reply["content"]

    def test_interrupt_a_long_async_cell_then_the_state_is_still_there(self):
        self.assertEqual(self.run_cell("let ticks = 0;")["status"], "ok")
        msg_id = self.kc.execute("while (true) { ticks++; await new Promise((r) => setTimeout(r, 5)); }")
        import time

        time.sleep(1.5)
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=30)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "InterruptError")
        outputs = []
        content = self.kc.execute_interactive("ticks > 0", timeout=30, output_hook=outputs.append)["content"]
        self.assertEqual(content["status"], "ok")
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "true")
        self.assertTrue(self.km.is_alive())

    def test_restart_gives_a_fresh_kernel_and_shutdown_ends_it(self):
        self.assertEqual(self.run_cell("const kept = 1;")["status"], "ok")
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=60)
        content = self.run_cell("kept")
        self.assertEqual(content["status"], "error")  # fresh state: `kept` is unknown
        self.assertEqual(content["ename"], "TSError")
        self.assertEqual(content["execution_count"], 1)  # counting starts again
        self.km.shutdown_kernel(now=False)
        self.assertFalse(self.km.is_alive())
