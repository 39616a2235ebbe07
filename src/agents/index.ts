/**
 * `virel.agents`: the variational actor-critic of §4–§5 (Algorithm 1) — VIREL1, VIREL2 — and the SAC baselines
 * (SAC-v1, SAC-v2) on TensorFlow.js.
 *
 * ```ts
 * const agent = await virel.agents.create({ algo: "virel1", env: "Pendulum-v1", seed: 0, config: { hidden: [64, 64] } });
 * agent.collect(1000);              // random exploration into the replay buffer 𝒟
 * const m = agent.mStep();          // variational M-step: V, Q₁, Q₂, φ̄ → { msbe, lossQ1, lossQ2, lossV, beta }
 * const e = agent.eStep();          // variational E-step: the actor (Eq. 9) → { loss, qHat, entropy, beta, elbo }
 * await agent.train(5000, { onProgress: (p) => console.log(p.step, p.lastEval) });   // 5000 more steps
 * agent.evaluate(5);                // { mean, std, returns }
 * ```
 *
 * Importing this module is cheap: tfjs and a backend are loaded by the first `create…` call.
 */
import * as engine from "../engine/backend";
import { parseConfig } from "./config";
import { checkSeed } from "../rng";
import type { AgentConfigInput, Algo } from "./config";
import type { Agent } from "./agent";
import type { LearnerApi } from "./learner-types";
import type { Env, MakeOptions } from "../envs/types";

export {
  ALGOS,
  BETA_RULES,
  BETA_RULE_ALIASES,
  CONFIG_DOCS,
  DEFAULTS,
  parseConfig,
  parseAlgo,
  configTable,
  hasValueNet,
} from "./config";
export { ALGORITHMS } from "./algorithms";
export type { AlgorithmSpec, TargetKind, TemperatureRule } from "./algorithms";
export { PRESETS, presetConfig, presetValues, presetTable } from "./presets";
export type { PresetName, PresetValue } from "./presets";
export type {
  Algo,
  BetaRule,
  AgentConfig,
  AgentConfigInput,
  CommonConfig,
  VirelConfig,
  SacConfig,
  SacV1Config,
  FieldDoc,
} from "./config";
export { ReplayBuffer } from "./replay";
export type { Batch } from "./replay";
export { METRIC_DOCS, MetricWindow, metricsFromUpdate } from "./metrics";
export type { MetricRecord } from "./metrics";
export { tanhGaussianLogProb } from "./tanh-gaussian";
export { writeCheckpoint, readCheckpoint, CheckpointError } from "./checkpoint";
export { trainRun, evalRun, loadRun, saveCheckpoint, readSpec, readMetrics, RUN_FILES } from "./run";
export type { RunSpec, RunSummary, TrainRunOptions, CheckpointMeta, LoadedRun } from "./run";
export type {
  Agent,
  TrainOptions,
  TrainProgress,
  TrainSummary,
  EvalResult,
  AgentScalarState,
  NonFiniteLossError,
  RngStreamName,
} from "./agent";
export type { Rows, Critic } from "./learner-types";
export { evaluateGrid } from "./grid";
export type { GridSpec, GridValues } from "./grid";
export type {
  LearnerApi,
  LearnerApi as Learner,
  NetworkInfo,
  MStepResult,
  EStepResult,
  LearnerScalarState,
} from "./learner-types";

/** Options of {@link create}. */
export interface CreateOptions {
  /** The algorithm (or put `algo` in `config`). */
  algo?: Algo | string;
  /** An env id (`Pendulum-v1`) or an Env object (then pass `evalEnv` too). */
  env: string | Env;
  /** A separate evaluation env (made from the id when omitted). */
  evalEnv?: Env;
  /** Config overrides; defaults per algorithm (see CONFIG_DOCS). */
  config?: Partial<AgentConfigInput>;
  /** The one seed of the run (default 0). */
  seed?: number;
  /** Options for `envs.make`. */
  envOptions?: MakeOptions;
  /** tfjs backend (default: auto / VIREL_BACKEND). */
  backend?: string;
}

/** Create an agent (loads tfjs and picks a backend on first use). Errors name the bad field. */
export async function create(opts: CreateOptions): Promise<Agent> {
  if (opts === null || typeof opts !== "object")
    throw new Error(`options must be an object, got ${JSON.stringify(opts)}`);
  const config = parseConfig({ ...opts.config, algo: opts.algo ?? opts.config?.algo });
  const seed = opts.seed ?? 0;
  checkSeed(seed, "seed");
  await engine.ready(opts.backend);
  const { makeAgent } = require("./factory") as typeof import("./factory");
  return makeAgent(config, opts.env, seed, opts.envOptions ?? {}, opts.evalEnv);
}

/**
 * A bare {@link Learner} (networks + optimisers, no env) for given dimensions — what `virel bench` times.
 * Loads tfjs and picks a backend on first use.
 */
export async function createLearner(opts: {
  config: Omit<Partial<AgentConfigInput>, "algo"> & { algo: Algo | string };
  obsDim: number;
  actDim: number;
  seed?: number;
  backend?: string;
}): Promise<LearnerApi> {
  const config = parseConfig(opts.config);
  await engine.ready(opts.backend);
  const { Learner: L } = require("./learner") as typeof import("./learner");
  const { Rng } = require("../rng") as typeof import("../rng");
  const root = new Rng(opts.seed ?? 0);
  return new L(config, opts.obsDim, opts.actDim, root.fork("init"), root.fork("noise"));
}
