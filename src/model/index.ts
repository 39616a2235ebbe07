/**
 * The VIREL model of Table 1 (and Eq. 1–4, 9, Lemma 1) on finite problems and on a 1-D continuous action:
 * likelihood, prior, joint, posteriors, the action-posterior and its limits, the MSBE, the ELBO and the
 * decomposition LML = ELBO + KL. Everything here is exported at the top level of `virel`.
 */
export { actionPosterior, logActionPosterior, greedy } from "./actionPosterior";
export { logLikelihood, uniformPrior, p0UniformPrior, logJoint, logMarginalLikelihood, posterior } from "./likelihood";
export { msbe, msbeTable } from "./msbe";
export {
  variationalDistribution,
  objectiveJ,
  elbo,
  klPosterior,
  lmlDecomposition,
  softmaxPolicy,
  elboSoftmax,
  elboGradient,
} from "./elbo";
export type { LmlDecomposition } from "./elbo";
export { continuousActionPosterior } from "./continuous";
export type { ContinuousActionPosterior, ContinuousGridOptions } from "./continuous";
export { logSumExp, entropy, softmax, logSoftmax } from "./math";
export { PROB_TOL } from "./validate";
export type { Table } from "./validate";
