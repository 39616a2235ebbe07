/**
 * `virel sweep`: algorithms × seeds as parallel `virel train` processes (each its own run directory
 * DIR/<algo>/seed-<s>), progress bars per run, then DIR/report.html. SIGINT, SIGTERM and SIGHUP are forwarded
 * to every child (each saves a checkpoint); the sweep then exits 128 + the signal's number.
 *
 * `virel sweep --slurm`: the same runs as a Slurm job array (src/slurm/index.ts, docs/slurm.md).
 */
import type { Command } from "commander";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { onJsonLines, stderrTail } from "../runs/train-child";
import { childTrainingEnv } from "../engine/settings";
import type { AgentConfigInput } from "../agents/config";
import type { RunSummary } from "../agents/run";
import {
  addConfigFlags,
  configFromFlags,
  fmtEval,
  intFlag,
  progressModeFlag,
  PROGRESS_AUTO,
  resolveProgress,
  signalExitCode,
  STOP_SIGNALS,
} from "./train";
import type { CommonTrainFlags, ProgressMode, ProgressSetting, StopSignal } from "./train";

/** Parse `0-4` or `0,2,5` (or mixed: `0-2,7`). */
export function parseSeeds(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`--seeds must look like 0-4 or 0,1,2, got ${JSON.stringify(v)}`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new Error(`--seeds range ${part} is empty, got ${JSON.stringify(v)}`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return [...new Set(out)];
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  env: string;
  algos: string[];
  seeds: number[];
  parallel: number;
  out: string;
  steps: number;
  /** Config overrides for every algorithm. */
  config?: Partial<AgentConfigInput>;
  /** Extra overrides per algorithm (applied after `config`). */
  perAlgo?: Record<string, Partial<AgentConfigInput>>;
  backend?: string;
  /** A config preset (`paper`): each run's `virel train --preset`, under `config` and `perAlgo`. */
  preset?: string;
  progress: ProgressMode;
  title?: string;
}

/** What {@link runSweep} returns. */
export interface SweepResult {
  runs: { algo: string; seed: number; dir: string; summary: RunSummary | null; error: string | null }[];
  report: string | null;
  aborted: boolean;
  /** The signal that stopped the sweep (forwarded to every child), or null. */
  signal: StopSignal | null;
}

export function binPath(): string {
  return path.join(__dirname, "..", "..", "..", "bin", "virel.js");
}

/**
 * Check the algorithms, envs and config of a sweep and write one config file per algorithm (DIR/config-<algo>.json);
 * with `write: false` only check. Errors name the flag and the value.
 */
export async function prepareSweep(
  o: {
    out: string;
    algos: string[];
    envs: string[];
    config?: Partial<AgentConfigInput>;
    perAlgo?: Record<string, Partial<AgentConfigInput>>;
  },
  write = true,
): Promise<{ out: string; algos: string[]; cfgFiles: Record<string, string> }> {
  if (o.algos.length === 0) throw new Error("--algos must name at least one algorithm");
  if (o.envs.length === 0) throw new Error("--env must name at least one environment");
  const { parseAlgo, parseConfig, fieldsForAlgo } = await import("../agents/config.js");
  const algos = o.algos.map((a) => parseAlgo(a, "--algos"));
  const envs = await import("../envs/index.js");
  for (const env of o.envs) {
    try {
      envs.spec(env);
    } catch (err) {
      throw new Error(`--env: ${(err as Error).message}`, { cause: err });
    }
  }
  const out = path.resolve(o.out);
  if (write) fs.mkdirSync(out, { recursive: true });
  const cfgFiles: Record<string, string> = {};
  for (const algo of algos) {
    const cfg = fieldsForAlgo({ ...o.config, ...o.perAlgo?.[algo] }, algo).kept;
    parseConfig({ ...cfg, algo }); // fail here, naming the field, rather than in every child
    const file = path.join(out, `config-${algo}.json`);
    if (write) fs.writeFileSync(file, JSON.stringify(cfg, null, 2) + "\n");
    cfgFiles[algo] = file;
  }
  return { out, algos, cfgFiles };
}

/** Run the sweep: at most `parallel` child processes; SIGINT/SIGTERM/SIGHUP are forwarded once to each (they checkpoint). */
export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  if (!Number.isInteger(o.parallel) || o.parallel < 1)
    throw new Error(`--parallel must be a positive integer, got ${o.parallel}`);
  const { out, algos, cfgFiles } = await prepareSweep({ ...o, envs: [o.env] });
  const jobs = algos.flatMap((algo) =>
    o.seeds.map((seed) => ({ algo, seed, dir: path.join(out, algo, `seed-${seed}`) })),
  );
  const result: SweepResult = {
    runs: jobs.map((j) => ({ ...j, summary: null, error: null })),
    report: null,
    aborted: false,
    signal: null,
  };

  const cp = o.progress === "bar" ? await import("cli-progress") : null;
  const multi = cp
    ? new cp.MultiBar(
        {
          format: "{label} |{bar}| {value}/{total} | {sps} steps/s | eval {eval} | ETA {eta_formatted}",
          hideCursor: true,
          stream: process.stderr,
          etaBuffer: 50,
          clearOnComplete: false,
        },
        cp.Presets.shades_classic,
      )
    : null;
  const children = new Set<import("node:child_process").ChildProcess>();
  let stopping = false;
  const onSignal = (sig: StopSignal) => {
    if (stopping) {
      if (sig !== "SIGINT") return; // a repeated SIGTERM/SIGHUP must not cut the children's checkpoints short
      for (const c of children) c.kill("SIGKILL");
      process.exit(130);
    }
    stopping = true;
    result.aborted = true;
    result.signal = sig;
    process.stderr.write(
      `\nvirel sweep: ${sig === "SIGINT" ? "interrupt" : sig} — each run saves a checkpoint and stops${sig === "SIGINT" ? " (Ctrl-C again to kill)" : ""}\n`,
    );
    for (const c of children) c.kill(sig);
  };
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  const runJob = (idx: number) =>
    new Promise<void>((resolve) => {
      const job = jobs[idx]!;
      const label = `${job.algo.padEnd(6)} s${job.seed}`;
      const args = [
        binPath(),
        "train",
        "--env",
        o.env,
        "--algo",
        job.algo,
        "--seed",
        String(job.seed),
        "--steps",
        String(o.steps),
        "--out",
        job.dir,
        "--config",
        cfgFiles[job.algo]!,
        "--progress",
        "json",
      ];
      if (o.backend) args.push("--backend", o.backend);
      if (o.preset) args.push("--preset", o.preset);
      const child = spawn(process.execPath, args, {
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
        env: childTrainingEnv(Math.min(o.parallel, jobs.length)),
      });
      children.add(child);
      const bar = multi?.create(o.steps, 0, { label, sps: "0", eval: "—" });
      let lastLog = 0;
      const stderr = stderrTail(child.stderr);
      onJsonLines(child.stdout, (msg) => {
        if (msg.progress) {
          const p = msg.progress;
          bar?.update(p.step, { label, sps: p.stepsPerSec.toFixed(0), eval: fmtEval(p.lastEval) });
          if (!multi && o.progress === "log" && (Date.now() - lastLog > 10_000 || p.step >= p.target)) {
            lastLog = Date.now();
            process.stderr.write(
              `${label}: step ${p.step}/${p.target}, ${p.stepsPerSec.toFixed(0)} steps/s, last eval ${fmtEval(p.lastEval)}\n`,
            );
          }
        }
        if (msg.summary) result.runs[idx]!.summary = msg.summary;
      });
      child.on("close", (code) => {
        children.delete(child);
        bar?.stop();
        if (code !== 0 && !(stopping && code === signalExitCode(result.signal ?? "SIGINT"))) {
          result.runs[idx]!.error = `exit code ${code}: ${stderr()}`;
        }
        resolve();
      });
    });
  try {
    let next = 0;
    const workers = Array.from({ length: Math.min(o.parallel, jobs.length) }, async () => {
      while (next < jobs.length && !stopping) await runJob(next++);
    });
    await Promise.all(workers);
  } finally {
    multi?.stop();
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  }
  const withEvals = result.runs.filter((r) => fs.existsSync(path.join(r.dir, "metrics.jsonl")));
  if (withEvals.length > 0) {
    const { writeReport } = await import("../report/index.js");
    result.report = writeReport([out], path.join(out, "report.html"), {
      title: o.title ?? `VIREL sweep: ${o.env}`,
      warn: (m) => process.stderr.write(`virel sweep: report warning: ${m}\n`),
    }).file;
  }
  return result;
}

interface SweepFlags extends CommonTrainFlags {
  env: string;
  algos: string;
  seeds: number[];
  parallel: number;
  out: string;
  steps?: number;
  backend?: string;
  preset?: string;
  progress: ProgressSetting;
  slurm?: boolean;
  dryRun?: boolean;
  cpusPerTask: number;
  time: string;
  signalBefore: number;
  partition?: string;
  arrayParallel?: number;
  sbatchArg: string[];
  jobName?: string;
  node?: string;
}

/** Default steps per run: 20k for classic control (Pendulum's benchmark), 1M for MuJoCo (the paper's Fig. 3 scale). */
export async function defaultSteps(env: string): Promise<number> {
  const envs = await import("../envs/index.js");
  return envs.spec(env).family === "mujoco" ? 1_000_000 : 20_000;
}

export function register(program: Command): void {
  const cmd = program
    .command("sweep")
    .description("train algorithms × seeds as parallel processes, then write DIR/report.html")
    .requiredOption("--env <id>", "environment id (e.g. Pendulum-v1); with --slurm a comma-separated list")
    .option("--algos <list>", "comma-separated: virel1,virel2,sac-v1,sac", "virel1,virel2,sac")
    .option("--seeds <range>", "seeds, e.g. 0-4 or 0,1,2", parseSeeds, [0, 1, 2])
    .option("--parallel <p>", "processes at once (default: 2)", intFlag("--parallel"), 2)
    .requiredOption("--out <dir>", "sweep directory (one run per <algo>/seed-<s>)")
    .option(
      "--steps <n>",
      "environment steps per run (default: 20000 for classic control, 1000000 for MuJoCo)",
      intFlag("--steps"),
    );
  addConfigFlags(cmd, "JSON file of config fields for every run")
    .option(
      "--preset <name>",
      "config preset for every run, under --config and the flags: paper (§5's setup; `virel explain-config --preset paper`)",
    )
    .option("--backend <name>", "tfjs backend for every run")
    .option("--progress <mode>", "bar | log | none | auto", progressModeFlag, PROGRESS_AUTO)
    .option("--slurm", "write a Slurm job-array script (one task per env × algorithm × seed) and submit it with sbatch")
    .option("--dry-run", "with --slurm: print the script, submit nothing")
    .option("--cpus-per-task <n>", "with --slurm: CPUs per task", intFlag("--cpus-per-task"), 1)
    .option("--time <limit>", "with --slurm: time limit per task (minutes, HH:MM:SS or D-HH:MM:SS)", "4:00:00")
    .option(
      "--signal-before <s>",
      "with --slurm: seconds before the time limit at which a task checkpoints and requeues itself",
      intFlag("--signal-before"),
      120,
    )
    .option("--partition <name>", "with --slurm: partition")
    .option("--array-parallel <k>", "with --slurm: at most k tasks at once", intFlag("--array-parallel"))
    .option(
      "--sbatch-arg <opt>",
      "with --slurm: an extra #SBATCH option, e.g. --mem=4G (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--job-name <name>", "with --slurm: job name (default virel-<dir name>)")
    .option("--node <path>", "with --slurm: the node executable on the compute nodes (default: this one)")
    .action(async (o: SweepFlags) => {
      if (o.slurm) return slurmSweep(o);
      for (const f of ["dryRun", "partition", "arrayParallel", "jobName", "node"] as const) {
        if (o[f] !== undefined) throw new Error(`--${f.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} needs --slurm`);
      }
      if (o.env.includes(","))
        throw new Error(`--env takes one environment without --slurm, got ${JSON.stringify(o.env)}`);
      let steps = o.steps;
      if (steps === undefined) {
        try {
          steps = await defaultSteps(o.env);
        } catch (err) {
          throw new Error(`--env: ${(err as Error).message}`, { cause: err });
        }
        process.stderr.write(`virel sweep: ${steps} steps per run (--steps to change)\n`);
      }
      const r = await runSweep({
        env: o.env,
        algos: o.algos
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        seeds: o.seeds,
        parallel: o.parallel,
        out: o.out,
        steps,
        config: configFromFlags(o),
        backend: o.backend,
        preset: checkPreset(o.preset, o.algos, [o.env]),
        progress: resolveProgress(o.progress) === "json" ? "log" : resolveProgress(o.progress),
      });
      printSweep(r);
      if (r.runs.some((x) => x.error !== null)) process.exitCode = 1;
      else if (r.aborted) process.exitCode = signalExitCode(r.signal ?? "SIGINT");
    });
}

/** Checks a --preset name against every algorithm × env of the sweep before any run starts; returns it. */
function checkPreset(preset: string | undefined, algos: string, envs: string[]): string | undefined {
  if (preset === undefined) return undefined;
  const { presetConfig } = require("../agents/presets") as typeof import("../agents/presets");
  for (const algo of algos
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean))
    for (const env of envs) presetConfig(preset, algo, env);
  return preset;
}

/** `virel sweep --slurm`: write (and unless --dry-run submit) the job-array script. */
async function slurmSweep(o: SweepFlags): Promise<void> {
  const slurm = await import("../slurm/index.js");
  const envs = o.env
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const algoNames = o.algos
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const { out, algos, cfgFiles } = await prepareSweep(
    { out: o.out, algos: algoNames, envs, config: configFromFlags(o) },
    !o.dryRun,
  );
  const tasks: import("../slurm/index").SlurmTask[] = [];
  for (const env of envs) {
    const steps = o.steps ?? (await defaultSteps(env));
    for (const algo of algos) {
      for (const seed of o.seeds) {
        tasks.push({
          index: tasks.length,
          env,
          algo,
          seed,
          steps,
          dir: slurm.taskDir(out, envs, env, algo, seed),
          config: cfgFiles[algo]!,
        });
      }
    }
  }
  const jobOpts = {
    out,
    jobName: o.jobName ?? `virel-${path.basename(out)}`,
    cpusPerTask: o.cpusPerTask,
    time: o.time,
    signalBefore: o.signalBefore,
    partition: o.partition,
    arrayParallel: o.arrayParallel,
    sbatchArgs: o.sbatchArg,
    node: o.node ?? process.execPath,
    virel: binPath(),
    backend: o.backend,
    preset: checkPreset(o.preset, o.algos, envs),
  };
  const { record, text } = slurm.writeAndSubmit(jobOpts, tasks, o.dryRun ?? false);
  if (o.dryRun) {
    process.stdout.write(text);
    return;
  }
  process.stdout.write(
    `submitted job ${record.jobId}: ${tasks.length} array task(s) (${envs.join(", ")} × ${algos.join(", ")} × seeds ${o.seeds.join(",")})\n` +
      `script: ${record.script}\nstatus: virel slurm status ${out}\nreport: virel report ${out} --out ${path.join(out, "report.html")}\n`,
  );
}

/** Print each run's final evaluation and the report path. */
export function printSweep(r: SweepResult): void {
  for (const run of r.runs) {
    const e = run.summary?.finalEval;
    const status = run.error
      ? `FAILED (${run.error})`
      : e
        ? `final eval ${e.mean.toFixed(1)} ± ${e.std.toFixed(1)} at step ${e.step}`
        : "no evaluation";
    process.stdout.write(`${run.algo} seed ${run.seed}: ${status}\n`);
  }
  const backends = [...new Set(r.runs.map((x) => x.summary?.backend).filter((b): b is string => b !== undefined))];
  if (backends.length > 0) process.stdout.write(`backend: ${backends.join(", ")}\n`);
  if (r.report) process.stdout.write(`report: ${r.report}\n`);
}
