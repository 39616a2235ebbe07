/**
 * Explicit-transpose matmul kernels for the pure wasm path.
 *
 * The stock wasm BatchMatMul/_FusedMatMul use XNNPACK only for untransposed operands; with transposeA or
 * transposeB they fall back to a slow loop (measured on a 256³ product: 0.85–1.2 ms untransposed, 10–20 ms
 * transposed) — and every matmul gradient uses a transposed product. These wrappers transpose the operand
 * first with the backend's own Transpose kernel (op(A) materialised, a fraction of a millisecond) and then run
 * the stock kernel untransposed: `op(A)·op(B) = A'·B'` with `A' = op(A)`, `B' = op(B)` stored row-major.
 * Matrix-vector shaped products (fewer than MIN_SIDE output rows or columns) keep the stock path.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

type KernelArgs = Parameters<tf.KernelFunc>[0];
type KernelResult = ReturnType<tf.KernelFunc>;

/** Below this many output rows or columns the stock kernel runs the product as it is. */
export const MIN_SIDE = 8;

/** Counts of products that were transposed explicitly (for tests). */
export const transposeCounters = { explicit: 0 };

function single(r: KernelResult): tf.TensorInfo {
  return Array.isArray(r) ? (r[0] as tf.TensorInfo) : r;
}

/** x with its last two dimensions swapped, as a new wasm tensor (the caller disposes it). */
function swapLastTwo(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  const config = tf.getKernel("Transpose", "wasm");
  if (!config) throw new Error("the wasm backend has no Transpose kernel");
  return single(config.kernelFunc({ inputs: { x }, backend, attrs: { perm } }));
}

/**
 * Wraps a stock BatchMatMul or _FusedMatMul: transposed operands are materialised first, then `stock` runs with
 * transposeA = transposeB = false. Untransposed calls and non-float32 inputs go straight to `stock`.
 */
export function makeExplicitTranspose(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs): KernelResult => {
    const ta = args.attrs?.["transposeA"] === true,
      tb = args.attrs?.["transposeB"] === true;
    const a = args.inputs["a"],
      b = args.inputs["b"];
    if (
      (!ta && !tb) ||
      !a ||
      !b ||
      a.dtype !== "float32" ||
      b.dtype !== "float32" ||
      a.shape.length < 2 ||
      b.shape.length < 2
    ) {
      return stock(args);
    }
    // Matrix-vector shaped products (an output side under MIN_SIDE) are cheaper in the stock loop than a
    // transpose of the whole matrix operand.
    const m = a.shape[a.shape.length - (ta ? 1 : 2)] as number,
      n = b.shape[b.shape.length - (tb ? 2 : 1)] as number;
    if (Math.min(m, n) < MIN_SIDE) return stock(args);
    const backend = args.backend as BackendWasm;
    const a2 = ta ? swapLastTwo(a, backend) : a;
    const b2 = tb ? swapLastTwo(b, backend) : b;
    transposeCounters.explicit++;
    try {
      return stock({
        inputs: { ...args.inputs, a: a2, b: b2 },
        backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (ta) backend.disposeData(a2.dataId);
      if (tb) backend.disposeData(b2.dataId);
    }
  };
}
