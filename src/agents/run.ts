/**
 * Runs on disk: `virel train`'s directory.
 *
 *   DIR/config.json      the run spec: algo, env, seed, the full validated config
 *   DIR/meta.json        library / tfjs / Node versions, backend, host, start and resume times
 *   DIR/metrics.jsonl    one JSON object per line, always with `step` (names: METRIC_DOCS)
 *   DIR/checkpoint.ckpt  weights, Adam state, replay buffer, RNG states, counters (see checkpoint.ts)
 *   DIR/summary.json     written when the run reaches its step count: the final evaluation
 *
 *   DIR/.lock            held while a trainer works in DIR: { pid, host, startedAt, slurm } (src/runs/lock.ts)
 *   DIR/metrics.discarded.jsonl  metrics lines logged after the last checkpoint of an interrupted run (they
 *                        are logged again on resume; kept here rather than deleted)
 *   DIR/.replaced-<time>/ what a `--force` start found in DIR (moved aside, never deleted)
 *
 * A directory with a checkpoint is resumed: the spec must match, metrics.jsonl must still hold what the
 * checkpoint had seen (its byte count and sha256 are in the checkpoint), lines after that are moved to
 * metrics.discarded.jsonl, and the run continues exactly (same backend → same numbers as uninterrupted).
 * A non-empty directory without a checkpoint is refused unless `force` (its files are then moved aside).
 * Stale temp files (`*.tmp-<pid>`, left by a process killed while writing) are removed once the lock is held.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig, parseAlgo, fieldsForAlgo } from "./config";
import type { AgentConfig, AgentConfigInput, Algo } from "./config";
import { createHash } from "node:crypto";
import { readCheckpoint, writeCheckpoint, writeFileAtomic, CheckpointError, TMP_PATTERN } from "./checkpoint";
import { lockRun, LOCK_FILE } from "../runs/lock";
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
  discarded: "metrics.discarded.jsonl",
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
  /**
   * Start even though DIR holds files but no checkpoint (they are moved to DIR/.replaced-<time>/), and resume
   * even though metrics.jsonl lost what the checkpoint had seen (the history before the checkpoint is then gone).
   */
  force?: boolean;
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
    throw new Error(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Read a run's spec (config.json). */
export function readSpec(dir: string): RunSpec {
  const raw = readJson(path.join(dir, RUN_FILES.config)) as Partial<RunSpec>;
  const algo = parseAlgo(raw.algo, `${dir}/config.json algo`);
  if (typeof raw.env !== "string")
    throw new Error(`${dir}/config.json env must be a string, got ${JSON.stringify(raw.env)}`);
  return {
    algo,
    env: raw.env,
    seed: checkSeed(raw.seed, `${dir}/config.json seed`),
    config: parseConfig({ ...raw.config, algo }),
    envOptions: raw.envOptions ?? {},
  };
}

/** Read metrics.jsonl (skipping torn or corrupt lines; see {@link readMetricsChecked} for how many). */
export function readMetrics(dir: string): MetricRecord[] {
  return readMetricsChecked(dir).records;
}

/** Read metrics.jsonl: the records, and the 1-based numbers of the lines skipped (not JSON objects with a numeric step). */
export function readMetricsChecked(dir: string): { records: MetricRecord[]; skipped: number[] } {
  const file = path.join(dir, RUN_FILES.metrics);
  if (!fs.existsSync(file)) return { records: [], skipped: [] };
  const records: MetricRecord[] = [];
  const skipped: number[] = [];
  fs.readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        const r = JSON.parse(line) as MetricRecord;
        if (r === null || typeof r !== "object" || typeof r.step !== "number") throw new Error("no step");
        records.push(r);
      } catch {
        skipped.push(i + 1); // a torn line from a killed process, or an edited file
      }
    });
  return { records, skipped };
}

/** sha256 (hex) of the first `bytes` bytes of a file. */
function prefixSha256(file: string, bytes: number): string {
  const h = createHash("sha256");
  if (bytes > 0) {
    const fd = fs.openSync(file, "r");
    try {
      const buf = Buffer.alloc(Math.min(bytes, 1 << 20));
      let pos = 0;
      while (pos < bytes) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, bytes - pos), pos);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        pos += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return h.digest("hex");
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
  /** sha256 of the first metricsBytes bytes of metrics.jsonl (absent in older checkpoints). */
  metricsSha256?: string;
  state: AgentScalarState;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Build an agent for a spec (loads tfjs and the env lazily). */
async function agentFor(spec: RunSpec, backend: string | undefined): Promise<Agent> {
  await engine.ready(backend);
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
    throw new CheckpointError(
      `checkpoint ${file} does not match ${dir}/config.json (algo/env/seed/config differ); it was left untouched`,
    );
  }
  const agent = await agentFor(spec, backend);
  try {
    if (agent.obsDim !== m.obsDim || agent.actDim !== m.actDim) {
      throw new CheckpointError(
        `checkpoint ${file} has obsDim ${m.obsDim}, actDim ${m.actDim}; env ${spec.env} has ${agent.obsDim}, ${agent.actDim}`,
      );
    }
    agent.setState(m.state, arrays);
  } catch (err) {
    agent.dispose();
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(
      `checkpoint ${file} cannot be restored: ${(err as Error).message}; it was left untouched`,
    );
  }
  return { agent, spec, meta: m as CheckpointMeta };
}

/** Save an agent's full state into `dir/checkpoint.ckpt` atomically. */
export function saveCheckpoint(dir: string, agent: Agent, spec: RunSpec): void {
  const metricsFile = path.join(dir, RUN_FILES.metrics);
  const metricsBytes = fs.existsSync(metricsFile) ? fs.statSync(metricsFile).size : 0;
  const meta: CheckpointMeta = {
    kind: "virel-agent",
    virel: version,
    spec,
    backend: engine.currentBackend()?.name ?? "unknown",
    native: engine.currentBackend()?.native?.loaded ?? false,
    fastUpdate: agent.learner.fastPathActive,
    obsDim: agent.obsDim,
    actDim: agent.actDim,
    metricsBytes,
    metricsSha256: prefixSha256(metricsFile, metricsBytes),
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
  if (!Number.isSafeInteger(opts.steps) || opts.steps < 1)
    throw new Error(`steps must be a positive integer ≤ 2^53 - 1, got ${opts.steps}`);
  if (typeof opts.out !== "string" || opts.out === "")
    throw new Error(`out must be a directory path, got ${JSON.stringify(opts.out)}`);
  const dir = path.resolve(opts.out);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory())
    throw new Error(`out ${dir} exists and is not a directory`);
  const created = !fs.existsSync(dir);
  fs.mkdirSync(dir, { recursive: true });
  const lock = lockRun(dir, log);
  let started = false;
  try {
    cleanTempFiles(dir, log);
    const summary = await trainLocked(dir, opts, log, () => (started = true));
    return summary;
  } finally {
    lock.release();
    // a run refused before it wrote anything leaves no empty directory behind
    if (created && !started) {
      try {
        fs.rmdirSync(dir);
      } catch {
        /* not empty: keep */
      }
    }
  }
}

/** Remove `*.tmp-<pid>` files in a run directory (called with the lock held: no live writer owns them). */
function cleanTempFiles(dir: string, log: (line: string) => void): void {
  const stale = fs.readdirSync(dir).filter((f) => TMP_PATTERN.test(f));
  for (const f of stale) fs.rmSync(path.join(dir, f), { force: true });
  if (stale.length > 0)
    log(`removed stale temp file${stale.length === 1 ? "" : "s"} of an interrupted write: ${stale.join(", ")}`);
}

/** Files that make a directory without a checkpoint "not a fresh run directory". */
function leftovers(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f !== LOCK_FILE && !f.startsWith(".replaced-"))
    .sort();
}

async function trainLocked(
  dir: string,
  opts: TrainRunOptions,
  log: (line: string) => void,
  markStarted: () => void,
): Promise<RunSummary> {
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
    markStarted();
    const stored = readSpec(dir);
    if (opts.algo !== undefined && parseAlgo(opts.algo) !== stored.algo) {
      throw new Error(`--algo ${opts.algo} does not match the run in ${dir} (algo ${stored.algo}); use another --out`);
    }
    if (opts.env !== undefined && opts.env !== stored.env)
      throw new Error(`--env ${opts.env} does not match the run in ${dir} (env ${stored.env}); use another --out`);
    if (opts.seed !== undefined && opts.seed !== stored.seed)
      throw new Error(`--seed ${opts.seed} does not match the run in ${dir} (seed ${stored.seed}); use another --out`);
    if (opts.config !== undefined) {
      const want = parseConfig({ ...stored.config, ...own(stored.algo), algo: stored.algo });
      if (!sameJson(want, stored.config))
        throw new Error(`the given config does not match the run in ${dir}/config.json; use another --out`);
    }
    const loaded = await loadRun(dir, opts.backend);
    agent = loaded.agent;
    spec = loaded.spec;
    try {
      checkMetricsForResume(dir, loaded.meta, agent.envSteps, opts.force ?? false, log);
    } catch (err) {
      agent.dispose();
      throw err;
    }
    const now = engine.currentBackend();
    const fastNow = agent.learner.fastPathActive;
    const fastThen = loaded.meta.fastUpdate ?? fastNow;
    if (
      loaded.meta.backend !== now?.name ||
      (loaded.meta.native ?? false) !== (now?.native?.loaded ?? false) ||
      fastThen !== fastNow
    ) {
      const d = (name: string | undefined, native: boolean | undefined, fast: boolean) =>
        `${name}${native ? " + native BLAS" : ""}, ${fast ? "fast" : "reference"} update`;
      log(
        `note: the checkpoint was written on ${d(loaded.meta.backend, loaded.meta.native, fastThen)}, resuming on ${d(now?.name, now?.native?.loaded, fastNow)}; the numbers will not be bit-identical to an uninterrupted run`,
      );
    }
    log(`resuming ${dir} at step ${agent.envSteps}`);
    const metaFile = path.join(dir, RUN_FILES.meta);
    const meta = (fs.existsSync(metaFile) ? readJson(metaFile) : {}) as Record<string, unknown>;
    writeFileAtomic(
      metaFile,
      JSON.stringify(
        { ...meta, resumedAt: [...((meta.resumedAt as string[]) ?? []), new Date().toISOString()] },
        null,
        2,
      ) + "\n",
    );
  } else {
    if (opts.algo === undefined && opts.config?.algo === undefined)
      throw new Error("algo is required (virel1, virel2, sac-v1 or sac)");
    const algo = parseAlgo(opts.algo ?? opts.config?.algo);
    if (opts.env === undefined) throw new Error("env is required (e.g. Pendulum-v1)");
    const config = parseConfig({ ...own(algo), algo });
    spec = { algo, env: opts.env, seed: checkSeed(opts.seed ?? 0), config, envOptions: opts.envOptions ?? {} };
    const found = leftovers(dir);
    if (found.length > 0 && !opts.force) {
      throw new Error(
        `run directory ${dir} holds files but no checkpoint (${found.slice(0, 6).join(", ")}${found.length > 6 ? ", …" : ""}): ` +
          `a run killed before its first checkpoint, or another program's folder; nothing was changed. ` +
          `Use another --out, or --force to move these files to ${dir}/.replaced-<time>/ and start afresh`,
      );
    }
    agent = await agentFor(spec, opts.backend);
    markStarted();
    if (found.length > 0) {
      const aside = path.join(dir, `.replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`);
      fs.mkdirSync(aside);
      for (const f of found) fs.renameSync(path.join(dir, f), path.join(aside, f));
      log(`--force: moved ${found.join(", ")} to ${aside}`);
    }
    const b = engine.currentBackend()!;
    const tfv = engine.tf().version;
    writeFileAtomic(path.join(dir, RUN_FILES.config), JSON.stringify(spec, null, 2) + "\n");
    writeFileAtomic(
      path.join(dir, RUN_FILES.meta),
      JSON.stringify(
        {
          virel: version,
          tfjs: tfv.tfjs,
          tfjsCore: tfv["tfjs-core"],
          node: process.version,
          platform: `${process.platform}-${process.arch}`,
          backend: { name: b.name, tfBackend: b.tfBackend, chosenBy: b.chosenBy, native: b.native ?? null },
          fastUpdate: agent.learner.fastPathActive,
          startedAt: new Date().toISOString(),
          resumedAt: [],
        },
        null,
        2,
      ) + "\n",
    );
    fs.writeFileSync(metricsFile, "", { flag: "wx" });
  }
  const backend = engine.currentBackend()!;
  log(`backend: ${engine.describeBackend(backend)}`);
  let fd: number;
  try {
    fd = fs.openSync(metricsFile, "a");
  } catch (err) {
    agent.dispose();
    throw err;
  }
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
    log(
      res.aborted
        ? `stopped at step ${res.step}; checkpoint saved — run the same command again to resume`
        : `done: ${res.step} steps; checkpoint saved`,
    );
    const summary: RunSummary = {
      dir,
      algo: spec.algo,
      env: spec.env,
      seed: spec.seed,
      step: res.step,
      steps: opts.steps,
      aborted: res.aborted,
      resumed,
      finalEval: res.lastEval,
      backend: backend.name,
    };
    if (!res.aborted) writeFileAtomic(path.join(dir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + "\n");
    return summary;
  } finally {
    fs.closeSync(fd);
    agent.dispose();
  }
}

/**
 * Before resuming: metrics.jsonl must still hold the bytes the checkpoint had seen (else the history was deleted or
 * cut, and resuming would silently lose it: refused unless `force`); lines written after the checkpoint are
 * moved to metrics.discarded.jsonl (they are logged again as the run repeats those steps).
 */
function checkMetricsForResume(
  dir: string,
  meta: CheckpointMeta,
  step: number,
  force: boolean,
  log: (line: string) => void,
): void {
  const file = path.join(dir, RUN_FILES.metrics);
  const size = fs.existsSync(file) ? fs.statSync(file).size : -1;
  let problem: string | null = null;
  if (size < 0) problem = `${RUN_FILES.metrics} is missing`;
  else if (size < meta.metricsBytes)
    problem = `${RUN_FILES.metrics} has ${size} bytes, the checkpoint at step ${step} had seen ${meta.metricsBytes}`;
  else if (meta.metricsSha256 !== undefined && prefixSha256(file, meta.metricsBytes) !== meta.metricsSha256) {
    problem = `the first ${meta.metricsBytes} bytes of ${RUN_FILES.metrics} differ from what the checkpoint at step ${step} had seen (edited?)`;
  }
  if (problem !== null) {
    if (!force) {
      throw new Error(
        `cannot resume ${dir}: ${problem}; the metrics history before step ${step} would be lost. Restore it, or resume with --force to continue without it`,
      );
    }
    log(`warning: --force: ${problem}; resuming at step ${step} with the metrics history before it lost`);
    if (size < 0) fs.writeFileSync(file, "");
    else if (size > 0) {
      const aside = path.join(dir, `${RUN_FILES.metrics}.before-force-${Date.now()}`);
      fs.copyFileSync(file, aside);
      log(`kept the old ${RUN_FILES.metrics} as ${aside}`);
    }
    // a fresh history from the checkpoint on
    fs.writeFileSync(file, "");
    return;
  }
  if (size > meta.metricsBytes) {
    const fd = fs.openSync(file, "r");
    let tail: Buffer;
    try {
      tail = Buffer.alloc(size - meta.metricsBytes);
      fs.readSync(fd, tail, 0, tail.length, meta.metricsBytes);
    } finally {
      fs.closeSync(fd);
    }
    const discarded = path.join(dir, RUN_FILES.discarded);
    const dfd = fs.openSync(discarded, "a");
    try {
      fs.writeSync(
        dfd,
        JSON.stringify({ discarded: { resumedAt: new Date().toISOString(), fromStep: step, bytes: tail.length } }) +
          "\n",
      );
      fs.writeSync(
        dfd,
        tail.toString("utf8").endsWith("\n") || tail.length === 0 ? tail : Buffer.concat([tail, Buffer.from("\n")]),
      );
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
    fs.truncateSync(file, meta.metricsBytes);
    log(
      `moved ${tail.length} bytes of metrics logged after the checkpoint (step ${step}) to ${RUN_FILES.discarded}; they will be logged again`,
    );
  }
}

/** `virel eval`: restore a run and evaluate its deterministic policy for `episodes` episodes. */
export async function evalRun(
  dir: string,
  episodes: number,
  backend?: string,
): Promise<{ spec: RunSpec; step: number; mean: number; std: number; returns: number[] }> {
  if (!Number.isInteger(episodes) || episodes < 1)
    throw new Error(`episodes must be a positive integer, got ${episodes}`);
  const { agent, spec } = await loadRun(path.resolve(dir), backend);
  try {
    const r = agent.evaluate(episodes);
    return { spec, step: agent.envSteps, mean: r.mean, std: r.std, returns: r.returns };
  } finally {
    agent.dispose();
  }
}
