/**
 * TensorFlow.js backend selection, loaded lazily.
 *
 * Importing the library never loads tfjs (a notebook kernel must start fast); the first call to
 * {@link ready} (or {@link tf}) loads it and picks a backend:
 *
 *   auto: `@tensorflow/tfjs-node-gpu` → `@tensorflow/tfjs-node` → webgpu on a hardware adapter → wasm → cpu
 *   (the first that loads; a software WebGPU device such as lavapipe is skipped: it emulates a GPU on the CPU),
 *
 * or the one named by `ready("wasm")`, the CLI's `--backend`, or the `VIREL_BACKEND` environment variable
 * (read through settings.ts).
 * A backend that was asked for by name and cannot load is an error that says how to install it.
 * After the wasm backend is ready the optional native BLAS kernels are installed (src/engine/native.ts).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { NativeStatus } from "./native";
import type { WebGpuAdapter } from "./webgpu";
import { BACKENDS, parseBackend, setting } from "./settings";

/** The full tfjs namespace type (internal: the public declarations must not import tfjs, see {@link TfLite}). */
type Tf = typeof tfjs;

/**
 * The part of the tfjs namespace that {@link tf} is typed with by default. Declared here, not imported, so that
 * the library's public declarations never pull in tfjs's ≈ 600 declaration files (each notebook kernel
 * type-checks them at startup: ≈ 0.45 s). For the full namespace type, name it:
 * `virel.engine.tf<typeof import("@tensorflow/tfjs")>()` — or `import * as tf from "@tensorflow/tfjs"`.
 */
export interface TfLite {
  /** Versions of the tfjs packages (`tfjs-core`, …). */
  readonly version: { readonly [pkg: string]: string };
  /** Live tensors and bytes (a leak check: `numTensors` unchanged across an update). */
  memory(): { numTensors: number; numDataBuffers: number; numBytes: number; unreliable?: boolean };
  /** tfjs's backend name (`wasm`, `cpu`, `tensorflow`). */
  getBackend(): string;
  /** Resolves on the next animation frame / macrotask (lets a long loop yield). */
  nextFrame(): Promise<void>;
}

/** Backend names accepted by {@link ready}, `--backend` and `VIREL_BACKEND`. */
export const BACKEND_NAMES = BACKENDS;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Which backend runs, and how it was chosen. */
export interface BackendInfo {
  /** The user-facing name (`tfjs-node-gpu`, `tfjs-node`, `webgpu`, `wasm`, `cpu`). */
  readonly name: Exclude<BackendName, "auto">;
  /** tfjs's own backend name (`tensorflow`, `wasm`, `cpu`). */
  readonly tfBackend: string;
  /** The tfjs version. */
  readonly tfjsVersion: string;
  /** How it was chosen: `requested` (argument/flag), `env` (VIREL_BACKEND) or `auto`. */
  readonly chosenBy: "requested" | "env" | "auto";
  /** Native BLAS kernels on the wasm backend (only for wasm). */
  readonly native?: NativeStatus;
  /** The WebGPU adapter (only for webgpu). */
  readonly adapter?: WebGpuAdapter;
  /** Backends that auto-selection tried and skipped, with the reason. */
  readonly skipped: readonly string[];
}

const INSTALL: Record<Exclude<BackendName, "auto">, string> = {
  "tfjs-node-gpu":
    "install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0` (needs a CUDA-capable GPU, CUDA and cuDNN)",
  "tfjs-node": "install it with `npm install @tensorflow/tfjs-node@4.22.0` (downloads libtensorflow; needs network)",
  webgpu:
    "install the optional packages (`npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0`) and a Vulkan driver " +
    "(a GPU vendor's; or the software device lavapipe: Debian 12 `apt-get install -t bookworm-backports mesa-vulkan-drivers`)",
  wasm: "reinstall the dependencies (`npm ci`): @tensorflow/tfjs-backend-wasm is a regular dependency",
  cpu: "reinstall the dependencies (`npm ci`): @tensorflow/tfjs is a regular dependency",
};

let tfModule: Tf | null = null;
let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/**
 * The tfjs namespace, loaded on first use (no backend is chosen until {@link ready}). Typed {@link TfLite} unless
 * the full type is named: `tf<typeof import("@tensorflow/tfjs")>()` (an assertion: `T` is not checked).
 */
export function tf<T extends object = TfLite>(): T {
  if (tfModule === null) {
    tfModule = require("@tensorflow/tfjs") as Tf;
  }
  return tfModule as unknown as T;
}

/** Whether tfjs has been loaded in this process (it is not at `require("virel")` time). */
export function isLoaded(): boolean {
  return tfModule !== null;
}

/** The backend in use, or null when {@link ready} has not finished yet. */
export function currentBackend(): BackendInfo | null {
  return current;
}

/** Parse a backend name (from a flag or VIREL_BACKEND); the error names the field and the value. */
export function parseBackendName(value: string, field = "backend"): BackendName {
  return parseBackend(value, field);
}

async function tryNode(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node"): Promise<void> {
  // tfjs-node registers the `tensorflow` backend on the shared tfjs-core engine when it is required.
  require(pkg);
  const t = tf<Tf>();
  if (!(await t.setBackend("tensorflow"))) throw new Error(`${pkg} loaded but the tensorflow backend did not start`);
}

async function tryWasm(): Promise<NativeStatus> {
  require("@tensorflow/tfjs-backend-wasm");
  const t = tf<Tf>();
  if (!(await t.setBackend("wasm"))) throw new Error("the wasm backend did not initialise");
  await t.ready();
  const native = require("./native") as typeof import("./native");
  try {
    return native.installNativeKernels();
  } catch (err) {
    return { loaded: false, reason: `native kernels failed: ${(err as Error).message}` };
  }
}

async function tryCpu(): Promise<void> {
  const t = tf<Tf>();
  if (!(await t.setBackend("cpu"))) throw new Error("the cpu backend did not initialise");
}

/** Starts webgpu; in auto-selection (`hardwareOnly`) a software adapter is refused with the reason. */
async function tryWebGpu(hardwareOnly: boolean): Promise<WebGpuAdapter> {
  const webgpu = require("./webgpu") as typeof import("./webgpu");
  const probe = await webgpu.probeWebGpu();
  if (!probe.available || probe.adapter === undefined) throw new Error(probe.reason ?? "no WebGPU adapter");
  if (hardwareOnly && probe.adapter.software) {
    throw new Error(
      `only a software adapter (${probe.adapter.description || probe.adapter.architecture}); ` +
        "auto-selection uses webgpu on a hardware GPU only (ask for it with --backend webgpu)",
    );
  }
  return webgpu.startWebGpu(tf<Tf>());
}

async function start(
  name: Exclude<BackendName, "auto">,
  auto = false,
): Promise<{ native?: NativeStatus; adapter?: WebGpuAdapter }> {
  switch (name) {
    case "webgpu":
      return { adapter: await tryWebGpu(auto) };
    case "tfjs-node-gpu":
      await tryNode("@tensorflow/tfjs-node-gpu");
      return {};
    case "tfjs-node":
      await tryNode("@tensorflow/tfjs-node");
      return {};
    case "wasm":
      return { native: await tryWasm() };
    case "cpu":
      await tryCpu();
      return {};
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split("\n")[0] ?? "";
}

async function select(requested: BackendName | undefined): Promise<BackendInfo> {
  const envValue = setting("backend");
  let want: BackendName = "auto";
  let chosenBy: BackendInfo["chosenBy"] = "auto";
  if (requested !== undefined && requested !== "auto") {
    want = parseBackendName(requested);
    chosenBy = "requested";
  } else if (requested === undefined && envValue !== undefined) {
    want = envValue;
    chosenBy = want === "auto" ? "auto" : "env";
  }
  const t = tf<Tf>();
  const info = (
    name: Exclude<BackendName, "auto">,
    started: { native?: NativeStatus; adapter?: WebGpuAdapter },
    skipped: string[],
  ): BackendInfo => ({
    name,
    tfBackend: t.getBackend(),
    tfjsVersion: t.version.tfjs,
    chosenBy,
    ...(started.native !== undefined ? { native: started.native } : {}),
    ...(started.adapter !== undefined ? { adapter: started.adapter } : {}),
    skipped,
  });
  if (want !== "auto") {
    try {
      return info(want, await start(want), []);
    } catch (err) {
      throw new Error(`backend ${JSON.stringify(want)} is not available (${firstLine(err)}); ${INSTALL[want]}`, {
        cause: err,
      });
    }
  }
  const skipped: string[] = [];
  for (const name of ["tfjs-node-gpu", "tfjs-node", "webgpu", "wasm", "cpu"] as const) {
    try {
      return info(name, await start(name, true), skipped);
    } catch (err) {
      skipped.push(`${name}: ${firstLine(err)}`);
    }
  }
  throw new Error(`no tfjs backend could start (${skipped.join("; ")})`);
}

/**
 * Load tfjs and start a backend (once per process; later calls return the same backend).
 * @param requested a backend name or "auto"; when omitted, VIREL_BACKEND decides, else auto-selection.
 */
export async function ready(requested?: BackendName | string): Promise<BackendInfo> {
  const req = requested === undefined ? undefined : parseBackendName(requested);
  if (current !== null) {
    if (req !== undefined && req !== "auto" && req !== current.name) {
      throw new Error(
        `backend ${JSON.stringify(req)} was requested but ${JSON.stringify(current.name)} is already running in this process`,
      );
    }
    return current;
  }
  if (pending === null) {
    pending = select(req).then(
      (info) => {
        current = info;
        return info;
      },
      (err: unknown) => {
        pending = null;
        throw err;
      },
    );
  }
  return pending;
}

/** A one-line description, e.g. `wasm (auto; native BLAS: no — not built)`. */
export function describeBackend(info: BackendInfo): string {
  let s = `${info.name} (tfjs ${info.tfjsVersion}, ${info.chosenBy}`;
  if (info.adapter !== undefined)
    s += `, ${info.adapter.software ? "software" : "hardware"} adapter ${info.adapter.description || info.adapter.vendor}`;
  if (info.native !== undefined)
    s += info.native.loaded
      ? `, native BLAS${info.native.library ? ` ${info.native.library.split(" ").slice(0, 2).join(" ")}` : ""}`
      : info.native.wasmGemm === true
        ? ", no native BLAS, wasm SIMD GEMM"
        : ", no native BLAS";
  return s + ")";
}
