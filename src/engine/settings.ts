/**
 * Every `VIREL_*` environment switch, declared once: name, meaning, accepted values, default and who reads it.
 *
 * The library reads these switches only through this module ({@link setting}); a bad value is an error naming
 * the variable and the value (`VIREL_NATIVE must be one of 0, 1, got "maybe"`). `virel doctor` prints them all
 * ({@link describeSettings}); docs/engine.md has the same table.
 *
 * Switches marked `build` are read by scripts/build-native.mjs at install time (plain Node, before the
 * TypeScript is compiled), and those marked `tests` by the test runner scripts; they are declared here so that
 * doctor and the docs show them, and their values are validated the same way.
 */

import * as os from "node:os";

/** What part of the project a switch steers. */
export type SettingScope = "runtime" | "build" | "tests";

/** One declared switch. */
export interface SettingSpec<T> {
  /** The environment variable. */
  readonly env: string;
  /** What it steers. */
  readonly meaning: string;
  /** The accepted values, as shown to users. */
  readonly values: string;
  /** The value when unset or empty, as shown to users. */
  readonly defaultText: string;
  /** Where it is read. */
  readonly scope: SettingScope;
  readonly readBy: string;
  /** Parses the raw value (never called with undefined or ""); throws with a message naming env and value. */
  readonly parse: (raw: string) => T;
  /** The value when unset or empty. */
  readonly fallback: T;
}

/** Backend names (src/engine/backend.ts re-exports them as BACKEND_NAMES). */
export const BACKENDS = ["auto", "tfjs-node-gpu", "tfjs-node", "webgpu", "wasm", "cpu"] as const;
const BACKEND_ALIASES: Readonly<Record<string, (typeof BACKENDS)[number]>> = {
  node: "tfjs-node",
  "node-gpu": "tfjs-node-gpu",
  gpu: "tfjs-node-gpu",
  tensorflow: "tfjs-node",
};

/** Parses a backend name or alias; the error names `field` and the value. */
export function parseBackend(value: string, field: string): (typeof BACKENDS)[number] {
  const v = value.trim().toLowerCase();
  const name = BACKEND_ALIASES[v] ?? v;
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new Error(`${field} must be one of ${BACKENDS.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return name as (typeof BACKENDS)[number];
}

function bad(env: string, expected: string, raw: string): Error {
  return new Error(`${env} must be ${expected}, got ${JSON.stringify(raw)}`);
}

/** A 0/1 switch (also accepts true/false, on/off, yes/no, any case). */
function onOff(env: string): (raw: string) => boolean {
  return (raw) => {
    const v = raw.trim().toLowerCase();
    if (["1", "true", "on", "yes"].includes(v)) return true;
    if (["0", "false", "off", "no"].includes(v)) return false;
    throw bad(env, "0 or 1 (or true/false, on/off, yes/no)", raw);
  };
}

function positiveInt(env: string, max: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw.trim());
    if (!Number.isInteger(n) || n < 1 || n > max) throw bad(env, `an integer from 1 to ${max}`, raw);
    return n;
  };
}

function spec<T>(s: SettingSpec<T>): SettingSpec<T> {
  return s;
}

/** The declared switches, keyed by the name the code uses. */
export const SETTINGS = {
  backend: spec<(typeof BACKENDS)[number] | undefined>({
    env: "VIREL_BACKEND",
    meaning: "the tfjs backend when none is requested (`--backend`, `engine.ready(name)`)",
    values: `${BACKENDS.join(", ")} (aliases: node, node-gpu, gpu, tensorflow)`,
    defaultText: "auto (tfjs-node-gpu → tfjs-node → webgpu on a hardware adapter → wasm → cpu)",
    scope: "runtime",
    readBy: "src/engine/backend.ts",
    parse: (raw) => parseBackend(raw, "VIREL_BACKEND"),
    fallback: undefined,
  }),
  native: spec<boolean>({
    env: "VIREL_NATIVE",
    meaning:
      "use the native CBLAS matmul kernels on the wasm backend (0: the pure wasm path); at install time, 0 skips building the addon",
    values: "0, 1",
    defaultText: "1",
    scope: "runtime",
    readBy: "src/engine/native.ts, scripts/build-native.mjs",
    parse: onOff("VIREL_NATIVE"),
    fallback: true,
  }),
  blasThreads: spec<number>({
    env: "VIREL_BLAS_THREADS",
    meaning: "threads of the BLAS library behind the native kernels",
    values: "1–256",
    defaultText: "1 (the products are small; the PyTorch peer is measured on one thread too)",
    scope: "runtime",
    readBy: "src/engine/native.ts",
    parse: positiveInt("VIREL_BLAS_THREADS", 256),
    fallback: 1,
  }),
  nativeGemm: spec<"auto" | "avx512" | "avx2" | "blas">({
    env: "VIREL_NATIVE_GEMM",
    meaning:
      "the native path's product kernels: ours (native/src/virel_gemm.c: AVX-512F or AVX2+FMA micro-kernels picked from the CPU, row-invariant, unaffected by OPENBLAS_CORETYPE) or the BLAS library's sgemm",
    values: "auto, avx512, avx2, blas",
    defaultText:
      "auto (ours with the best kernel the CPU supports; the BLAS where it has neither AVX-512F nor AVX2+FMA)",
    scope: "runtime",
    readBy: "src/engine/native.ts",
    parse: (raw) => {
      const v = raw.trim().toLowerCase();
      if (v === "auto" || v === "avx512" || v === "avx2" || v === "blas") return v;
      throw bad("VIREL_NATIVE_GEMM", "auto, avx512, avx2 or blas", raw);
    },
    fallback: "auto",
  }),
  productLanes: spec<"auto" | 1 | 2>({
    env: "VIREL_PRODUCT_LANES",
    meaning:
      "threads for independent matrix products of the fused update, on the native path and on the pure wasm path's own GEMM (the twin Q networks' passes run side by side, each product single-threaded: results bit-identical); auto: 2 where this process may use 2+ cores",
    values: "auto, 1, 2",
    defaultText:
      "auto (2 with 2+ usable cores, else 1; `virel experiment run` / `virel sweep` give their children 1 when they run more at once than half the cores)",
    scope: "runtime",
    readBy: "src/engine/native.ts",
    parse: (raw) => {
      const v = raw.trim().toLowerCase();
      if (v === "auto") return "auto";
      if (v === "1" || v === "2") return Number(v) as 1 | 2;
      throw bad("VIREL_PRODUCT_LANES", "auto, 1 or 2", raw);
    },
    fallback: "auto",
  }),
  wasmFastpaths: spec<boolean>({
    env: "VIREL_WASM_FASTPATHS",
    meaning: "zero-copy Identity / same-dtype Cast kernels on the wasm backend (src/engine/wasm-zero-copy.ts)",
    values: "0, 1",
    defaultText: "1",
    scope: "runtime",
    readBy: "src/engine/native.ts",
    parse: onOff("VIREL_WASM_FASTPATHS"),
    fallback: true,
  }),
  wasmGemm: spec<boolean>({
    env: "VIREL_WASM_GEMM",
    meaning:
      "on the pure wasm path, matrix products in our WebAssembly SIMD GEMM (src/engine/wasm-gemm.ts); 0: tfjs-backend-wasm's own XNNPACK kernels",
    values: "0, 1",
    defaultText: "1",
    scope: "runtime",
    readBy: "src/engine/native.ts",
    parse: onOff("VIREL_WASM_GEMM"),
    fallback: true,
  }),
  fastUpdate: spec<boolean>({
    env: "VIREL_FAST_UPDATE",
    meaning:
      "the fused update (one engine call per MLP pass, Adam, Polyak) where the backend supports it; 0: the reference autodiff update",
    values: "0, 1",
    defaultText: "1",
    scope: "runtime",
    readBy: "src/agents (the fused update rule)",
    parse: onOff("VIREL_FAST_UPDATE"),
    fallback: true,
  }),
  fastSimd: spec<boolean>({
    env: "VIREL_FAST_SIMD",
    meaning:
      "WebAssembly SIMD loops for the fused update's elementwise work on the wasm heap (on the native path Adam, Polyak and the ReLU masks run in the addon instead); 0: the JavaScript loops everywhere (bit-identical)",
    values: "0, 1",
    defaultText: "1",
    scope: "runtime",
    readBy: "src/agents (the fused kernels' SIMD loops)",
    parse: onOff("VIREL_FAST_SIMD"),
    fallback: true,
  }),
  debug: spec<boolean>({
    env: "VIREL_DEBUG",
    meaning: "the CLI prints the stack trace of an error, not only its message",
    values: "0, 1",
    defaultText: "0",
    scope: "runtime",
    readBy: "src/cli/main.ts",
    parse: onOff("VIREL_DEBUG"),
    fallback: false,
  }),
  kernelNoWarmup: spec<boolean>({
    env: "VIREL_KERNEL_NO_WARMUP",
    meaning: "the Jupyter kernel skips its start-up warm-up (like `--no-warm-up`)",
    values: "0, 1",
    defaultText: "0",
    scope: "runtime",
    readBy: "src/jupyter/kernel/launcher.ts",
    parse: onOff("VIREL_KERNEL_NO_WARMUP"),
    fallback: false,
  }),
  blasLibs: spec<string | undefined>({
    env: "VIREL_BLAS_LIBS",
    meaning: "linker flags of the CBLAS to build the native addon against (skips pkg-config detection)",
    values: "linker flags, e.g. -lopenblas",
    defaultText: "(detected: pkg-config openblas; else cblas.h in the usual include dirs and -lopenblas)",
    scope: "build",
    readBy: "scripts/build-native.mjs",
    parse: (raw) => raw,
    fallback: undefined,
  }),
  blasCflags: spec<string | undefined>({
    env: "VIREL_BLAS_CFLAGS",
    meaning: "compiler flags for the CBLAS header, used with VIREL_BLAS_LIBS",
    values: "compiler flags, e.g. -I/opt/openblas/include",
    defaultText: "(empty)",
    scope: "build",
    readBy: "scripts/build-native.mjs",
    parse: (raw) => raw,
    fallback: undefined,
  }),
  testConcurrency: spec<number>({
    env: "VIREL_TEST_CONCURRENCY",
    meaning: "test files run at once by scripts/run-tests.mjs",
    values: "1–64",
    defaultText: "2",
    scope: "tests",
    readBy: "scripts/run-tests.mjs",
    parse: positiveInt("VIREL_TEST_CONCURRENCY", 64),
    fallback: 2,
  }),
  testVerbose: spec<number>({
    env: "VIREL_TEST_VERBOSE",
    meaning: "extra diagnostic lines from some tests (1, or 2 for per-tensor errors)",
    values: "0, 1, 2",
    defaultText: "0",
    scope: "tests",
    readBy: "test/agents/fast.test.ts",
    parse: (raw) => {
      const v = raw.trim();
      if (v !== "0" && v !== "1" && v !== "2") throw bad("VIREL_TEST_VERBOSE", "0, 1 or 2", raw);
      return Number(v);
    },
    fallback: 0,
  }),
  test: spec<boolean>({
    env: "VIREL_TEST",
    meaning:
      "test budgets: the tutorial notebooks run shorter trainings (set to 1 by scripts/run-tests.mjs and notebooks/render.mjs --test)",
    values: "0, 1",
    defaultText: "0",
    scope: "tests",
    readBy: "notebooks/src/*.md cells, test/notebooks",
    parse: onOff("VIREL_TEST"),
    fallback: false,
  }),
  testNode: spec<string | undefined>({
    env: "VIREL_NODE",
    meaning: "the node binary the Python-driven kernel tests start (set by scripts/extra-tests.mjs)",
    values: "a path",
    defaultText: "(node on PATH)",
    scope: "tests",
    readBy: "test/python/test_notebook_plot.py",
    parse: (raw) => raw,
    fallback: undefined,
  }),
  testRoot: spec<string | undefined>({
    env: "VIREL_ROOT",
    meaning: "the repository root for the Python-driven kernel tests (set by scripts/extra-tests.mjs)",
    values: "a path",
    defaultText: "(found from the test file)",
    scope: "tests",
    readBy: "test/python/test_notebook_plot.py",
    parse: (raw) => raw,
    fallback: undefined,
  }),
  testBin: spec<string | undefined>({
    env: "VIREL_TEST_BIN",
    meaning: "the bin/virel.js the run-integrity probes run against (another build)",
    values: "a path",
    defaultText: "(this checkout's bin/virel.js)",
    scope: "tests",
    readBy: "test/runs/integrity.test.ts",
    parse: (raw) => raw,
    fallback: undefined,
  }),
  codeServerVersion: spec<string | undefined>({
    env: "VIREL_CODE_SERVER_VERSION",
    meaning: "the code-server release the VS Code extension's browser test downloads",
    values: "a code-server version",
    defaultText: "(the pinned one in scripts/vscode/e2e.mjs)",
    scope: "tests",
    readBy: "scripts/vscode/e2e.mjs",
    parse: (raw) => raw,
    fallback: undefined,
  }),
  codeServerCache: spec<string | undefined>({
    env: "VIREL_CODE_SERVER_CACHE",
    meaning: "where the extension's browser test caches code-server",
    values: "a directory",
    defaultText: "(~/.cache/virel-code-server)",
    scope: "tests",
    readBy: "scripts/vscode/e2e.mjs",
    parse: (raw) => raw,
    fallback: undefined,
  }),
  chromium: spec<string | undefined>({
    env: "VIREL_CHROMIUM",
    meaning: "the Chromium the extension's browser test drives",
    values: "a path",
    defaultText: "(/usr/bin/chromium)",
    scope: "tests",
    readBy: "scripts/vscode/e2e.mjs",
    parse: (raw) => raw,
    fallback: undefined,
  }),
  skipPythonKernelTests: spec<boolean>({
    env: "VIREL_SKIP_PYTHON_KERNEL_TESTS",
    meaning: "skip the Python-driven Jupyter kernel tests (jupyter_kernel_test, nbclient) in scripts/extra-tests.mjs",
    values: "0, 1",
    defaultText: "0",
    scope: "tests",
    readBy: "scripts/extra-tests.mjs",
    parse: onOff("VIREL_SKIP_PYTHON_KERNEL_TESTS"),
    fallback: false,
  }),
} as const;

/** Cores this process may use (its CPU affinity: a Slurm allocation or taskset narrows it). */
export function usableCores(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** The product lanes `VIREL_PRODUCT_LANES` asks for: auto is 2 with 2+ usable cores, else 1. */
export function resolvedProductLanes(env: NodeJS.ProcessEnv = process.env): 1 | 2 {
  const v = setting("productLanes", env);
  return v === "auto" ? (usableCores() >= 2 ? 2 : 1) : v;
}

/**
 * The environment for one of `concurrent` training processes started side by side (experiment runner, sweep):
 * unless the user set `VIREL_PRODUCT_LANES`, each child gets 1 lane when two lanes per child would ask for more
 * threads than there are usable cores (a second lane per process would only contend).
 */
export function childTrainingEnv(concurrent: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const raw = env.VIREL_PRODUCT_LANES;
  if (raw !== undefined && raw.trim() !== "") return { ...env };
  return 2 * concurrent > usableCores() ? { ...env, VIREL_PRODUCT_LANES: "1" } : { ...env };
}

/** The code name of a switch (`native`, `blasThreads`, …). */
export type SettingName = keyof typeof SETTINGS;
/** The parsed type of a switch. */
export type SettingValue<K extends SettingName> = (typeof SETTINGS)[K] extends SettingSpec<infer T> ? T : never;

/**
 * The value of one switch, read from the environment now (so a test or a caller can change process.env).
 * Unset or empty gives the default; a bad value throws an error naming the variable and the value.
 */
export function setting<K extends SettingName>(name: K, env: NodeJS.ProcessEnv = process.env): SettingValue<K> {
  const s = SETTINGS[name] as unknown as SettingSpec<SettingValue<K>>;
  const raw = env[s.env];
  if (raw === undefined || raw.trim() === "") return s.fallback;
  return s.parse(raw);
}

/** One switch as doctor shows it. */
export interface SettingReport {
  readonly env: string;
  readonly scope: SettingScope;
  /** The raw value, or null when unset. */
  readonly raw: string | null;
  /** The value in effect, as text (the default when unset); absent when the raw value is invalid. */
  readonly effective?: string;
  /** Why the raw value is rejected. */
  readonly error?: string;
  readonly meaning: string;
  readonly values: string;
  readonly defaultText: string;
  readonly readBy: string;
}

/** Every declared switch with its raw and effective value (invalid values reported, not thrown). */
export function describeSettings(env: NodeJS.ProcessEnv = process.env): SettingReport[] {
  return (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const s = SETTINGS[name] as unknown as SettingSpec<unknown>;
    const raw = env[s.env];
    const base = {
      env: s.env,
      scope: s.scope,
      raw: raw ?? null,
      meaning: s.meaning,
      values: s.values,
      defaultText: s.defaultText,
      readBy: s.readBy,
    };
    try {
      const v = setting(name, env);
      const unset = raw === undefined || raw.trim() === "";
      const effective = !unset
        ? String(v)
        : s.defaultText.startsWith("(")
          ? `unset ${s.defaultText}`
          : `${s.defaultText.split(" (")[0] ?? ""} (default)`;
      return { ...base, effective };
    } catch (err) {
      return { ...base, error: (err as Error).message };
    }
  });
}

/** `VIREL_*` variables set in the environment that no switch declares (likely typos). */
export function unknownSettings(env: NodeJS.ProcessEnv = process.env): string[] {
  const known = new Set(Object.values(SETTINGS).map((s) => s.env));
  return Object.keys(env)
    .filter((k) => k.startsWith("VIREL_") && !known.has(k))
    .sort();
}
