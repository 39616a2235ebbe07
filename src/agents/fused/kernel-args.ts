/**
 * What every fused kernel reads from its arguments, for both implementations (kernels.ts for wasm and cpu,
 * webgpu-kernels.ts for webgpu): inputs and attributes with errors that name them, and Adam's float32 constants.
 */
import type * as tf from "@tensorflow/tfjs";
import type { AdamConstants } from "./simd";

/** A kernel function's arguments. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The input `name`; throws naming it when it is missing. */
export function inputOf(args: KernelArgs, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`fast kernel: missing input ${name}`);
  return t;
}

/** The number attribute `name`; throws naming it and its value otherwise. */
export function num(args: KernelArgs, name: string): number {
  const v = args.attrs?.[name];
  if (typeof v !== "number") throw new Error(`fast kernel: attribute ${name} must be a number, got ${String(v)}`);
  return v;
}

/** The boolean attribute `name` (absent = false). */
export function bool(args: KernelArgs, name: string): boolean {
  return args.attrs?.[name] === true;
}

/**
 * `VirelAdam`'s constants from its attributes (lr, beta1, beta2, eps, t = the step number after this step), as the
 * float32 scalars the reference update makes from these float64 values (adam.ts):
 * m′ = b1·m + c1·g, v′ = b2·v + c2·g², w′ = w − step·m′/(√v′·isb + eps).
 */
export function adamConstants(args: KernelArgs): AdamConstants {
  return adamConstantsOf(num(args, "lr"), num(args, "beta1"), num(args, "beta2"), num(args, "eps"), num(args, "t"));
}

/** {@link adamConstants} from the numbers themselves (t: the step number after this step). */
export function adamConstantsOf(lr: number, b1: number, b2: number, eps: number, t: number): AdamConstants {
  const f = Math.fround;
  return {
    b1: f(b1),
    c1: f(1 - b1),
    b2: f(b2),
    c2: f(1 - b2),
    eps: f(eps),
    step: f(lr / (1 - Math.pow(b1, t))),
    isb: f(1 / Math.sqrt(1 - Math.pow(b2, t))),
  };
}
