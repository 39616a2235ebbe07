/**
 * The action-posterior of Table 1 for a one-dimensional continuous action a ∈ [low, high]:
 * p(a|s,O;ω) = exp(Q(s,a)/β) / ∫ exp(Q(s,a')/β) da', with the normaliser computed by composite Simpson
 * quadrature on a uniform grid, in log space (stable for any finite Q and β > 0).
 */
import type { Rng } from "../rng";
import { checkBeta, checkInt, formatValue } from "./validate";

/** Options for {@link continuousActionPosterior}. */
export interface ContinuousGridOptions {
  /** Lower end of the action interval (finite). */
  low: number;
  /** Upper end of the action interval (finite, > low). */
  high: number;
  /** Number of grid points, odd and ≥ 3 (Simpson's rule). Default 401. */
  points?: number;
}

/** A continuous action-posterior tabulated on a quadrature grid. */
export interface ContinuousActionPosterior {
  /** Grid points a_i, uniform on [low, high]. */
  readonly grid: Float64Array;
  /** Composite Simpson weights w_i (Σ_i w_i = high − low): ∫ f(a) da ≈ Σ_i w_i f(a_i). */
  readonly weights: Float64Array;
  /** log p(a_i|s,O) = Q(a_i)/β − log Z. */
  readonly logDensity: Float64Array;
  /** p(a_i|s,O) = exp(Q(a_i)/β − log Z) (a density: Σ_i w_i p_i = 1). */
  readonly density: Float64Array;
  /** log Z = log ∫_low^high exp(Q(a)/β) da (quadrature). */
  readonly logNormaliser: number;
  /** E[a] = ∫ a p(a) da (quadrature). */
  readonly mean: number;
  /** Var[a] = ∫ (a − E[a])² p(a) da (quadrature). */
  readonly variance: number;
  /** Cumulative distribution at the grid points (trapezoid, ends at exactly 1). */
  readonly cdf: Float64Array;
  /** Density at any a in [low, high]: exp(Q(a)/β − log Z) (0 outside). */
  densityAt(a: number): number;
  /** One draw by inverting the piecewise-linear CDF on the grid. */
  sample(rng: Rng): number;
}

/** Continuous action-posterior (Table 1): `p(a|s,O) = exp(Q(a)/β) / ∫ exp(Q(a')/β) da'`, normaliser by Simpson quadrature. */
export function continuousActionPosterior(
  q: (a: number) => number,
  beta: number,
  options: ContinuousGridOptions,
): ContinuousActionPosterior {
  if (typeof q !== "function") throw new Error(`q must be a function of the action, got ${formatValue(q)}`);
  checkBeta(beta, "beta", { positive: true });
  const { low, high } = options ?? ({} as ContinuousGridOptions);
  const points = options?.points ?? 401;
  if (typeof low !== "number" || !Number.isFinite(low)) throw new Error(`low must be finite, got ${formatValue(low)}`);
  if (typeof high !== "number" || !Number.isFinite(high) || !(high > low)) {
    throw new Error(`high must be finite and > low (${low}), got ${formatValue(high)}`);
  }
  checkInt(points, "points", 3);
  if (points % 2 === 0) throw new Error(`points must be odd (Simpson's rule), got ${points}`);
  const n = points;
  const h = (high - low) / (n - 1);
  const grid = new Float64Array(n);
  const weights = new Float64Array(n);
  const logf = new Float64Array(n);
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = i === n - 1 ? high : low + i * h;
    grid[i] = a;
    weights[i] = (h / 3) * (i === 0 || i === n - 1 ? 1 : i % 2 === 1 ? 4 : 2);
    const qa = q(a);
    if (typeof qa !== "number" || !Number.isFinite(qa))
      throw new Error(`q(${a}) must be finite, got ${formatValue(qa)}`);
    logf[i] = beta === Infinity ? 0 : qa / beta;
    if (logf[i]! > m) m = logf[i]!;
  }
  let z = 0;
  for (let i = 0; i < n; i++) z += weights[i]! * Math.exp(logf[i]! - m);
  const logZ = m + Math.log(z);
  const logDensity = new Float64Array(n);
  const density = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    logDensity[i] = logf[i]! - m - Math.log(z); // subtract the max first: no cancellation at Q/β ≈ 1e6
    density[i] = Math.exp(logDensity[i]!);
    mean += weights[i]! * density[i]! * grid[i]!;
  }
  let variance = 0;
  for (let i = 0; i < n; i++) variance += weights[i]! * density[i]! * (grid[i]! - mean) ** 2;
  const cdf = new Float64Array(n);
  for (let i = 1; i < n; i++) cdf[i] = cdf[i - 1]! + (h / 2) * (density[i - 1]! + density[i]!);
  const total = cdf[n - 1]!;
  for (let i = 1; i < n; i++) cdf[i]! /= total;
  cdf[n - 1] = 1;
  return {
    grid,
    weights,
    logDensity,
    density,
    logNormaliser: logZ,
    mean,
    variance,
    cdf,
    densityAt(a: number): number {
      if (!(a >= low && a <= high)) return 0;
      const qa = q(a);
      return Math.exp((beta === Infinity ? 0 : qa / beta) - m - Math.log(z));
    },
    sample(rng: Rng): number {
      const u = rng.uniform();
      let lo = 0;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid]! <= u) lo = mid;
        else hi = mid;
      }
      const span = cdf[hi]! - cdf[lo]!;
      const t = span > 0 ? (u - cdf[lo]!) / span : 0.5;
      return grid[lo]! + t * (grid[hi]! - grid[lo]!);
    },
  };
}
