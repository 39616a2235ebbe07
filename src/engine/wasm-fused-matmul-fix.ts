/**
 * A correctness fix for the stock tfjs-backend-wasm 4.22 _FusedMatMul kernel, used on the pure wasm path.
 *
 * Measured (test/engine/native.test.ts checks it against float64): with a bias, the stock kernel is right only
 * for an untransposed, batch-1 product; with transposeA, transposeB or a batch > 1 it adds the bias to the
 * first output row only, for every fused activation. The fix keeps the stock kernel for the product and, in the
 * affected cases, adds the bias and applies the activation with the backend's own Add / activation kernels:
 * `C = act(op(A)·op(B) + bias)` computed as three kernels instead of one.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

type KernelArgs = Parameters<tf.KernelFunc>[0];
type KernelResult = ReturnType<tf.KernelFunc>;

/** Kernel name and attributes that apply a fused activation on its own. */
const ACTIVATION_KERNELS: Readonly<Record<string, string>> = {
  relu: "Relu",
  relu6: "Relu6",
  elu: "Elu",
  sigmoid: "Sigmoid",
  leakyrelu: "LeakyRelu",
  prelu: "Prelu",
};

function single(r: KernelResult): tf.TensorInfo {
  return Array.isArray(r) ? (r[0] as tf.TensorInfo) : r;
}

function kernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, "wasm");
  if (!config) throw new Error(`the wasm backend has no ${name} kernel`);
  return config.kernelFunc;
}

/** Whether the stock kernel gets this call wrong (a bias with a transpose or a batch > 1). */
export function stockFusedBiasIsWrong(args: KernelArgs): boolean {
  const { a, b, bias } = args.inputs;
  if (!bias || !a || !b || bias.shape.length !== 1) return false;
  const transposed = args.attrs?.["transposeA"] === true || args.attrs?.["transposeB"] === true;
  const batch = Math.max(
    a.shape.length === 3 ? (a.shape[0] as number) : 1,
    b.shape.length === 3 ? (b.shape[0] as number) : 1,
  );
  return transposed || batch > 1;
}

/** The stock _FusedMatMul, corrected for a bias with transposes or batches (see the file comment). */
export function makeFixedFusedMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs): KernelResult => {
    if (!stockFusedBiasIsWrong(args)) return stock(args);
    const backend = args.backend as BackendWasm;
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const activation = String(args.attrs?.["activation"] ?? "linear");
    const actKernel = ACTIVATION_KERNELS[activation];
    if (activation !== "linear" && actKernel === undefined) return stock(args); // the stock error for it
    const product = single(
      stock({
        inputs: { a: a as tf.TensorInfo, b: b as tf.TensorInfo },
        backend,
        attrs: { ...args.attrs, activation: "linear" },
      }),
    );
    const biased = single(kernel("Add")({ inputs: { a: product, b: bias as tf.TensorInfo }, backend, attrs: {} }));
    backend.disposeData(product.dataId);
    if (actKernel === undefined) return biased;
    const inputs: Record<string, tf.TensorInfo> = { x: biased };
    if (activation === "prelu") {
      if (!preluActivationWeights) throw new Error("prelu activation needs preluActivationWeights");
      inputs["alpha"] = preluActivationWeights;
    }
    const attrs: tf.NamedAttrMap = {};
    if (activation === "leakyrelu") attrs["alpha"] = Number(args.attrs?.["leakyreluAlpha"] ?? 0) || 0;
    const out = single(kernel(actKernel)({ inputs, backend, attrs }));
    backend.disposeData(biased.dataId);
    return out;
  };
}
