/**
 * Finite MDPs ⟨S, A, r, p, p0, γ⟩ (§2.1) as plain typed arrays: `P[s][a]` a distribution over next states,
 * `R[s][a]` the expected reward, `p0` the initial-state distribution, γ ∈ [0, 1).
 */
import { checkDistribution, checkFinite, checkGamma, formatValue, type Table } from "../model/validate";

/** A finite MDP (§2.1). States and actions are indices 0..nS−1, 0..nA−1. */
export interface TabularMDP {
  /** Number of states |S|. */
  readonly nS: number;
  /** Number of actions |A| (the same in every state). */
  readonly nA: number;
  /** Discount factor γ ∈ [0, 1). */
  readonly gamma: number;
  /** Transitions: `P[s][a][s'] = p(s'|s,a)`, each `P[s][a]` sums to 1. */
  readonly P: readonly (readonly Float64Array[])[];
  /** Expected rewards: `R[s][a] = r(s,a)`. */
  readonly R: readonly Float64Array[];
  /** Initial-state distribution p0(s). */
  readonly p0: Float64Array;
  /** A short name for printing. */
  readonly name?: string;
  /** Optional state labels (length nS). */
  readonly stateNames?: readonly string[];
  /** Optional action labels (length nA). */
  readonly actionNames?: readonly string[];
}

/** What {@link makeMDP} accepts: nested arrays or typed arrays. */
export interface MDPSpec {
  P: readonly (readonly ArrayLike<number>[])[];
  R: Table;
  gamma: number;
  p0: ArrayLike<number>;
  name?: string;
  stateNames?: readonly string[];
  actionNames?: readonly string[];
}

/** Validate an MDP: shapes, γ ∈ [0,1), each P[s][a] and p0 a distribution (tol 1e-9), finite rewards. */
export function validateMDP(mdp: TabularMDP | MDPSpec, name = "mdp"): void {
  if (mdp === null || typeof mdp !== "object")
    throw new Error(`${name} must be an MDP object, got ${formatValue(mdp)}`);
  const P = mdp.P;
  if (!Array.isArray(P) || P.length === 0)
    throw new Error(`${name}.P must be a non-empty array [s][a][s'], got ${formatValue(P)}`);
  const nS = P.length;
  const row0 = P[0] as readonly ArrayLike<number>[];
  if (!Array.isArray(row0) || row0.length === 0)
    throw new Error(`${name}.P[0] must be a non-empty array over actions, got ${formatValue(row0)}`);
  const nA = row0.length;
  if ("nS" in mdp && mdp.nS !== nS)
    throw new Error(`expected ${name}.P with ${formatValue(mdp.nS)} rows (nS), got ${nS}`);
  if ("nA" in mdp && mdp.nA !== nA)
    throw new Error(`expected ${name}.P[0] of length ${formatValue(mdp.nA)} (nA), got ${nA}`);
  checkGamma(mdp.gamma, `${name}.gamma`);
  for (let s = 0; s < nS; s++) {
    const Ps = P[s] as readonly ArrayLike<number>[];
    if (!Array.isArray(Ps) || Ps.length !== nA) {
      throw new Error(`expected ${name}.P[${s}] of length ${nA} (actions), got ${formatValue(Ps?.length ?? Ps)}`);
    }
    for (let a = 0; a < nA; a++) checkDistribution(Ps[a]!, `${name}.P[${s}][${a}]`, nS);
  }
  const R = mdp.R;
  if (!Array.isArray(R) || R.length !== nS)
    throw new Error(`expected ${name}.R with ${nS} rows (states), got ${formatValue(R?.length ?? R)}`);
  for (let s = 0; s < nS; s++) checkFinite(R[s]!, `${name}.R[${s}]`, nA);
  checkDistribution(mdp.p0, `${name}.p0`, nS);
  if (mdp.stateNames !== undefined && mdp.stateNames.length !== nS) {
    throw new Error(`expected ${name}.stateNames of length ${nS}, got ${mdp.stateNames.length}`);
  }
  if (mdp.actionNames !== undefined && mdp.actionNames.length !== nA) {
    throw new Error(`expected ${name}.actionNames of length ${nA}, got ${mdp.actionNames.length}`);
  }
}

/** Build a validated {@link TabularMDP} (copies into Float64Arrays). */
export function makeMDP(spec: MDPSpec): TabularMDP {
  validateMDP(spec, "mdp");
  const nS = spec.P.length;
  const nA = spec.P[0]!.length;
  return {
    nS,
    nA,
    gamma: spec.gamma,
    P: spec.P.map((Ps) => Ps.map((row) => Float64Array.from(row as ArrayLike<number>))),
    R: spec.R.map((row) => Float64Array.from(row as ArrayLike<number>)),
    p0: Float64Array.from(spec.p0 as ArrayLike<number>),
    ...(spec.name !== undefined ? { name: spec.name } : {}),
    ...(spec.stateNames !== undefined ? { stateNames: [...spec.stateNames] } : {}),
    ...(spec.actionNames !== undefined ? { actionNames: [...spec.actionNames] } : {}),
  };
}

/** Smallest reward `min_{s,a} R[s][a]` and where it is. */
export function minReward(mdp: TabularMDP): { value: number; s: number; a: number } {
  let best = { value: Infinity, s: 0, a: 0 };
  for (let s = 0; s < mdp.nS; s++)
    for (let a = 0; a < mdp.nA; a++) if (mdp.R[s]![a]! < best.value) best = { value: mdp.R[s]![a]!, s, a };
  return best;
}

/**
 * Reward shift (§3.1): `r'(h) = r(h) + c`. VIREL assumes positive rewards; adding a constant c changes every
 * Q^π by c/(1−γ) and J^π by c/(1−γ) (Σ p0 = 1), so the ordering of policies and the optimal policy are
 * unchanged, and the Boltzmann action-posterior is unchanged too (softmax ignores a per-state constant), but
 * the pseudo-likelihood of Table 2 is not shift-invariant. Default c = 1 − min R when min R ≤ 0 (making the
 * smallest reward 1), else 0.
 */
export function shiftRewards(mdp: TabularMDP, shift?: number): TabularMDP {
  validateMDP(mdp);
  const m = minReward(mdp).value;
  const c = shift ?? (m <= 0 ? 1 - m : 0);
  if (typeof c !== "number" || !Number.isFinite(c)) throw new Error(`shift must be finite, got ${formatValue(c)}`);
  return {
    ...mdp,
    R: mdp.R.map((row) => row.map((r) => r + c)),
    ...(mdp.name !== undefined ? { name: `${mdp.name} (rewards + ${c})` } : {}),
  };
}

/**
 * Reward scale: `r'(h) = c·r(h)` (c > 0). Every Q^π and J^π scale by c, the optimal policy is unchanged, but
 * Table 1's β(ω) (units of Q²) scales by c² while the temperature it sets acts on Q (units of Q): the scale
 * decides whether the "posterior-msbe" fixed point can shrink (docs/tabular.md). Equivalent to the official
 * code's reward_scale.
 */
export function scaleRewards(mdp: TabularMDP, c: number): TabularMDP {
  validateMDP(mdp);
  if (typeof c !== "number" || !Number.isFinite(c) || !(c > 0))
    throw new Error(`scale must be finite and > 0, got ${formatValue(c)}`);
  return {
    ...mdp,
    R: mdp.R.map((row) => row.map((r) => r * c)),
    ...(mdp.name !== undefined ? { name: `${mdp.name} (rewards × ${c})` } : {}),
  };
}

/** Check that every reward is positive (§3.1), with a hint to {@link shiftRewards}. */
export function checkPositiveRewards(mdp: TabularMDP, who: string): void {
  const m = minReward(mdp);
  if (!(m.value > 0)) {
    throw new Error(
      `${who}: rewards must be positive (§3.1), got mdp.R[${m.s}][${m.a}] = ${m.value}; use tabular.shiftRewards(mdp) first`,
    );
  }
}
