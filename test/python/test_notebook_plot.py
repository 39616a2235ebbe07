"""A notebook with a plot, executed by our TypeScript runner (`virel notebook run`) and by Debian's nbclient
(`python3 -m nbconvert --execute`), exported to HTML by nbconvert (and by `virel notebook html`), then loaded in
headless Chromium with every host name unresolvable: the DOM must contain a drawn plotly plot (`js-plotly-plot`).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(os.environ.get("VIREL_ROOT", Path(__file__).resolve().parents[2]))
NODE = os.environ.get("VIREL_NODE") or shutil.which("node") or "node"
VIREL = [NODE, str(ROOT / "bin" / "virel.js")]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"

PLOT_NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "virel-ts", "display_name": "VIREL (TypeScript)", "language": "typescript"}},
    "cells": [
        {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "# A plot\nSquares of *x*."},
        {
            "cell_type": "code",
            "id": "plot",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": 'const xs = [1, 2, 3, 4];\ndisplay.lines([{ name: "x²", y: xs.map((x) => x * x) }], { title: "squares" });',
        },
        {"cell_type": "code", "id": "value", "metadata": {}, "execution_count": None, "outputs": [], "source": "xs.length * 10"},
    ],
}


def chromium_dom(html_path: Path) -> str:
    """Headless Chromium with no network at all (every host unresolvable); returns the DOM after scripts ran."""
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--virtual-time-budget=10000",
                "--dump-dom",
                html_path.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def nbconvert(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbconvert", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


class NotebookPlotTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="virel-nb-"))
        cls.src = cls.tmp / "plot.ipynb"
        cls.src.write_text(json.dumps(PLOT_NOTEBOOK))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check_executed(self, path: Path):
        nb = json.loads(path.read_text())
        plot_cell, value_cell = nb["cells"][1], nb["cells"][2]
        self.assertEqual(len(plot_cell["outputs"]), 1, plot_cell["outputs"])
        out = plot_cell["outputs"][0]
        self.assertEqual(out["output_type"], "display_data")
        self.assertEqual(set(out["data"]), {"application/vnd.plotly.v1+json", "text/html", "text/plain"})
        self.assertEqual(out["data"]["application/vnd.plotly.v1+json"]["data"][0]["y"], [1, 4, 9, 16])
        html = "".join(out["data"]["text/html"]) if isinstance(out["data"]["text/html"], list) else out["data"]["text/html"]
        # plotly.js itself is inlined (no CDN <script src>); compare booleans to keep failure messages short
        self.assertFalse("<script src=" in html, "the plot's HTML loads a script from elsewhere")
        self.assertTrue("window.Plotly = Plotly" in html, "plotly.js is not inlined in the first plot")
        result = [o for o in value_cell["outputs"] if o["output_type"] == "execute_result"]
        self.assertEqual(len(result), 1)
        self.assertEqual("".join(result[0]["data"]["text/plain"]), "40")
        self.assertEqual(value_cell["execution_count"], 2)

    def export_and_check_dom(self, executed: Path, name: str):
        r = nbconvert("--to", "html", str(executed), "--output", name, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        dom = chromium_dom(self.tmp / f"{name}.html")
        self.assertIn("js-plotly-plot", dom)
        self.assertIn("main-svg", dom)  # plotly drew its SVG layers

    def test_typescript_runner_then_nbconvert_html(self):
        out = self.tmp / "run.ipynb"
        r = subprocess.run([*VIREL, "notebook", "run", str(self.src), "--out", str(out), "--timeout", "120"], capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.check_executed(out)
        self.export_and_check_dom(out, "run_nbconvert")
        # our own renderer, no Python involved
        own = self.tmp / "run_virel.html"
        r = subprocess.run([*VIREL, "notebook", "html", str(out), "--out", str(own)], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertNotIn("src=\"http", own.read_text())
        dom = chromium_dom(own)
        self.assertIn("js-plotly-plot", dom)
        self.assertIn("main-svg", dom)

    def test_nbclient_execute_then_nbconvert_html(self):
        r = nbconvert("--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=virel-ts", str(self.src), "--output", "nbclient", cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.check_executed(self.tmp / "nbclient.ipynb")
        self.export_and_check_dom(self.tmp / "nbclient.ipynb", "nbclient_nbconvert")

    def test_runner_names_the_failing_cell(self):
        nb = json.loads(json.dumps(PLOT_NOTEBOOK))
        nb["cells"][2]["source"] = 'throw new RangeError("bad value")'
        nb["cells"].append({"cell_type": "code", "id": "after", "metadata": {}, "execution_count": None, "outputs": [], "source": "1"})
        src = self.tmp / "failing.ipynb"
        src.write_text(json.dumps(nb))
        out = self.tmp / "failing.out.ipynb"
        r = subprocess.run([*VIREL, "notebook", "run", str(src), "--out", str(out)], capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cell 2 (id value) failed: RangeError: bad value", r.stderr)
        executed = json.loads(out.read_text())
        errors = [o for o in executed["cells"][2]["outputs"] if o["output_type"] == "error"]
        self.assertEqual([e["ename"] for e in errors], ["RangeError"])
        self.assertEqual(executed["cells"][3]["outputs"], [])  # stopped at the failing cell


if __name__ == "__main__":
    unittest.main()
