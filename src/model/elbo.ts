/**
 * The variational side of Table 1 on finite problems: q(h) = p0(s) π(a|s), the ELBO of Eq. 4, the KL to the
 * posterior, the decomposition log p(O;ω) = ELBO + KL (Eq. 3), J^π (Eq. 1), and the exact gradient of the ELBO
 * with respect to softmax policy logits (Eq. 9, App. B.1).
 *
 * As in App. B.1 the likelihood's Q^{p_ω} is replaced by the Q-table passed in (in EM: the critic Q̂).
 */
import { logMarginalLikelihood, resolvePrior } from "./likelihood";
import { logSoftmax, softmax } from "./math";
import { checkBeta, checkDistribution, checkPolicy, checkTable, checkWeights, type Table } from "./validate";

interface Checked {
  nS: number;
  nA: number;
  prior: Table;
}

function checkAll(Q: Table, beta: number, policy: Table, p0: ArrayLike<number>, prior?: Table): Checked {
  checkTable(Q, "Q");
  const nS = Q.length;
  const nA = Q[0]!.length;
  checkBeta(beta, "beta", { positive: true });
  checkPolicy(policy, "policy", nS, nA);
  checkDistribution(p0, "p0", nS);
  return { nS, nA, prior: resolvePrior(prior, nS, nA) };
}

/** Variational distribution (Table 1): `q(h) = p0(s) π^q(a|s)`, a table `[s][a]`. */
export function variationalDistribution(policy: Table, p0: ArrayLike<number>): Float64Array[] {
  checkPolicy(policy, "policy");
  checkDistribution(p0, "p0", policy.length);
  return policy.map((row, s) => {
    const out = new Float64Array(row.length);
    for (let a = 0; a < row.length; a++) out[a] = p0[s]! * row[a]!;
    return out;
  });
}

/** RL objective (Eq. 1): `J^π = Σ_{s,a} Q^π(s,a) p0(s) π(a|s)`. */
export function objectiveJ(Q: Table, policy: Table, p0: ArrayLike<number>): number {
  checkTable(Q, "Q");
  checkPolicy(policy, "policy", Q.length, Q[0]!.length);
  checkDistribution(p0, "p0", Q.length);
  let j = 0;
  for (let s = 0; s < Q.length; s++) for (let a = 0; a < Q[s]!.length; a++) j += p0[s]! * policy[s]![a]! * Q[s]![a]!;
  return j;
}

/** ELBO (Eq. 4): `ELBO(q, ω) = E_q[Q(h)]/β + H(q) + E_q[log p(h)]`, q(h) = p0(s)π(a|s), prior U(h) by default. */
export function elbo(Q: Table, beta: number, policy: Table, p0: ArrayLike<number>, prior?: Table): number {
  const { nS, nA, prior: p } = checkAll(Q, beta, policy, p0, prior);
  let out = 0;
  for (let s = 0; s < nS; s++) {
    for (let a = 0; a < nA; a++) {
      const qh = p0[s]! * policy[s]![a]!;
      if (qh <= 0) continue; // 0 · log 0 = 0
      const ph = p[s]![a]!;
      if (ph <= 0) return -Infinity; // q puts mass where the prior has none
      const like = beta === Infinity ? 0 : Q[s]![a]! / beta;
      out += qh * (like + Math.log(ph) - Math.log(qh));
    }
  }
  return out;
}

/**
 * KL to the posterior (Eq. 3), by its definition: `KL(q(h) ‖ p(h|O;ω)) = Σ_h q(h) [log q(h) − log p(h|O;ω)]`,
 * with the posterior `p(h|O;ω) = exp(Q(h)/β) p(h) / Σ_h' exp(Q(h')/β) p(h')` normalised here (shifted by
 * max Q, summed directly) — not through {@link logMarginalLikelihood}, so that Eq. 3 checks three independent
 * computations. No clamp: a negative value (round-off, or a bug) is returned as it is.
 */
export function klPosterior(Q: Table, beta: number, policy: Table, p0: ArrayLike<number>, prior?: Table): number {
  const { nS, nA, prior: p } = checkAll(Q, beta, policy, p0, prior);
  const inv = beta === Infinity ? 0 : 1 / beta;
  let m = -Infinity;
  for (let s = 0; s < nS; s++) for (let a = 0; a < nA; a++) if (p[s]![a]! > 0) m = Math.max(m, Q[s]![a]! * inv);
  let z = 0; // Σ_h exp(Q(h)/β − m) p(h)
  for (let s = 0; s < nS; s++)
    for (let a = 0; a < nA; a++) if (p[s]![a]! > 0) z += Math.exp(Q[s]![a]! * inv - m) * p[s]![a]!;
  const logZ = m + Math.log(z);
  let out = 0;
  for (let s = 0; s < nS; s++) {
    for (let a = 0; a < nA; a++) {
      const qh = p0[s]! * policy[s]![a]!;
      if (qh <= 0) continue;
      const ph = p[s]![a]!;
      if (ph <= 0) return Infinity;
      const logPost = Q[s]![a]! * inv + Math.log(ph) - logZ; // log p(h|O;ω)
      out += qh * (Math.log(qh) - logPost);
    }
  }
  return out;
}

/** The numbers of Eq. 3 at once. */
export interface LmlDecomposition {
  /** log p(O;ω) = log Σ_h exp(Q(h)/β) p(h) (Eq. 2). */
  lml: number;
  /** ELBO(q, ω) (Eq. 4). */
  elbo: number;
  /** KL(q ‖ p(h|O;ω)) ≥ 0 (up to round-off; not clamped). */
  kl: number;
  /** lml − (elbo + kl): zero up to round-off (Eq. 3). */
  gap: number;
}

/**
 * Eq. 3: `log p(O;ω) = ELBO(q, ω) + KL(q(h) ‖ p(h|O;ω))`, each term computed independently — the LML by
 * log-sum-exp over h (Eq. 2), the ELBO by Eq. 4, the KL by its definition against the normalised posterior —
 * plus the gap, which is zero only if all three are right.
 */
export function lmlDecomposition(
  Q: Table,
  beta: number,
  policy: Table,
  p0: ArrayLike<number>,
  prior?: Table,
): LmlDecomposition {
  const lml = logMarginalLikelihood(Q, beta, prior);
  const e = elbo(Q, beta, policy, p0, prior);
  const kl = klPosterior(Q, beta, policy, p0, prior);
  return { lml, elbo: e, kl, gap: lml - (e + kl) };
}

/** Softmax policy table: `π(a|s;θ) = exp(θ[s][a]) / Σ_b exp(θ[s][b])`. */
export function softmaxPolicy(theta: Table): Float64Array[] {
  checkTable(theta, "theta");
  return theta.map((row) => softmax(row));
}

/** ELBO (Eq. 4) of the softmax-parametrised policy π(·|s;θ) = softmax(θ[s]). */
export function elboSoftmax(Q: Table, beta: number, theta: Table, p0: ArrayLike<number>, prior?: Table): number {
  return elbo(Q, beta, softmaxPolicy(theta), p0, prior);
}

/**
 * Exact ELBO gradient w.r.t. softmax logits (Eq. 9, App. B.1): `∂ELBO/∂θ[s][a] = w(s) π(a|s) (g(s,a) − Σ_b π(b|s) g(s,b))`,
 * `g = Q/β + log p(h) − log π`; with w = p0 this is ∇θ of Eq. 4, and `β ∇θ ELBO = ∇θ E_q[Q] + β ∇θ H` (Eq. 9).
 * `stateWeights` replaces p0 as the state weighting w(s) (App. B.1 estimates it from on-policy samples).
 */
export function elboGradient(
  Q: Table,
  beta: number,
  theta: Table,
  p0: ArrayLike<number>,
  prior?: Table,
  stateWeights?: ArrayLike<number>,
): Float64Array[] {
  checkTable(Q, "Q");
  const nS = Q.length;
  const nA = Q[0]!.length;
  checkBeta(beta, "beta", { positive: true });
  checkTable(theta, "theta", nS, nA);
  checkDistribution(p0, "p0", nS);
  const p = resolvePrior(prior, nS, nA);
  if (stateWeights !== undefined) checkWeights(stateWeights, "stateWeights", nS);
  const w = stateWeights ?? p0;
  return theta.map((row, s) => {
    const pi = softmax(row);
    const logPi = logSoftmax(row); // from the logits directly, so it stays finite when π underflows
    const pRow = p[s]!;
    let zeros = 0;
    for (let a = 0; a < nA; a++) if (!(pRow[a]! > 0)) zeros++;
    if (zeros > 0 && zeros < nA) {
      throw new Error(
        `prior[${s}] mixes zero and positive entries, got ${JSON.stringify(Array.from(pRow))}; the ELBO gradient is undefined there`,
      );
    }
    const g = new Float64Array(nA);
    let mean = 0;
    for (let a = 0; a < nA; a++) {
      // a prior row that is all zero is constant in π and drops out of g − E_π[g]
      g[a] = (beta === Infinity ? 0 : Q[s]![a]! / beta) + (zeros === 0 ? Math.log(pRow[a]!) : 0) - logPi[a]!;
      mean += pi[a]! * g[a]!;
    }
    const out = new Float64Array(nA);
    for (let a = 0; a < nA; a++) out[a] = w[s]! * pi[a]! * (g[a]! - mean);
    return out;
  });
}
