/**
 * The risk-seeking demonstration (§2.4, §4.3): on the risky-action MDP the pseudo-likelihood method prefers the
 * high-variance action with the lower expected return, while VIREL's EM reaches the optimum.
 */
import { z } from "zod";
import { variationalEM } from "./em";
import { pseudoLikelihoodEM, softValueIteration } from "./baselines";
import { evaluatePolicyUnchecked, returnMoments, valueIteration } from "./evaluation";
import { riskyMDP, type RiskyOptions } from "./generators";
import type { TabularMDP } from "./mdp";
import { parseOptions } from "./options";

/** Options of {@link riskSeekingDemo}: the MDP's options plus the methods' knobs. */
export interface RiskDemoOptions extends RiskyOptions {
  /** Temperature η of the pseudo-likelihood's exp transform. Default 1. */
  eta?: number;
  /** Pseudo-likelihood EM iterations. Default 200. */
  plIterations?: number;
  /** VIREL EM iterations (it stops early once converged). Default 100. */
  emIterations?: number;
  /** Temperature c of the MERLIN soft value iteration. Default 1. */
  temperature?: number;
}

/** What one method ended with, at the start state. */
export interface RiskDemoOutcome {
  /** J^π (Eq. 1): the expected discounted return of the learnt policy. */
  J: number;
  /** π(risky | start). */
  pRisky: number;
}

/** The numbers of the risk-seeking demonstration. */
export interface RiskDemoResult {
  mdp: TabularMDP;
  /** Expected discounted return after committing to each first action (then acting optimally): Q*(start, ·). */
  expectedReturn: { safe: number; risky: number };
  /** Standard deviation of that return. */
  returnStd: { safe: number; risky: number };
  /** Value iteration: the optimum. */
  optimal: RiskDemoOutcome;
  /** VIREL variational EM (§4, Bellman-residual β). */
  virel: RiskDemoOutcome & { iterations: number };
  /** Pseudo-likelihood EM with 𝒯(R) = exp(R/η) (reward-weighted, §2.4): risk-seeking. */
  pseudoLikelihood: RiskDemoOutcome & { eta: number };
  /** Pseudo-likelihood EM with 𝒯(R) = R (Dayan & Hinton): the transform is what makes it risk-seeking. */
  pseudoLikelihoodLinear: RiskDemoOutcome;
  /** MERLIN soft value iteration, variational (expected) backup: entropy-regularised, not risk-seeking. */
  softValue: RiskDemoOutcome & { temperature: number };
  /** MERLIN with the exact-posterior (optimistic) backup: risk-seeking in the dynamics. */
  softValueOptimistic: RiskDemoOutcome & { temperature: number };
}

const schema = z.strictObject({
  pWin: z.number().optional(),
  winReward: z.number().optional(),
  loseReward: z.number().optional(),
  safeReward: z.number().optional(),
  baseReward: z.number().optional(),
  gamma: z.number().optional(),
  eta: z.number().positive().optional(),
  plIterations: z.number().int().min(1).optional(),
  emIterations: z.number().int().min(1).optional(),
  temperature: z.number().positive().optional(),
});

/** Risk-seeking demo (§2.4): Q*(start,·), return std, and J and π(risky|start) for VIREL, pseudo-likelihood EM and MERLIN. */
export function riskSeekingDemo(options: RiskDemoOptions = {}): RiskDemoResult {
  const o = parseOptions(schema, options, "riskSeekingDemo");
  const { eta = 1, plIterations = 200, emIterations = 100, temperature = 1, ...mdpOptions } = o;
  const mdp = riskyMDP(mdpOptions);
  const SAFE = 0;
  const RISKY = 1;
  const START = 0;
  const vi = valueIteration(mdp);
  const moments = returnMoments(mdp, vi.policy);
  const outcome = (policy: Float64Array[]): RiskDemoOutcome => ({
    J: evaluatePolicyUnchecked(mdp, policy).J,
    pRisky: policy[START]![RISKY]!,
  });
  const em = variationalEM(mdp, { iterations: emIterations });
  const pl = pseudoLikelihoodEM(mdp, { iterations: plIterations, transform: "exp", eta });
  const plLin = pseudoLikelihoodEM(mdp, { iterations: plIterations, transform: "linear" });
  const sv = softValueIteration(mdp, { temperature });
  const svo = softValueIteration(mdp, { temperature, backup: "optimistic" });
  return {
    mdp,
    expectedReturn: { safe: vi.Q[START]![SAFE]!, risky: vi.Q[START]![RISKY]! },
    returnStd: { safe: moments.std[START]![SAFE]!, risky: moments.std[START]![RISKY]! },
    optimal: outcome(vi.policy),
    virel: { ...outcome(em.policy), iterations: em.iterations },
    pseudoLikelihood: { ...outcome(pl.policy), eta },
    pseudoLikelihoodLinear: outcome(plLin.policy),
    softValue: { ...outcome(sv.policy), temperature },
    softValueOptimistic: { ...outcome(svo.policy), temperature },
  };
}
