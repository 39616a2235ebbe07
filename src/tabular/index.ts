/**
 * Tabular MDPs and exact variational EM (`virel.tabular`): generators, exact evaluation, value iteration,
 * VIREL's EM (§3–4, Theorem 1) and the Table 2 baselines (pseudo-likelihood EM, MERLIN / soft values).
 */
export { makeMDP, validateMDP, shiftRewards, scaleRewards, minReward } from "./mdp";
export type { TabularMDP, MDPSpec } from "./mdp";
export { randomMDP, chainMDP, gridworldMDP, riskyMDP } from "./generators";
export type { RandomMDPOptions, ChainOptions, GridworldOptions, GridworldMDP, RiskyOptions } from "./generators";
export { solveLinear } from "./linalg";
export {
  uniformPolicy,
  greedyPolicy,
  posteriorPolicy,
  policyDynamics,
  qFromV,
  evaluatePolicy,
  policyReturn,
  bellmanOptimality,
  bellmanExpectation,
  bellmanResidual,
  flattenTable,
  valueIteration,
  policyIteration,
  stateVisitation,
  returnMoments,
  sampleNext,
  rollout,
} from "./evaluation";
export type {
  ValueFunctions,
  OptimalValueFunctions,
  ValueIterationOptions,
  ReturnMoments,
  Rollout,
  RolloutOptions,
} from "./evaluation";
export { EM_DEFAULTS, emInit, eStep, mStep, emStep, variationalEM } from "./em";
export type {
  BetaRule,
  EStepKind,
  MStepKind,
  EMOptions,
  ResolvedEMOptions,
  EMTraceEntry,
  EMState,
  EMResult,
} from "./em";
export { posteriorMsbe, posteriorMsbeFixedPoint } from "./betaFixedPoint";
export type { BetaRoot, BetaFixedPoint, PosteriorMsbeOptions } from "./betaFixedPoint";
export { pseudoLikelihoodEM, softValueIteration, softPolicyEvaluation } from "./baselines";
export type {
  PseudoLikelihoodOptions,
  PseudoLikelihoodResult,
  PseudoLikelihoodTraceEntry,
  SoftValueOptions,
  SoftValueResult,
  SoftPolicyEvaluationOptions,
} from "./baselines";
export { riskSeekingDemo } from "./risk";
export type { RiskDemoOptions, RiskDemoOutcome, RiskDemoResult } from "./risk";
