/**
 * The `webgpu` backend: tfjs-backend-webgpu on Dawn's Node bindings (npm `webgpu`), both optional dependencies.
 *
 * {@link probeWebGpu} finds the WebGPU adapter (without loading tfjs) and says whether it is hardware or a
 * software device (lavapipe/llvmpipe, SwiftShader: a CPU emulation, for correctness tests, not for speed).
 * Auto-selection uses webgpu only on a hardware adapter (src/engine/backend.ts); `--backend webgpu` uses any.
 * {@link startWebGpu} installs the WebGPU globals, registers the backend, starts it, and replaces its
 * synchronous read with one that works on Node (tfjs-internals.ts: `installWebGpuSyncRead`).
 *
 * Vulkan (Linux) writes errors when XDG_RUNTIME_DIR is unset; it is set to the OS temp dir then.
 * Linux needs a Vulkan driver: a GPU vendor's, or lavapipe from Mesa ≥ 23 (Debian 12: bookworm-backports'
 * mesa-vulkan-drivers; Debian 12's own Mesa 22.3 lavapipe lacks features Dawn requires and gives no adapter).
 */
import { tmpdir } from "node:os";

/** The adapter, as WebGPU describes it. */
export interface WebGpuAdapter {
  /** e.g. `nvidia`, `mesa`. */
  readonly vendor: string;
  /** e.g. `ampere`, `software`. */
  readonly architecture: string;
  readonly device: string;
  /** e.g. `llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)`. */
  readonly description: string;
  /** True for a CPU emulation (fallback adapter, architecture `software`, llvmpipe/lavapipe/SwiftShader). */
  readonly software: boolean;
}

/** What {@link probeWebGpu} found. */
export interface WebGpuProbe {
  /** Whether an adapter was found (tfjs can run on it). */
  readonly available: boolean;
  readonly adapter?: WebGpuAdapter;
  /** Why there is no adapter (packages missing, no driver). */
  readonly reason?: string;
  /** How to get one, when there is none. */
  readonly fix?: string;
  /** Installed versions (`not installed` when absent). */
  readonly packages: { readonly webgpu: string; readonly tfjsBackendWebgpu: string };
}

/** How to install what the webgpu backend needs. */
export const WEBGPU_INSTALL =
  "install the optional packages (`npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0`) and a Vulkan " +
  "driver (a GPU vendor's; or the software device: Debian 12 `apt-get install -t bookworm-backports mesa-vulkan-drivers`)";

interface DawnModule {
  create(flags: string[]): { requestAdapter(opts?: object): Promise<AdapterLike | null> };
  globals: Record<string, unknown>;
}
interface AdapterLike {
  readonly info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  readonly isFallbackAdapter?: boolean;
}

function version(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

/** Whether an adapter description names a software device. */
export function isSoftwareAdapter(
  info: { architecture?: string; description?: string; device?: string },
  fallback: boolean,
): boolean {
  return (
    fallback ||
    info.architecture === "software" ||
    /llvmpipe|lavapipe|swiftshader|software/i.test(`${info.description ?? ""} ${info.device ?? ""}`)
  );
}

let dawn: DawnModule | null = null;

/** Loads Dawn, installs the WebGPU globals and `navigator.gpu` (once). Throws when `webgpu` is not installed. */
function installGlobals(): DawnModule {
  if (dawn !== null) return dawn;
  if (process.platform === "linux" && (process.env.XDG_RUNTIME_DIR ?? "") === "")
    process.env.XDG_RUNTIME_DIR = tmpdir();
  const mod = require("webgpu") as DawnModule;
  const g = globalThis as unknown as Record<string, unknown> & { navigator?: Record<string, unknown> };
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in g)) g[k] = v;
  if (g.navigator === undefined) g.navigator = {};
  if (g.navigator["gpu"] === undefined) {
    Object.defineProperty(g.navigator, "gpu", { value: mod.create([]), configurable: true, enumerable: true });
  }
  dawn = mod;
  return mod;
}

let probing: Promise<WebGpuProbe> | null = null;

/** Finds the WebGPU adapter (once per process; tfjs is not loaded). Never throws. */
export function probeWebGpu(): Promise<WebGpuProbe> {
  probing ??= (async (): Promise<WebGpuProbe> => {
    const packages = { webgpu: version("webgpu"), tfjsBackendWebgpu: version("@tensorflow/tfjs-backend-webgpu") };
    if (packages.webgpu === "not installed" || packages.tfjsBackendWebgpu === "not installed") {
      const missing = packages.webgpu === "not installed" ? "webgpu" : "@tensorflow/tfjs-backend-webgpu";
      return {
        available: false,
        reason: `the optional package ${missing} is not installed`,
        fix: WEBGPU_INSTALL,
        packages,
      };
    }
    try {
      installGlobals();
      const gpu = (
        globalThis as unknown as { navigator: { gpu: { requestAdapter(o?: object): Promise<AdapterLike | null> } } }
      ).navigator.gpu;
      const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
      if (adapter === null) {
        return {
          available: false,
          packages,
          reason: "no WebGPU adapter (no Vulkan driver Dawn accepts)",
          fix:
            "install a Vulkan driver: a GPU vendor's, or the software device (Debian 12: `apt-get install -t " +
            "bookworm-backports mesa-vulkan-drivers`; Debian 12's own Mesa 22.3 lavapipe is too old for Dawn)",
        };
      }
      const info = adapter.info ?? {};
      const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
      return {
        available: true,
        packages,
        adapter: {
          vendor: info.vendor ?? "",
          architecture: info.architecture ?? "",
          device: info.device ?? "",
          description: info.description ?? "",
          software: isSoftwareAdapter(info, fallback),
        },
      };
    } catch (err) {
      return {
        available: false,
        packages,
        reason: `Dawn did not start: ${String((err as Error)?.message ?? err).split("\n")[0]}`,
        fix: WEBGPU_INSTALL,
      };
    }
  })();
  return probing;
}

/** A one-line description of the adapter: `mesa software (llvmpipe: Mesa 25.0.7 …) — software device`. */
export function describeAdapter(a: WebGpuAdapter): string {
  const name = [a.vendor, a.architecture].filter((s) => s !== "").join(" ") || "unknown";
  return `${name}${a.description ? ` (${a.description})` : ""} — ${a.software ? "software device (CPU emulation)" : "hardware"}`;
}

/**
 * Starts tfjs's webgpu backend (the caller has loaded tfjs) and makes `dataSync` work on it. Throws with the
 * reason when there is no adapter.
 */
export async function startWebGpu(tf: {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  backend(): object;
}): Promise<WebGpuAdapter> {
  const probe = await probeWebGpu();
  if (!probe.available || probe.adapter === undefined) throw new Error(probe.reason ?? "no WebGPU adapter");
  require("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) throw new Error("setBackend('webgpu') returned false");
  await tf.ready();
  const internals = require("./tfjs-internals") as typeof import("./tfjs-internals");
  const native = require("./native") as typeof import("./native");
  const loaded = native.loadAddon();
  const pump =
    "addon" in loaded && typeof loaded.addon.pumpEvents === "function"
      ? loaded.addon.pumpEvents.bind(loaded.addon)
      : null;
  internals.installWebGpuSyncRead(tf.backend(), pump);
  return probe.adapter;
}
