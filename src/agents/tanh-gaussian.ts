/** Closed forms of the tanh-squashed Gaussian (plain numbers, float64; no tfjs). */

/** log √(2π). */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Closed-form tanh-Gaussian log-density: log π(a) = Σ_i [log N(atanh a_i; μ_i, σ_i²) − log(1 − a_i²)]
 * (change of variables a = tanh u, u ~ N(μ, σ²)).
 */
export function tanhGaussianLogProb(a: ArrayLike<number>, mean: ArrayLike<number>, logStd: ArrayLike<number>): number {
  if (a.length !== mean.length || a.length !== logStd.length) {
    throw new Error(`expected a, mean and logStd of equal length, got ${a.length}, ${mean.length}, ${logStd.length}`);
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    if (!(ai > -1 && ai < 1)) throw new Error(`a[${i}] must be in (−1, 1), got ${ai}`);
    const u = Math.atanh(ai);
    const sd = Math.exp(logStd[i]!);
    const z = (u - mean[i]!) / sd;
    s += -0.5 * z * z - logStd[i]! - HALF_LOG_2PI - Math.log(1 - ai * ai);
  }
  return s;
}
