/**
 * Table 1 on a finite set of state-action pairs h = ⟨s, a⟩, with Q given as a table `Q[s][a]`:
 * conditional likelihood, prior, joint, marginal likelihood and posterior over h. Everything is computed in
 * log space: the likelihood exp(Q/β) itself overflows long before Q/β = 1e6, its logarithm never does.
 */
import { logSumExp } from "./math";
import { checkBeta, checkDistribution, checkFinite, checkInt, checkTable, checkWeights, type Table } from "./validate";

/** Log conditional likelihood (Table 1), element-wise: `log p(O=1|h;ω) = Q(h)/β` (β > 0; β = ∞ gives 0). */
export function logLikelihood(q: ArrayLike<number>, beta: number): Float64Array {
  checkFinite(q, "q");
  checkBeta(beta, "beta", { positive: true });
  const out = new Float64Array(q.length);
  if (beta === Infinity) return out;
  for (let i = 0; i < q.length; i++) out[i] = q[i]! / beta;
  return out;
}

/** Uniform prior over h (Table 1): `p(h) = U(h) = 1 / (|S| |A|)`, as a table `[s][a]`. */
export function uniformPrior(nS: number, nA: number): Float64Array[] {
  checkInt(nS, "nS");
  checkInt(nA, "nA");
  return Array.from({ length: nS }, () => new Float64Array(nA).fill(1 / (nS * nA)));
}

/** The prior of Table 2 (App. D): `p(h) = p0(s) U(a) = p0(s) / |A|`, as a table `[s][a]`. */
export function p0UniformPrior(p0: ArrayLike<number>, nA: number): Float64Array[] {
  checkDistribution(p0, "p0");
  checkInt(nA, "nA");
  return Array.from(p0 as ArrayLike<number> & Iterable<number>, (p) => new Float64Array(nA).fill(p / nA));
}

/** Resolve the `prior` argument: a table of non-negative weights summing to 1, or U(h) when omitted. */
export function resolvePrior(prior: Table | undefined, nS: number, nA: number): Table {
  if (prior === undefined) return uniformPrior(nS, nA);
  checkTable(prior, "prior", nS, nA);
  let sum = 0;
  for (let s = 0; s < nS; s++) {
    checkWeights(prior[s]!, `prior[${s}]`);
    for (let a = 0; a < nA; a++) sum += prior[s]![a]!;
  }
  if (Math.abs(sum - 1) > 1e-9) throw new Error(`prior must sum to 1 over all h (tol 1e-9), got ${sum}`);
  return prior;
}

function shape(Q: Table, name = "Q"): [number, number] {
  checkTable(Q, name);
  return [Q.length, Q[0]!.length];
}

/** Log joint (Table 1): `log p(O, h; ω) = Q(h)/β + log p(h)`, a table `[s][a]` (β > 0). */
export function logJoint(Q: Table, beta: number, prior?: Table): Float64Array[] {
  const [nS, nA] = shape(Q);
  checkBeta(beta, "beta", { positive: true });
  const p = resolvePrior(prior, nS, nA);
  return Q.map((row, s) => {
    const out = new Float64Array(nA);
    for (let a = 0; a < nA; a++) out[a] = (beta === Infinity ? 0 : row[a]! / beta) + Math.log(p[s]![a]!);
    return out;
  });
}

/** Log marginal likelihood (Eq. 2, Table 1): `L(O;ω) = log Σ_h exp(Q(h)/β) p(h)` (log-sum-exp, β > 0). */
export function logMarginalLikelihood(Q: Table, beta: number, prior?: Table): number {
  const lj = logJoint(Q, beta, prior);
  const flat = new Float64Array(lj.length * lj[0]!.length);
  lj.forEach((row, s) => flat.set(row, s * row.length));
  return logSumExp(flat);
}

/**
 * Posterior over h (Table 1): `p(h|O;ω) = exp(Q(h)/β) p(h) / Σ_h' exp(Q(h')/β) p(h')`, a table `[s][a]`;
 * β = 0 puts the prior's mass on the maximisers of Q (among h with p(h) > 0), β = ∞ returns the prior.
 */
export function posterior(Q: Table, beta: number, prior?: Table): Float64Array[] {
  const [nS, nA] = shape(Q);
  checkBeta(beta);
  const p = resolvePrior(prior, nS, nA);
  const out = Array.from({ length: nS }, () => new Float64Array(nA));
  if (beta === Infinity) {
    for (let s = 0; s < nS; s++) for (let a = 0; a < nA; a++) out[s]![a] = p[s]![a]!;
    return out;
  }
  let m = -Infinity;
  for (let s = 0; s < nS; s++) for (let a = 0; a < nA; a++) if (p[s]![a]! > 0 && Q[s]![a]! > m) m = Q[s]![a]!;
  let z = 0;
  for (let s = 0; s < nS; s++) {
    for (let a = 0; a < nA; a++) {
      const ps = p[s]![a]!;
      if (ps <= 0) continue;
      const w = beta === 0 ? (Q[s]![a] === m ? ps : 0) : Math.exp((Q[s]![a]! - m) / beta) * ps;
      out[s]![a] = w;
      z += w;
    }
  }
  for (let s = 0; s < nS; s++) for (let a = 0; a < nA; a++) out[s]![a]! /= z;
  return out;
}
