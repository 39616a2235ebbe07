/**
 * The variational policy π^q(a|s; θ) (§4): a tanh-squashed Gaussian with the reparametrisation trick.
 *
 *   u = μ_θ(s) + σ_θ(s) ⊙ ε,  ε ~ N(0, I),  a = tanh(u) ∈ (−1, 1)^|A|
 *   log π(a|s) = Σ_i [ log N(u_i; μ_i, σ_i²) − log(1 − tanh²(u_i)) ]          (change of variables)
 *   log(1 − tanh²(u)) = 2 (log 2 − u − softplus(−2u))                          (numerically stable form)
 */
import * as tf from "@tensorflow/tfjs";
import { Mlp } from "./nn";
import type { Rng } from "../rng";

import { HALF_LOG_2PI } from "./tanh-gaussian";

const LOG2 = Math.log(2);

/** A sampled action with its log-probability. */
export interface PolicySample {
  /** a = tanh(u), shape [batch, act]. */
  action: tf.Tensor2D;
  /** log π(a|s), shape [batch, 1]. */
  logPi: tf.Tensor2D;
  /** μ, shape [batch, act]. */
  mean: tf.Tensor2D;
  /** log σ (clipped), shape [batch, act]. */
  logStd: tf.Tensor2D;
}

/** Reparametrisation noise ε ~ N(0, I) for a batch, drawn from the run's Rng, and Σ_i (−ε_i²/2 − log√(2π)). */
export interface Noise {
  readonly eps: Float32Array;
  /** Per row: Σ_i (−ε_i²/2) − |A|·log√(2π) — the ε-only part of log N(u; μ, σ²). */
  readonly logNormal0: Float32Array;
  readonly batch: number;
  readonly actDim: number;
}

/** Draw ε ~ N(0, I) of shape [batch, actDim] and its Gaussian log-density part (computed in float64). */
export function drawNoise(rng: Rng, batch: number, actDim: number): Noise {
  const eps = new Float32Array(batch * actDim);
  const logNormal0 = new Float32Array(batch);
  for (let r = 0; r < batch; r++) {
    let s = 0;
    for (let i = 0; i < actDim; i++) {
      const e = Math.fround(rng.normal());
      eps[r * actDim + i] = e;
      s += -0.5 * e * e - HALF_LOG_2PI;
    }
    logNormal0[r] = s;
  }
  return { eps, logNormal0, batch, actDim };
}

/** The tanh-Gaussian policy network θ: obs → [μ, log σ]. */
export class TanhGaussianPolicy {
  readonly net: Mlp;

  /** @param scope prefix of the tfjs variable names (unique per agent). */
  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    hidden: readonly number[],
    rng: Rng,
    readonly logStdMin = -20,
    readonly logStdMax = 2,
    scope = "",
  ) {
    if (!(logStdMin < logStdMax)) throw new Error(`logStdMin must be < logStdMax (${logStdMax}), got ${logStdMin}`);
    this.net = new Mlp("pi", [obsDim, ...hidden, 2 * actDim], rng, 3e-3, scope);
  }

  /** μ and clipped log σ. @param obs shape [batch, obsDim]. */
  meanLogStd(obs: tf.Tensor2D): { mean: tf.Tensor2D; logStd: tf.Tensor2D } {
    const out = this.net.apply(obs);
    const [mean, rawLogStd] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return { mean, logStd: tf.clipByValue(rawLogStd, this.logStdMin, this.logStdMax) };
  }

  /**
   * Reparametrised sample a = tanh(μ + σ ε) with log π(a|s) = Σ_i[log N(u_i; μ_i, σ_i²) − log(1 − tanh² u_i)].
   * @param obs shape [batch, obsDim]; @param noise ε for the same batch (from {@link drawNoise}).
   */
  sample(obs: tf.Tensor2D, noise: Noise): PolicySample {
    const { mean, logStd } = this.meanLogStd(obs);
    const eps = tf.tensor2d(noise.eps, [noise.batch, noise.actDim]);
    const u = tf.add(mean, tf.mul(tf.exp(logStd), eps)) as tf.Tensor2D;
    const action = tf.tanh(u);
    // log N(u; μ, σ²) = Σ(−ε²/2 − log√2π) − Σ log σ ; log(1 − tanh² u) = 2(log 2 − u − softplus(−2u))
    const logDetJ = tf.mul(tf.sub(tf.sub(LOG2, u), tf.softplus(tf.mul(u, -2))), 2);
    const logPi = tf.sub(
      tf.tensor2d(noise.logNormal0, [noise.batch, 1]),
      tf.sum(tf.add(logStd, logDetJ), 1, true),
    ) as tf.Tensor2D;
    return { action, logPi, mean, logStd };
  }

  /** Deterministic (evaluation) action tanh(μ). @param obs shape [batch, obsDim] → [batch, actDim]. */
  deterministic(obs: tf.Tensor2D): tf.Tensor2D {
    return tf.tanh(this.meanLogStd(obs).mean);
  }
}
