/**
 * Runs on disk: `virel train`'s directory.
 *
 *   DIR/config.json      the run spec: algo, env, seed, the full validated config
 *   DIR/meta.json        library / tfjs / Node versions, backend, host, start and resume times
 *   DIR/metrics.jsonl    one JSON object per line, always with `step` (names: METRIC_DOCS)
 *   DIR/checkpoint.ckpt  weights, Adam state, replay buffer, RNG states, counters (see checkpoint.ts)
 *   DIR/summary.json     written when the run reaches its step count: the final evaluation
 *
 * A directory with a checkpoint is resumed: the spec must match, metrics.jsonl is cut back to what the
 * checkpoint had seen, and the run continues exactly (same backend → same numbers as uninterrupted).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig, parseAlgo, fieldsForAlgo } from "./config";
import type { AgentConfig, AgentConfigInput, Algo } from "./config";
import { readCheckpoint, writeCheckpoint, writeFileAtomic, CheckpointError } from "./checkpoint";
import type { Agent, AgentScalarState, TrainProgress } from "./agent";
import type { MetricRecord } from "./metrics";
import { version } from "../version";
import { checkSeed } from "../rng";
import * as engine from "../engine/backend";
import type { MakeOptions } from "../envs/types";

export const RUN_FILES = {
  config: "config.json",
  meta: "meta.json",
  metrics: "metrics.jsonl",
  checkpoint: "checkpoint.ckpt",
  summary: "summary.json",
} as const;

/** What identifies a run: the same spec → the same numbers. */
export interface RunSpec {
  algo: Algo;
  env: string;
  seed: number;
  config: AgentConfig;
  envOptions: MakeOptions;
}

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  /** The run directory (created; resumed when it holds a checkpoint). */
  out: string;
  algo?: Algo | string;
  env?: string;
  /** Total env steps (a resumed run continues to this count). */
  steps: number;
  seed?: number;
  /** Config overrides (e.g. from `--config FILE`). */
  config?: Partial<AgentConfigInput>;
  /** Ignore config fields that belong only to other algorithms (a config file shared by a sweep). */
  ignoreOtherAlgoFields?: boolean;
  envOptions?: MakeOptions;
  backend?: string;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  /** Status lines (backend, resume, checkpoint) for a CLI. */
  log?: (line: string) => void;
}

/** What {@link trainRun} returns. */
export interface RunSummary {
  dir: string;
  algo: Algo;
  env: string;
  seed: number;
  step: number;
  steps: number;
  aborted: boolean;
  resumed: boolean;
  finalEval: { step: number; mean: number; std: number } | null;
  backend: string;
}


function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Read a run's spec (config.json). */
export function readSpec(dir: string): RunSpec {
  const raw = readJson(path.join(dir, RUN_FILES.config)) as Partial<RunSpec>;
  const algo = parseAlgo(raw.algo, `${dir}/config.json algo`);
  if (typeof raw.env !== "string") throw new Error(`${dir}/config.json env must be a string, got ${JSON.stringify(raw.env)}`);
  return { algo, env: raw.env, seed: checkSeed(raw.seed, `${dir}/config.json seed`), config: parseConfig({ ...raw.config, algo }), envOptions: raw.envOptions ?? {} };
}

/** Read metrics.jsonl (skipping a torn last line). */
export function readMetrics(dir: string): MetricRecord[] {
  const file = path.join(dir, RUN_FILES.metrics);
  if (!fs.existsSync(file)) return [];
  const out: MetricRecord[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      out.push(JSON.parse(line) as MetricRecord);
    } catch {
      /* a torn line from a killed process */
    }
  }
  return out;
}

/** The header of `checkpoint.ckpt`: what wrote it, the run spec, and the agent's scalar state. */
export interface CheckpointMeta {
  kind: "virel-agent";
  virel: string;
  spec: RunSpec;
  backend: string;
  /** Whether the native BLAS kernels ran (wasm): they change float rounding, so resume where they match. */
  native: boolean;
  /** Whether the fused fast update ran (it rounds differently from the reference update). Absent in older checkpoints. */
  fastUpdate?: boolean;
  obsDim: number;
  actDim: number;
  metricsBytes: number;
  state: AgentScalarState;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Build an agent for a spec (loads tfjs and the env lazily). */
async function agentFor(spec: RunSpec, backend: string | undefined): Promise<Agent> {
  await engine.ready(backend);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { makeAgent } = require("./factory") as typeof import("./factory");
  return makeAgent(spec.config, spec.env, spec.seed, spec.envOptions);
}

/** What {@link loadRun} returns. */
export interface LoadedRun {
  agent: Agent;
  spec: RunSpec;
  meta: CheckpointMeta;
}

/** Restore an agent from a run directory's checkpoint (errors name what is wrong; the file is not touched). */
export async function loadRun(dir: string, backend?: string): Promise<LoadedRun> {
  const spec = readSpec(dir);
  const file = path.join(dir, RUN_FILES.checkpoint);
  if (!fs.existsSync(file)) throw new Error(`run ${dir} has no checkpoint (${RUN_FILES.checkpoint})`);
  const { meta, arrays } = readCheckpoint(file);
  const m = meta as Partial<CheckpointMeta>;
  if (m?.kind !== "virel-agent" || m.state === undefined || m.spec === undefined) {
    throw new CheckpointError(`checkpoint ${file} is not a VIREL agent checkpoint; it was left untouched`);
  }
  if (!sameJson(m.spec, spec)) {
    throw new CheckpointError(`checkpoint ${file} does not match ${dir}/config.json (algo/env/seed/config differ); it was left untouched`);
  }
  const agent = await agentFor(spec, backend);
  try {
    if (agent.obsDim !== m.obsDim || agent.actDim !== m.actDim) {
      throw new CheckpointError(`checkpoint ${file} has obsDim ${m.obsDim}, actDim ${m.actDim}; env ${spec.env} has ${agent.obsDim}, ${agent.actDim}`);
    }
    agent.setState(m.state, arrays);
  } catch (err) {
    agent.dispose();
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`checkpoint ${file} cannot be restored: ${(err as Error).message}; it was left untouched`);
  }
  return { agent, spec, meta: m as CheckpointMeta };
}

/** Save an agent's full state into `dir/checkpoint.ckpt` atomically. */
export function saveCheckpoint(dir: string, agent: Agent, spec: RunSpec): void {
  const metricsFile = path.join(dir, RUN_FILES.metrics);
  const meta: CheckpointMeta = {
    kind: "virel-agent",
    virel: version,
    spec,
    backend: engine.currentBackend()?.name ?? "unknown",
    native: engine.currentBackend()?.native?.loaded ?? false,
    fastUpdate: agent.learner.fastPathActive,
    obsDim: agent.obsDim,
    actDim: agent.actDim,
    metricsBytes: fs.existsSync(metricsFile) ? fs.statSync(metricsFile).size : 0,
    state: agent.getScalarState(),
  };
  writeCheckpoint(path.join(dir, RUN_FILES.checkpoint), meta, agent.getTensorState());
}

/**
 * Train a run on disk (`virel train`): create or resume DIR, train to `steps` env steps with evaluation,
 * metrics and periodic checkpoints; on abort save a checkpoint and return; on a non-finite loss stop
 * without overwriting the last good checkpoint.
 */
export async function trainRun(opts: TrainRunOptions): Promise<RunSummary> {
  const log = opts.log ?? (() => undefined);
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new Error(`steps must be a positive integer, got ${opts.steps}`);
  if (typeof opts.out !== "string" || opts.out === "") throw new Error(`out must be a directory path, got ${JSON.stringify(opts.out)}`);
  const dir = path.resolve(opts.out);
  const ckpt = path.join(dir, RUN_FILES.checkpoint);
  const metricsFile = path.join(dir, RUN_FILES.metrics);
  const resumed = fs.existsSync(ckpt);
  const own = (algo: Algo): Partial<AgentConfigInput> | undefined => {
    if (opts.config === undefined || !opts.ignoreOtherAlgoFields) return opts.config;
    const { kept, dropped } = fieldsForAlgo(opts.config as Record<string, unknown>, algo);
    if (dropped.length > 0) log(`${algo}: ignoring config fields of other algorithms: ${dropped.join(", ")}`);
    return kept as Partial<AgentConfigInput>;
  };
  let agent: Agent;
  let spec: RunSpec;
  if (resumed) {
    const stored = readSpec(dir);
    if (opts.algo !== undefined && parseAlgo(opts.algo) !== stored.algo) {
      throw new Error(`--algo ${opts.algo} does not match the run in ${dir} (algo ${stored.algo}); use another --out`);
    }
    if (opts.env !== undefined && opts.env !== stored.env) throw new Error(`--env ${opts.env} does not match the run in ${dir} (env ${stored.env}); use another --out`);
    if (opts.seed !== undefined && opts.seed !== stored.seed) throw new Error(`--seed ${opts.seed} does not match the run in ${dir} (seed ${stored.seed}); use another --out`);
    if (opts.config !== undefined) {
      const want = parseConfig({ ...stored.config, ...own(stored.algo), algo: stored.algo });
      if (!sameJson(want, stored.config)) throw new Error(`the given config does not match the run in ${dir}/config.json; use another --out`);
    }
    const loaded = await loadRun(dir, opts.backend);
    agent = loaded.agent;
    spec = loaded.spec;
    const now = engine.currentBackend();
    const fastNow = agent.learner.fastPathActive;
    const fastThen = loaded.meta.fastUpdate ?? fastNow;
    if (loaded.meta.backend !== now?.name || (loaded.meta.native ?? false) !== (now?.native?.loaded ?? false) || fastThen !== fastNow) {
      const d = (name: string | undefined, native: boolean | undefined, fast: boolean) =>
        `${name}${native ? " + native BLAS" : ""}, ${fast ? "fast" : "reference"} update`;
      log(`note: the checkpoint was written on ${d(loaded.meta.backend, loaded.meta.native, fastThen)}, resuming on ${d(now?.name, now?.native?.loaded, fastNow)}; the numbers will not be bit-identical to an uninterrupted run`);
    }
    // metrics logged after the checkpoint will be logged again
    if (fs.existsSync(metricsFile) && fs.statSync(metricsFile).size > loaded.meta.metricsBytes) fs.truncateSync(metricsFile, loaded.meta.metricsBytes);
    log(`resuming ${dir} at step ${agent.envSteps}`);
    const meta = readJson(path.join(dir, RUN_FILES.meta)) as Record<string, unknown>;
    writeFileAtomic(path.join(dir, RUN_FILES.meta), JSON.stringify({ ...meta, resumedAt: [...((meta.resumedAt as string[]) ?? []), new Date().toISOString()] }, null, 2) + "\n");
  } else {
    if (opts.algo === undefined && opts.config?.algo === undefined) throw new Error("algo is required (virel1, virel2, sac-v1 or sac)");
    const algo = parseAlgo(opts.algo ?? opts.config?.algo);
    if (opts.env === undefined) throw new Error("env is required (e.g. Pendulum-v1)");
    const config = parseConfig({ ...own(algo), algo });
    spec = { algo, env: opts.env, seed: checkSeed(opts.seed ?? 0), config, envOptions: opts.envOptions ?? {} };
    agent = await agentFor(spec, opts.backend);
    fs.mkdirSync(dir, { recursive: true });
    const b = engine.currentBackend()!;
    const tfv = engine.tf().version;
    writeFileAtomic(path.join(dir, RUN_FILES.config), JSON.stringify(spec, null, 2) + "\n");
    writeFileAtomic(path.join(dir, RUN_FILES.meta), JSON.stringify({
      virel: version, tfjs: tfv.tfjs, tfjsCore: tfv["tfjs-core"], node: process.version, platform: `${process.platform}-${process.arch}`,
      backend: { name: b.name, tfBackend: b.tfBackend, chosenBy: b.chosenBy, native: b.native ?? null },
      fastUpdate: agent.learner.fastPathActive,
      startedAt: new Date().toISOString(), resumedAt: [],
    }, null, 2) + "\n");
    fs.writeFileSync(metricsFile, "");
  }
  const backend = engine.currentBackend()!;
  log(`backend: ${engine.describeBackend(backend)}`);
  const fd = fs.openSync(metricsFile, "a");
  const every = spec.config.checkpointEvery;
  try {
    const res = await agent.train(Math.max(0, opts.steps - agent.envSteps), {
      signal: opts.signal,
      onProgress: opts.onProgress,
      onMetrics: (r) => fs.writeSync(fd, JSON.stringify(r) + "\n"),
      onStep: (a) => {
        if (every > 0 && a.envSteps % every === 0 && a.envSteps < opts.steps) saveCheckpoint(dir, a, spec);
      },
    });
    saveCheckpoint(dir, agent, spec);
    log(res.aborted ? `stopped at step ${res.step}; checkpoint saved — run the same command again to resume` : `done: ${res.step} steps; checkpoint saved`);
    const summary: RunSummary = {
      dir, algo: spec.algo, env: spec.env, seed: spec.seed, step: res.step, steps: opts.steps, aborted: res.aborted, resumed,
      finalEval: res.lastEval, backend: backend.name,
    };
    if (!res.aborted) writeFileAtomic(path.join(dir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + "\n");
    return summary;
  } finally {
    fs.closeSync(fd);
    agent.dispose();
  }
}

/** `virel eval`: restore a run and evaluate its deterministic policy for `episodes` episodes. */
export async function evalRun(dir: string, episodes: number, backend?: string): Promise<{ spec: RunSpec; step: number; mean: number; std: number; returns: number[] }> {
  if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`episodes must be a positive integer, got ${episodes}`);
  const { agent, spec } = await loadRun(path.resolve(dir), backend);
  try {
    const r = agent.evaluate(episodes);
    return { spec, step: agent.envSteps, mean: r.mean, std: r.std, returns: r.returns };
  } finally {
    agent.dispose();
  }
}
