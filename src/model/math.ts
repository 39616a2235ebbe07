/** Small numerically stable helpers used throughout the model (all in log space where it matters). */
import { checkFinite, checkVector } from "./validate";

/** log Σ_i exp(x_i), stable: `m + log Σ exp(x_i − m)` with m = max x; −Infinity for an all −Infinity input. */
export function logSumExp(x: ArrayLike<number>): number {
  checkVector(x, "x");
  if (x.length === 0) throw new Error("x must be non-empty, got length 0");
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) throw new Error(`x[${i}] must not be NaN, got NaN`);
    if (v > m) m = v;
  }
  if (m === -Infinity) return -Infinity;
  if (m === Infinity) return Infinity;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - m);
  return m + Math.log(s);
}

/** Shannon entropy `H(p) = −Σ p_i log p_i` (nats, 0 log 0 = 0). */
export function entropy(p: ArrayLike<number>): number {
  checkVector(p, "p");
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

/** Softmax `π_i = exp(θ_i) / Σ_j exp(θ_j)` (max-shifted, stable for any finite θ). */
export function softmax(theta: ArrayLike<number>): Float64Array {
  checkFinite(theta, "theta");
  if (theta.length === 0) throw new Error("theta must be non-empty, got length 0");
  let m = -Infinity;
  for (let i = 0; i < theta.length; i++) if (theta[i]! > m) m = theta[i]!;
  const out = new Float64Array(theta.length);
  let s = 0;
  for (let i = 0; i < theta.length; i++) {
    out[i] = Math.exp(theta[i]! - m);
    s += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= s;
  return out;
}

/** Log-softmax `log π_i = θ_i − log Σ_j exp(θ_j)`. */
export function logSoftmax(theta: ArrayLike<number>): Float64Array {
  checkFinite(theta, "theta");
  const lse = logSumExp(theta);
  const out = new Float64Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = theta[i]! - lse;
  return out;
}
