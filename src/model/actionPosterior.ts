/**
 * The action-posterior of Table 1, p(a|s,O;ω) = exp(Q(s,a)/β) / Σ_a' exp(Q(s,a')/β) — a Boltzmann policy whose
 * temperature is the Bellman error β(ω) (Lemma 1). Computed in log space, so any finite Q and any β ≥ 0 work
 * (Q/β = 1e6 does not overflow). The two limits of Lemma 1 are exact special cases: β = 0 is the greedy policy
 * (uniform over tied maxima), β = Infinity the uniform policy.
 */
import { checkBeta, checkFinite } from "./validate";

function checkQ(q: ArrayLike<number>): void {
  checkFinite(q, "q");
  if (q.length === 0) throw new Error("q must be non-empty (one value per action), got length 0");
}

/** Action-posterior (Table 1, Eq. 6): `p(a|s,O) = exp(Q(s,a)/β) / Σ_a' exp(Q(s,a')/β)`; β=0 greedy (ties uniform), β=∞ uniform (Lemma 1). */
export function actionPosterior(q: ArrayLike<number>, beta: number): Float64Array {
  checkQ(q);
  checkBeta(beta);
  const n = q.length;
  const out = new Float64Array(n);
  if (beta === Infinity) return out.fill(1 / n);
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (q[i]! > m) m = q[i]!;
  if (beta === 0) {
    let k = 0;
    for (let i = 0; i < n; i++) if (q[i] === m) k++;
    for (let i = 0; i < n; i++) out[i] = q[i] === m ? 1 / k : 0;
    return out;
  }
  let s = 0;
  for (let i = 0; i < n; i++) {
    // (Q − max Q)/β ≤ 0, so exp never overflows; −Infinity (huge gaps or tiny β) underflows to 0.
    const z = (q[i]! - m) / beta;
    out[i] = Math.exp(z);
    s += out[i]!;
  }
  for (let i = 0; i < n; i++) out[i]! /= s;
  return out;
}

/** Log action-posterior: `log p(a|s,O) = Q(s,a)/β − log Σ_a' exp(Q(s,a')/β)` (−Infinity off the argmax at β=0). */
export function logActionPosterior(q: ArrayLike<number>, beta: number): Float64Array {
  checkQ(q);
  checkBeta(beta);
  const n = q.length;
  const out = new Float64Array(n);
  if (beta === Infinity) return out.fill(-Math.log(n));
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (q[i]! > m) m = q[i]!;
  if (beta === 0) {
    let k = 0;
    for (let i = 0; i < n; i++) if (q[i] === m) k++;
    for (let i = 0; i < n; i++) out[i] = q[i] === m ? -Math.log(k) : -Infinity;
    return out;
  }
  let s = 0;
  for (let i = 0; i < n; i++) {
    out[i] = (q[i]! - m) / beta;
    s += Math.exp(out[i]!);
  }
  const ls = Math.log(s);
  for (let i = 0; i < n; i++) out[i] = out[i]! - ls;
  return out;
}

/** Greedy policy, the β → 0 limit of Lemma 1: `π(a|s) = 1[a ∈ argmax Q(s,·)] / |argmax|`. */
export function greedy(q: ArrayLike<number>): Float64Array {
  return actionPosterior(q, 0);
}
