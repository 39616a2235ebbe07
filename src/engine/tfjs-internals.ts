/**
 * The ONE place that reaches into tfjs internals (not part of tfjs's public API), behind typed functions and a
 * version check.
 *
 * What is reached, and what for:
 * - the wasm backend's tensor table (`backend.dataIdMap.get(dataId).memoryOffset`): where a tensor lives on the
 *   wasm heap, so the native CBLAS kernels and the fused update's SIMD loops work in place;
 * - the wasm module's heap (`backend.wasm.HEAPU8.buffer`) and its `WebAssembly.Memory` (`backend.wasm.asm.memory`):
 *   handed to the native addon (the heap) and imported by the SIMD loops (the memory);
 * - `backend.incRef(dataId)`: the zero-copy Identity/Cast share their input's data;
 * - a stock kernel's `setupFunc`/`disposeFunc`, kept when a kernel is replaced (the wasm backend runs the stock
 *   setup — its cwrap of the wasm function — when it initialises after the replacement).
 *
 * These were written and tested against tfjs 4.22.0 (tfjs-core and tfjs-backend-wasm). With any other version
 * {@link tfjsInternalsProblem} says why, and the callers fall back: the native kernels, the wasm fixes and the
 * zero-copy kernels are not installed (stock tfjs runs), and the fused update uses its JavaScript loops through
 * public API only.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** The tfjs version these internals are written for. */
export const TFJS_INTERNALS_VERSION = "4.22.0";

function installedVersion(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

let checked: string | null | undefined;

/**
 * Null when the installed tfjs-core and tfjs-backend-wasm are the version these internals were written for;
 * else why not (e.g. `@tensorflow/tfjs-core is 4.23.0; the engine's internals need exactly 4.22.0`).
 */
export function tfjsInternalsProblem(): string | null {
  if (checked !== undefined) return checked;
  checked = null;
  for (const pkg of ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm"]) {
    const v = pkg === "@tensorflow/tfjs-core" ? tf.version_core : installedVersion(pkg);
    if (v !== TFJS_INTERNALS_VERSION) {
      checked = `${pkg} is ${v}; the engine's internals need exactly ${TFJS_INTERNALS_VERSION} (stock tfjs kernels run instead)`;
      break;
    }
  }
  return checked;
}

/** Throws {@link tfjsInternalsProblem} when there is one. */
export function assertTfjsInternals(): void {
  const p = tfjsInternalsProblem();
  if (p !== null) throw new Error(p);
}

/** For tests only: pretend another tfjs version is installed (null: re-check the real one). */
export function overrideTfjsVersionForTest(version: string | null): void {
  checked =
    version === null
      ? undefined
      : version === TFJS_INTERNALS_VERSION
        ? null
        : `@tensorflow/tfjs-core is ${version}; the engine's internals need exactly ${TFJS_INTERNALS_VERSION} (stock tfjs kernels run instead)`;
}

/** The private fields of the 4.22.0 wasm backend used here. */
interface WasmInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array; asm?: { memory?: unknown }; _malloc(bytes: number): number; _free(ptr: number): void };
  incRef?: (dataId: object) => void;
}

/** Whether `backend` is a tfjs wasm backend instance with the internals used here. */
export function isWasmBackend(backend: unknown): backend is BackendWasm {
  const b = backend as Partial<BackendWasm> | null;
  return b != null && typeof b.makeOutput === "function" && b.dataIdMap != null && b.wasm != null;
}

/** Byte offset of a tensor's data on the wasm heap (`dataIdMap.get(dataId).memoryOffset`). */
export function heapOffset(backend: BackendWasm, t: tf.TensorInfo): number {
  const entry = (backend as unknown as WasmInternals).dataIdMap.get(t.dataId);
  if (entry === undefined) throw new Error("heapOffset: the tensor is not on this wasm backend (disposed?)");
  return entry.memoryOffset;
}

/** The wasm heap's current ArrayBuffer (re-read after every allocation: a growing heap replaces it). */
export function heapBuffer(backend: BackendWasm): ArrayBuffer {
  return (backend as unknown as WasmInternals).wasm.HEAPU8.buffer as ArrayBuffer;
}

/**
 * Allocates `bytes` on the wasm heap outside tfjs's tensor table (the module's own `malloc`: scratch space for
 * wasm-gemm.ts); returns the byte offset (16-byte aligned). The heap may grow: re-read its buffer afterwards.
 */
export function heapMalloc(backend: BackendWasm, bytes: number): number {
  const ptr = (backend as unknown as WasmInternals).wasm._malloc(bytes);
  if (ptr === 0) throw new Error(`the wasm heap could not allocate ${bytes} bytes`);
  return ptr;
}

/** Frees what {@link heapMalloc} allocated. */
export function heapFree(backend: BackendWasm, ptr: number): void {
  (backend as unknown as WasmInternals).wasm._free(ptr);
}

/** The parts of the WebAssembly JavaScript API used here (the project compiles without the DOM lib). */
declare const WebAssembly: { Memory: abstract new (...args: never[]) => { readonly buffer: ArrayBuffer } };

/** The `WebAssembly.Memory` behind a wasm backend's heap, or null (other tfjs version, or not found). */
export function wasmMemory(backend: BackendWasm): { readonly buffer: ArrayBuffer } | null {
  if (tfjsInternalsProblem() !== null) return null;
  const memory = (backend as unknown as WasmInternals).wasm.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** Raises the reference count of `dataId` so a kernel output can share it; false when not possible. */
export function shareData(backend: unknown, dataId: object): boolean {
  const incRef = (backend as Partial<WasmInternals> | null)?.incRef;
  if (typeof incRef !== "function") return false;
  incRef.call(backend, dataId);
  return true;
}

/**
 * Replaces a registered kernel with `kernelFunc`, keeping the stock kernel's setupFunc/disposeFunc (the wasm
 * backend calls the stock setup — its cwrap of the wasm function — if it initialises later).
 */
export function replaceKernel(stock: tf.KernelConfig, kernelFunc: tf.KernelFunc): void {
  tf.unregisterKernel(stock.kernelName, stock.backendName);
  tf.registerKernel({
    kernelName: stock.kernelName,
    backendName: stock.backendName,
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc,
  });
}

/** Puts back a kernel config saved before {@link replaceKernel}. */
export function restoreKernel(stock: tf.KernelConfig): void {
  tf.unregisterKernel(stock.kernelName, stock.backendName);
  tf.registerKernel(stock);
}

// ---------------------------------------------------------------------------------------------------------------
// tfjs-backend-webgpu 4.22.0: a synchronous read for Node.
//
// The stock `readSync` of the webgpu backend copies through an OffscreenCanvas, which Node does not have, and
// WebGPU itself only maps buffers asynchronously. The learner reads small results synchronously (`dataSync`:
// the MSBE for β, actions, metrics), so on Node the backend's readSync is replaced by: copy the tensor's
// GPUBuffer into a staging buffer (as the backend's own async `getBufferData` does), start `mapAsync`, turn the
// event loop (`pump`, the native addon's uv_run NOWAIT) until the buffer is mapped, and cache the values on the
// CPU side as the stock read does. Private fields used: tensorMap, bufferManager.acquireBuffer/releaseBuffer,
// ensureCommandEncoderReady, endComputePassEncoder, commandEncoder, submitQueue, convertAndCacheOnCPU.

/** The private fields of the 4.22.0 webgpu backend used here. */
interface WebGpuInternals {
  tensorMap: { get(dataId: object): { values: unknown; dtype: string; resource: GpuBufferLike } | undefined };
  bufferManager: { acquireBuffer(size: number, usage: number): GpuBufferLike; releaseBuffer(b: GpuBufferLike): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  commandEncoder: {
    copyBufferToBuffer(src: GpuBufferLike, so: number, dst: GpuBufferLike, doff: number, size: number): void;
  };
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: unknown): void;
  readSync(dataId: object): unknown;
}

/** The parts of a GPUBuffer used here. */
interface GpuBufferLike {
  readonly size: number;
  readonly mapState: string;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}

const patchedReadSync = new WeakSet<object>();

/**
 * Replaces the webgpu backend's readSync with one that works on Node (see above). `pump` turns the event loop
 * once; null when the native addon (which provides it) is not available — then readSync throws saying so.
 * Idempotent per backend instance.
 */
export function installWebGpuSyncRead(backend: object, pump: (() => boolean) | null, timeoutMs = 120_000): void {
  assertTfjsInternals();
  if (patchedReadSync.has(backend)) return;
  const b = backend as unknown as WebGpuInternals;
  const stock = b.readSync.bind(b);
  const g = globalThis as unknown as {
    GPUBufferUsage: { COPY_DST: number; MAP_READ: number };
    GPUMapMode: { READ: number };
  };
  const pause = new Int32Array(new SharedArrayBuffer(4));
  b.readSync = (dataId: object): unknown => {
    const data = b.tensorMap.get(dataId);
    if (data === undefined) throw new Error("readSync: the tensor is not on the webgpu backend (disposed?)");
    if (data.values != null || data.dtype === "string" || data.dtype === "complex64") return stock(dataId);
    if (pump === null) {
      throw new Error(
        "a synchronous read (dataSync) on the webgpu backend needs the native addon's event-loop pump: " +
          "build it with `node scripts/build-native.mjs` (needs a CBLAS), or read with `await tensor.data()`",
      );
    }
    const size = data.resource.size;
    const staging = b.bufferManager.acquireBuffer(size, g.GPUBufferUsage.COPY_DST | g.GPUBufferUsage.MAP_READ);
    b.ensureCommandEncoderReady();
    b.endComputePassEncoder();
    b.commandEncoder.copyBufferToBuffer(data.resource, 0, staging, 0, size);
    b.submitQueue();
    let failure: unknown = null;
    staging.mapAsync(g.GPUMapMode.READ).catch((err: unknown) => {
      failure = err;
    });
    const deadline = Date.now() + timeoutMs;
    for (let turns = 0; staging.mapState !== "mapped"; turns++) {
      if (failure !== null) throw new Error(`readSync on webgpu: mapAsync failed: ${String(failure)}`);
      if (Date.now() > deadline)
        throw new Error(`readSync on webgpu: the buffer was not mapped within ${timeoutMs} ms`);
      pump();
      // After the first turns, wait 50 µs between turns instead of spinning (the device may be a CPU emulation).
      if (turns > 16) Atomics.wait(pause, 0, 0, 0.05);
    }
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    b.bufferManager.releaseBuffer(staging);
    const values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype as tf.DataType);
    b.convertAndCacheOnCPU(dataId, values);
    return values;
  };
  patchedReadSync.add(backend);
}
