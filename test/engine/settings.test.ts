/**
 * The VIREL_* switches (src/engine/settings.ts): defaults, accepted values, errors that name the variable and
 * the value, and that every VIREL_* name used anywhere in the repository is declared (so doctor shows it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import {
  SETTINGS,
  childTrainingEnv,
  describeSettings,
  resolvedProductLanes,
  setting,
  unknownSettings,
  usableCores,
} from "../../src/engine/settings";

test("unset or empty switches give their defaults", () => {
  const env = { VIREL_NATIVE: "" };
  assert.equal(setting("native", env), true);
  assert.equal(setting("blasThreads", env), 1);
  assert.equal(setting("backend", env), undefined);
  assert.equal(setting("wasmFastpaths", env), true);
  assert.equal(setting("fastUpdate", env), true);
  assert.equal(setting("fastSimd", env), true);
  assert.equal(setting("debug", env), false);
  assert.equal(setting("kernelNoWarmup", env), false);
  assert.equal(setting("testConcurrency", env), 2);
});

test("switch values are parsed: 0/1 and their spellings, integers, backend names and aliases", () => {
  assert.equal(setting("native", { VIREL_NATIVE: "0" }), false);
  assert.equal(setting("native", { VIREL_NATIVE: "off" }), false);
  assert.equal(setting("native", { VIREL_NATIVE: " TRUE " }), true);
  assert.equal(setting("debug", { VIREL_DEBUG: "1" }), true);
  assert.equal(setting("blasThreads", { VIREL_BLAS_THREADS: "4" }), 4);
  assert.equal(setting("backend", { VIREL_BACKEND: "WebGPU" }), "webgpu");
  assert.equal(setting("backend", { VIREL_BACKEND: "node" }), "tfjs-node");
  assert.equal(setting("testVerbose", { VIREL_TEST_VERBOSE: "2" }), 2);
});

test("a bad value is an error naming the variable and the value", () => {
  assert.throws(() => setting("native", { VIREL_NATIVE: "maybe" }), /VIREL_NATIVE must be 0 or 1.*got "maybe"/);
  assert.throws(
    () => setting("blasThreads", { VIREL_BLAS_THREADS: "0" }),
    /VIREL_BLAS_THREADS must be an integer from 1 to 256, got "0"/,
  );
  assert.throws(() => setting("blasThreads", { VIREL_BLAS_THREADS: "2.5" }), /VIREL_BLAS_THREADS.*got "2.5"/);
  assert.throws(
    () => setting("backend", { VIREL_BACKEND: "metal" }),
    /VIREL_BACKEND must be one of auto, tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu, got "metal"/,
  );
  const rows = describeSettings({ VIREL_BLAS_THREADS: "x", VIREL_NATIVE: "0" });
  const threads = rows.find((r) => r.env === "VIREL_BLAS_THREADS");
  assert.match(threads?.error ?? "", /got "x"/);
  assert.equal(threads?.effective, undefined);
  assert.equal(rows.find((r) => r.env === "VIREL_NATIVE")?.effective, "false");
  assert.equal(rows.find((r) => r.env === "VIREL_FAST_SIMD")?.effective, "1 (default)");
});

test("product lanes: auto is 2 with 2+ usable cores, 1 on one core; parallel children get 1 unless the user chose", () => {
  assert.equal(setting("productLanes", {}), "auto");
  assert.equal(setting("productLanes", { VIREL_PRODUCT_LANES: " AUTO " }), "auto");
  assert.equal(setting("productLanes", { VIREL_PRODUCT_LANES: "2" }), 2);
  assert.equal(resolvedProductLanes({ VIREL_PRODUCT_LANES: "1" }), 1);
  assert.equal(resolvedProductLanes({ VIREL_PRODUCT_LANES: "2" }), 2);
  assert.throws(
    () => setting("productLanes", { VIREL_PRODUCT_LANES: "3" }),
    /VIREL_PRODUCT_LANES must be auto, 1 or 2, got "3"/,
  );
  const cores = usableCores();
  assert.equal(resolvedProductLanes({}), cores >= 2 ? 2 : 1);
  // the affinity decides, not the machine's core count: pinned to one core, auto is 1 lane
  const probe = `const s = require(${JSON.stringify(join(__dirname, "..", "..", "src", "engine", "settings.js"))}); console.log(s.usableCores(), s.resolvedProductLanes({}))`;
  const pinned = spawnSync("taskset", ["-c", "0", process.execPath, "-e", probe], { encoding: "utf8" });
  if (pinned.error === undefined) assert.equal(pinned.stdout.trim(), "1 1", pinned.stderr);
  // children run side by side: 1 lane each when 2 per child would exceed the cores; the user's choice passes through
  assert.equal(childTrainingEnv(cores, { PATH: "/bin" }).VIREL_PRODUCT_LANES, "1");
  assert.equal(childTrainingEnv(1, { PATH: "/bin" }).VIREL_PRODUCT_LANES, cores >= 2 ? undefined : "1");
  assert.equal(childTrainingEnv(cores, { VIREL_PRODUCT_LANES: "2" }).VIREL_PRODUCT_LANES, "2");
  assert.equal(childTrainingEnv(cores, { PATH: "/bin" }).PATH, "/bin");
});

test("unknown VIREL_* variables are reported (typos)", () => {
  assert.deepEqual(unknownSettings({ VIREL_NATVE: "0", VIREL_NATIVE: "1", PATH: "/bin" }), ["VIREL_NATVE"]);
});

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mjs|js|py|md|sh|gyp)$/.test(name)) out.push(p);
  }
  return out;
}

test("every VIREL_* variable named in the repository's code, tests, scripts and notebooks is declared", () => {
  const root = join(__dirname, "..", "..", "..");
  const declared = new Set(Object.values(SETTINGS).map((s) => s.env));
  const used = new Map<string, string>();
  for (const dir of ["src", "scripts", "test", "bench", "native", "notebooks/src"]) {
    let files: string[];
    try {
      files = sources(join(root, dir));
    } catch {
      continue;
    }
    for (const f of files) {
      if (f.endsWith("settings.test.ts")) continue; // this file names typos on purpose
      for (const m of readFileSync(f, "utf8").matchAll(/\bVIREL_[A-Z][A-Z0-9_]*[A-Z0-9]\b/g)) used.set(m[0], f);
    }
  }
  assert.ok(used.has("VIREL_NATIVE") && used.has("VIREL_BACKEND"), "the scan finds the switches");
  // Not environment variables: VIREL_ACCELERATE is a C define of the addon build; VIREL_BLAS is the prefix in
  // "VIREL_BLAS_*"; VIREL_KEYS is a constant in src/agents/config.ts.
  const notEnv = new Set(["VIREL_ACCELERATE", "VIREL_BLAS", "VIREL_KEYS"]);
  const missing = [...used.keys()].filter((k) => !declared.has(k) && !notEnv.has(k));
  assert.deepEqual(
    missing.map((k) => `${k} (${used.get(k) ?? ""})`),
    [],
  );
});
