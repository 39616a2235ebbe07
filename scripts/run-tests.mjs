// Runs the whole suite: every compiled test file under dist/test with node's test runner, then the extra
// suites registered in scripts/extra-tests.mjs (e.g. Jupyter's own kernel tests). Usage:
//   node scripts/run-tests.mjs [substring…]   (only test files whose path contains one of the substrings)
import { readdirSync, statSync, existsSync } from "node:fs";
import { join, relative, dirname } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const filters = process.argv.slice(2);
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}
const testDir = join(root, "dist", "test");
if (!existsSync(testDir)) {
  console.error("run-tests: dist/test is missing; run `npm run build` first");
  process.exit(1);
}
const files = walk(testDir)
  .map((p) => relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`run-tests: no test files match ${JSON.stringify(filters)}`);
  process.exit(1);
}
const concurrency = process.env.VIREL_TEST_CONCURRENCY ?? "2";
const r = spawnSync(process.execPath, ["--test", `--test-concurrency=${concurrency}`, ...files], {
  cwd: root,
  stdio: "inherit",
  // test files run side by side: one product lane each unless asked (a second lane per file would only contend)
  env: { VIREL_PRODUCT_LANES: "1", ...process.env, VIREL_TEST: "1" },
});
let status = r.status ?? 1;
const extraPath = join(root, "scripts", "extra-tests.mjs");
if (filters.length === 0 && existsSync(extraPath)) {
  const { runExtraTests } = await import(extraPath);
  const extra = await runExtraTests(root);
  if (extra !== 0) status = status || extra;
}
process.exit(status);
