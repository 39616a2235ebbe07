/**
 * Adam (Kingma & Ba 2015) with explicit, serialisable state — PyTorch's update:
 *
 *   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,
 *   w ← w − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * The moments are tf.Variables named `adam/<name>/m/<i>`, `adam/<name>/v/<i>`; the step count t is a number.
 */
import * as tf from "@tensorflow/tfjs";

export class Adam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  /** Number of updates applied (t). */
  t = 0;

  constructor(
    readonly name: string,
    readonly vars: readonly tf.Variable[],
    readonly lr: number,
    readonly scope = "",
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    if (!(lr > 0)) throw new Error(`${name}: lr must be > 0, got ${lr}`);
    this.m = vars.map((w, i) => tf.tidy(() => tf.variable(tf.zerosLike(w), false, `${scope}adam/${name}/m/${i}`)));
    this.v = vars.map((w, i) => tf.tidy(() => tf.variable(tf.zerosLike(w), false, `${scope}adam/${name}/v/${i}`)));
  }

  /** Apply one step. `grads[k]` is the gradient of `vars[k]` (as returned by tf.variableGrads). Call inside tf.tidy. */
  apply(grads: Record<string, tf.Tensor>): void {
    this.t += 1;
    const bc1 = 1 - Math.pow(this.beta1, this.t);
    const bc2 = 1 - Math.pow(this.beta2, this.t);
    const b1 = tf.scalar(this.beta1);
    const c1 = tf.scalar(1 - this.beta1);
    const b2 = tf.scalar(this.beta2);
    const c2 = tf.scalar(1 - this.beta2);
    const invSqrtBc2 = tf.scalar(1 / Math.sqrt(bc2));
    const eps = tf.scalar(this.eps);
    const stepSize = tf.scalar(this.lr / bc1);
    this.vars.forEach((w, i) => {
      const g = grads[w.name];
      if (g === undefined) throw new Error(`${this.name}: no gradient for variable ${w.name}`);
      const m = this.m[i]!;
      const v = this.v[i]!;
      const mNew = tf.add(tf.mul(m, b1), tf.mul(g, c1));
      const vNew = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), c2));
      m.assign(mNew);
      v.assign(vNew);
      const denom = tf.add(tf.mul(tf.sqrt(vNew), invSqrtBc2), eps);
      w.assign(tf.sub(w, tf.mul(stepSize, tf.div(mNew, denom))));
    });
  }

  /** The first and second moment variables, in the order of `vars` (the fast update writes them; fast.ts). */
  moments(): { m: readonly tf.Variable[]; v: readonly tf.Variable[] } {
    return { m: this.m, v: this.v };
  }

  /** Moment variables under their logical names (`adam/q/m/0`, without the scope) for checkpoints. */
  named(): [string, tf.Variable][] {
    return [
      ...this.m.map((x, i): [string, tf.Variable] => [`adam/${this.name}/m/${i}`, x]),
      ...this.v.map((x, i): [string, tf.Variable] => [`adam/${this.name}/v/${i}`, x]),
    ];
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

/** Adam on one scalar parameter in plain numbers (for log α); state {m, v, t} is JSON. */
export class ScalarAdam {
  m = 0;
  v = 0;
  t = 0;
  constructor(
    readonly lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {}

  /** Return the parameter after one Adam step with gradient g. */
  step(param: number, g: number): number {
    this.t += 1;
    this.m = this.beta1 * this.m + (1 - this.beta1) * g;
    this.v = this.beta2 * this.v + (1 - this.beta2) * g * g;
    const mHat = this.m / (1 - Math.pow(this.beta1, this.t));
    const vHat = this.v / (1 - Math.pow(this.beta2, this.t));
    return param - (this.lr * mHat) / (Math.sqrt(vHat) + this.eps);
  }
}
