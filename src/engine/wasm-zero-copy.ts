/**
 * Zero-copy Identity and same-dtype Cast kernels for the tfjs wasm backend (pure JavaScript; used on the native
 * and the pure wasm path alike).
 *
 * The stock wasm Identity and Cast allocate a new heap buffer and copy every element. tfjs runs Identity for
 * every tensor a gradient saves (`engine.clone` in customGrad, e.g. each `tf.fused.matMul` under a tape) and a
 * float32→float32 Cast in several gradients: ≈180 full copies per SAC update at the paper shapes. Tensors are
 * immutable in tfjs (a Variable's `assign` swaps its data id; no wasm kernel writes into its inputs), so these
 * kernels can share the input's data and raise its reference count — what the wasm Reshape kernel and the cpu
 * backend's Identity already do.
 */
import * as tf from "@tensorflow/tfjs";
import { shareData } from "./tfjs-internals";

type KernelArgs = Parameters<tf.KernelFunc>[0];
type KernelResult = ReturnType<tf.KernelFunc>;

/** The kernels replaced here. */
export const FASTPATH_KERNELS = ["Identity", "Cast"] as const;

/** Counts of calls served without a copy (for tests). */
export const fastpathCounters = { shared: 0 };

function shareOr(stock: tf.KernelFunc, targetDtype: (args: KernelArgs) => unknown): tf.KernelFunc {
  return (args: KernelArgs): KernelResult => {
    const x = args.inputs["x"];
    if (
      !x ||
      x.dtype === "string" ||
      x.dtype === "complex64" ||
      targetDtype(args) !== x.dtype ||
      !shareData(args.backend, x.dataId)
    ) {
      return stock(args);
    }
    fastpathCounters.shared++;
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}

/** Identity that shares its input's data (`y = x`, no copy). */
export function makeSharedIdentity(stock: tf.KernelFunc): tf.KernelFunc {
  return shareOr(stock, (args) => args.inputs["x"]?.dtype);
}

/** Cast that shares its input's data when the dtype does not change; other casts go to `stock`. */
export function makeSharedCast(stock: tf.KernelFunc): tf.KernelFunc {
  return shareOr(stock, (args) => args.attrs?.["dtype"]);
}
