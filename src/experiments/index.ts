/**
 * Experiments: a figure of the paper as a spec (experiments/<name>.json) → runs on disk (results/<name>/) →
 * figure, table and report (docs/fig3/). `virel experiment run|status|figure <spec>` is the CLI. No tfjs here.
 */
export * from "./spec";
export * from "./layout";
export * from "./gather";
export * from "./svg";
export * from "./check";
export { experimentFigure, writeExperimentFigure } from "./figure";
export type { ExperimentFigure } from "./figure";
export { plan, runExperiment, trainArgs, backendPath, gitCommit, machine, requireTrainFlag, virelBin } from "./runner";
export type {
  PlannedRun,
  BackendPath,
  Invocation,
  RunRecord,
  RunExperimentOptions,
  RunExperimentResult,
} from "./runner";
