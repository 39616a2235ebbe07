/**
 * The native addon's interface and call counters, kept free of tfjs imports: native.ts (public through
 * `NativeStatus` in `engine.currentBackend()`) re-exports them, and the public declarations must not pull in tfjs.
 */
/** The N-API addon built from native/src/virel_blas.c. */
export interface BlasAddon {
  /**
   * Batched `C = act(op(A)·op(B) + bias)` on the wasm heap; see the params layout in virel_blas.c. With `blocks`,
   * `params` holds that many independent products one after the other (all checked before any runs), run on two
   * threads when {@link BlasAddon.setLanes} set two lanes.
   */
  sgemm(heap: ArrayBuffer, params: Float64Array, blocks?: number): void;
  /** 1: every product on the calling thread; 2: the blocks of one `sgemm` call on two threads. Absent from older builds. */
  setLanes?(n: number): void;
  /** Sets the BLAS thread count; false when the library has no such control. */
  setThreads(n: number): boolean;
  /**
   * The BLAS library and its current thread count (0 when unknown); the product lanes and how many products the
   * second lane has run since load (absent from older builds).
   */
  info(): { library: string; threads: number; lanes?: number; laneBlocks?: number };
  /**
   * One non-blocking turn of Node's event loop (`uv_run(loop, UV_RUN_NOWAIT)`); true while the loop has work.
   * Absent from addons built before it was added. Used by the webgpu backend's synchronous reads.
   */
  pumpEvents?(): boolean;
}

/** Counts of kernel calls served natively and handed to the stock kernels (for `virel doctor` and tests). */
export const nativeCounters = { native: 0, fallback: 0 };
