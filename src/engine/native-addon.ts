/**
 * The native addon's interface and call counters, kept free of tfjs imports: native.ts (public through
 * `NativeStatus` in `engine.currentBackend()`) re-exports them, and the public declarations must not pull in tfjs.
 */
/**
 * Indices into an `sgemm` params block (the enum in native/src/virel_blas.c; wasm-gemm.ts reads the same layout).
 * Offsets are bytes into the heap (bias / PReLU offset −1: none); strides are in elements (0: broadcast).
 */
export const PARAM = {
  M: 0,
  N: 1,
  K: 2,
  TRANS_A: 3,
  TRANS_B: 4,
  A_OFF: 5,
  B_OFF: 6,
  C_OFF: 7,
  BATCH: 8,
  A_STRIDE: 9,
  B_STRIDE: 10,
  BIAS_OFF: 11,
  BIAS_SB: 12,
  BIAS_SM: 13,
  BIAS_SN: 14,
  ACT: 15,
  ALPHA: 16,
  PRELU_OFF: 17,
  PRELU_SB: 18,
  PRELU_SM: 19,
  PRELU_SN: 20,
  COUNT: 21,
} as const;

/** Activation codes, numbered as tfjs-backend-wasm's FusableActivation (and virel_blas.c). */
export const ACTIVATIONS: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  prelu: 3,
  leakyrelu: 4,
  sigmoid: 5,
  elu: 6,
};

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
  info(): {
    library: string;
    threads: number;
    lanes?: number;
    laneBlocks?: number;
    /** The kernel computing the products: ours ("AVX-512F 8×32", "AVX2+FMA 6×16") or "BLAS" (absent from older builds). */
    gemm?: string;
    /** The best of our kernels this CPU supports ("none" when neither). */
    gemmBest?: string;
  };
  /**
   * Picks the products' kernel (VIREL_NATIVE_GEMM): "auto" (ours, the best the CPU supports, else the BLAS),
   * "avx512", "avx2" (throws when the CPU lacks it) or "blas". Returns the kernel's name. Absent from older builds.
   */
  setGemm?(mode: "auto" | "avx512" | "avx2" | "blas"): string;
  /**
   * One non-blocking turn of Node's event loop (`uv_run(loop, UV_RUN_NOWAIT)`); true while the loop has work.
   * Absent from addons built before it was added. Used by the webgpu backend's synchronous reads.
   */
  pumpEvents?(): boolean;
  /**
   * True when each output row's bits do not depend on the other rows of the product (our wasm GEMM, our native
   * kernels — a getter on the native addon, true while they are selected): then
   * `withRowInvariantProducts` has nothing to split.
   */
  readonly rowInvariant?: boolean;
  /**
   * The fused update's elementwise passes on the heap, bit-identical to src/agents/fused/simd.ts's (absent from
   * older builds and from our wasm GEMM): `adam(heap, [n, w, g, m, v, w2, m2, v2 (byte offsets), b1, c1, b2, c2,
   * step, isb, eps])`, `polyak(heap, [n, s, t, out, τ, 1−τ])`, `reluMask(heap, [n, g, h])` (g ← h > 0 ? g : 0).
   */
  adam?(heap: ArrayBuffer, params: Float64Array): void;
  polyak?(heap: ArrayBuffer, params: Float64Array): void;
  reluMask?(heap: ArrayBuffer, params: Float64Array): void;
  /** Stops any thread it started (our wasm GEMM's second lane); it must not be used afterwards. */
  close?(): void;
}

/** Counts of kernel calls served natively and handed to the stock kernels (for `virel doctor` and tests). */
export const nativeCounters = { native: 0, fallback: 0 };

/**
 * The same counts for the pure wasm path's own GEMM (src/engine/wasm-gemm.ts): `native` counts the kernel calls
 * it served, `fallback` those handed to the stock (XNNPACK) kernels.
 */
export const wasmGemmCounters = { native: 0, fallback: 0 };

/**
 * The `VIREL_NATIVE_GEMM` value (the addon's setGemm mode) that selects the kernel named `name` — a name as
 * `NativeStatus.gemm`, the addon's info().gemm or a run's meta.json give it ("BLAS", "AVX-512F 8×32", …).
 */
export function nativeGemmMode(name: string | undefined): "blas" | "avx512" | "avx2" {
  if (name?.startsWith("AVX-512")) return "avx512";
  if (name?.startsWith("AVX2")) return "avx2";
  return "blas";
}

/** Whether the kernel named `name` (as {@link nativeGemmMode} reads names) is one of ours rather than the BLAS. */
export function isOurNativeGemm(name: string | undefined): boolean {
  return nativeGemmMode(name) !== "blas";
}
