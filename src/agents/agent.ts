/**
 * The agent: Algorithm 1 (App. C) around a {@link Learner} — environment interaction, the replay buffer 𝒟,
 * evaluation on a separate env, the step-through API for notebooks (collect / mStep / eStep / evaluate) and
 * the training loop with metrics, abort and exact checkpoint state.
 *
 * One seed drives everything: the root Rng(seed) forks independent streams for initialisation, the training
 * env's resets, replay sampling, policy noise/exploration and the evaluation env — so evaluating more or less
 * often does not change the training trajectory.
 */
import * as tf from "@tensorflow/tfjs";
import type { AgentConfig, VirelConfig } from "./config";
import { ALGORITHMS } from "./algorithms";
import { Learner } from "./learner";
import type { EStepResult, MStepResult, LearnerScalarState, LearnerApi } from "./learner-types";
import { ReplayBuffer } from "./replay";
import type { Batch } from "./replay";
import { Rng } from "../rng";
import type { RngState } from "../rng";
import type { Env } from "../envs/types";
import { metricsFromUpdate, MetricWindow } from "./metrics";
import type { MetricRecord } from "./metrics";
import { detachEvalEnvs, evalEnvsOf, evaluateEpisodes } from "./evaluation";
import { flattenRows, qValuesOf, toEnvAction, toSquashedAction, valuesOf } from "./inspect";
import type { Critic, Rows } from "./learner-types";

/** Progress reported by {@link Agent.train}. */
export interface TrainProgress {
  /** Env steps taken so far (all time, including earlier calls / a resumed run). */
  step: number;
  /** The step this call trains to. */
  target: number;
  /** Env steps per second in this call. */
  stepsPerSec: number;
  /** The latest evaluation return (mean over episodes), if any. */
  lastEval: number | null;
  /** The latest training episode's return, if any. */
  lastEpisodeReturn: number | null;
  episodes: number;
}

/** Options of {@link Agent.train}. */
export interface TrainOptions {
  /** Called about every `progressEveryMs` (default 200 ms) and at the end. */
  onProgress?: (p: TrainProgress) => void;
  progressEveryMs?: number;
  /** Called with every metrics record (episode returns, windowed losses, evaluations). */
  onMetrics?: (r: MetricRecord) => void;
  /** Called after every env step (and its gradient steps); a checkpoint hook can run here. May be async. */
  onStep?: (agent: Agent) => void | Promise<void>;
  /** Stop cleanly at the next env step when aborted (a notebook interrupt, SIGINT). */
  signal?: AbortSignal;
  /** Install a SIGINT handler for this call that stops cleanly (off by default; the CLI handles its own). */
  handleSigint?: boolean;
}

/** What {@link Agent.train} returns. */
export interface TrainSummary {
  /** Env steps at the end. */
  step: number;
  /** True when the run stopped early (abort signal, {@link Agent.stop}, SIGINT). */
  aborted: boolean;
  /** The last evaluation (mean, std over episodes), if any. */
  lastEval: { step: number; mean: number; std: number } | null;
  episodes: number;
}

/** One evaluation: deterministic (mean-action) episodes on the evaluation env. */
export interface EvalResult {
  mean: number;
  std: number;
  returns: number[];
  lengths: number[];
}

/** Thrown when a loss becomes NaN or ±Infinity. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly metric: string,
    readonly value: number,
  ) {
    super(
      `non-finite ${metric} = ${value} at env step ${step}; training stopped (a run on disk keeps its last good checkpoint)`,
    );
    this.name = "NonFiniteLossError";
  }
}

/** The JSON part of an agent's state (the checkpoint header). */
export interface AgentScalarState {
  envSteps: number;
  episodes: number;
  seed: number;
  rng: Record<RngStreamName, RngState>;
  learner: LearnerScalarState;
  replay: { size: number; ptr: number; capacity: number };
  episode: { seed: number; steps: number; return: number; obs: number[] };
  window: ReturnType<MetricWindow["getState"]>;
  lastEval: { step: number; mean: number; std: number } | null;
  lastEpisodeReturn: number | null;
}

export type RngStreamName = "init" | "env" | "replay" | "noise" | "eval";
const STREAMS: readonly RngStreamName[] = ["init", "env", "replay", "noise", "eval"];

function mapAction(a: ArrayLike<number>, low: Float64Array, high: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = low[i]! + (a[i]! + 1) * 0.5 * (high[i]! - low[i]!);
  return out;
}

export class Agent {
  /** The learner (networks, optimisers, β/α) as users see it: updates on plain numbers, network shapes. */
  readonly learner: LearnerApi;
  /** The same learner with its tensors (internal: its type would pull tfjs into the public declarations). */
  private readonly core: Learner;
  readonly buffer: ReplayBuffer;
  readonly rngs: Record<RngStreamName, Rng>;
  readonly obsDim: number;
  readonly actDim: number;
  /** Env steps taken. */
  envSteps = 0;
  /** Training episodes finished. */
  episodes = 0;
  /** Every metrics record emitted by {@link train} (also written to metrics.jsonl by a run on disk). */
  readonly history: MetricRecord[] = [];
  lastEval: { step: number; mean: number; std: number } | null = null;
  lastEpisodeReturn: number | null = null;
  private obs: Float64Array;
  private episodeSeed: number;
  private episodeReturn = 0;
  /** Policy-space actions of the current episode (to restore the env exactly on resume). */
  private episodeActions: number[] = [];
  private readonly window = new MetricWindow();
  private pendingBatch: Batch | null = null;
  /** The running train() call: stop() flags it; a new train() after an abort supersedes it. */
  private currentRun: { stop: boolean; signal?: AbortSignal; done: boolean } | null = null;
  private readonly low: Float64Array;
  private readonly high: Float64Array;

  /**
   * @param env the training env; @param evalEnv a separate env for evaluation (same id).
   * @param seed the one seed of the run (integer in [0, 2^32 − 1]).
   */
  constructor(
    readonly config: AgentConfig,
    readonly env: Env,
    readonly evalEnv: Env,
    readonly seed: number,
  ) {
    if (env.observationSpace.shape.length !== 1 || env.actionSpace.shape.length !== 1) {
      throw new Error(
        `env ${env.id}: expected flat Box spaces, got shapes ${JSON.stringify(env.observationSpace.shape)} and ${JSON.stringify(env.actionSpace.shape)}`,
      );
    }
    this.obsDim = env.observationSpace.shape[0]!;
    this.actDim = env.actionSpace.shape[0]!;
    if (evalEnv.observationSpace.shape[0] !== this.obsDim || evalEnv.actionSpace.shape[0] !== this.actDim) {
      throw new Error(`evalEnv ${evalEnv.id} must have the training env's spaces (${this.obsDim}, ${this.actDim})`);
    }
    this.low = env.actionSpace.low;
    this.high = env.actionSpace.high;
    for (let i = 0; i < this.actDim; i++) {
      if (!Number.isFinite(this.low[i]!) || !Number.isFinite(this.high[i]!)) {
        throw new Error(
          `env ${env.id}: action bounds must be finite, got [${this.low[i]}, ${this.high[i]}] at index ${i}`,
        );
      }
    }
    const root = new Rng(seed);
    this.rngs = {
      init: root.fork("init"),
      env: root.fork("env"),
      replay: root.fork("replay"),
      noise: root.fork("noise"),
      eval: root.fork("eval"),
    };
    this.core = new Learner(config, this.obsDim, this.actDim, this.rngs.init, this.rngs.noise);
    this.learner = this.core;
    this.buffer = new ReplayBuffer(config.bufferSize, this.obsDim, this.actDim);
    this.episodeSeed = this.rngs.env.seed();
    this.obs = env.reset({ seed: this.episodeSeed }).obs;
  }

  /** The current temperature (β for VIREL, α for SAC). */
  get beta(): number {
    return this.learner.temperature();
  }

  /**
   * Take `steps` env steps (Algorithm 1's inner "for each environment step"): a ∼ π^q(·|s; θ) — or uniform
   * random during the first `randomSteps` — then s′ ∼ p(·|s, a), 𝒟 ← 𝒟 ∪ {(s, a, r·rewardScale, s′, d)}.
   * Returns the returns of the episodes that finished.
   */
  collect(steps = 1): { steps: number; episodeReturns: number[]; episodeLengths: number[] } {
    this.checkLive("collect");
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`steps must be a non-negative integer, got ${steps}`);
    const episodeReturns: number[] = [];
    const episodeLengths: number[] = [];
    for (let k = 0; k < steps; k++) {
      const r = this.envStep();
      if (r !== null) {
        episodeReturns.push(r.ret);
        episodeLengths.push(r.len);
      }
    }
    return { steps, episodeReturns, episodeLengths };
  }

  private envStep(): { ret: number; len: number } | null {
    const a =
      this.envSteps < this.config.randomSteps
        ? this.rngs.noise.fillUniform(new Float32Array(this.actDim), -1, 1)
        : this.learner.act(this.obs, false);
    const res = this.env.step(mapAction(a, this.low, this.high));
    this.buffer.add(this.obs, a, res.reward * this.config.rewardScale, res.obs, res.terminated);
    for (let i = 0; i < a.length; i++) this.episodeActions.push(a[i]!);
    this.episodeReturn += res.reward;
    this.envSteps += 1;
    this.obs = res.obs;
    if (res.terminated || res.truncated) {
      const out = { ret: this.episodeReturn, len: this.episodeActions.length / this.actDim };
      this.episodes += 1;
      this.lastEpisodeReturn = out.ret;
      this.episodeReturn = 0;
      this.episodeActions = [];
      this.episodeSeed = this.rngs.env.seed();
      this.obs = this.env.reset({ seed: this.episodeSeed }).obs;
      return out;
    }
    return null;
  }

  private sampleBatch(): Batch {
    if (this.buffer.size < this.config.batchSize) {
      throw new Error(
        `the replay buffer holds ${this.buffer.size} transitions, fewer than batchSize ${this.config.batchSize}; call collect() first`,
      );
    }
    return this.buffer.sample(this.config.batchSize, this.rngs.replay);
  }

  /**
   * Variational M-step (critic): refresh β(ω) (VIREL's rule, every `betaEvery` steps, as official beta.py
   * does at the start of each training step), sample a minibatch from 𝒟, update V, Q₁, Q₂ and φ̄.
   * The next {@link eStep} reuses this minibatch (as in Algorithm 1).
   */
  mStep(): MStepResult {
    this.checkLive("mStep");
    // VIREL: β(ω) refreshed every betaEvery gradient steps (the table's temperature rule "beta")
    if (
      ALGORITHMS[this.config.algo].temperature === "beta" &&
      this.learner.gradSteps % (this.config as VirelConfig).betaEvery === 0
    ) {
      this.learner.refreshBeta(this.buffer, this.rngs.replay);
    }
    const batch = this.sampleBatch();
    const m = this.learner.mStep(batch);
    this.pendingBatch = batch;
    return m;
  }

  /** Variational E-step (actor, Eq. 9) on the last M-step's minibatch (or a fresh one). */
  eStep(): EStepResult {
    this.checkLive("eStep");
    const batch = this.pendingBatch ?? this.sampleBatch();
    this.pendingBatch = null;
    return this.learner.eStep(batch);
  }

  /** One gradient step of Algorithm 1: M-step then E-step on one minibatch. */
  update(): { m: MStepResult; e: EStepResult } {
    const m = this.mStep();
    const e = this.eStep();
    return { m, e };
  }

  /** Deterministic evaluation: `episodes` episodes with a = tanh(μ_θ(s)) on the evaluation env. */
  evaluate(episodes = this.config.evalEpisodes): EvalResult {
    this.checkLive("evaluate");
    if (!Number.isInteger(episodes) || episodes < 1)
      throw new Error(`episodes must be a positive integer, got ${episodes}`);
    // all episodes' seeds first (the eval stream serves nothing else), then the episodes stepped together on the
    // env copies attached by attachEvalEnvs (one env: one at a time) — src/agents/evaluation.ts
    const seeds = Array.from({ length: episodes }, () => this.rngs.eval.seed());
    const { returns, lengths } = evaluateEpisodes(
      evalEnvsOf(this.evalEnv),
      seeds,
      (flat) => this.learner.act(flat, true),
      this.low,
      this.high,
    );
    const mean = returns.reduce((s, x) => s + x, 0) / returns.length;
    const std = Math.sqrt(returns.reduce((s, x) => s + (x - mean) ** 2, 0) / returns.length);
    return { mean, std, returns, lengths };
  }

  /**
   * The policy's action for one observation, in the env's action box: the mean action
   * u = low + (tanh(μ_θ(s)) + 1)/2 · (high − low) when `deterministic` (the default; what {@link evaluate} plays),
   * else a sample a ∼ π^q(·|s; θ), mapped the same way. A sample draws from the agent's exploration noise stream,
   * as {@link collect} does. @param obs length obsDim → length actDim.
   */
  act(obs: ArrayLike<number>, opts: { deterministic?: boolean } = {}): Float64Array {
    this.checkLive("act");
    if (obs === null || typeof obs !== "object" || obs.length !== this.obsDim) {
      throw new Error(
        `expected obs of length ${this.obsDim}, got ${obs === null || typeof obs !== "object" ? String(obs) : obs.length}`,
      );
    }
    return this.actions(obs, opts)[0]!;
  }

  /** {@link act} for a batch: one action row (env units) per observation row. @param obs rows, or flat [n·obsDim]. */
  actions(obs: Rows, opts: { deterministic?: boolean } = {}): Float64Array[] {
    this.checkLive("actions");
    const deterministic = opts.deterministic ?? true;
    if (typeof deterministic !== "boolean")
      throw new Error(`deterministic must be a boolean, got ${String(deterministic)}`);
    const { flat, n } = flattenRows(obs, this.obsDim, "obs");
    const u = toEnvAction(this.learner.act(flat, deterministic), this.low, this.high);
    return Array.from({ length: n }, (_, i) => u.slice(i * this.actDim, (i + 1) * this.actDim));
  }

  /**
   * The critic at state-action pairs, Q̂(s, a) = min(Q₁(s, a), Q₂(s, a)) (the Q̂ the E-step maximises, Eq. 9), or
   * one twin (`critic: "q1" | "q2"`). Rewards inside are scaled by `rewardScale`. @param obs rows [n][obsDim]
   * (or flat); @param actions env actions in the action box, rows [n][actDim] (or flat) → length n.
   */
  qValues(obs: Rows, actions: Rows, opts: { critic?: Critic } = {}): Float64Array {
    this.checkLive("qValues");
    const critic = opts.critic ?? "min";
    if (critic !== "min" && critic !== "q1" && critic !== "q2")
      throw new Error(`critic must be "min", "q1" or "q2", got ${JSON.stringify(critic)}`);
    const o = flattenRows(obs, this.obsDim, "obs");
    const a = flattenRows(actions, this.actDim, "actions");
    if (a.n !== o.n) throw new Error(`expected ${o.n} action rows (one per observation), got ${a.n}`);
    return qValuesOf(this.core, o.flat, toSquashedAction(a.flat, this.low, this.high, "actions"), o.n, critic);
  }

  /** The value network V(s) (φ; VIREL1, VIREL2, SAC-v1 — SAC-v2 has none). @param obs rows or flat → length n. */
  values(obs: Rows): Float64Array {
    this.checkLive("values");
    const o = flattenRows(obs, this.obsDim, "obs");
    return valuesOf(this.core, o.flat, o.n);
  }

  /** Ask a running {@link train} to stop at the next env step. */
  stop(): void {
    if (this.currentRun !== null) this.currentRun.stop = true;
  }

  private emit(rec: MetricRecord, opts: TrainOptions): void {
    this.history.push(rec);
    opts.onMetrics?.(rec);
  }

  /**
   * Train for `steps` more env steps (so `train(1000)` twice trains 2000), in the order of Algorithm 1: each env
   * step, then `updatesPerStep` gradient steps (M-step, E-step, Polyak) once the initial `randomSteps` are done;
   * evaluation every `evalEvery` steps; windowed losses every `logEvery` (counted in total env steps).
   */
  async train(steps: number, opts: TrainOptions = {}): Promise<TrainSummary> {
    this.checkLive("train");
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`steps must be a non-negative integer, got ${steps}`);
    const prev = this.currentRun;
    if (prev !== null && !prev.done && !prev.stop && !prev.signal?.aborted) {
      throw new Error("train() is already running on this agent (await it, or call agent.stop())");
    }
    // (a run whose signal was aborted — e.g. by a notebook interrupt that also cancelled its timers — is superseded)
    const run = { stop: false, signal: opts.signal, done: false };
    this.currentRun = run;
    const cfg = this.config;
    const onSigint = () => this.stop();
    if (opts.handleSigint) process.once("SIGINT", onSigint);
    const t0 = performance.now();
    const startStep = this.envSteps;
    const target = startStep + steps;
    let lastProgress = t0;
    let lastYield = t0;
    const everyMs = opts.progressEveryMs ?? 200;
    const progress = () => {
      const dt = (performance.now() - t0) / 1000;
      opts.onProgress?.({
        step: this.envSteps,
        target,
        stepsPerSec: dt > 0 ? (this.envSteps - startStep) / dt : 0,
        lastEval: this.lastEval?.mean ?? null,
        lastEpisodeReturn: this.lastEpisodeReturn,
        episodes: this.episodes,
      });
    };
    let aborted = false;
    try {
      while (this.envSteps < target) {
        if (run.stop || run !== this.currentRun || opts.signal?.aborted) {
          aborted = true;
          break;
        }
        const tEnv = performance.now();
        const ep = this.envStep();
        this.window.addEnvTime(performance.now() - tEnv);
        const step = this.envSteps;
        if (ep !== null) this.emit({ step, "charts/episodic_return": ep.ret, "charts/episodic_length": ep.len }, opts);
        if (step > cfg.randomSteps && this.buffer.size >= cfg.batchSize) {
          for (let k = 0; k < cfg.updatesPerStep; k++) {
            const tUp = performance.now();
            const u = this.update();
            const nums = metricsFromUpdate(cfg, u.m, u.e);
            for (const [name, value] of Object.entries(nums)) {
              if (!Number.isFinite(value)) throw new NonFiniteLossError(step, name, value);
            }
            this.window.addUpdate(nums, performance.now() - tUp);
          }
        }
        if (cfg.evalEvery > 0 && step % cfg.evalEvery === 0) {
          const ev = this.evaluate(cfg.evalEpisodes);
          this.lastEval = { step, mean: ev.mean, std: ev.std };
          this.emit(
            { step, "eval/return_mean": ev.mean, "eval/return_std": ev.std, "eval/episodes": ev.returns.length },
            opts,
          );
        }
        if (step % cfg.logEvery === 0) {
          const rec = this.window.flush(step);
          if (rec !== null) this.emit(rec, opts);
        }
        if (opts.onStep) await opts.onStep(this);
        const now = performance.now();
        if (now - lastProgress >= everyMs) {
          lastProgress = now;
          progress();
        }
        if (now - lastYield >= 50) {
          lastYield = now;
          await new Promise<void>((r) => setImmediate(r)); // let SIGINT / interrupts / timers run
        }
      }
    } finally {
      run.done = true;
      if (opts.handleSigint) process.removeListener("SIGINT", onSigint);
    }
    progress();
    return { step: this.envSteps, aborted, lastEval: this.lastEval, episodes: this.episodes };
  }

  /** The JSON part of the full state (see {@link getTensorState} for the arrays). */
  getScalarState(): AgentScalarState {
    return {
      envSteps: this.envSteps,
      episodes: this.episodes,
      seed: this.seed,
      rng: Object.fromEntries(STREAMS.map((k) => [k, this.rngs[k].getState()])) as Record<RngStreamName, RngState>,
      learner: this.learner.scalarState(),
      replay: { size: this.buffer.size, ptr: this.buffer.ptr, capacity: this.buffer.capacity },
      episode: {
        seed: this.episodeSeed,
        steps: this.episodeActions.length / this.actDim,
        return: this.episodeReturn,
        obs: Array.from(this.obs),
      },
      window: this.window.getState(),
      lastEval: this.lastEval,
      lastEpisodeReturn: this.lastEpisodeReturn,
    };
  }

  /** Every array of the state: network weights, Adam moments, the replay buffer, the episode's actions. */
  getTensorState(): [string, Float32Array][] {
    this.checkLive("getTensorState");
    const out: [string, Float32Array][] = this.core
      .named()
      .map(([name, v]) => [name, Float32Array.from(v.dataSync() as Float32Array)]);
    const parts = this.buffer.filled();
    ["obs", "act", "rew", "nextObs", "done"].forEach((k, i) => out.push([`replay/${k}`, parts[i]!]));
    out.push(["episode/actions", Float32Array.from(this.episodeActions)]);
    return out;
  }

  /**
   * Restore a state written by {@link getScalarState} / {@link getTensorState} into this (freshly built, same
   * config) agent; the current training episode is restored by replaying its actions from its reset seed.
   */
  setState(s: AgentScalarState, arrays: ReadonlyMap<string, Float32Array>): void {
    this.checkLive("setState");
    const get = (name: string): Float32Array => {
      const a = arrays.get(name);
      if (a === undefined) throw new Error(`checkpoint is missing array ${JSON.stringify(name)}`);
      return a;
    };
    if (s.replay.capacity !== this.buffer.capacity) {
      throw new Error(
        `checkpoint replay capacity ${s.replay.capacity} does not match config.bufferSize ${this.buffer.capacity}`,
      );
    }
    for (const [name, v] of this.core.named()) {
      const a = get(name);
      if (a.length !== v.size)
        throw new Error(
          `checkpoint array ${name} has ${a.length} values, expected ${v.size} (shape ${v.shape.join("×")})`,
        );
      tf.tidy(() => v.assign(tf.tensor(a, v.shape)));
    }
    this.learner.setScalarState(s.learner);
    this.buffer.restore(
      s.replay.size,
      s.replay.ptr,
      ["obs", "act", "rew", "nextObs", "done"].map((k) => get(`replay/${k}`)),
    );
    for (const k of STREAMS) this.rngs[k].setState(s.rng[k]);
    this.envSteps = s.envSteps;
    this.episodes = s.episodes;
    this.window.setState(s.window);
    this.lastEval = s.lastEval;
    this.lastEpisodeReturn = s.lastEpisodeReturn;
    // Restore the env: reset with the episode's seed and replay its actions (envs are deterministic).
    const actions = get("episode/actions");
    if (actions.length !== s.episode.steps * this.actDim) {
      throw new Error(
        `checkpoint episode/actions has ${actions.length} values, expected ${s.episode.steps * this.actDim}`,
      );
    }
    this.episodeSeed = s.episode.seed;
    let obs = this.env.reset({ seed: s.episode.seed }).obs;
    for (let t = 0; t < s.episode.steps; t++) {
      const a = actions.subarray(t * this.actDim, (t + 1) * this.actDim);
      obs = this.env.step(mapAction(a, this.low, this.high)).obs;
    }
    if (obs.length !== s.episode.obs.length || obs.some((x, i) => x !== s.episode.obs[i])) {
      throw new Error(
        `checkpoint: replaying the current episode of ${this.env.id} did not reproduce the saved observation (the env is not deterministic or differs)`,
      );
    }
    this.obs = obs;
    this.episodeActions = Array.from(actions);
    this.episodeReturn = s.episode.return;
    this.pendingBatch = null;
  }

  private disposed = false;

  /** Throws a clear error when the agent was disposed (instead of a TypeError from a freed tensor). */
  private checkLive(method: string): void {
    if (this.disposed)
      throw new Error(
        `agent was disposed: ${method}() cannot run after dispose() (create a new agent, or load a checkpoint into one)`,
      );
  }

  /** Free the tensors and close the envs (idempotent); every method but dispose() then throws "agent was disposed". */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.learner.dispose();
    this.env.close();
    detachEvalEnvs(this.evalEnv);
    this.evalEnv.close();
  }
}
