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
