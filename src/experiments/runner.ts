/**
 * `virel experiment run`: run the missing or unfinished runs of a spec, each as a `virel train` child process
 * into `results/<experiment>/<task>/<algo>/seed-<k>/`, at most `parallel` at once. A run with a checkpoint is
 * resumed (`virel train` continues it exactly); a finished one is skipped. SIGINT and SIGTERM are forwarded to
 * every child as SIGINT — the signal on which `virel train` saves a checkpoint and stops — and no new run
 * starts; a second signal kills the children. After each child exits, `run.json` beside its files records the
 * commit, backend path, machine and wall time (the sidecar of what `virel train`'s meta.json lacks). No tfjs.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeFileAtomic } from "../agents/checkpoint";
import { childTrainingEnv } from "../engine/settings";
import { onJsonLines, stderrTail } from "../runs/train-child";
import { EXPERIMENT_FILES, repoRoot, resultsDir, runDir, runState } from "./layout";
import type { RunState } from "./layout";
import { runConfig, select } from "./spec";
import type { ExperimentAlgo, ExperimentSpec, SelectOptions } from "./spec";

/** One (task, algo, seed) of a selection. */
export interface PlannedRun {
  task: string;
  algo: ExperimentAlgo;
  seed: number;
  dir: string;
  state: RunState;
}

/** The runs a selection covers and their states. */
export function plan(
  spec: ExperimentSpec,
  o: SelectOptions & { results?: string } = {},
): { steps: number; runs: PlannedRun[] } {
  const sel = select(spec, o);
  const results = o.results ?? resultsDir(spec);
  const runs: PlannedRun[] = [];
  for (const task of sel.tasks) {
    for (const algo of sel.algos) {
      for (const seed of sel.seeds) {
        const dir = runDir(results, task, algo, seed);
        runs.push({ task, algo, seed, dir, state: runState(dir, sel.steps) });
      }
    }
  }
  return { steps: sel.steps, runs };
}

/** The `virel` entry point of this package. */
export function virelBin(): string {
  return path.join(repoRoot(), "bin", "virel.js");
}

/** Throw unless `virel train --help` lists `--<flag>` (e.g. `preset`, which arrives with later agent work). */
export function requireTrainFlag(flag: string, why: string): void {
  const r = spawnSync(process.execPath, [virelBin(), "train", "--help"], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0)
    throw new Error(`cannot run \`virel train --help\`: ${(r.stderr || r.error?.message || "").trim()}`);
  if (!new RegExp(`--${flag}\\b`).test(r.stdout)) {
    throw new Error(
      `${why}, but \`virel train\` has no --${flag} flag in this build (\`virel train --help\` does not list it); update the library or remove the field`,
    );
  }
}

/** The argument list of `virel train` for one run (paths as given). */
export function trainArgs(
  spec: ExperimentSpec,
  run: Pick<PlannedRun, "task" | "algo" | "seed" | "dir">,
  steps: number,
  configFile: string,
  backend?: string,
): string[] {
  const args = [
    "train",
    "--env",
    run.task,
    "--algo",
    run.algo,
    "--seed",
    String(run.seed),
    "--steps",
    String(steps),
    "--out",
    run.dir,
    "--config",
    configFile,
    "--eval-every",
    String(spec.evalEvery),
    "--eval-episodes",
    String(spec.evalEpisodes),
    "--checkpoint-every",
    String(spec.checkpointEvery),
    "--progress",
    "json",
  ];
  if (spec.preset !== undefined) args.push("--preset", spec.preset);
  if (backend !== undefined) args.push("--backend", backend);
  return args;
}

/** The commit the runs were made with (null outside a git checkout); dirty ignores results/ and docs/. */
export function gitCommit(root = repoRoot()): { hash: string; dirty: boolean } | null {
  const h = spawnSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" });
  if (h.status !== 0) return null;
  const s = spawnSync("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!results", ":!docs"], {
    cwd: root,
    encoding: "utf8",
  });
  return { hash: h.stdout.trim(), dirty: s.status === 0 ? s.stdout.trim() !== "" : true };
}

/** The machine, in words and numbers (no host name). */
export function machine(): { cpu: string; cores: number; memGiB: number; os: string; node: string } {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** The numbers that decide float rounding, from a run's meta.json: the same path gives bit-identical runs. */
export interface BackendPath {
  backend: string;
  native: boolean;
  nativeLibrary: string | null;
  /**
   * What computed the native products: "BLAS" or one of our kernels ("AVX-512F 8×32", …; VIREL_NATIVE_GEMM).
   * Runs recorded before our kernels existed say nothing: they ran on the BLAS. Null off the native path.
   */
  nativeGemm: string | null;
  fastUpdate: boolean | null;
}

/** Read the backend path from a run's meta.json. */
export function backendPath(dir: string): BackendPath {
  const file = path.join(dir, EXPERIMENT_FILES.meta);
  const m = JSON.parse(fs.readFileSync(file, "utf8")) as {
    backend?: { name?: unknown; native?: { loaded?: unknown; library?: unknown; gemm?: unknown } | null };
    fastUpdate?: unknown;
  };
  if (typeof m.backend?.name !== "string") throw new Error(`${file}: backend.name is missing`);
  return {
    backend: m.backend.name,
    native: m.backend.native?.loaded === true,
    nativeLibrary: typeof m.backend.native?.library === "string" ? m.backend.native.library : null,
    nativeGemm:
      m.backend.native?.loaded !== true
        ? null
        : typeof m.backend.native.gemm === "string"
          ? m.backend.native.gemm.replace(/ \(.*$/, "")
          : "BLAS",
    fastUpdate: typeof m.fastUpdate === "boolean" ? m.fastUpdate : null,
  };
}

/** One `virel train` invocation recorded in run.json. */
export interface Invocation {
  startedAt: string;
  endedAt: string;
  wallSeconds: number;
  fromStep: number;
  toStep: number;
  exitCode: number | null;
  commit: { hash: string; dirty: boolean } | null;
  machine: ReturnType<typeof machine>;
  backendPath: BackendPath | null;
  argv: string[];
}

/** run.json: the sidecar `virel experiment run` writes beside `virel train`'s files. */
export interface RunRecord {
  experiment: string;
  task: string;
  algo: string;
  seed: number;
  preset: string | null;
  targetSteps: number;
  /** Sum of the invocations' wall times. */
  wallSeconds: number;
  /** The latest invocation's commit, machine and backend path (see `invocations` for each). */
  commit: { hash: string; dirty: boolean } | null;
  machine: ReturnType<typeof machine>;
  backendPath: BackendPath | null;
  invocations: Invocation[];
}

function appendRecord(
  dir: string,
  base: Omit<RunRecord, "wallSeconds" | "invocations" | "commit" | "machine" | "backendPath">,
  inv: Invocation,
): RunRecord {
  const file = path.join(dir, EXPERIMENT_FILES.run);
  let prev: Invocation[] = [];
  if (fs.existsSync(file)) {
    try {
      prev = (JSON.parse(fs.readFileSync(file, "utf8")) as Partial<RunRecord>).invocations ?? [];
    } catch {
      prev = [];
    }
  }
  const invocations = [...prev, inv];
  const rec: RunRecord = {
    ...base,
    wallSeconds: Math.round(invocations.reduce((s, x) => s + x.wallSeconds, 0) * 10) / 10,
    commit: inv.commit,
    machine: inv.machine,
    backendPath: inv.backendPath,
    invocations,
  };
  writeFileAtomic(file, JSON.stringify(rec, null, 2) + "\n");
  return rec;
}

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions extends SelectOptions {
  /** Override the spec's `parallel`. */
  parallel?: number;
  /** Results root (default `results/<name>` in the repository). */
  results?: string;
  backend?: string;
  /** Delete and re-run `stale` runs (config.json but no checkpoint below the target). */
  restartStale?: boolean;
  /** Delete every selected run first and run it from step 0 (regenerating a results set). */
  restart?: boolean;
  /** Status lines (default: stderr). */
  log?: (line: string) => void;
  /** Seconds between progress lines per run (default 30). */
  progressEvery?: number;
}

/** What {@link runExperiment} returns. */
export interface RunExperimentResult {
  steps: number;
  runs: (PlannedRun & { ran: boolean; error: string | null; final: { step: number; mean: number } | null })[];
  stopped: NodeJS.Signals | null;
}

/** Run the missing and unfinished runs of a spec (see the module comment). */
export async function runExperiment(spec: ExperimentSpec, o: RunExperimentOptions = {}): Promise<RunExperimentResult> {
  const log = o.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const parallel = o.parallel ?? spec.parallel;
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new Error(`--parallel must be a positive integer, got ${parallel}`);
  if (spec.preset !== undefined)
    requireTrainFlag("preset", `the spec ${spec.name} sets preset ${JSON.stringify(spec.preset)}`);
  const results = o.results ?? resultsDir(spec);
  if (o.restart) {
    for (const r of plan(spec, { ...o, results }).runs) {
      if (r.state.kind !== "missing") log(`${r.task} ${r.algo} seed ${r.seed}: --restart, deleting ${r.dir}`);
      fs.rmSync(r.dir, { recursive: true, force: true });
    }
  }
  const { steps, runs } = plan(spec, { ...o, results });
  const stale = runs.filter((r) => r.state.kind === "stale");
  if (stale.length > 0 && !o.restartStale) {
    throw new Error(
      `${stale.length} run(s) have results but no checkpoint to continue from (e.g. ${stale[0]!.dir} at step ${stale[0]!.state.step} of ${steps}); ` +
        `pass --restart-stale to delete and re-run them from step 0`,
    );
  }
  const out: RunExperimentResult = {
    steps,
    runs: runs.map((r) => ({ ...r, ran: false, error: null, final: null })),
    stopped: null,
  };
  const todo = out.runs.filter((r) => r.state.kind !== "done");
  for (const r of out.runs.filter((x) => x.state.kind === "done"))
    log(`${r.task} ${r.algo} seed ${r.seed}: done (${r.state.step} steps), skipped`);
  if (todo.length === 0) return out;

  const cfgDir = path.join(results, ".config");
  fs.mkdirSync(cfgDir, { recursive: true });
  const root = repoRoot();
  const rel = (p: string) => (path.relative(root, p).startsWith("..") ? p : path.relative(root, p));
  const children = new Set<ChildProcess>();
  let stopping: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping !== null) {
      log(`virel experiment: second ${sig} — killing ${children.size} run(s)`);
      for (const c of children) c.kill("SIGKILL");
      process.exit(sig === "SIGTERM" ? 143 : 130);
    }
    stopping = sig;
    out.stopped = sig;
    log(`virel experiment: ${sig} — each run saves a checkpoint and stops; no new run starts (${sig} again to kill)`);
    // `virel train` checkpoints on SIGINT (it has no SIGTERM handler): forward SIGINT for both.
    for (const c of children) c.kill("SIGINT");
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);

  const runOne = (r: RunExperimentResult["runs"][number]) =>
    new Promise<void>((resolve) => {
      if (r.state.kind === "stale") {
        log(`${r.task} ${r.algo} seed ${r.seed}: stale (no checkpoint), deleting ${r.dir} and starting over`);
        fs.rmSync(r.dir, { recursive: true, force: true });
      }
      const cfgFile = path.join(cfgDir, `${r.task}.${r.algo}.json`);
      fs.writeFileSync(cfgFile, JSON.stringify(runConfig(spec, r.task, r.algo), null, 2) + "\n");
      const args = trainArgs(spec, r, steps, cfgFile, o.backend);
      const label = `${r.task} ${r.algo} seed ${r.seed}`;
      const fromStep = runState(r.dir, steps).step;
      log(`${label}: ${r.state.kind === "resumable" ? `resuming at step ${fromStep}` : "starting"} → ${steps} steps`);
      const t0 = Date.now();
      const startedAt = new Date(t0).toISOString();
      const child = spawn(process.execPath, [virelBin(), ...args], {
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
        cwd: root,
        env: childTrainingEnv(Math.min(parallel, todo.length)),
      });
      children.add(child);
      r.ran = true;
      let lastLog = 0;
      const stderr = stderrTail(child.stderr);
      onJsonLines(child.stdout, (msg) => {
        const p = msg.progress;
        if (p && (Date.now() - lastLog > (o.progressEvery ?? 30) * 1000 || p.step >= p.target)) {
          lastLog = Date.now();
          log(
            `${label}: step ${p.step}/${p.target}, ${p.stepsPerSec.toFixed(0)} steps/s, last eval ${p.lastEval === null ? "—" : p.lastEval.toFixed(1)}`,
          );
        }
        const f = msg.summary?.finalEval;
        if (f) r.final = { step: f.step, mean: f.mean };
      });
      child.on("close", (code) => {
        children.delete(child);
        const t1 = Date.now();
        if (code !== 0 && !(stopping !== null && code === 130))
          r.error = `virel train exited with ${code}: ${stderr()}`;
        if (fs.existsSync(path.join(r.dir, EXPERIMENT_FILES.config))) {
          let bp: BackendPath | null;
          try {
            bp = backendPath(r.dir);
          } catch {
            bp = null; // meta.json not written (the child failed before training)
          }
          appendRecord(
            r.dir,
            {
              experiment: spec.name,
              task: r.task,
              algo: r.algo,
              seed: r.seed,
              preset: spec.preset ?? null,
              targetSteps: steps,
            },
            {
              startedAt,
              endedAt: new Date(t1).toISOString(),
              wallSeconds: Math.round((t1 - t0) / 100) / 10,
              fromStep,
              toStep: runState(r.dir, steps).step,
              exitCode: code,
              commit: gitCommit(root),
              machine: machine(),
              backendPath: bp,
              argv: ["virel", ...args.map((a) => (a === r.dir || a === cfgFile ? rel(a) : a))],
            },
          );
        }
        r.state = runState(r.dir, steps);
        log(
          `${label}: ${r.error ? `FAILED (${r.error})` : r.state.kind === "done" ? `done in ${((t1 - t0) / 1000).toFixed(0)} s` : `stopped at step ${r.state.step}`}`,
        );
        resolve();
      });
    });

  try {
    let next = 0;
    const workers = Array.from({ length: Math.min(parallel, todo.length) }, async () => {
      while (next < todo.length && stopping === null) await runOne(todo[next++]!);
    });
    await Promise.all(workers);
  } finally {
    process.removeListener("SIGINT", onInt);
    process.removeListener("SIGTERM", onTerm);
  }
  return out;
}
