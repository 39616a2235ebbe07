/**
 * Argument checks shared by the model and the tabular code. Every check throws an Error whose message names
 * the argument and the bad value (`beta must be >= 0, got -1`, `p0 must sum to 1 (tol 1e-9), got 0.9`).
 */

/** Tolerance for "sums to 1" checks on probability vectors. */
export const PROB_TOL = 1e-9;

/** A table indexed `[s][a]` (one row per state, one entry per action). */
export type Table = readonly ArrayLike<number>[];

function fmt(x: unknown): string {
  if (typeof x === "number") return Object.is(x, -0) ? "0" : String(x);
  if (typeof x === "string") return JSON.stringify(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/** Format a value for an error message. */
export function formatValue(x: unknown): string {
  return fmt(x);
}

/** β must be a number ≥ 0 (Infinity allowed unless `finite`), not NaN; `positive` rejects 0. */
export function checkBeta(beta: number, name = "beta", opts: { positive?: boolean; finite?: boolean } = {}): number {
  if (typeof beta !== "number" || Number.isNaN(beta)) {
    throw new Error(`${name} must be a number >= 0, got ${fmt(beta)}`);
  }
  if (opts.positive ? !(beta > 0) : beta < 0) {
    throw new Error(`${name} must be ${opts.positive ? "> 0" : ">= 0"}, got ${fmt(beta)}`);
  }
  if (opts.finite && !Number.isFinite(beta)) throw new Error(`${name} must be finite, got ${fmt(beta)}`);
  return beta;
}

/** γ ∈ [0, 1). */
export function checkGamma(gamma: number, name = "gamma"): number {
  if (typeof gamma !== "number" || !(gamma >= 0 && gamma < 1)) {
    throw new Error(`${name} must be in [0, 1), got ${fmt(gamma)}`);
  }
  return gamma;
}

/** A positive integer (`min` default 1). */
export function checkInt(n: number, name: string, min = 1): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${fmt(n)}`);
  }
  return n;
}

/** An array-like of numbers, optionally of a given length. */
export function checkVector(x: ArrayLike<number>, name: string, length?: number): ArrayLike<number> {
  if (x === null || typeof x !== "object" || typeof (x as ArrayLike<number>).length !== "number") {
    throw new Error(`${name} must be an array of numbers, got ${fmt(x)}`);
  }
  if (length !== undefined && x.length !== length) {
    throw new Error(`expected ${name} of length ${length}, got ${x.length}`);
  }
  return x;
}

/** Every entry finite (no NaN, no ±Infinity). */
export function checkFinite(x: ArrayLike<number>, name: string, length?: number): ArrayLike<number> {
  checkVector(x, name, length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${name}[${i}] must be finite, got ${fmt(v)}`);
  }
  return x;
}

/** Non-negative entries summing to 1 within {@link PROB_TOL}. */
export function checkDistribution(p: ArrayLike<number>, name: string, length?: number): ArrayLike<number> {
  checkVector(p, name, length);
  if (p.length === 0) throw new Error(`${name} must be non-empty, got length 0`);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${name}[${i}] must be finite, got ${fmt(v)}`);
    if (v < 0) throw new Error(`${name}[${i}] must be non-negative, got ${fmt(v)}`);
    sum += v;
  }
  if (Math.abs(sum - 1) > PROB_TOL) throw new Error(`${name} must sum to 1 (tol ${PROB_TOL}), got ${fmt(sum)}`);
  return p;
}

/** Non-negative finite weights (need not be normalised). */
export function checkWeights(w: ArrayLike<number>, name: string, length?: number): ArrayLike<number> {
  checkVector(w, name, length);
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${name}[${i}] must be finite, got ${fmt(v)}`);
    if (v < 0) throw new Error(`${name}[${i}] must be non-negative, got ${fmt(v)}`);
  }
  return w;
}

/** A table `[s][a]` with `nS` rows of length `nA` (checks shape; `finite` also checks every entry). */
export function checkTable(t: Table, name: string, nS?: number, nA?: number, finite = true): Table {
  if (!Array.isArray(t)) throw new Error(`${name} must be an array of rows [s][a], got ${fmt(t)}`);
  if (nS !== undefined && t.length !== nS)
    throw new Error(`expected ${name} with ${nS} rows (states), got ${t.length}`);
  if (t.length === 0) throw new Error(`${name} must have at least one row (state), got 0`);
  const width = nA ?? (t[0] as ArrayLike<number> | undefined)?.length;
  for (let s = 0; s < t.length; s++) {
    const row = t[s]!;
    checkVector(row, `${name}[${s}]`, width);
    if (finite) checkFinite(row, `${name}[${s}]`);
  }
  return t;
}

/** A policy table: `policy[s]` a distribution over actions. */
export function checkPolicy(policy: Table, name: string, nS?: number, nA?: number): Table {
  checkTable(policy, name, nS, nA, false);
  for (let s = 0; s < policy.length; s++) checkDistribution(policy[s]!, `${name}[${s}]`);
  return policy;
}
