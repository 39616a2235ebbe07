/**
 * Table 2 (App. D) made executable on tabular MDPs: the pseudo-likelihood framework's EM (§2.4,
 * reward-weighted: Dayan & Hinton; Peters & Schaal) and the MERLIN / maximum-entropy view (§2.3, soft value
 * iteration), next to VIREL's EM in ./em.ts.
 */
import { z } from "zod";
import { actionPosterior } from "../model/actionPosterior";
import { checkPolicy, type Table } from "../model/validate";
import { entropy } from "../model/math";
import { evaluatePolicyUnchecked, policyDynamics, qFromV, uniformPolicy } from "./evaluation";
import type { ValueFunctions } from "./evaluation";
import { solveLinear } from "./linalg";
import { minReward, validateMDP, type TabularMDP } from "./mdp";
import { parseOptions } from "./options";

/** Options of {@link pseudoLikelihoodEM}. */
export interface PseudoLikelihoodOptions {
  /** EM iterations, ≥ 0. Default 200. */
  iterations?: number;
  /**
   * The transformation 𝒯 of Table 2 applied to the return R(τ) = Σ_{t<T} γ^t r_t: "exp" (default)
   * 𝒯(R) = exp(R/η), the exponential weighting of reward-weighted regression; "linear" 𝒯(R) = R (Dayan &
   * Hinton 1997; needs rewards ≥ 0).
   */
  transform?: "exp" | "linear";
  /** Temperature η > 0 of the exp transform. Default 1. */
  eta?: number;
  /** Trajectory length T (the finite horizon of §2.4). Default ⌈log(1e-8)/log γ⌉ clamped to [1, 2000]. */
  horizon?: number;
  /** Initial policy `[s][a]` (must be positive where the optimum can be reached). Default uniform. */
  initialPolicy?: Table;
}

/** One pseudo-likelihood EM iteration. */
export interface PseudoLikelihoodTraceEntry {
  iteration: number;
  /** log p(O; π) = log E_{τ∼p(τ;π)}[𝒯(R(τ))] before this iteration's update (exact). */
  logPseudoLikelihood: number;
  /** J^π (Eq. 1, infinite horizon) of the updated policy. */
  J: number;
  /** The updated policy. */
  policy: Float64Array[];
}

/** Result of {@link pseudoLikelihoodEM}. */
export interface PseudoLikelihoodResult {
  policy: Float64Array[];
  /** J^π (Eq. 1) of the final policy, exact. */
  J: number;
  /** Q^π of the final policy. */
  Q: Float64Array[];
  /** log p(O; π) of the final policy. */
  logPseudoLikelihood: number;
  trace: PseudoLikelihoodTraceEntry[];
}

const plSchema = z.strictObject({
  iterations: z.number().int().min(0).optional(),
  transform: z.enum(["exp", "linear"]).optional(),
  eta: z.number().positive().optional(),
  horizon: z.number().int().min(1).optional(),
  initialPolicy: z.array(z.custom<ArrayLike<number>>((v) => typeof v === "object" && v !== null)).optional(),
});

function defaultHorizon(gamma: number): number {
  return gamma === 0 ? 1 : Math.max(1, Math.min(2000, Math.ceil(Math.log(1e-8) / Math.log(gamma))));
}

/**
 * Exact posterior state-action counts of the pseudo-likelihood model (Table 2, column 3):
 * `p(τ|O) ∝ 𝒯(R(τ)) p(τ; π)`, returning `w(s,a) ∝ Σ_t p(s_t = s, a_t = a | O)` and log p(O; π).
 */
function posteriorCounts(
  mdp: TabularMDP,
  pi: Float64Array[],
  transform: "exp" | "linear",
  eta: number,
  T: number,
): { w: Float64Array[]; logZ: number } {
  const { nS, nA, gamma } = mdp;
  const w = Array.from({ length: nS }, () => new Float64Array(nA));
  const disc = Float64Array.from({ length: T }, (_, t) => gamma ** t);
  if (transform === "exp") {
    // 𝒯(R(τ)) = Π_t exp(γ^t r_t / η): forward–backward in log space.
    const logB: Float64Array[] = Array.from({ length: T + 1 }, () => new Float64Array(nS)); // logB[T] = 0
    const logC: Float64Array[][] = new Array(T);
    for (let t = T - 1; t >= 0; t--) {
      const next = logB[t + 1]!;
      let m = -Infinity;
      for (let s = 0; s < nS; s++) if (next[s]! > m) m = next[s]!;
      const C = Array.from({ length: nS }, (_, s) =>
        Float64Array.from({ length: nA }, (_, a) => {
          const Psa = mdp.P[s]![a]!;
          let e = 0;
          for (let sp = 0; sp < nS; sp++) if (Psa[sp]! > 0) e += Psa[sp]! * Math.exp(next[sp]! - m);
          return (disc[t]! * mdp.R[s]![a]!) / eta + m + Math.log(e);
        }),
      );
      logC[t] = C;
      for (let s = 0; s < nS; s++) {
        let mm = -Infinity;
        for (let a = 0; a < nA; a++) if (pi[s]![a]! > 0 && C[s]![a]! > mm) mm = C[s]![a]!;
        let acc = 0;
        for (let a = 0; a < nA; a++) if (pi[s]![a]! > 0) acc += pi[s]![a]! * Math.exp(C[s]![a]! - mm);
        logB[t]![s] = mm + Math.log(acc);
      }
    }
    let m0 = -Infinity;
    for (let s = 0; s < nS; s++) if (mdp.p0[s]! > 0 && logB[0]![s]! > m0) m0 = logB[0]![s]!;
    let z0 = 0;
    for (let s = 0; s < nS; s++) if (mdp.p0[s]! > 0) z0 += mdp.p0[s]! * Math.exp(logB[0]![s]! - m0);
    const logZ = m0 + Math.log(z0);
    let logF = Float64Array.from(mdp.p0, (p) => (p > 0 ? Math.log(p) : -Infinity));
    for (let t = 0; t < T; t++) {
      const C = logC[t]!;
      const u = Array.from({ length: nS }, (_, s) =>
        Float64Array.from({ length: nA }, (_, a) =>
          pi[s]![a]! > 0 && logF[s]! > -Infinity ? logF[s]! + Math.log(pi[s]![a]!) : -Infinity,
        ),
      );
      // marginal p(s_t = s, a_t = a | O) = exp(u + C − logZ)
      for (let s = 0; s < nS; s++)
        for (let a = 0; a < nA; a++) if (u[s]![a]! > -Infinity) w[s]![a]! += Math.exp(u[s]![a]! + C[s]![a]! - logZ);
      if (t === T - 1) break;
      // forward message with the evidence of step t: logF'(s') = log Σ_{s,a} exp(u + γ^t r/η) P(s'|s,a)
      let mu = -Infinity;
      const v = u.map((row, s) => row.map((x, a) => x + (disc[t]! * mdp.R[s]![a]!) / eta));
      for (const row of v) for (const x of row) if (x > mu) mu = x;
      const F = new Float64Array(nS);
      for (let s = 0; s < nS; s++) {
        for (let a = 0; a < nA; a++) {
          const x = v[s]![a]!;
          if (x === -Infinity) continue;
          const e = Math.exp(x - mu);
          const Psa = mdp.P[s]![a]!;
          for (let sp = 0; sp < nS; sp++) F[sp]! += e * Psa[sp]!;
        }
      }
      logF = F.map((f) => (f > 0 ? mu + Math.log(f) : -Infinity));
    }
    return { w, logZ };
  }
  // linear: 𝒯(R) = R; E[R(τ) 1(s_t=s, a_t=a)] = π(a|s) (m_t(s) + d_t(s) U_t(s,a)).
  const U: Float64Array[][] = new Array(T);
  let Vn = new Float64Array(nS);
  for (let t = T - 1; t >= 0; t--) {
    const Ut = Array.from({ length: nS }, (_, s) =>
      Float64Array.from({ length: nA }, (_, a) => {
        const Psa = mdp.P[s]![a]!;
        let e = 0;
        for (let sp = 0; sp < nS; sp++) e += Psa[sp]! * Vn[sp]!;
        return disc[t]! * mdp.R[s]![a]! + e;
      }),
    );
    U[t] = Ut;
    Vn = Float64Array.from({ length: nS }, (_, s) => {
      let v = 0;
      for (let a = 0; a < nA; a++) v += pi[s]![a]! * Ut[s]![a]!;
      return v;
    });
  }
  let ER = 0;
  for (let s = 0; s < nS; s++) ER += mdp.p0[s]! * Vn[s]!;
  let d = Float64Array.from(mdp.p0);
  let m = new Float64Array(nS);
  for (let t = 0; t < T; t++) {
    const Ut = U[t]!;
    const dn = new Float64Array(nS);
    const mn = new Float64Array(nS);
    for (let s = 0; s < nS; s++) {
      for (let a = 0; a < nA; a++) {
        const p = pi[s]![a]!;
        if (p === 0) continue;
        w[s]![a]! += p * (m[s]! + d[s]! * Ut[s]![a]!);
        const carry = p * (m[s]! + d[s]! * disc[t]! * mdp.R[s]![a]!);
        const mass = p * d[s]!;
        const Psa = mdp.P[s]![a]!;
        for (let sp = 0; sp < nS; sp++) {
          mn[sp]! += carry * Psa[sp]!;
          dn[sp]! += mass * Psa[sp]!;
        }
      }
    }
    d = dn;
    m = mn;
  }
  if (ER > 0) for (const row of w) for (let a = 0; a < nA; a++) row[a]! /= ER;
  return { w, logZ: Math.log(ER) };
}

/**
 * Pseudo-likelihood EM (§2.4, Table 2): E-step `p(τ|O) ∝ 𝒯(R(τ)) p(τ;π)` (exact forward–backward),
 * M-step `π(a|s) ← Σ_t p(s_t=s, a_t=a|O) / Σ_{t,a'} p(s_t=s, a_t=a'|O)` (states the posterior never visits
 * keep their policy). Maximises log E_π[𝒯(R)] — with 𝒯 = exp this is risk-seeking (Levine 2014).
 */
export function pseudoLikelihoodEM(mdp: TabularMDP, options: PseudoLikelihoodOptions = {}): PseudoLikelihoodResult {
  validateMDP(mdp);
  const o = parseOptions(plSchema, options, "pseudoLikelihoodEM");
  const iterations = o.iterations ?? 200;
  const transform = o.transform ?? "exp";
  const eta = o.eta ?? 1;
  const T = o.horizon ?? defaultHorizon(mdp.gamma);
  if (transform === "linear") {
    const m = minReward(mdp);
    if (m.value < 0) {
      throw new Error(
        `pseudoLikelihoodEM: the linear transform needs rewards >= 0 (§2.4), got mdp.R[${m.s}][${m.a}] = ${m.value}; use tabular.shiftRewards(mdp)`,
      );
    }
  }
  let pi: Float64Array[] = o.initialPolicy
    ? checkPolicy(o.initialPolicy, "initialPolicy", mdp.nS, mdp.nA).map((r) => Float64Array.from(r))
    : uniformPolicy(mdp);
  const trace: PseudoLikelihoodTraceEntry[] = [];
  for (let k = 0; k < iterations; k++) {
    const { w, logZ } = posteriorCounts(mdp, pi, transform, eta, T);
    pi = pi.map((row, s) => {
      let tot = 0;
      for (let a = 0; a < mdp.nA; a++) tot += w[s]![a]!;
      return tot > 0 ? Float64Array.from(w[s]!, (x) => x / tot) : Float64Array.from(row);
    });
    trace.push({
      iteration: k + 1,
      logPseudoLikelihood: logZ,
      J: evaluatePolicyUnchecked(mdp, pi).J,
      policy: pi.map((r) => Float64Array.from(r)),
    });
  }
  const vf = evaluatePolicyUnchecked(mdp, pi);
  return { policy: pi, J: vf.J, Q: vf.Q, logPseudoLikelihood: posteriorCounts(mdp, pi, transform, eta, T).logZ, trace };
}

/** Options of {@link softValueIteration}. */
export interface SoftValueOptions {
  /** Entropy temperature c > 0 (§2.3 sets c = 1). Default 1. */
  temperature?: number;
  /**
   * "expected" (default): the soft Bellman equation of variational MERLIN (q(τ) keeps the true dynamics),
   * `Q = r + γ E_{s'}[V(s')]`. "optimistic": the exact MERLIN posterior, which also conditions the dynamics on O,
   * `Q = r + c log E_{s'}[exp(γ V(s')/c)]` — risk-seeking in the transitions (Levine 2018).
   */
  backup?: "expected" | "optimistic";
  /** Stop when max |ΔQ| ≤ tol (1 + max|Q|). Default 1e-12. */
  tol?: number;
  /** Maximum sweeps. Default 100000. */
  maxIterations?: number;
}

/** Result of {@link softValueIteration}. */
export interface SoftValueResult {
  /** Soft Q-function Q_soft `[s][a]`. */
  Q: Float64Array[];
  /** Soft value `V_soft(s) = c log Σ_a exp(Q_soft(s,a)/c)`. */
  V: Float64Array;
  /** The MERLIN policy `π(a|s) = exp((Q_soft(s,a) − V_soft(s))/c)`. */
  policy: Float64Array[];
  /** J^π (Eq. 1) of that policy: the ordinary (hard) expected return. */
  J: number;
  iterations: number;
}

const svSchema = z.strictObject({
  temperature: z.number().positive().optional(),
  backup: z.enum(["expected", "optimistic"]).optional(),
  tol: z.number().positive().optional(),
  maxIterations: z.number().int().min(1).optional(),
});

/** Soft value iteration (§2.3, MERLIN): `V(s) = c log Σ_a exp(Q(s,a)/c)`, `Q = r + γ E_{s'} V(s')` (or the optimistic backup). */
export function softValueIteration(mdp: TabularMDP, options: SoftValueOptions = {}): SoftValueResult {
  validateMDP(mdp);
  const o = parseOptions(svSchema, options, "softValueIteration");
  const c = o.temperature ?? 1;
  const backup = o.backup ?? "expected";
  const tol = o.tol ?? 1e-12;
  const maxIterations = o.maxIterations ?? 100000;
  const { nS, nA, gamma } = mdp;
  let Q = mdp.R.map((row) => Float64Array.from(row));
  let V = new Float64Array(nS);
  const softV = (Qt: Float64Array[]) =>
    Float64Array.from(Qt, (row) => {
      let m = -Infinity;
      for (let a = 0; a < nA; a++) if (row[a]! > m) m = row[a]!;
      let s = 0;
      for (let a = 0; a < nA; a++) s += Math.exp((row[a]! - m) / c);
      return m + c * Math.log(s);
    });
  let it = 0;
  while (it < maxIterations) {
    V = softV(Q);
    let vMax = -Infinity;
    for (let s = 0; s < nS; s++) if (V[s]! > vMax) vMax = V[s]!;
    const Qn = Array.from({ length: nS }, (_, s) =>
      Float64Array.from({ length: nA }, (_, a) => {
        const Psa = mdp.P[s]![a]!;
        if (backup === "expected") {
          let e = 0;
          for (let sp = 0; sp < nS; sp++) e += Psa[sp]! * V[sp]!;
          return mdp.R[s]![a]! + gamma * e;
        }
        let e = 0;
        for (let sp = 0; sp < nS; sp++) if (Psa[sp]! > 0) e += Psa[sp]! * Math.exp((gamma * (V[sp]! - vMax)) / c);
        return mdp.R[s]![a]! + gamma * vMax + c * Math.log(e);
      }),
    );
    let diff = 0;
    let mag = 0;
    for (let s = 0; s < nS; s++) {
      for (let a = 0; a < nA; a++) {
        diff = Math.max(diff, Math.abs(Qn[s]![a]! - Q[s]![a]!));
        mag = Math.max(mag, Math.abs(Qn[s]![a]!));
      }
    }
    Q = Qn;
    it++;
    if (diff <= tol * (1 + mag)) break;
  }
  V = softV(Q);
  const policy = Q.map((row) => actionPosterior(row, c));
  return { Q, V, policy, J: evaluatePolicyUnchecked(mdp, policy).J, iterations: it };
}

/** Options of {@link softPolicyEvaluation}. */
export interface SoftPolicyEvaluationOptions {
  /** Entropy temperature c > 0 (MERLIN's α; §2.3 and §3.4 set c = 1). Default 1. */
  temperature?: number;
}

const speSchema = z.strictObject({
  temperature: z.number().positive().optional(),
});

/**
 * Soft policy evaluation (§2.3, §3.4 — MERLIN's soft Q-function of a *given* policy, the Q_soft(h; θ) of Eq. 5):
 * `V(s) = Σ_a π(a|s) (Q(s,a) − c log π(a|s))`, `Q(s,a) = r(s,a) + γ Σ_s' P(s'|s,a) V(s')`, solved exactly as
 * `(I − γP^π) V = r^π + c H(π(·|s))` (LU). `J = Σ_s p0(s) V(s)` is MERLIN's entropy-regularised objective
 * E_q[Σ_t γ^t (r_t − c log π(a_t|s_t))] (ELBO_merlin with c = 1). For the policy of {@link softValueIteration}
 * this reproduces its fixed point; as c → 0 it becomes {@link evaluatePolicy}.
 */
export function softPolicyEvaluation(
  mdp: TabularMDP,
  policy: Table,
  options: SoftPolicyEvaluationOptions = {},
): ValueFunctions {
  validateMDP(mdp);
  checkPolicy(policy, "policy", mdp.nS, mdp.nA);
  const c = parseOptions(speSchema, options, "softPolicyEvaluation").temperature ?? 1;
  const { nS, gamma } = mdp;
  const { Ppi, rpi } = policyDynamics(mdp, policy);
  // (I − γ P^π) V = r^π + c H(π(·|s))   (0 log 0 = 0: actions with π(a|s) = 0 add nothing)
  const A = Ppi.map((row, s) => row.map((p, t) => (s === t ? 1 : 0) - gamma * p));
  const b = Float64Array.from(rpi, (r, s) => r + c * entropy(policy[s]!));
  const V = solveLinear(A, b);
  const Q = qFromV(mdp, V);
  let J = 0;
  for (let s = 0; s < nS; s++) J += mdp.p0[s]! * V[s]!;
  return { Q, V, J };
}
