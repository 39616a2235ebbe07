// Extra suites run by scripts/run-tests.mjs after the node tests: Jupyter's own kernel test suite
// (jupyter_kernel_test) against virel-ts, and the notebook → nbclient/nbconvert → headless Chromium checks
// (test/python/). They need Debian packages (see .ci/run):
//   jupyter-client python3-nbclient python3-nbconvert python3-jupyter-kernel-test python3-pytest chromium
// When one is missing this FAILS with a clear message, unless VIREL_SKIP_PYTHON_KERNEL_TESTS=1 is set explicitly.
// The kernelspec is installed into a temporary prefix put on JUPYTER_PATH (never into the real user directory).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PYTHON = "/usr/bin/python3";
const MODULES = [
  ["jupyter_kernel_test", "python3-jupyter-kernel-test"],
  ["pytest", "python3-pytest"],
  ["jupyter_client", "jupyter-client"],
  ["nbclient", "python3-nbclient"],
  ["nbconvert", "python3-nbconvert"],
];

function missingPrerequisites() {
  const missing = [];
  if (!existsSync(PYTHON)) return [`${PYTHON} (Debian python3)`, ...MODULES.map(([, pkg]) => pkg)];
  for (const [mod, pkg] of MODULES) {
    const r = spawnSync(PYTHON, ["-c", `import ${mod}`], { stdio: "ignore" });
    if (r.status !== 0) missing.push(`${pkg} (Python module ${mod})`);
  }
  const chromium = spawnSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { stdio: "ignore" });
  if (chromium.status !== 0) missing.push("chromium");
  return missing;
}

/** Run the Python-side suites; returns an exit status (0 = passed). */
export async function runExtraTests(root) {
  const title = "extra tests: jupyter_kernel_test + nbclient/nbconvert/chromium (test/python)";
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    const msg =
      `\n${title}\n  MISSING Debian packages: ${missing.join(", ")}\n` +
      "  install: apt-get install -y jupyter-client python3-nbclient python3-nbconvert python3-jupyter-kernel-test python3-pytest chromium\n";
    if (process.env.VIREL_SKIP_PYTHON_KERNEL_TESTS === "1") {
      console.error(msg + "  NOT RUN: skipped because VIREL_SKIP_PYTHON_KERNEL_TESTS=1 is set.\n");
      return 0;
    }
    console.error(
      msg + "  FAILED: these suites did not run (set VIREL_SKIP_PYTHON_KERNEL_TESTS=1 to skip them on purpose).\n",
    );
    return 1;
  }
  console.log(`\n${title}`);
  const tmp = mkdtempSync(join(tmpdir(), "virel-jupyter-"));
  try {
    const virel = join(root, "bin", "virel.js");
    const install = spawnSync(process.execPath, [virel, "kernel", "install", "--prefix", join(tmp, "prefix")], {
      cwd: root,
      encoding: "utf8",
    });
    if (install.status !== 0) {
      console.error(`extra tests: kernel install failed:\n${install.stdout}${install.stderr}`);
      return 1;
    }
    const env = {
      ...process.env,
      JUPYTER_PATH: join(tmp, "prefix", "share", "jupyter"),
      JUPYTER_DATA_DIR: join(tmp, "data"),
      JUPYTER_RUNTIME_DIR: join(tmp, "runtime"),
      JUPYTER_CONFIG_DIR: join(tmp, "config"),
      VIREL_NODE: process.execPath,
      VIREL_ROOT: root,
      PYTHONDONTWRITEBYTECODE: "1",
    };
    const r = spawnSync(PYTHON, ["-m", "pytest", "-q", "-p", "no:cacheprovider", join(root, "test", "python")], {
      cwd: tmp,
      env,
      stdio: "inherit",
    });
    return r.status ?? 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
