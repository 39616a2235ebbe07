/**
 * The native BatchMatMul and _FusedMatMul kernels for the tfjs wasm backend: the products run in OpenBLAS (or
 * any CBLAS) `sgemm`, in place on the wasm heap — each operand is addressed by its tensor's memory offset, the
 * output is allocated through the backend (`makeOutput`) so it is an ordinary wasm tensor afterwards.
 *
 * Semantics follow tfjs: `C = op(A) · op(B)` over broadcast batch dimensions, and for the fused kernel
 * `C = act(op(A) · op(B) + bias)` with act ∈ {linear, relu, relu6, prelu, leakyrelu, sigmoid, elu}.
 * Anything the native path does not cover (non-float32 inputs, a bias or PReLU weights that broadcast only
 * against the caller's higher-rank shape, an unknown activation) goes to the stock wasm kernel.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { heapBuffer, heapOffset, isWasmBackend } from "./tfjs-internals";

export type { BlasAddon } from "./native-addon";
import type { BlasAddon } from "./native-addon";
import { ACTIVATIONS, PARAM } from "./native-addon";

// Indices into the params array (the enum in native/src/virel_blas.c).
const {
  M: P_M,
  N: P_N,
  K: P_K,
  TRANS_A: P_TRANS_A,
  TRANS_B: P_TRANS_B,
  A_OFF: P_A_OFF,
  B_OFF: P_B_OFF,
  C_OFF: P_C_OFF,
  BATCH: P_BATCH,
  A_STRIDE: P_A_STRIDE,
  B_STRIDE: P_B_STRIDE,
  BIAS_OFF: P_BIAS_OFF,
  BIAS_SB: P_BIAS_SB,
  BIAS_SM: P_BIAS_SM,
  BIAS_SN: P_BIAS_SN,
  ACT: P_ACT,
  ALPHA: P_ALPHA,
  PRELU_OFF: P_PRELU_OFF,
  PRELU_SB: P_PRELU_SB,
  PRELU_SM: P_PRELU_SM,
  PRELU_SN: P_PRELU_SN,
  COUNT: P_COUNT,
} = PARAM;

type KernelArgs = Parameters<tf.KernelFunc>[0];
type KernelResult = ReturnType<tf.KernelFunc>;

/** How one operand's batch items are found: a constant stride, or per-item offsets for odd broadcasts. */
interface BatchMap {
  /** Element stride between consecutive batch items (0 = broadcast); null when `offset` must be used. */
  stride: number | null;
  /** Element offset of output batch item t (valid for every layout). */
  offset(t: number): number;
}

function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** Maps output batch items (over `outDims`) to an operand with batch dims `dims` and `matSize` elements each. */
function batchMap(outDims: readonly number[], dims: readonly number[], matSize: number): BatchMap | null {
  if (dims.length > outDims.length) return null;
  const padded = new Array<number>(outDims.length - dims.length).fill(1).concat(dims);
  for (let i = 0; i < padded.length; i++) if (padded[i] !== 1 && padded[i] !== outDims[i]) return null;
  if (product(padded) === 1) return { stride: 0, offset: () => 0 };
  if (padded.every((d, i) => d === outDims[i])) return { stride: matSize, offset: (t) => t * matSize };
  // Mixed broadcast (e.g. [2,1] against [1,3]): walk the output multi-index.
  const strides = new Array<number>(padded.length).fill(0);
  let s = matSize;
  for (let i = padded.length - 1; i >= 0; i--) {
    strides[i] = padded[i] === 1 ? 0 : s;
    s *= padded[i] as number;
  }
  return {
    stride: null,
    offset: (t) => {
      let off = 0;
      for (let i = outDims.length - 1; i >= 0; i--) {
        const d = outDims[i] as number;
        off += (t % d) * (strides[i] as number);
        t = Math.floor(t / d);
      }
      return off;
    },
  };
}

/** A bias or PReLU weight tensor broadcast over the output [...outDims, m, n]. */
interface Broadcast {
  memoryOffset: number;
  batch: BatchMap;
  sm: number;
  sn: number;
}

function broadcastOperand(
  backend: BackendWasm,
  x: tf.TensorInfo,
  outDims: readonly number[],
  m: number,
  n: number,
): Broadcast | null {
  const rank = outDims.length + 2;
  if (x.dtype !== "float32" || x.shape.length > rank) return null;
  const shape = new Array<number>(rank - x.shape.length).fill(1).concat(x.shape);
  const xm = shape[rank - 2] as number,
    xn = shape[rank - 1] as number;
  if ((xm !== 1 && xm !== m) || (xn !== 1 && xn !== n)) return null;
  const batch = batchMap(outDims, shape.slice(0, -2), xm * xn);
  if (batch === null) return null;
  return { memoryOffset: heapOffset(backend, x), batch, sm: xm === 1 ? 0 : xn, sn: xn === 1 ? 0 : 1 };
}

/** Everything a product needs, resolved from tfjs shapes; null when the native path does not apply. */
interface Plan {
  outShape: number[];
  m: number;
  n: number;
  k: number;
  batch: number;
  a: BatchMap;
  b: BatchMap;
}

function plan(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): Plan | null {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length,
    rb = b.shape.length;
  const innerA = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
  const innerB = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) as number;
  const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
  const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
  if (innerA !== innerB) {
    throw new Error(
      `Error in matMul: inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ${a.shape} and ` +
        `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outDims = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const mapA = batchMap(outDims, a.shape.slice(0, -2), m * innerA);
  const mapB = batchMap(outDims, b.shape.slice(0, -2), innerA * n);
  if (mapA === null || mapB === null) return null;
  return { outShape: [...outDims, m, n], m, n, k: innerA, batch: product(outDims), a: mapA, b: mapB };
}

/** The shared reusable params block (one kernel runs at a time: JS is single-threaded). */
const params = new Float64Array(P_COUNT);

let rowInvariant = 0;

/**
 * Run `fn` with row-invariant products: while it runs, an untransposed single product `A·B` with m > 1 rows is
 * computed as m one-row products (one addon call, the rows as its batch), so each output row is bit-identical to
 * the same row multiplied alone — OpenBLAS's blocked kernels round rows in a block differently from a lone row
 * (measured: batched deterministic evaluation differed from one-at-a-time in the 7th significant digit). The
 * batched evaluation (src/agents/evaluation.ts) uses it; nothing else changes. Same number of flops.
 */
export function withRowInvariantProducts<T>(fn: () => T): T {
  rowInvariant++;
  try {
    return fn();
  } finally {
    rowInvariant--;
  }
}

/** The most products one {@link withConcurrentProducts} scope hands to the addon at once (its limit). */
const MAX_QUEUED = 64;

interface ProductQueue {
  params: Float64Array;
  count: number;
  addon: BlasAddon | null;
  backend: BackendWasm | null;
}

/** The products queued by {@link withConcurrentProducts}, or null outside it. */
let queue: ProductQueue | null = null;

const queueParams = new Float64Array(MAX_QUEUED * P_COUNT);

/**
 * Runs `fn`, whose native products must be independent of each other (none reads another's output, and `fn`
 * reads none of them), and computes them together at its end: with the addon's two lanes on
 * (`VIREL_PRODUCT_LANES=2`, {@link setProductLanes}) they run on two threads, each product single-threaded and
 * so bit-identical to running it alone. Products that are not plain uniform batches (broadcast mixes, the
 * row-invariant mode) run at once, as before. Nested scopes join the outer one. Returns `fn`'s result.
 */
export function withConcurrentProducts<T>(fn: () => T): T {
  if (queue !== null) return fn();
  const q: ProductQueue = { params: queueParams, count: 0, addon: null, backend: null };
  queue = q;
  let result: T;
  try {
    result = fn();
  } finally {
    queue = null;
  }
  if (q.count > 0 && q.addon !== null && q.backend !== null) {
    // the heap may have grown inside fn: pass the current buffer
    q.addon.sgemm(heapBuffer(q.backend), q.params, q.count);
  }
  return result;
}

/** Runs a planned product on the wasm heap; `bias`/`prelu` optional, `act` an activation code. */
function runGemm(
  addon: BlasAddon,
  backend: BackendWasm,
  p: Plan,
  aOff: number,
  bOff: number,
  out: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: Broadcast | null,
  act: number,
  alpha: number,
  prelu: Broadcast | null,
): void {
  const cOff = heapOffset(backend, out);
  params[P_M] = p.m;
  params[P_N] = p.n;
  params[P_K] = p.k;
  params[P_TRANS_A] = transposeA ? 1 : 0;
  params[P_TRANS_B] = transposeB ? 1 : 0;
  params[P_ACT] = act;
  params[P_ALPHA] = alpha;
  params[P_BIAS_OFF] = -1;
  params[P_PRELU_OFF] = -1;
  if (bias) {
    params[P_BIAS_SM] = bias.sm;
    params[P_BIAS_SN] = bias.sn;
  }
  if (prelu) {
    params[P_PRELU_SM] = prelu.sm;
    params[P_PRELU_SN] = prelu.sn;
  }
  // Re-read the heap after every allocation: growing wasm memory replaces the ArrayBuffer.
  const heap = heapBuffer(backend);
  const uniform =
    p.a.stride !== null &&
    p.b.stride !== null &&
    (bias === null || bias.batch.stride !== null) &&
    (prelu === null || prelu.batch.stride !== null);
  if (uniform && rowInvariant > 0 && addon.rowInvariant !== true && !transposeA && p.batch === 1 && p.m > 1) {
    // m one-row products: row r of A (stride k) times B, into row r of C; bias / PReLU rows by their row stride
    params[P_M] = 1;
    params[P_A_OFF] = aOff;
    params[P_B_OFF] = bOff;
    params[P_C_OFF] = cOff;
    params[P_BATCH] = p.m;
    params[P_A_STRIDE] = p.k;
    params[P_B_STRIDE] = 0;
    if (bias) {
      params[P_BIAS_OFF] = bias.memoryOffset;
      params[P_BIAS_SB] = bias.sm;
      params[P_BIAS_SM] = 0;
    }
    if (prelu) {
      params[P_PRELU_OFF] = prelu.memoryOffset;
      params[P_PRELU_SB] = prelu.sm;
      params[P_PRELU_SM] = 0;
    }
    addon.sgemm(heap, params);
    return;
  }
  if (uniform) {
    params[P_A_OFF] = aOff;
    params[P_B_OFF] = bOff;
    params[P_C_OFF] = cOff;
    params[P_BATCH] = p.batch;
    params[P_A_STRIDE] = p.a.stride as number;
    params[P_B_STRIDE] = p.b.stride as number;
    if (bias) {
      params[P_BIAS_OFF] = bias.memoryOffset;
      params[P_BIAS_SB] = bias.batch.stride as number;
    }
    if (prelu) {
      params[P_PRELU_OFF] = prelu.memoryOffset;
      params[P_PRELU_SB] = prelu.batch.stride as number;
    }
    if (queue !== null && queue.count < MAX_QUEUED && (queue.addon === null || queue.addon === addon)) {
      // concurrent products: the block waits for the end of withConcurrentProducts (offsets stay valid when the
      // heap grows; the ArrayBuffer is read again then)
      queue.params.set(params, queue.count * P_COUNT);
      queue.count++;
      queue.addon = addon;
      queue.backend = backend;
      return;
    }
    addon.sgemm(heap, params);
    return;
  }
  // Mixed broadcasting: one call per output batch item, each operand at its own offset.
  params[P_BATCH] = 1;
  params[P_A_STRIDE] = 0;
  params[P_B_STRIDE] = 0;
  params[P_BIAS_SB] = 0;
  params[P_PRELU_SB] = 0;
  for (let t = 0; t < p.batch; t++) {
    params[P_A_OFF] = aOff + 4 * p.a.offset(t);
    params[P_B_OFF] = bOff + 4 * p.b.offset(t);
    params[P_C_OFF] = cOff + 4 * t * p.m * p.n;
    if (bias) params[P_BIAS_OFF] = bias.memoryOffset + 4 * bias.batch.offset(t);
    if (prelu) params[P_PRELU_OFF] = prelu.memoryOffset + 4 * prelu.batch.offset(t);
    // the current buffer each time: an addon may allocate scratch on the heap (our wasm GEMM does) and grow it
    addon.sgemm(heapBuffer(backend), params);
  }
}

export { nativeCounters } from "./native-addon";
import { nativeCounters } from "./native-addon";

/** A BatchMatMul kernel function computing in OpenBLAS, falling back to `stock` where it does not apply. */
export function makeBatchMatMul(
  addon: BlasAddon,
  stock: tf.KernelFunc,
  counters: { native: number; fallback: number } = nativeCounters,
): tf.KernelFunc {
  return (args: KernelArgs): KernelResult => {
    const { inputs, backend, attrs } = args;
    const a = inputs["a"],
      b = inputs["b"];
    const transposeA = attrs?.["transposeA"] === true,
      transposeB = attrs?.["transposeB"] === true;
    const p = a && b && isWasmBackend(backend) ? plan(a, b, transposeA, transposeB) : null;
    if (p === null || !a || !b || !isWasmBackend(backend)) {
      counters.fallback++;
      return stock(args);
    }
    const out = backend.makeOutput(p.outShape, "float32");
    runGemm(
      addon,
      backend,
      p,
      heapOffset(backend, a),
      heapOffset(backend, b),
      out,
      transposeA,
      transposeB,
      null,
      0,
      0,
      null,
    );
    counters.native++;
    return out;
  };
}

/** A _FusedMatMul kernel function (bias + activation in the same pass), falling back to `stock`. */
export function makeFusedMatMul(
  addon: BlasAddon,
  stock: tf.KernelFunc,
  counters: { native: number; fallback: number } = nativeCounters,
): tf.KernelFunc {
  return (args: KernelArgs): KernelResult => {
    const { inputs, backend, attrs } = args;
    const a = inputs["a"],
      b = inputs["b"],
      biasInfo = inputs["bias"],
      preluInfo = inputs["preluActivationWeights"];
    const transposeA = attrs?.["transposeA"] === true,
      transposeB = attrs?.["transposeB"] === true;
    const activation = String(attrs?.["activation"] ?? "linear");
    const act = ACTIVATIONS[activation];
    const fallback = (): KernelResult => {
      counters.fallback++;
      return stock(args);
    };
    if (!a || !b || !isWasmBackend(backend) || act === undefined) return fallback();
    const p = plan(a, b, transposeA, transposeB);
    if (p === null) return fallback();
    const outDims = p.outShape.slice(0, -2);
    const bias = biasInfo ? broadcastOperand(backend, biasInfo, outDims, p.m, p.n) : null;
    if (biasInfo && bias === null) return fallback();
    const prelu =
      act === ACTIVATIONS["prelu"]
        ? preluInfo
          ? broadcastOperand(backend, preluInfo, outDims, p.m, p.n)
          : null
        : null;
    if (act === ACTIVATIONS["prelu"] && prelu === null) return fallback();
    const alpha = Number(attrs?.["leakyreluAlpha"] ?? 0) || 0;
    const out = backend.makeOutput(p.outShape, "float32");
    runGemm(
      addon,
      backend,
      p,
      heapOffset(backend, a),
      heapOffset(backend, b),
      out,
      transposeA,
      transposeB,
      bias,
      act,
      alpha,
      prelu,
    );
    counters.native++;
    return out;
  };
}
