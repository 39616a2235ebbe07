/**
 * `virel bench`: how fast one update of Algorithm 1 runs, and how fast training runs end to end.
 *
 *   virel bench                    the suite: ms/update of the reference and the fast update (learner.ts,
 *                                  fast.ts) at the paper's shapes and at 2×64 / batch 128, on the native BLAS
 *                                  path and on the pure wasm path (a child process with VIREL_NATIVE=0), then
 *                                  env steps/s of training on HalfCheetah-v5 and Pendulum-v1 with the share of
 *                                  each part of a step (env, replay sampling, β estimate, update, act)
 *   virel bench --hidden 64 …      one measurement (any of --hidden --batch --obs --act --algo --update --iters
 *                                  --beta, or --json): what notebooks and scripts call
 *
 * Times are wall-clock and CPU (user + system of the process, `process.cpuUsage`): on a shared machine the CPU
 * time is the steadier figure. Each measurement is the minimum and the median over timing blocks.
 * `npm run bench:peer` (bench/peer.ts) adds the PyTorch peer in the same run and prints ratios.
 */
import type { Command } from "commander";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { intFlag } from "./train";
import { measureSgemmPeak, roofline, rooflineLine } from "./bench-roofline";
import type { Roofline } from "./bench-roofline";

import type { UpdateSpec, BlockTimes, UpdateResult, TimingOptions } from "./bench-types";
export type { UpdateSpec, BlockTimes, UpdateResult, TimingOptions } from "./bench-types";

export function minOf(xs: readonly number[]): number {
  return Math.min(...xs);
}

export function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Times `blocks` blocks of `perBlock` updates (after `warmup`) of a fresh learner on random replay data. */
export async function timeUpdate(spec: UpdateSpec, o: TimingOptions): Promise<UpdateResult> {
  return (await timeUpdatesAlternating([spec], o))[0]!;
}

/** A learner on random replay data, warmed up, with one update step to time (and its profile). */
async function updateBench(spec: UpdateSpec, o: TimingOptions) {
  const agents = await import("../agents/index.js");
  const engine = await import("../engine/backend.js");
  const { Rng } = await import("../rng.js");
  const virel = spec.algo === "virel1" || spec.algo === "virel2";
  const config = {
    algo: spec.algo,
    hidden: [spec.hidden, spec.hidden],
    batchSize: spec.batch,
    ...(virel ? { betaRule: "td-residual" as const, betaEvery: 1 } : {}),
    ...(virel && spec.beta ? { betaSource: spec.betaSource ?? "replay" } : {}),
  };
  const learner = await agents.createLearner({ config, obsDim: spec.obs, actDim: spec.act, backend: o.backend });
  learner.useFastPath = spec.update === "fast";
  const tf = engine.tf<typeof import("@tensorflow/tfjs")>();
  const rng = new Rng(1);
  const betaBatch = virel ? (learner.cfg as { betaBatch: number }).betaBatch : 0;
  const buf = new agents.ReplayBuffer(
    Math.max(4 * spec.batch, 1024, spec.beta ? 2 * betaBatch : 0),
    spec.obs,
    spec.act,
  );
  for (let i = 0; i < buf.capacity; i++) {
    buf.add(
      rng.fillNormal(new Float32Array(spec.obs)),
      rng.fillUniform(new Float32Array(spec.act), -1, 1),
      rng.normal(),
      rng.fillNormal(new Float32Array(spec.obs)),
      rng.uniform() < 0.01,
    );
  }
  const batches = Array.from({ length: 8 }, () => buf.sample(spec.batch, rng));
  let k = 0;
  const step = (): void => {
    if (spec.beta && virel) learner.refreshBeta(buf, rng);
    learner.update(batches[k++ % batches.length]!);
  };
  for (let i = 0; i < o.warmup; i++) step();
  const fused = learner.fastPathActive;
  const profile = await tf.profile(() => {
    step();
  });
  return { tf, engine, learner, step, fused, kernels: profile.kernels.length };
}

/**
 * Times several updates with their blocks taken in turn — block 0 of each spec, then block 1 of each, … — so that
 * on a machine whose speed drifts they are compared over the same minutes (bench:peer's VIREL1 / SAC-v1 ratio).
 * `beforeBlock(b)` runs once before each round. One spec: {@link timeUpdate}.
 */
export async function timeUpdatesAlternating(specs: UpdateSpec[], o: TimingOptions): Promise<UpdateResult[]> {
  if (specs.length === 0) return [];
  const benches: Awaited<ReturnType<typeof updateBench>>[] = [];
  for (const spec of specs) benches.push(await updateBench(spec, o));
  const { tf, engine } = benches[0]!;
  const blocks: BlockTimes[] = specs.map(() => ({ wall: [], cpu: [] }));
  const leaked = specs.map(() => 0);
  for (let b = 0; b < o.blocks; b++) {
    if (o.beforeBlock) await o.beforeBlock(b);
    benches.forEach(({ step }, j) => {
      const tensors = tf.memory().numTensors;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < o.perBlock; i++) step();
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      leaked[j]! += tf.memory().numTensors - tensors;
      blocks[j]!.wall.push(wall / o.perBlock);
      blocks[j]!.cpu.push((c.user + c.system) / 1000 / o.perBlock);
    });
  }
  for (const { learner } of benches) learner.dispose();
  const info = engine.currentBackend()!;
  const pathName = info.name !== "wasm" ? info.name : info.native?.loaded ? "native" : "wasm";
  return specs.map((spec, j) => ({
    ...spec,
    path: pathName,
    backend: info.name,
    blocks: blocks[j]!,
    kernels: benches[j]!.kernels,
    leaked: leaked[j]! / (o.blocks * o.perBlock),
    fused: benches[j]!.fused,
  }));
}

/** Path of the `virel` launcher (for child processes). */
function virelBin(): string {
  return path.join(__dirname, "..", "..", "..", "bin", "virel.js");
}

/**
 * Runs measurements in a child `virel bench --measure` process with extra environment variables (e.g.
 * VIREL_NATIVE=0 for the pure wasm path: the kernels are chosen once per process). Resolves to the results.
 * With `alternate` the specs' blocks are taken in turn ({@link timeUpdatesAlternating}), else one spec after another.
 */
export function timeUpdatesInChild(
  specs: UpdateSpec[],
  o: TimingOptions,
  env: Record<string, string>,
  alternate = false,
): Promise<UpdateResult[]> {
  const args = [virelBin(), "bench", "--measure", JSON.stringify({ specs, timing: o, alternate })];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "",
      err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`virel bench --measure exited with ${code}: ${err.trim().split("\n").pop() ?? ""}`));
        return;
      }
      try {
        resolve(
          out
            .trim()
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => JSON.parse(l) as UpdateResult),
        );
      } catch (e) {
        reject(new Error(`virel bench --measure printed no results: ${(e as Error).message}`));
      }
    });
  });
}

/** Shares of the wall-clock time of a training run. */
export interface TrainingResult {
  env: string;
  algo: string;
  steps: number;
  stepsPerSec: number;
  msPerStep: number;
  cpuMsPerStep: number;
  /** Milliseconds per env step in each part (the rest is the loop itself: metrics, bookkeeping). */
  parts: { envStep: number; replay: number; beta: number; update: number; act: number; other: number };
}

/**
 * End-to-end training speed: `agents.create` with the algorithm's defaults (evaluation off), `warmSteps` uniform
 * random steps into the replay buffer (VIREL: ≥ betaBatch, so β is re-estimated every step as the official rule
 * does), then `steps` training steps with one update each, timed by part.
 */
export async function timeTraining(
  envId: string,
  algo: string,
  steps: number,
  fastUpdate: boolean,
  backend?: string,
): Promise<TrainingResult> {
  const agents = await import("../agents/index.js");
  const warmSteps = 4200;
  const agent = await agents.create({
    algo,
    env: envId,
    seed: 0,
    backend,
    config: { randomSteps: warmSteps, evalEvery: 0, logEvery: 1_000_000, checkpointEvery: 0 },
  });
  agent.learner.useFastPath = fastUpdate;
  agent.collect(warmSteps);
  const t = { envStep: 0, replay: 0, beta: 0, update: 0, act: 0 };
  // time spent in nested timed calls (the reference β estimate samples through buffer.sample) counts once, inside
  const nested: number[] = [];
  const timed = <A extends unknown[], R>(obj: object, key: string, part: keyof typeof t): void => {
    const o = obj as Record<string, (...a: A) => R>;
    const f = o[key]!.bind(obj);
    o[key] = (...a: A): R => {
      const t0 = performance.now();
      nested.push(0);
      try {
        return f(...a);
      } finally {
        const dt = performance.now() - t0;
        t[part] += dt - nested.pop()!;
        if (nested.length > 0) nested[nested.length - 1]! += dt;
      }
    };
  };
  timed(agent.env, "step", "envStep");
  timed(agent.buffer, "sample", "replay");
  timed(agent.learner, "refreshBeta", "beta");
  timed(agent.learner, "mStep", "update");
  timed(agent.learner, "eStep", "update");
  timed(agent.learner, "act", "act");
  await agent.train(20); // warm-up
  for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await agent.train(steps);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  agent.dispose();
  const per = (x: number): number => x / steps;
  const sum = t.envStep + t.replay + t.beta + t.update + t.act;
  return {
    env: envId,
    algo,
    steps,
    stepsPerSec: (1000 * steps) / wall,
    msPerStep: wall / steps,
    cpuMsPerStep: (c.user + c.system) / 1000 / steps,
    parts: {
      envStep: per(t.envStep),
      replay: per(t.replay),
      beta: per(t.beta),
      update: per(t.update),
      act: per(t.act),
      other: per(wall - sum),
    },
  };
}

/** A one-line description of the machine, versions and kernels (the header of every benchmark table). */
export async function benchHeader(): Promise<string> {
  const os = await import("node:os");
  const engine = await import("../engine/backend.js");
  const native = await import("../engine/native.js");
  const info = engine.currentBackend();
  const blas = native.nativeBlasInfo();
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const core = blas ? /, core (\S+)/.exec(blas.library)?.[1] : undefined;
  const lanes = native.productLanes();
  return (
    `node ${process.version}, tfjs ${info?.tfjsVersion ?? "?"} (${info?.name ?? "?"} backend), ${os.cpus().length}× ${cpu}, ` +
    `load ${os.loadavg()[0]!.toFixed(1)}` +
    (blas
      ? (native.isOurNativeGemm(blas.gemm) ? `, products: our ${blas.gemm} kernels` : "") +
        `, BLAS: ${blas.library.split(" ").slice(0, 2).join(" ")}${core ? ` ${core} kernels` : ""}` +
        `${native.isOurNativeGemm(blas.gemm) ? " (not used for the products)" : ""}` +
        ` (${blas.threads} thread${blas.threads === 1 ? "" : "s"}, ${lanes} product lane${lanes === 1 ? "" : "s"})`
      : native.wasmGemmInfo() !== null
        ? `, no native BLAS: our wasm SIMD GEMM (${lanes} product lane${lanes === 1 ? "" : "s"})`
        : ", no native BLAS") +
    (process.env.OPENBLAS_CORETYPE ? `, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} set` : "")
  );
}

const f2 = (x: number): string => x.toFixed(2);

/** "min (median)" of a block statistic. */
export function fmtBlocks(xs: readonly number[]): string {
  return `${f2(minOf(xs))} (${f2(medianOf(xs))})`;
}

/** The shapes of the suite: the paper's (HalfCheetah-sized obs/act, 2×256, batch 256) and 2×64 / batch 128. */
export const SUITE_SHAPES = [
  { label: "obs 17, act 6, 2×256, batch 256", hidden: 256, batch: 256 },
  { label: "obs 17, act 6, 2×64, batch 128", hidden: 64, batch: 128 },
] as const;

/** The suite's updates: SAC-v1, VIREL1 with beta.py's replay estimate, VIREL1 with the minibatch estimate. */
const SUITE_ROWS = [
  ["sac-v1", false, undefined, "SAC-v1 (the PyTorch peer's update)"],
  ["virel1", true, "replay", "VIREL1 + β (4096 replay samples, beta.py)"],
  ["virel1", true, "minibatch", "VIREL1 + β (its minibatches, betaSource minibatch)"],
] as const;

function suiteSpecs(): UpdateSpec[] {
  const specs: UpdateSpec[] = [];
  for (const s of SUITE_SHAPES) {
    for (const [algo, beta, betaSource] of SUITE_ROWS) {
      for (const update of ["reference", "fast"] as const)
        specs.push({ algo, hidden: s.hidden, batch: s.batch, obs: 17, act: 6, update, beta, betaSource });
    }
  }
  return specs;
}

/** Timing blocks for a spec: fewer updates per block where an update is slow. */
function timingFor(spec: UpdateSpec, quick: boolean): TimingOptions {
  const slow = spec.hidden >= 256 ? (spec.beta && spec.betaSource !== "minibatch" ? 3 : 2) : 1;
  const per = Math.max(2, Math.round((spec.hidden >= 256 ? 10 : 40) / slow / (quick ? 4 : 1)));
  return { blocks: quick ? 3 : 6, perBlock: per, warmup: quick ? 2 : 5 };
}

async function runSuite(o: { backend?: string; quick: boolean; training: boolean }): Promise<void> {
  const engine = await import("../engine/backend.js");
  const info = await engine.ready(o.backend);
  const out = (s: string): void => void process.stdout.write(s + "\n");
  out(`virel bench — ${await benchHeader()}`);
  const specs = suiteSpecs();
  const results: UpdateResult[] = [];
  for (const spec of specs) results.push(await timeUpdate(spec, { ...timingFor(spec, o.quick), backend: o.backend }));
  if (info.name === "wasm" && info.native?.loaded) {
    out("timing the pure wasm path in a child process (VIREL_NATIVE=0) …");
    for (const spec of specs) {
      results.push(
        ...(await timeUpdatesInChild(
          [spec],
          { ...timingFor(spec, o.quick), perBlock: Math.max(1, Math.round(timingFor(spec, o.quick).perBlock / 2)) },
          { VIREL_NATIVE: "0" },
        )),
      );
    }
  }
  out("\nOne update (M-step, E-step, Polyak; VIREL1 also its β estimate), ms per update:");
  out("min (median) over timing blocks, wall-clock | CPU.\n");
  out("| update | shapes | path | reference: wall | CPU | fast: wall | CPU | speed-up (CPU) | engine kernels/update |");
  out("|---|---|---|---|---|---|---|---|---|");
  const paths = [...new Set(results.map((r) => r.path))];
  for (const p of paths) {
    for (const s of SUITE_SHAPES) {
      for (const [algo, , betaSource, name] of SUITE_ROWS) {
        const find = (u: string): UpdateResult | undefined =>
          results.find(
            (r) =>
              r.path === p && r.hidden === s.hidden && r.algo === algo && r.update === u && r.betaSource === betaSource,
          );
        const ref = find("reference"),
          fast = find("fast");
        if (!ref || !fast) continue;
        out(
          `| ${name} | ${s.label} | ${p} | ${fmtBlocks(ref.blocks.wall)} | ${fmtBlocks(ref.blocks.cpu)} | ${fmtBlocks(fast.blocks.wall)} | ` +
            `${fmtBlocks(fast.blocks.cpu)} | ${(minOf(ref.blocks.cpu) / minOf(fast.blocks.cpu)).toFixed(1)}× | ${ref.kernels} → ${fast.kernels} |`,
        );
      }
    }
  }
  const sac = results.find((r) => r.algo === "sac-v1" && r.update === "fast" && r.hidden === 256 && r.batch === 256);
  if (sac)
    out(
      `\n${rooflineLine(`SAC-v1 fast update, ${sac.path}, 2×256 / batch 256 (min wall)`, roofline({ obs: 17, act: 6, hidden: [256, 256], batch: 256 }, minOf(sac.blocks.wall), peakGflops()), measuredPeak())}`,
    );
  const leaks = results.filter((r) => r.leaked !== 0);
  if (leaks.length > 0)
    out(`\nWARNING: tensors leaked per update in ${leaks.map((r) => `${r.algo}/${r.update}/${r.path}`).join(", ")}`);
  if (!o.training) return;
  out(
    "\nEnd-to-end training: env steps/s with one update per step (default config of each algorithm, 2×256, batch 256;",
  );
  out("VIREL1 re-estimates β on 4096 samples every step), and ms per env step in each part (replay sampling: the");
  out("minibatch, and the reference β estimate's 4096 samples; the fast β estimate gathers its samples itself):\n");
  out(
    "| env | algo | update | steps/s | ms/step (CPU) | env step | replay sampling | β estimate | update | act | other | env + replay share |",
  );
  out("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const envId of ["HalfCheetah-v5", "Pendulum-v1"]) {
    for (const algo of ["virel1", "sac"]) {
      for (const update of ["reference", "fast"] as const) {
        let r: TrainingResult;
        try {
          r = await timeTraining(
            envId,
            algo,
            o.quick ? 20 : update === "fast" ? 150 : 60,
            update === "fast",
            o.backend,
          );
        } catch (err) {
          out(`| ${envId} | ${algo} | ${update} | not run: ${(err as Error).message.split("\n")[0]} |`);
          continue;
        }
        const p = r.parts;
        const share = (100 * (p.envStep + p.replay)) / r.msPerStep;
        out(
          `| ${envId} | ${algo} | ${update} | ${r.stepsPerSec.toFixed(1)} | ${f2(r.msPerStep)} (${f2(r.cpuMsPerStep)}) | ${p.envStep.toFixed(3)} | ` +
            `${p.replay.toFixed(3)} | ${f2(p.beta)} | ${f2(p.update)} | ${p.act.toFixed(3)} | ${p.other.toFixed(3)} | ${share.toFixed(2)}% |`,
        );
      }
    }
  }
}

interface BenchFlags {
  hidden: number;
  batch: number;
  obs: number;
  act: number;
  algo: string;
  update: string;
  beta?: boolean | string;
  iters: number;
  warmup: number;
  backend?: string;
  json?: boolean;
  quick?: boolean;
  training: boolean;
  measure?: string;
  gpu?: boolean;
}

/** `--beta` alone is beta.py's replay estimate; `--beta minibatch` the M-step's own minibatches. */
function betaSourceFlag(v: boolean | string): "replay" | "minibatch" {
  if (v === true || v === "replay") return "replay";
  if (v === "minibatch") return "minibatch";
  throw new Error(`--beta must be replay or minibatch (or no value: replay), got ${JSON.stringify(v)}`);
}

/** One measurement (the pre-suite interface of `virel bench`, kept for scripts and notebooks). */
export async function benchUpdate(o: BenchFlags): Promise<
  {
    ms_per_update: number;
    cpu_ms_per_update: number;
    backend: string;
    algo: string;
    update: string;
    hidden: number;
    batch: number;
    obs: number;
    act: number;
    iters: number;
    native: boolean;
    kernels_per_update: number;
    /** With --beta: where β's samples came from. */
    beta_source?: "replay" | "minibatch";
  } & Partial<Roofline>
> {
  if (o.update !== "fast" && o.update !== "reference")
    throw new Error(`--update must be fast or reference, got ${JSON.stringify(o.update)}`);
  const spec: UpdateSpec = {
    algo: o.algo,
    hidden: o.hidden,
    batch: o.batch,
    obs: o.obs,
    act: o.act,
    update: o.update,
    beta: o.beta !== undefined && o.beta !== false,
    ...(o.beta !== undefined && o.beta !== false ? { betaSource: betaSourceFlag(o.beta) } : {}),
  };
  const r = await timeUpdate(spec, { blocks: 1, perBlock: o.iters, warmup: o.warmup, backend: o.backend });
  const engine = await import("../engine/backend.js");
  const b = engine.currentBackend()!;
  return {
    ms_per_update: Number(r.blocks.wall[0]!.toFixed(3)),
    cpu_ms_per_update: Number(r.blocks.cpu[0]!.toFixed(3)),
    backend: b.name,
    algo: o.algo,
    update: o.update,
    hidden: o.hidden,
    batch: o.batch,
    obs: o.obs,
    act: o.act,
    iters: o.iters,
    native: b.native?.loaded ?? false,
    kernels_per_update: r.kernels,
    ...(spec.betaSource !== undefined ? { beta_source: spec.betaSource } : {}),
    ...(o.algo === "sac-v1"
      ? roofline(
          { obs: o.obs, act: o.act, hidden: [o.hidden, o.hidden], batch: o.batch },
          r.blocks.wall[0]!,
          peakGflops(),
        )
      : {}),
  };
}

let peakCache: ReturnType<typeof measureSgemmPeak> | null = null;
/** The single-core sgemm peak, measured once per process (bench-roofline.ts). */
function measuredPeak(): ReturnType<typeof measureSgemmPeak> {
  peakCache ??= measureSgemmPeak();
  return peakCache;
}
function peakGflops(): number | null {
  const p = measuredPeak();
  return "error" in p ? null : p.gflops;
}

const SINGLE_FLAGS = ["hidden", "batch", "obs", "act", "algo", "update", "iters", "beta", "json"] as const;

export function register(program: Command): void {
  const cmd = program
    .command("bench")
    .description(
      "time the update of Algorithm 1 (reference and fast, native BLAS and pure wasm) and training end to end; " +
        "with any shape flag or --json: one measurement",
    )
    .option("--hidden <h>", "hidden width (2 layers)", intFlag("--hidden"), 256)
    .option("--batch <b>", "batch size", intFlag("--batch"), 256)
    .option("--obs <o>", "observation dimension", intFlag("--obs"), 17)
    .option("--act <a>", "action dimension", intFlag("--act"), 6)
    .option("--algo <name>", "algorithm whose update is timed (sac-v1 is the PyTorch peer's update)", "sac-v1")
    .option("--update <kind>", "fast (fused, default where the backend supports it) or reference", "fast")
    .option(
      "--beta [source]",
      "VIREL: also re-estimate β before every update: replay (default: 4096 replay samples, beta.py) or minibatch (config betaSource)",
    )
    .option("--iters <n>", "timed updates", intFlag("--iters"), 50)
    .option("--warmup <n>", "untimed updates first", intFlag("--warmup", 0), 10)
    .option("--backend <name>", "tfjs backend: auto | tfjs-node-gpu | tfjs-node | webgpu | wasm | cpu")
    .option("--json", 'one measurement, printed as {"ms_per_update": …, "backend": …}')
    .option("--quick", "suite: fewer timing blocks and training steps")
    .option("--no-training", "suite: skip the end-to-end training runs")
    .option(
      "--gpu",
      "the GPU path (webgpu: fused and reference update) against the native CPU path over widths 64/256/1024 × batches 256/1024 " +
        "(--hidden/--batch/--iters narrow it)",
    )
    .option("--measure <json>", "(internal) run measurements given as JSON and print one JSON line each");
  cmd.action(async (o: BenchFlags) => {
    if (o.measure !== undefined) {
      const { specs, timing, alternate } = JSON.parse(o.measure) as {
        specs: UpdateSpec[];
        timing: TimingOptions;
        alternate?: boolean;
      };
      const t = { ...timing, backend: o.backend };
      if (alternate === true) {
        for (const r of await timeUpdatesAlternating(specs, t)) process.stdout.write(JSON.stringify(r) + "\n");
      } else {
        for (const spec of specs) process.stdout.write(JSON.stringify(await timeUpdate(spec, t)) + "\n");
      }
      return;
    }
    if (o.gpu) {
      const gpu = await import("./bench-gpu.js");
      // --hidden / --batch / --iters given on the command line narrow the grid (one width, one batch).
      const given = (k: string): boolean => cmd.getOptionValueSource(k) === "cli";
      const r = await gpu.gpuCrossover(timeUpdatesInChild, {
        ...(given("hidden") ? { hidden: [o.hidden] } : {}),
        ...(given("batch") ? { batch: [o.batch] } : {}),
        ...(given("iters") ? { iters: o.iters } : {}),
      });
      process.stdout.write((o.json ? JSON.stringify(r) : gpu.formatCrossover(r).join("\n")) + "\n");
      return;
    }
    const single = SINGLE_FLAGS.some((k) => cmd.getOptionValueSource(k) === "cli");
    if (!single) {
      await runSuite({ backend: o.backend, quick: o.quick === true, training: o.training });
      return;
    }
    const r = await benchUpdate(o);
    if (o.json) process.stdout.write(JSON.stringify(r) + "\n");
    else {
      process.stdout.write(
        `${r.algo} update (${r.update}${o.beta ? `, with the β estimate (${betaSourceFlag(o.beta)})` : ""}), obs ${r.obs}, act ${r.act}, 2×${r.hidden}, batch ${r.batch} on ${r.backend}` +
          `${r.native ? " (native BLAS)" : ""}: ${r.ms_per_update.toFixed(2)} ms/update wall, ${r.cpu_ms_per_update.toFixed(2)} ms CPU ` +
          `(${(1000 / r.ms_per_update).toFixed(1)} updates/s; ${r.kernels_per_update} engine kernels/update)\n`,
      );
    }
  });
}
