/**
 * Networks: dense layers with an explicit custom gradient, ReLU MLPs, Polyak averaging.
 *
 * Speed note (tfjs wasm, one thread): a matmul with transposeA/transposeB is 10–15× slower than a plain one,
 * and tfjs's own MatMul gradient uses them. {@link dense} therefore has a custom gradient that transposes
 * explicitly and multiplies untransposed (measured: a full update ≈150 ms → ≈40 ms at 2×256, batch 256).
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../rng";

/** How a layer's weights are initialised. */
export type InitKind = "fanin" | { uniform: number };

/** One dense layer's parameters: `y = act(x W + b)`, W shape [in, out], b shape [out]. */
export interface DenseParams {
  readonly w: tf.Variable<tf.Rank.R2>;
  readonly b: tf.Variable<tf.Rank.R1>;
}

type DenseFn = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

function makeDense(relu: boolean, inputGrad: boolean, paramGrad: boolean): DenseFn {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D;
    const w = args[1] as tf.Tensor2D;
    const b = args[2] as tf.Tensor1D;
    const save = args[3] as tf.GradSaveFunc;
    const y = tf.fused.matMul({ a: x, b: w, bias: b, activation: relu ? "relu" : "linear" });
    save(relu ? [x, w, b, y] : [x, w, b]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, bs, ys] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D?];
        // ReLU'(z) = 1[z > 0] = 1[y > 0]
        const g = (relu ? tf.mul(dy, tf.step(ys!)) : dy) as tf.Tensor2D;
        const dx = inputGrad ? tf.matMul(g, tf.transpose(ws)) : tf.zerosLike(xs);
        const dw = paramGrad ? tf.matMul(tf.transpose(xs), g) : tf.zerosLike(ws);
        const db = paramGrad ? tf.sum(g, 0) : tf.zerosLike(bs);
        return [dx, dw, db];
      },
    };
  });
  return f as unknown as DenseFn;
}

const DENSE: Record<string, DenseFn> = {};
/**
 * Dense layer `y = act(x W + b)` with the explicit-transpose gradient: ∂x = g Wᵀ, ∂W = xᵀ g, ∂b = Σ_rows g,
 * g = ∂y ⊙ 1[y > 0] for ReLU. `inputGrad = false` skips ∂x (first layers fed with data); `paramGrad = false`
 * skips ∂W, ∂b (a critic seen by the actor's loss, whose weights that step does not train).
 * @param x shape [batch, in]; @param w shape [in, out]; @param b shape [out]; returns shape [batch, out].
 */
export function dense(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  relu: boolean,
  inputGrad = true,
  paramGrad = true,
): tf.Tensor2D {
  const key = `${relu ? 1 : 0}${inputGrad ? 1 : 0}${paramGrad ? 1 : 0}`;
  const fn = (DENSE[key] ??= makeDense(relu, inputGrad, paramGrad));
  return fn(x, w, b);
}

/** A ReLU MLP `in → hidden… → out` (the last layer linear). */
export class Mlp {
  readonly layers: DenseParams[];
  readonly sizes: readonly number[];

  /**
   * @param name variable name prefix (e.g. "q1").
   * @param sizes [in, h1, …, out].
   * @param rng draws the initial weights: hidden layers U(±1/√fan_in) (PyTorch/rlkit fan-in init),
   *   the last layer U(±finalInit) (rlkit init_w = 3e-3).
   * @param scope prefix of the tfjs variable names (they are global and must be unique per agent).
   */
  constructor(
    readonly name: string,
    sizes: readonly number[],
    rng: Rng,
    finalInit = 3e-3,
    readonly scope = "",
  ) {
    if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new Error(`${name}: layer sizes must be ≥ 2 positive integers, got ${JSON.stringify(sizes)}`);
    }
    this.sizes = [...sizes];
    this.layers = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const fanIn = sizes[i]!;
      const fanOut = sizes[i + 1]!;
      const last = i + 2 === sizes.length;
      const bound = last ? finalInit : 1 / Math.sqrt(fanIn);
      const w = rng.fillUniform(new Float32Array(fanIn * fanOut), -bound, bound);
      const b = rng.fillUniform(new Float32Array(fanOut), -bound, bound);
      this.layers.push(
        tf.tidy(() => ({
          w: tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true, `${scope}${name}/${i}/w`),
          b: tf.variable(tf.tensor1d(b), true, `${scope}${name}/${i}/b`),
        })),
      );
    }
  }

  /**
   * Forward pass. @param x shape [batch, in] → shape [batch, out].
   * @param inputGrad whether ∂/∂x is needed (false when x is data).
   * @param paramGrad whether ∂/∂W, ∂/∂b are needed (false when only x is being trained through this net).
   */
  apply(x: tf.Tensor2D, inputGrad = false, paramGrad = true): tf.Tensor2D {
    let h = x;
    this.layers.forEach((l, i) => {
      h = dense(h, l.w, l.b, i + 1 < this.layers.length, i > 0 || inputGrad, paramGrad);
    });
    return h;
  }

  /** All trainable variables, in layer order (w, b, w, b, …). */
  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.w, l.b]);
  }

  /** Variables under their logical names (`q1/0/w`, without the scope) for checkpoints. */
  named(): [string, tf.Variable][] {
    return this.layers.flatMap((l, i): [string, tf.Variable][] => [
      [`${this.name}/${i}/w`, l.w],
      [`${this.name}/${i}/b`, l.b],
    ]);
  }

  /** Copy another MLP's weights into this one (target-network initialisation φ̄ ← φ). */
  copyFrom(src: Mlp): void {
    this.checkSame(src);
    this.layers.forEach((l, i) => {
      l.w.assign(src.layers[i]!.w);
      l.b.assign(src.layers[i]!.b);
    });
  }

  /** Polyak averaging toward `src`: φ̄ ← τφ + (1 − τ)φ̄ (Algorithm 1, last line). Must run inside tf.tidy. */
  polyakFrom(src: Mlp, tau: tf.Scalar, oneMinusTau: tf.Scalar): void {
    this.checkSame(src);
    this.layers.forEach((l, i) => {
      const s = src.layers[i]!;
      l.w.assign(tf.add(tf.mul(s.w, tau), tf.mul(l.w, oneMinusTau)) as tf.Tensor2D);
      l.b.assign(tf.add(tf.mul(s.b, tau), tf.mul(l.b, oneMinusTau)) as tf.Tensor1D);
    });
  }

  dispose(): void {
    for (const l of this.layers) {
      l.w.dispose();
      l.b.dispose();
    }
  }

  private checkSame(src: Mlp): void {
    if (src.sizes.join(",") !== this.sizes.join(",")) {
      throw new Error(
        `${this.name}: expected sizes ${this.sizes.join("×")}, got ${src.sizes.join("×")} from ${src.name}`,
      );
    }
  }
}

/** Mean squared error `mean((x − y)²)`. @param x, y shape [batch, 1]. */
export function mse(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(x, y));
}
