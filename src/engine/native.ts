/**
 * The optional native CBLAS matmul kernels for the tfjs wasm backend.
 *
 * `installNativeKernels()` loads the N-API addon built at install time (native/, scripts/build-native.mjs) and
 * registers it as the wasm backend's BatchMatMul and _FusedMatMul kernels; the stock kernels stay referenced
 * and serve whatever the native path does not cover. When the addon is missing (no CBLAS at install time, a
 * failed build) or `VIREL_NATIVE=0` is set, the pure wasm path runs — with transposed products materialised
 * before the stock (XNNPACK) kernel (wasm-explicit-transpose.ts) and the stock _FusedMatMul's bias bug
 * corrected (wasm-fused-matmul-fix.ts).
 *
 * On both paths it also installs zero-copy Identity / same-dtype Cast kernels (wasm-zero-copy.ts).
 *
 * Switches (read through settings.ts): `VIREL_NATIVE=0` forces the pure wasm path; `VIREL_BLAS_THREADS=n` sets
 * the BLAS thread count (default 1: the products here are small, and one thread is what the PyTorch peer is
 * measured with); `VIREL_WASM_FASTPATHS=0` keeps the stock copying Identity/Cast.
 *
 * Everything here reaches tfjs internals through tfjs-internals.ts; with a tfjs other than 4.22.0 nothing is
 * installed and the stock wasm kernels run (the status says why).
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { makeBatchMatMul, makeFusedMatMul } from "./native-kernels";
import { nativeCounters, wasmGemmCounters } from "./native-addon";
export { isOurNativeGemm, nativeGemmMode } from "./native-addon";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { tryWasmGemmBlas } from "./wasm-gemm-blas";
import type { BlasAddon } from "./native-addon";
import { resolvedProductLanes, setting } from "./settings";
import { isWasmBackend, replaceKernel, restoreKernel, tfjsInternalsProblem } from "./tfjs-internals";
import { makeFixedFusedMatMul } from "./wasm-fused-matmul-fix";
import { makeExplicitTranspose } from "./wasm-explicit-transpose";
import { FASTPATH_KERNELS, makeSharedCast, makeSharedIdentity } from "./wasm-zero-copy";

export { nativeCounters, wasmGemmCounters } from "./native-addon";
export { withConcurrentProducts } from "./native-kernels";

/** The wasm backend's instance when it is registered and initialised, else null. */
function wasmBackendInstance(): BackendWasm | null {
  try {
    const backend = tf.findBackend("wasm");
    return isWasmBackend(backend) ? backend : null;
  } catch {
    return null;
  }
}

/**
 * CONTRACT: registers the optional native CBLAS matmul kernels on the tfjs wasm backend. Call after
 * `tf.setBackend("wasm")` is ready (src/engine/backend.ts does).
 */
export interface NativeStatus {
  /** True when the native BatchMatMul/_FusedMatMul kernels are registered and in use. */
  loaded: boolean;
  /** Why they are not in use (when `loaded` is false). */
  reason?: string;
  /** The BLAS library the addon was built against, when known. */
  library?: string;
  /**
   * On the pure wasm path: true when the products run in our WebAssembly SIMD GEMM (src/engine/wasm-gemm.ts),
   * false when in tfjs-backend-wasm's XNNPACK kernels (`VIREL_WASM_GEMM=0`, or no SIMD / wasm backend yet).
   */
  wasmGemm?: boolean;
  /**
   * On the native path: what computes the products — our kernels ("AVX-512F 8×32", "AVX2+FMA 6×16";
   * native/src/virel_gemm.c) or "BLAS" (the library's sgemm), per `VIREL_NATIVE_GEMM`; with a note when the
   * asked-for kernel is not supported by this CPU and another was used.
   */
  gemm?: string;
}

/** The kernels the addon replaces on the 'wasm' backend. */
export const NATIVE_KERNELS = ["BatchMatMul", "_FusedMatMul"] as const;

/** Where the install-time build puts the addon, relative to the package root. */
export const ADDON_RELATIVE_PATH = join("native", "build", "Release", "virel_blas.node");

/** How to get the native kernels when they are missing (printed by `virel doctor`). */
export const NATIVE_FIX =
  "install a CBLAS (Debian/Ubuntu: `apt-get install libopenblas-dev`; macOS: Xcode command line tools), " +
  "then rebuild with `node scripts/build-native.mjs` (or `npm rebuild virel`)";

interface Installed {
  /** The original stock kernel configs, restored by uninstallNativeKernels(). */
  stock: Map<string, tf.KernelConfig>;
  /** The addon, when the native kernels are registered. */
  addon: BlasAddon | null;
  /** Our wasm SIMD GEMM, when the pure wasm path's products run in it. */
  gemm: BlasAddon | null;
  /** What was asked for (native kernels or the pure wasm path; the zero-copy fast paths or not). */
  wantNative: boolean;
  fastPaths: boolean;
  wantWasmGemm: boolean;
  status: NativeStatus;
}

let installed: Installed | null = null;
let lastStatus: NativeStatus | null = null;

/** The package root: this file is src/engine/native.ts, compiled to dist/src/engine/native.js. */
function packageRoot(): string {
  for (const up of [join(__dirname, "..", ".."), join(__dirname, "..", "..", "..")]) {
    if (existsSync(join(up, "package.json")) && existsSync(join(up, "native"))) return up;
  }
  return join(__dirname, "..", "..", "..");
}

/** Absolute path of the built addon (which may not exist). */
export function addonPath(): string {
  return join(packageRoot(), ADDON_RELATIVE_PATH);
}

/**
 * Where a CBLAS header is on this machine (what the install-time build needs), or null: pkg-config's openblas
 * include dir, else the usual include dirs (multiarch included). Always "Accelerate" on macOS.
 */
export function findCblasHeader(): string | null {
  if (process.platform === "darwin") return "Accelerate";
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const dirs: string[] = [];
  const pc = spawnSync("pkg-config", ["--cflags", "openblas"], { encoding: "utf8" });
  if (pc.status === 0) {
    for (const f of (pc.stdout ?? "").trim().split(/\s+/)) if (f.startsWith("-I")) dirs.push(f.slice(2));
  }
  const multiarch = spawnSync("gcc", ["-print-multiarch"], { encoding: "utf8" }).stdout?.trim() ?? "";
  dirs.push("/usr/include", "/usr/local/include", "/usr/include/openblas");
  if (multiarch) dirs.push(join("/usr/include", multiarch));
  const dir = dirs.find((d) => existsSync(join(d, "cblas.h")));
  return dir === undefined ? null : join(dir, "cblas.h");
}

/**
 * What the install-time build of the addon lacks on this machine (a CBLAS header, a C compiler, make, Python
 * for node-gyp), or null when everything is there — i.e. when the native kernels are expected to load.
 */
export function missingBuildPrerequisite(): string | null {
  if (findCblasHeader() === null) return "a CBLAS header (cblas.h)";
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const runs = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
  if (!runs("cc", ["--version"]) && !runs("gcc", ["--version"]) && !runs("clang", ["--version"])) return "a C compiler";
  if (process.platform !== "win32" && !runs("make", ["--version"])) return "make";
  if (!runs("python3", ["--version"]) && !runs("python", ["--version"])) return "Python (for node-gyp)";
  return null;
}

/** Loads the addon, or returns why it cannot be loaded. */
export function loadAddon(): { addon: BlasAddon } | { reason: string } {
  const path = addonPath();
  if (!existsSync(path)) return { reason: `the native addon is not built (${path} is missing)` };
  try {
    const addon = require(path) as BlasAddon;
    if (typeof addon.sgemm !== "function" || typeof addon.info !== "function") {
      return { reason: `${path} is not the virel_blas addon` };
    }
    return { addon };
  } catch (err) {
    return { reason: `the native addon does not load: ${(err as Error).message.split("\n")[0]}` };
  }
}

/** BLAS threads from VIREL_BLAS_THREADS (default 1); throws on a bad value. */
function blasThreads(): number {
  return setting("blasThreads");
}

let lanes = 1;

/**
 * The threads independent products of one fused kernel run on (1 or 2): the native addon's lanes, or on the pure
 * wasm path our GEMM's (its second lane a worker thread); 1 on XNNPACK's products.
 */
export function productLanes(): number {
  // our GEMM says itself: its worker may have failed to start or stopped answering (then 1)
  if (installed?.gemm) return installed.gemm.info().lanes ?? 1;
  return installed?.addon ? lanes : 1;
}

/**
 * Sets the product lanes (`VIREL_PRODUCT_LANES` at start-up): 2 runs the independent products of a fused kernel
 * (src/engine/native-kernels.ts `withConcurrentProducts`) on two threads. Returns the lanes now in use (1 when
 * the native path is off or the addon predates lanes).
 */
export function setProductLanes(n: 1 | 2): number {
  if (n !== 1 && n !== 2) throw new Error(`product lanes must be 1 or 2, got ${String(n)}`);
  const addon = installed?.addon ?? installed?.gemm;
  if (!addon?.setLanes) return 1;
  addon.setLanes(n);
  lanes = n;
  return lanes;
}

/** The status of the last installNativeKernels() call. */
export function nativeStatus(): NativeStatus {
  if (lastStatus) return { ...lastStatus };
  if (!setting("native")) return { loaded: false, reason: "disabled by VIREL_NATIVE=0" };
  return { loaded: false, reason: "not installed (installNativeKernels() has not run)" };
}

/** Options of installNativeKernels(). */
export interface NativeOptions {
  /** Use the native kernels when they load (default true; `VIREL_NATIVE=0` always wins and forces false). */
  native?: boolean;
  /**
   * Zero-copy Identity and same-dtype Cast (wasm-zero-copy.ts), on either path (default true;
   * `VIREL_WASM_FASTPATHS=0` forces false).
   */
  fastPaths?: boolean;
  /**
   * On the pure wasm path, products in our WebAssembly SIMD GEMM (wasm-gemm.ts) rather than XNNPACK (default
   * true; `VIREL_WASM_GEMM=0` always wins and forces false).
   */
  wasmGemm?: boolean;
}

function register(name: string, like: tf.KernelConfig, kernelFunc: tf.KernelFunc): void {
  replaceKernel({ ...like, kernelName: name, backendName: "wasm" }, kernelFunc);
}

/**
 * Registers the wasm backend's matmul kernels: the native BatchMatMul/_FusedMatMul when the addon loads (and
 * `VIREL_NATIVE` is not 0); for what runs on stock wasm, the explicit-transpose wrappers of
 * wasm-explicit-transpose.ts and the corrected _FusedMatMul of wasm-fused-matmul-fix.ts; on every path the
 * zero-copy Identity/Cast of wasm-zero-copy.ts (unless `fastPaths: false`). Idempotent; a second call with other
 * options switches paths. With a tfjs other than 4.22.0 nothing is installed. Returns whether the native kernels
 * are in use and, if not, why. When the wasm backend is active it also checks one small product against its
 * closed form and backs out of the native kernels if the addon disagrees.
 */
export function installNativeKernels(options: NativeOptions = {}): NativeStatus {
  const versionProblem = tfjsInternalsProblem();
  if (versionProblem !== null) {
    uninstallNativeKernels();
    lastStatus = { loaded: false, reason: versionProblem };
    return { ...lastStatus };
  }
  const envOff = !setting("native");
  const wantNative = !envOff && options.native !== false;
  const fastPaths = setting("wasmFastpaths") && options.fastPaths !== false;
  const wantWasmGemm = setting("wasmGemm") && options.wasmGemm !== false;
  if (
    installed &&
    installed.wantNative === wantNative &&
    installed.fastPaths === fastPaths &&
    installed.wantWasmGemm === wantWasmGemm
  ) {
    return { ...installed.status };
  }
  uninstallNativeKernels();
  const stock = new Map<string, tf.KernelConfig>();
  for (const name of [...NATIVE_KERNELS, ...FASTPATH_KERNELS]) {
    const config = tf.getKernel(name, "wasm");
    if (!config) {
      lastStatus = {
        loaded: false,
        reason: `the wasm backend has no stock ${name} kernel to replace (import @tensorflow/tfjs-backend-wasm first)`,
      };
      return { ...lastStatus };
    }
    stock.set(name, config);
  }
  const stockMatMul = stock.get("BatchMatMul") as tf.KernelConfig;
  const stockFused = stock.get("_FusedMatMul") as tf.KernelConfig;
  // The pure wasm kernels: stock, with transposed operands materialised first, and the fused bias bug fixed.
  const wasmMatMul = makeExplicitTranspose(stockMatMul.kernelFunc);
  const wasmFused = makeExplicitTranspose(makeFixedFusedMatMul(stockFused.kernelFunc));
  if (fastPaths) {
    const identity = stock.get("Identity") as tf.KernelConfig,
      cast = stock.get("Cast") as tf.KernelConfig;
    register("Identity", identity, makeSharedIdentity(identity.kernelFunc));
    register("Cast", cast, makeSharedCast(cast.kernelFunc));
  }
  const pureWasm = (why: string): NativeStatus => {
    let reason = why;
    const backend = wantWasmGemm ? wasmBackendInstance() : null;
    const made = backend === null ? null : tryWasmGemmBlas(backend);
    const gemm = made !== null && "blas" in made ? made.blas : null;
    if (made !== null && "reason" in made) reason = `${reason}; ${made.reason}`;
    if (gemm !== null) {
      register("BatchMatMul", stockMatMul, makeBatchMatMul(gemm, wasmMatMul, wasmGemmCounters));
      register("_FusedMatMul", stockFused, makeFusedMatMul(gemm, wasmFused, wasmGemmCounters));
    } else {
      register("BatchMatMul", stockMatMul, wasmMatMul);
      register("_FusedMatMul", stockFused, wasmFused);
    }
    const status: NativeStatus = { loaded: false, reason, wasmGemm: gemm !== null };
    lanes = gemm?.setLanes ? resolvedProductLanes() : 1;
    gemm?.setLanes?.(lanes);
    installed = { stock, addon: null, gemm, wantNative, fastPaths, wantWasmGemm, status };
    lastStatus = installed.status;
    const problem = gemm !== null ? selfCheck(wasmGemmCounters) : null;
    if (problem !== null) {
      // our GEMM disagrees with the closed form: back out to the stock kernels
      register("BatchMatMul", stockMatMul, wasmMatMul);
      register("_FusedMatMul", stockFused, wasmFused);
      installed.status = { loaded: false, reason: `${reason}; ${problem}`, wasmGemm: false };
      gemm?.close?.();
      installed.gemm = null;
      lanes = 1;
      lastStatus = installed.status;
    }
    return { ...lastStatus };
  };
  if (!wantNative) return pureWasm(offReason(envOff));
  const threads = blasThreads();
  const loadedAddon = loadAddon();
  if ("reason" in loadedAddon) return pureWasm(loadedAddon.reason);
  const { addon } = loadedAddon;
  addon.setThreads(threads);
  const gemm = selectNativeGemm(addon);
  lanes = addon.setLanes ? resolvedProductLanes() : 1;
  addon.setLanes?.(lanes);
  register("BatchMatMul", stockMatMul, makeBatchMatMul(addon, wasmMatMul));
  register("_FusedMatMul", stockFused, makeFusedMatMul(addon, wasmFused));
  const info = addon.info();
  installed = {
    stock,
    addon,
    gemm: null,
    wantNative,
    fastPaths,
    wantWasmGemm,
    status: { loaded: true, library: info.library, gemm },
  };
  lastStatus = installed.status;
  const problem = selfCheck(nativeCounters);
  if (problem) {
    const status = pureWasm(problem);
    lastStatus = { ...status, library: info.library };
    return { ...lastStatus };
  }
  return { ...installed.status };
}

/**
 * Picks the native products' kernel from `VIREL_NATIVE_GEMM` (addons built before our kernels: the BLAS). A
 * kernel this CPU lacks falls back to the best it has, said in the returned name.
 */
function selectNativeGemm(addon: BlasAddon): string {
  if (addon.setGemm === undefined) return "BLAS";
  const mode = setting("nativeGemm");
  try {
    return addon.setGemm(mode);
  } catch (err) {
    const used = addon.setGemm("auto");
    return `${used} (VIREL_NATIVE_GEMM=${mode}: ${(err as Error).message.replace(/^setGemm: /, "")})`;
  }
}

function offReason(envOff: boolean): string {
  return envOff ? "disabled by VIREL_NATIVE=0" : "disabled by installNativeKernels({ native: false })";
}

/** Restores the original stock wasm kernels (no native kernels, no fix, no fast paths): for side-by-side tests. */
export function uninstallNativeKernels(): void {
  if (!installed) return;
  for (const config of installed.stock.values()) restoreKernel(config);
  installed.gemm?.close?.();
  installed = null;
}

/** The BLAS library and thread count of the loaded addon, or null when the native kernels are not in use. */
export function nativeBlasInfo(): ReturnType<BlasAddon["info"]> | null {
  return installed?.addon ? installed.addon.info() : null;
}

/**
 * The native addon when its kernels are active and it has the fused update's elementwise passes (adam, polyak,
 * reluMask), else null (the fused kernels then use their WebAssembly SIMD loops).
 */
export function nativeElementwise(): Required<Pick<BlasAddon, "adam" | "polyak" | "reluMask">> | null {
  const a = installed?.addon;
  if (!a || !installed?.status.loaded || !a.adam || !a.polyak || !a.reluMask) return null;
  return a as Required<Pick<BlasAddon, "adam" | "polyak" | "reluMask">>;
}

/**
 * Our wasm SIMD GEMM's description, lanes and the products its second lane has run, or null when the pure wasm
 * path's products are not in it (the native path, XNNPACK).
 */
export function wasmGemmInfo(): { library: string; threads: number; lanes?: number; laneBlocks?: number } | null {
  return installed?.gemm ? installed.gemm.info() : null;
}

/**
 * Checks `[[1,2,3],[4,5,6]] · [[1,3,5],[2,4,6]]ᵀ = [[22,28],[49,64]]` through the registered kernel (wasm active),
 * which must count the call in `counters`.
 */
function selfCheck(counters: { native: number }): string | null {
  if (tf.getBackend() !== "wasm") return null;
  const before = counters.native;
  const got = tf.tidy(() => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([1, 3, 5, 2, 4, 6], [2, 3]);
    return tf.matMul(a, b, false, true).dataSync();
  });
  const want = [22, 28, 49, 64];
  const which = counters === nativeCounters ? "native" : "wasm GEMM";
  if (counters.native === before) return `the ${which} kernel was registered but tfjs did not call it`;
  if (got.length !== 4 || want.some((w, i) => Math.abs((got[i] as number) - w) > 1e-4)) {
    return `the ${which} self-check got [${Array.from(got).join(", ")}], expected [22, 28, 49, 64]`;
  }
  return null;
}
