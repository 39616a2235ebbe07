/**
 * Slurm sweeps (`virel sweep --slurm`): an sbatch job-array script with one array task per env × algorithm ×
 * seed, each a `virel train` into its own run directory on a shared filesystem, so that a preempted, requeued or
 * time-limited task resumes from its checkpoint. Also submission (`sbatch --parsable`) and status (squeue,
 * sacct where accounting is on, and each run directory's progress). No tfjs here.
 *
 * What a task does on a signal (documented in docs/slurm.md):
 *   - `#SBATCH --signal=B:TERM@<s>` sends SIGTERM to the batch shell <s> seconds before the time limit; its trap
 *     forwards SIGTERM to `virel train`, which saves a checkpoint and exits 143; the script then requeues its own
 *     array task (`scontrol requeue`), which resumes from the checkpoint. The trap tells this signal apart by the
 *     task's state when it arrives: RUNNING (measured on Slurm 22.05: scancel and scontrol requeue show
 *     COMPLETING by then).
 *   - Preemption, `scontrol requeue` and `scancel` signal every process of the job (SIGTERM, then SIGKILL after
 *     KillWait): `virel train` checkpoints; Slurm itself requeues a preempted or requeued task (`--requeue`), and a
 *     cancelled one stays cancelled.
 *   - A task killed before its first checkpoint (SIGKILL, node failure) leaves config.json and metrics but no
 *     checkpoint: on its next start the script passes `--force`, which moves those files aside (never deletes
 *     them) and starts the run afresh.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** One array task. */
export interface SlurmTask {
  index: number;
  env: string;
  algo: string;
  seed: number;
  steps: number;
  /** The run directory (absolute). */
  dir: string;
  /** The config file passed with `--config` (absolute). */
  config: string;
}

/** Resources and options of the job array. */
export interface SlurmJobOptions {
  /** The sweep directory (absolute): runs, DIR/slurm/ (script, job.json, task logs). */
  out: string;
  jobName: string;
  cpusPerTask: number;
  /** Slurm time limit per task: `minutes`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`. */
  time: string;
  /** Seconds before the time limit at which the task gets SIGTERM to checkpoint (`--signal=B:TERM@<s>`). */
  signalBefore: number;
  partition?: string;
  /** At most this many array tasks at once (`--array=0-N%k`). */
  arrayParallel?: number;
  /** Extra `#SBATCH` lines, verbatim (e.g. `--account=abc`, `--mem=4G`). */
  sbatchArgs?: string[];
  /** The node executable on the compute nodes (default: this one). */
  node: string;
  /** bin/virel.js on the compute nodes (default: this install's). */
  virel: string;
  backend?: string;
  /** A config preset (`paper`) applied by every task's `virel train --preset` under its --config file. */
  preset?: string;
}

/** Parse a Slurm time limit into seconds; the error names the flag and the value. */
export function timeToSeconds(t: string, field = "--time"): number {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t.trim());
  if (!m)
    throw new Error(
      `${field} must be a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got ${JSON.stringify(t)}`,
    );
  const [, d, a, b, c] = m;
  let s: number;
  if (d !== undefined) s = Number(d) * 86400 + Number(a) * 3600 + Number(b ?? 0) * 60 + Number(c ?? 0);
  else if (c !== undefined) s = Number(a) * 3600 + Number(b) * 60 + Number(c);
  else if (b !== undefined) s = Number(a) * 60 + Number(b);
  else s = Number(a) * 60;
  if (!(s > 0)) throw new Error(`${field} must be longer than 0, got ${JSON.stringify(t)}`);
  return s;
}

/** Quote a string for bash (single quotes). */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The run directory of a task: DIR/<algo>/seed-<s> for one env (as `virel sweep`), DIR/<env>/<algo>/seed-<s> for several. */
export function taskDir(out: string, envs: readonly string[], env: string, algo: string, seed: number): string {
  return envs.length === 1 ? path.join(out, algo, `seed-${seed}`) : path.join(out, env, algo, `seed-${seed}`);
}

/** The sbatch script for these tasks (one array task each). */
export function renderScript(o: SlurmJobOptions, tasks: readonly SlurmTask[]): string {
  if (tasks.length === 0) throw new Error("a Slurm sweep needs at least one task");
  if (!Number.isInteger(o.cpusPerTask) || o.cpusPerTask < 1)
    throw new Error(`--cpus-per-task must be a positive integer, got ${o.cpusPerTask}`);
  const limit = timeToSeconds(o.time);
  // Slurm may send the --signal up to 60 s before the time it was asked for; leave the task some time to train
  if (!Number.isInteger(o.signalBefore) || o.signalBefore < 1 || o.signalBefore + 60 >= limit) {
    throw new Error(
      `--signal-before must be a whole number of seconds in [1, ${limit - 61}] (under --time ${o.time}, less the 60 s Slurm may signal early), got ${o.signalBefore}`,
    );
  }
  if (o.arrayParallel !== undefined && (!Number.isInteger(o.arrayParallel) || o.arrayParallel < 1)) {
    throw new Error(`--array-parallel must be a positive integer, got ${o.arrayParallel}`);
  }
  for (const a of o.sbatchArgs ?? []) {
    if (!a.startsWith("-") || /[\n\r]/.test(a))
      throw new Error(`--sbatch-arg must be one sbatch option such as --mem=4G, got ${JSON.stringify(a)}`);
  }
  const logDir = path.join(o.out, "slurm");
  const arr = (name: string, xs: readonly (string | number)[]) =>
    `${name}=(${xs.map((x) => shq(String(x))).join(" ")})`;
  const lines = [
    "#!/bin/bash",
    `#SBATCH --job-name=${o.jobName}`,
    `#SBATCH --array=0-${tasks.length - 1}${o.arrayParallel ? `%${o.arrayParallel}` : ""}`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    "#SBATCH --ntasks=1",
    `#SBATCH --time=${o.time}`,
    "#SBATCH --requeue",
    `#SBATCH --signal=B:TERM@${o.signalBefore}`,
    "#SBATCH --open-mode=append",
    `#SBATCH --output=${path.join(logDir, "task-%a.out")}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.sbatchArgs ?? []).map((a) => `#SBATCH ${a}`),
    "#",
    `# Written by \`virel sweep --slurm\`: ${tasks.length} array task(s), one \`virel train\` per env × algorithm × seed,`,
    "# each in its own run directory. A task stopped by SIGTERM (time limit, preemption, scontrol requeue) saves a",
    "# checkpoint; when it runs again it resumes from it. Task logs: slurm/task-<index>.out (appended across restarts).",
    "set -u",
    `NODE=${shq(o.node)}`,
    `VIREL=${shq(o.virel)}`,
    arr(
      "ENVS",
      tasks.map((t) => t.env),
    ),
    arr(
      "ALGOS",
      tasks.map((t) => t.algo),
    ),
    arr(
      "SEEDS",
      tasks.map((t) => t.seed),
    ),
    arr(
      "STEPS",
      tasks.map((t) => t.steps),
    ),
    arr(
      "DIRS",
      tasks.map((t) => t.dir),
    ),
    arr(
      "CONFIGS",
      tasks.map((t) => t.config),
    ),
    'i="${SLURM_ARRAY_TASK_ID:?not run as a Slurm array task}"',
    'DIR="${DIRS[$i]}"',
    'export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    'echo "virel task $i (${ALGOS[$i]} ${ENVS[$i]} seed ${SEEDS[$i]}): start $(date -u +%FT%TZ) on $(hostname), restart ${SLURM_RESTART_COUNT:-0}"',
    "extra=()",
    `${o.backend ? `extra+=(--backend ${shq(o.backend)})` : ":"}`,
    `${o.preset ? `extra+=(--preset ${shq(o.preset)})` : ":"}`,
    "# a previous start of this task killed before its first checkpoint: move its files aside and start afresh",
    'if [ -e "$DIR/config.json" ] && [ ! -e "$DIR/checkpoint.ckpt" ]; then echo "virel task $i: $DIR has no checkpoint yet; restarting it (--force keeps the old files in $DIR/.replaced-*)"; extra+=(--force); fi',
    'stopped_at=""',
    'state_at_signal=""',
    'child=""',
    "# the task's state tells the time-limit warning (RUNNING) from scancel / requeue / preemption (COMPLETING)",
    "on_signal() {",
    "  stopped_at=$SECONDS",
    '  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null',
    '  state_at_signal=$(squeue -h -j "${SLURM_JOB_ID:-}" -o %T 2>/dev/null | head -n 1)',
    '  echo "virel task $i: signal at ${SECONDS}s (task ${state_at_signal:-state unknown}); asking train to checkpoint"',
    "}",
    "trap on_signal TERM HUP INT",
    '"$NODE" "$VIREL" train --env "${ENVS[$i]}" --algo "${ALGOS[$i]}" --seed "${SEEDS[$i]}" --steps "${STEPS[$i]}" \\',
    '  --out "$DIR" --config "${CONFIGS[$i]}" --progress log "${extra[@]}" &',
    "child=$!",
    "# wait returns early when a trapped signal arrives; keep waiting while train saves its checkpoint",
    'while :; do wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null || break; done',
    'echo "virel task $i: train exited with $rc at $(date -u +%FT%TZ)"',
    "# stopped by the time-limit warning with a checkpoint: requeue this task so that it resumes (preemption and",
    "# scontrol requeue are requeued by Slurm itself; scancel is not requeued)",
    'if [ -n "$stopped_at" ] && [ "$state_at_signal" = RUNNING ] && [ "$rc" -ne 0 ] && [ -e "$DIR/checkpoint.ckpt" ] && [ ! -e "$DIR/summary.json" ]; then',
    '  echo "virel task $i: time limit near; requeueing ${SLURM_ARRAY_JOB_ID}_${i}"',
    '  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${i}"',
    "fi",
    'exit "$rc"',
    "",
  ];
  return lines.join("\n");
}

/** What `DIR/slurm/job.json` records about a submission. */
export interface SlurmJobRecord {
  jobId: string | null;
  submittedAt: string;
  script: string;
  tasks: SlurmTask[];
}

export const SLURM_DIR = "slurm";
export const JOB_FILE = "job.json";
export const SCRIPT_FILE = "sweep.sbatch";

/** Run a Slurm command; the error says what ran and what it printed. */
function slurmCmd(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) {
    const e = r.error as NodeJS.ErrnoException;
    throw new Error(
      e.code === "ENOENT"
        ? `${cmd} not found: is Slurm installed on this machine (or run this on a login node)?`
        : `${cmd} failed: ${e.message}`,
    );
  }
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Submit the script with `sbatch --parsable`; returns the job id. */
export function submit(script: string): string {
  const out = slurmCmd("sbatch", ["--parsable", script]).trim();
  const id = out.split(";")[0]!.trim();
  if (!/^\d+$/.test(id)) throw new Error(`sbatch --parsable printed ${JSON.stringify(out)}, not a job id`);
  return id;
}

/** Write the script and the job record into DIR/slurm/, submit unless `dryRun`; returns the record. */
export function writeAndSubmit(
  o: SlurmJobOptions,
  tasks: readonly SlurmTask[],
  dryRun: boolean,
): { record: SlurmJobRecord; text: string } {
  const text = renderScript(o, tasks);
  const dir = path.join(o.out, SLURM_DIR);
  const script = path.join(dir, SCRIPT_FILE);
  const record: SlurmJobRecord = { jobId: null, submittedAt: new Date().toISOString(), script, tasks: [...tasks] };
  if (dryRun) return { record, text };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(script, text, { mode: 0o755 });
  record.jobId = submit(script);
  fs.writeFileSync(path.join(dir, JOB_FILE), JSON.stringify(record, null, 2) + "\n");
  return { record, text };
}

/** Read DIR/slurm/job.json. */
export function readJob(out: string): SlurmJobRecord {
  const file = path.join(path.resolve(out), SLURM_DIR, JOB_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read ${file} (written by \`virel sweep --slurm\`): ${(err as Error).message}`, {
      cause: err,
    });
  }
  const r = raw as Partial<SlurmJobRecord>;
  if (!Array.isArray(r.tasks)) throw new Error(`${file} has no tasks`);
  return r as SlurmJobRecord;
}

/** One task's state: Slurm's (when it is in the queue) and its run directory's. */
export interface TaskStatus {
  task: SlurmTask;
  /** squeue's state (PENDING, RUNNING, …) or sacct's (COMPLETED, FAILED, …), or null when Slurm no longer lists it. */
  slurmState: string | null;
  /** The last step in metrics.jsonl. */
  step: number;
  checkpoint: boolean;
  done: boolean;
  restarts: number;
}

/** squeue's (and, where accounting is on, sacct's) state of each array task, by index. */
export function queueStates(jobId: string): { states: Map<number, string>; notes: string[] } {
  const states = new Map<number, string>();
  const notes: string[] = [];
  const parse = (text: string) => {
    for (const line of text.split("\n")) {
      const [id, state] = line.trim().split("|");
      const m = /^\d+_(\d+)$/.exec(id ?? "");
      if (m && state) states.set(Number(m[1]), state.split(" ")[0]!);
    }
  };
  try {
    parse(slurmCmd("sacct", ["-n", "-X", "-P", "-j", jobId, "-o", "JobID,State"]));
  } catch (err) {
    notes.push(`sacct: ${(err as Error).message.split("\n")[0]}`);
  }
  parse(slurmCmd("squeue", ["-h", "-r", "-j", jobId, "-o", "%i|%T"])); // the live state wins
  return { states, notes };
}

/** Lines of the run directory: last metrics step, checkpoint, summary, restarts. */
export function runState(dir: string): Omit<TaskStatus, "task" | "slurmState"> {
  let step = 0;
  const metrics = path.join(dir, "metrics.jsonl");
  if (fs.existsSync(metrics)) {
    for (const line of fs.readFileSync(metrics, "utf8").split("\n")) {
      try {
        const r = JSON.parse(line) as { step?: unknown };
        if (typeof r.step === "number" && r.step > step) step = r.step;
      } catch {
        /* torn line */
      }
    }
  }
  let restarts = 0;
  try {
    restarts =
      (JSON.parse(fs.readFileSync(path.join(dir, "meta.json"), "utf8")) as { resumedAt?: unknown[] }).resumedAt
        ?.length ?? 0;
  } catch {
    /* not started */
  }
  return {
    step,
    checkpoint: fs.existsSync(path.join(dir, "checkpoint.ckpt")),
    done: fs.existsSync(path.join(dir, "summary.json")),
    restarts,
  };
}

/** The status of every task of the sweep in `out`. */
export function sweepStatus(out: string): { record: SlurmJobRecord; tasks: TaskStatus[]; notes: string[] } {
  const record = readJob(out);
  const { states, notes } = record.jobId
    ? queueStates(record.jobId)
    : { states: new Map<number, string>(), notes: ["not submitted"] };
  const tasks = record.tasks.map((task) => ({
    task,
    slurmState: states.get(task.index) ?? null,
    ...runState(task.dir),
  }));
  return { record, tasks, notes };
}
