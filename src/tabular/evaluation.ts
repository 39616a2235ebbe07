/**
 * Exact dynamic programming on a {@link TabularMDP}: policy evaluation by a linear solve, J^π (Eq. 1), the
 * Bellman operators, value iteration for Q* and J*, discounted state visitation, return moments, sampling.
 */
import { actionPosterior } from "../model/actionPosterior";
import { msbe } from "../model/msbe";
import { checkBeta, checkInt, checkPolicy, checkTable, checkWeights, formatValue, type Table } from "../model/validate";
import { Rng } from "../rng";
import { solveLinear } from "./linalg";
import { validateMDP, type TabularMDP } from "./mdp";

/** Q, V and J of a policy (or of the optimal policy). */
export interface ValueFunctions {
  /** `Q[s][a]`. */
  Q: Float64Array[];
  /** `V[s] = Σ_a π(a|s) Q[s][a]` (for Q*: max_a Q*[s][a]). */
  V: Float64Array;
  /** `J = Σ_s p0(s) V[s]` (Eq. 1). */
  J: number;
}

/** Uniform policy `π(a|s) = 1/|A|`. */
export function uniformPolicy(mdp: TabularMDP): Float64Array[] {
  return Array.from({ length: mdp.nS }, () => new Float64Array(mdp.nA).fill(1 / mdp.nA));
}

/** Greedy policy (Lemma 1, β → 0): `π(a|s) = 1[a ∈ argmax_a Q(s,a)] / |argmax|` (exact ties share). */
export function greedyPolicy(Q: Table): Float64Array[] {
  checkTable(Q, "Q");
  return Q.map((row) => actionPosterior(row, 0));
}

/** Action-posterior policy (Table 1, Lemma 1): `π(a|s) = exp(Q(s,a)/β) / Σ_a' exp(Q(s,a')/β)` for every state. */
export function posteriorPolicy(Q: Table, beta: number): Float64Array[] {
  checkTable(Q, "Q");
  checkBeta(beta);
  return Q.map((row) => actionPosterior(row, beta));
}

/** Mixing matrix and reward of a policy: `P^π[s][s'] = Σ_a π(a|s) P(s'|s,a)`, `r^π[s] = Σ_a π(a|s) R(s,a)`. */
export function policyDynamics(mdp: TabularMDP, policy: Table): { Ppi: Float64Array[]; rpi: Float64Array } {
  const { nS, nA } = mdp;
  const Ppi = Array.from({ length: nS }, () => new Float64Array(nS));
  const rpi = new Float64Array(nS);
  for (let s = 0; s < nS; s++) {
    const row = Ppi[s]!;
    for (let a = 0; a < nA; a++) {
      const p = policy[s]![a]!;
      if (p === 0) continue;
      rpi[s]! += p * mdp.R[s]![a]!;
      const Psa = mdp.P[s]![a]!;
      for (let t = 0; t < nS; t++) row[t]! += p * Psa[t]!;
    }
  }
  return { Ppi, rpi };
}

/** `(P V)(s,a) = Σ_s' P(s'|s,a) V(s')` as a table. */
function expectNext(mdp: TabularMDP, V: ArrayLike<number>): Float64Array[] {
  const { nS, nA } = mdp;
  return Array.from({ length: nS }, (_, s) => {
    const out = new Float64Array(nA);
    for (let a = 0; a < nA; a++) {
      const Psa = mdp.P[s]![a]!;
      let e = 0;
      for (let t = 0; t < nS; t++) e += Psa[t]! * V[t]!;
      out[a] = e;
    }
    return out;
  });
}

/** Q from V: `Q(s,a) = R(s,a) + γ Σ_s' P(s'|s,a) V(s')`. */
export function qFromV(mdp: TabularMDP, V: ArrayLike<number>): Float64Array[] {
  const EV = expectNext(mdp, V);
  return EV.map((row, s) => row.map((e, a) => mdp.R[s]![a]! + mdp.gamma * e));
}

/** {@link evaluatePolicy} without argument checks (callers validate): `(I − γP^π)V = r^π`, `Q = R + γPV`. */
export function evaluatePolicyUnchecked(mdp: TabularMDP, policy: Table): ValueFunctions {
  const { nS, gamma } = mdp;
  const { Ppi, rpi } = policyDynamics(mdp, policy);
  // (I − γ P^π) V = r^π
  const A = Ppi.map((row, s) => row.map((p, t) => (s === t ? 1 : 0) - gamma * p));
  const V = solveLinear(A, rpi);
  const Q = qFromV(mdp, V);
  let J = 0;
  for (let s = 0; s < nS; s++) J += mdp.p0[s]! * V[s]!;
  return { Q, V, J };
}

/** Exact policy evaluation: solve `(I − γ P^π) V^π = r^π` (LU), `Q^π = R + γ P V^π`, `J^π = Σ p0 V^π` (Eq. 1). */
export function evaluatePolicy(mdp: TabularMDP, policy: Table): ValueFunctions {
  validateMDP(mdp);
  checkPolicy(policy, "policy", mdp.nS, mdp.nA);
  return evaluatePolicyUnchecked(mdp, policy);
}

/** J^π (Eq. 1): `J^π = Σ_{s,a} p0(s) π(a|s) Q^π(s,a)`, by exact evaluation. */
export function policyReturn(mdp: TabularMDP, policy: Table): number {
  return evaluatePolicy(mdp, policy).J;
}

/** Bellman optimality operator: `(T*Q)(s,a) = R(s,a) + γ Σ_s' P(s'|s,a) max_a' Q(s',a')`. */
export function bellmanOptimality(mdp: TabularMDP, Q: Table): Float64Array[] {
  validateMDP(mdp);
  checkTable(Q, "Q", mdp.nS, mdp.nA);
  return bellmanOptimalityUnchecked(mdp, Q);
}

/** {@link bellmanOptimality} without argument checks (callers validate). */
export function bellmanOptimalityUnchecked(mdp: TabularMDP, Q: Table): Float64Array[] {
  const V = Float64Array.from(Q, (row) => Math.max(...Array.from(row)));
  return qFromV(mdp, V);
}

/** Bellman expectation operator: `(T^π Q)(s,a) = R(s,a) + γ Σ_s' P(s'|s,a) Σ_a' π(a'|s') Q(s',a')`. */
export function bellmanExpectation(mdp: TabularMDP, Q: Table, policy: Table): Float64Array[] {
  validateMDP(mdp);
  checkTable(Q, "Q", mdp.nS, mdp.nA);
  checkPolicy(policy, "policy", mdp.nS, mdp.nA);
  return bellmanExpectationUnchecked(mdp, Q, policy);
}

/** {@link bellmanExpectation} without argument checks (callers validate). */
export function bellmanExpectationUnchecked(mdp: TabularMDP, Q: Table, policy: Table): Float64Array[] {
  const V = Float64Array.from({ length: mdp.nS }, (_, s) => {
    let v = 0;
    for (let a = 0; a < mdp.nA; a++) v += policy[s]![a]! * Q[s]![a]!;
    return v;
  });
  return qFromV(mdp, V);
}

function flatten(t: Table): Float64Array {
  const nA = t[0]!.length;
  const out = new Float64Array(t.length * nA);
  t.forEach((row, s) => {
    for (let a = 0; a < nA; a++) out[s * nA + a] = row[a]!;
  });
  return out;
}

/** Table `[s][a]` → flat Float64Array of length |S||A| (h = s·|A| + a). */
export function flattenTable(t: Table): Float64Array {
  checkTable(t, "table", undefined, undefined, false);
  return flatten(t);
}

/**
 * Mean squared Bellman-optimality residual: `E_{h∼d}[(T*Q(h) − Q(h))²]` (d uniform by default) — zero only at
 * Q = Q*; the default β rule of {@link variationalEM} (the squared-residual form of the later paper's ε_ω).
 */
export function bellmanResidual(mdp: TabularMDP, Q: Table, weights?: Table): number {
  validateMDP(mdp);
  checkTable(Q, "Q", mdp.nS, mdp.nA);
  if (weights !== undefined) {
    checkTable(weights, "weights", mdp.nS, mdp.nA);
    weights.forEach((row, s) => checkWeights(row, `weights[${s}]`));
  }
  return msbe(flatten(Q), flatten(bellmanOptimalityUnchecked(mdp, Q)), weights && flatten(weights));
}

/** Result of {@link valueIteration}. */
export interface OptimalValueFunctions extends ValueFunctions {
  /** A deterministic optimal policy (the first maximiser of Q*(s,·)). */
  policy: Float64Array[];
  /** Bellman-optimality sweeps performed before the exact polish. */
  iterations: number;
  /** Policy-evaluation polish steps (policy iteration from the value-iteration greedy policy). */
  polishSteps: number;
}

/** Options for {@link valueIteration}. */
export interface ValueIterationOptions {
  /** Stop the sweeps when `max|V_{k+1} − V_k| ≤ tol (1 + max|V|)`. Default 1e-10. */
  tol?: number;
  /** Maximum number of sweeps. Default 100000. */
  maxIterations?: number;
}

function argmaxIndex(row: ArrayLike<number>, keep = -1, eps = 0): number {
  let best = 0;
  for (let a = 1; a < row.length; a++) if (row[a]! > row[best]!) best = a;
  if (keep >= 0 && row[keep]! >= row[best]! - eps) return keep;
  return best;
}

function oneHot(nA: number, a: number): Float64Array {
  const r = new Float64Array(nA);
  r[a] = 1;
  return r;
}

/**
 * Value iteration: `Q_{k+1} = T* Q_k` until converged, then exact polishing by policy iteration (evaluate the
 * greedy policy by a linear solve, improve, repeat until stable), so Q* and J* = Σ p0 max_a Q* are exact to
 * solver precision.
 */
export function valueIteration(mdp: TabularMDP, options: ValueIterationOptions = {}): OptimalValueFunctions {
  validateMDP(mdp);
  const tol = options.tol ?? 1e-10;
  if (typeof tol !== "number" || !(tol > 0)) throw new Error(`tol must be > 0, got ${formatValue(tol)}`);
  const maxIterations = checkInt(options.maxIterations ?? 100000, "maxIterations", 0);
  const { nS, nA } = mdp;
  let V = new Float64Array(nS);
  let Q: Float64Array[] = qFromV(mdp, V);
  let iterations = 0;
  while (iterations < maxIterations) {
    const Vn = Float64Array.from(Q, (row) => Math.max(...Array.from(row)));
    let diff = 0;
    let mag = 0;
    for (let s = 0; s < nS; s++) {
      diff = Math.max(diff, Math.abs(Vn[s]! - V[s]!));
      mag = Math.max(mag, Math.abs(Vn[s]!));
    }
    V = Vn;
    Q = qFromV(mdp, V);
    iterations++;
    if (diff <= tol * (1 + mag)) break;
  }
  // Exact polish: policy iteration from the greedy policy (keep the current action on near-ties, no cycling).
  let actions = Q.map((row) => argmaxIndex(row));
  let polishSteps = 0;
  let vf = evaluatePolicyUnchecked(
    mdp,
    actions.map((a) => oneHot(nA, a)),
  );
  for (;;) {
    polishSteps++;
    const scale = 1 + Math.max(...Array.from(vf.V, Math.abs));
    const next = vf.Q.map((row, s) => argmaxIndex(row, actions[s]!, 1e-13 * scale));
    if (next.every((a, s) => a === actions[s]) || polishSteps > 10 * nS * nA + 10) break;
    actions = next;
    vf = evaluatePolicyUnchecked(
      mdp,
      actions.map((a) => oneHot(nA, a)),
    );
  }
  const policy = actions.map((a) => oneHot(nA, a));
  const Vstar = Float64Array.from(vf.Q, (row) => Math.max(...Array.from(row)));
  let J = 0;
  for (let s = 0; s < nS; s++) J += mdp.p0[s]! * Vstar[s]!;
  return { Q: vf.Q, V: Vstar, J, policy, iterations, polishSteps };
}

/** Policy iteration from the uniform policy: evaluate exactly, improve greedily, until the policy is stable. */
export function policyIteration(mdp: TabularMDP): OptimalValueFunctions {
  validateMDP(mdp);
  const { nS, nA } = mdp;
  let vf = evaluatePolicyUnchecked(mdp, uniformPolicy(mdp));
  let actions = vf.Q.map((row) => argmaxIndex(row));
  let steps = 0;
  for (;;) {
    steps++;
    vf = evaluatePolicyUnchecked(
      mdp,
      actions.map((a) => oneHot(nA, a)),
    );
    const scale = 1 + Math.max(...Array.from(vf.V, Math.abs));
    const next = vf.Q.map((row, s) => argmaxIndex(row, actions[s]!, 1e-13 * scale));
    if (next.every((a, s) => a === actions[s]) || steps > 100 * nS * nA) break;
    actions = next;
  }
  const Vstar = Float64Array.from(vf.Q, (row) => Math.max(...Array.from(row)));
  let J = 0;
  for (let s = 0; s < nS; s++) J += mdp.p0[s]! * Vstar[s]!;
  return { Q: vf.Q, V: Vstar, J, policy: actions.map((a) => oneHot(nA, a)), iterations: 0, polishSteps: steps };
}

/** Discounted state visitation: `d^π(s) = (1−γ) Σ_t γ^t Pr(s_t = s)`, i.e. `(I − γ P^πᵀ) d = (1−γ) p0`. */
export function stateVisitation(mdp: TabularMDP, policy: Table): Float64Array {
  validateMDP(mdp);
  checkPolicy(policy, "policy", mdp.nS, mdp.nA);
  return stateVisitationUnchecked(mdp, policy);
}

/** {@link stateVisitation} without argument checks (callers validate). */
export function stateVisitationUnchecked(mdp: TabularMDP, policy: Table): Float64Array {
  const { nS, gamma } = mdp;
  const { Ppi } = policyDynamics(mdp, policy);
  const AT = Array.from({ length: nS }, (_, i) =>
    Float64Array.from({ length: nS }, (_, j) => (i === j ? 1 : 0) - gamma * Ppi[j]![i]!),
  );
  const d = solveLinear(
    AT,
    Float64Array.from(mdp.p0, (p) => (1 - gamma) * p),
  );
  for (let s = 0; s < nS; s++) if (d[s]! < 0) d[s] = 0; // round-off
  return d;
}

/** Mean and spread of the discounted return G from each (s, a) under π. */
export interface ReturnMoments extends ValueFunctions {
  /** `M[s][a] = E[G² | s, a]`. */
  secondMoment: Float64Array[];
  /** `std[s][a] = sqrt(E[G²] − E[G]²)`. */
  std: Float64Array[];
}

/**
 * Return moments under π: Q^π and `M(s,a) = E[G²|s,a] = R² + 2γR (P V^π)(s,a) + γ² (P W)(s,a)`, where
 * `W(s) = Σ_a π(a|s) M(s,a)` solves `(I − γ² P^π) W = Σ_a π (R² + 2γR P V^π)` (rewards deterministic given h).
 */
export function returnMoments(mdp: TabularMDP, policy: Table): ReturnMoments {
  const vf = evaluatePolicy(mdp, policy);
  const { nS, nA, gamma } = mdp;
  const PV = expectNext(mdp, vf.V);
  const base = Array.from({ length: nS }, (_, s) =>
    Float64Array.from({ length: nA }, (_, a) => {
      const r = mdp.R[s]![a]!;
      return r * r + 2 * gamma * r * PV[s]![a]!;
    }),
  );
  const { Ppi } = policyDynamics(mdp, policy);
  const A = Ppi.map((row, s) => row.map((p, t) => (s === t ? 1 : 0) - gamma * gamma * p));
  const b = Float64Array.from({ length: nS }, (_, s) => {
    let v = 0;
    for (let a = 0; a < nA; a++) v += policy[s]![a]! * base[s]![a]!;
    return v;
  });
  const W = solveLinear(A, b);
  const PW = expectNext(mdp, W);
  const secondMoment = base.map((row, s) => row.map((v, a) => v + gamma * gamma * PW[s]![a]!));
  const std = secondMoment.map((row, s) => row.map((m2, a) => Math.sqrt(Math.max(0, m2 - vf.Q[s]![a]! ** 2))));
  return { ...vf, secondMoment, std };
}

/** Draw s' ∼ P(·|s,a). */
export function sampleNext(mdp: TabularMDP, s: number, a: number, rng: Rng): number {
  return rng.categorical(mdp.P[s]![a]!);
}

/** A sampled trajectory. */
export interface Rollout {
  states: Int32Array;
  actions: Int32Array;
  rewards: Float64Array;
  /** `Σ_t γ^t r_t` over the sampled steps. */
  discountedReturn: number;
}

/** Options for {@link rollout}. */
export interface RolloutOptions {
  /** Number of steps (≥ 1). */
  steps: number;
  /** The generator to draw from (or `seed`). */
  rng?: Rng;
  /** Seed for a fresh {@link Rng} when `rng` is not given. Default 0. */
  seed?: number;
  /** Start state (default: drawn from p0). */
  start?: number;
  /** First action (default: drawn from the policy). */
  firstAction?: number;
}

/** Sample a trajectory `s0 ∼ p0, a_t ∼ π(·|s_t), s_{t+1} ∼ P(·|s_t,a_t)` and its discounted return. */
export function rollout(mdp: TabularMDP, policy: Table, options: RolloutOptions): Rollout {
  validateMDP(mdp);
  checkPolicy(policy, "policy", mdp.nS, mdp.nA);
  const steps = checkInt(options?.steps, "steps");
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  if (
    options.start !== undefined &&
    !(Number.isInteger(options.start) && options.start >= 0 && options.start < mdp.nS)
  ) {
    throw new Error(`start must be a state index in [0, ${mdp.nS - 1}], got ${formatValue(options.start)}`);
  }
  if (
    options.firstAction !== undefined &&
    !(Number.isInteger(options.firstAction) && options.firstAction >= 0 && options.firstAction < mdp.nA)
  ) {
    throw new Error(
      `firstAction must be an action index in [0, ${mdp.nA - 1}], got ${formatValue(options.firstAction)}`,
    );
  }
  return rolloutUnchecked(mdp, policy, steps, rng, options.start, options.firstAction);
}

/** {@link rollout} without argument checks (callers validate). */
export function rolloutUnchecked(
  mdp: TabularMDP,
  policy: Table,
  steps: number,
  rng: Rng,
  start?: number,
  firstAction?: number,
): Rollout {
  const states = new Int32Array(steps);
  const actions = new Int32Array(steps);
  const rewards = new Float64Array(steps);
  let s = start ?? rng.categorical(mdp.p0);
  let g = 0;
  let disc = 1;
  for (let t = 0; t < steps; t++) {
    const a = t === 0 && firstAction !== undefined ? firstAction : rng.categorical(policy[s]!);
    states[t] = s;
    actions[t] = a;
    const r = mdp.R[s]![a]!;
    rewards[t] = r;
    g += disc * r;
    disc *= mdp.gamma;
    s = rng.categorical(mdp.P[s]![a]!);
  }
  return { states, actions, rewards, discountedReturn: g };
}
