/**
 * `virel train`: train one agent into a run directory (resumes when DIR holds a checkpoint).
 * Also exports the small helpers the other training commands share (progress bars, option parsing).
 */
import type { Command } from "commander";
import * as fs from "node:fs";
import type { TrainProgress } from "../agents/agent";
import type { AgentConfigInput } from "../agents/config";

/**
 * Parse an integer flag written in decimal (`5000`, `50_000`, `1e6`); the error names the flag and the value.
 * Hex, octal and binary (`0x10`) are refused, and so is anything past 2^53 - 1 (`1e20`), where doubles stop
 * counting every integer.
 */
export function intFlag(name: string, min = 1): (v: string) => number {
  return (v: string) => {
    const t = v.trim();
    if (!/^[+-]?\d[\d_]*(?:e\+?\d+)?$/i.test(t))
      throw new Error(
        `${name} must be a decimal integer ≥ ${min} (e.g. 5000, 50_000 or 1e6), got ${JSON.stringify(v)}`,
      );
    const n = Number(t.replace(/_/g, ""));
    if (!Number.isInteger(n) || n < min)
      throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    if (!Number.isSafeInteger(n))
      throw new Error(`${name} must be at most ${Number.MAX_SAFE_INTEGER} (2^53 - 1), got ${JSON.stringify(v)}`);
    return n;
  };
}

/** Parse `--hidden 64,64` (or `256`, meaning 2×256). */
export function hiddenFlag(v: string): number[] {
  const parts = v.split(/[,x×]/).map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--hidden must be comma-separated positive integers (e.g. 64,64), got ${JSON.stringify(v)}`);
  }
  return parts.length === 1 ? [parts[0]!, parts[0]!] : parts;
}

/** Read a JSON config file (`--config FILE`): an object of config fields. */
export function readConfigFile(file: string): Partial<AgentConfigInput> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`--config ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new Error(`--config ${file} must hold a JSON object, got ${JSON.stringify(raw)}`);
  return raw as Partial<AgentConfigInput>;
}

/** Config overrides from the common flags. */
export interface CommonTrainFlags {
  config?: string;
  hidden?: number[];
  evalEvery?: number;
  evalEpisodes?: number;
  checkpointEvery?: number;
}

/** Declare the flags {@link configFromFlags} reads (shared by `virel train` and `virel sweep`). */
export function addConfigFlags(cmd: Command, configHelp: string): Command {
  return cmd
    .option("--config <file>", configHelp)
    .option("--hidden <sizes>", "hidden layer widths, e.g. 64,64", hiddenFlag)
    .option("--eval-every <k>", "evaluate every k env steps", intFlag("--eval-every", 0))
    .option("--eval-episodes <n>", "deterministic episodes per evaluation", intFlag("--eval-episodes"))
    .option(
      "--checkpoint-every <k>",
      "checkpoint every k env steps (0 = end / SIGINT only)",
      intFlag("--checkpoint-every", 0),
    );
}

/** `--preset NAME`: the preset's values for --algo and --env (both required with it). */
export function presetFromFlags(
  o: CommonTrainFlags & { preset?: string; algo?: string; env?: string },
): Partial<AgentConfigInput> {
  if (o.preset === undefined) return {};
  if (o.algo === undefined || o.env === undefined)
    throw new Error(`--preset ${o.preset} needs --algo and --env (its values depend on both)`);
  const { presetConfig } = require("../agents/presets") as typeof import("../agents/presets");
  return presetConfig(o.preset, o.algo, o.env);
}

export function configFromFlags(o: CommonTrainFlags): Partial<AgentConfigInput> {
  const cfg: Partial<AgentConfigInput> = o.config ? readConfigFile(o.config) : {};
  if (o.hidden !== undefined) cfg.hidden = o.hidden;
  if (o.evalEvery !== undefined) cfg.evalEvery = o.evalEvery;
  if (o.evalEpisodes !== undefined) cfg.evalEpisodes = o.evalEpisodes;
  if (o.checkpointEvery !== undefined) cfg.checkpointEvery = o.checkpointEvery;
  return cfg;
}

/** How progress is shown: a cli-progress bar, JSON lines on stdout (for `virel sweep`), log lines, or nothing. */
export type ProgressMode = "bar" | "json" | "log" | "none";

/** The `--progress` flag: a mode, or `auto` (a bar on a terminal, log lines otherwise), resolved when the command runs. */
export type ProgressSetting = ProgressMode | "auto";
export const PROGRESS_AUTO: ProgressSetting = "auto";

/** Parse `--progress`; the error names the flag and the value. */
export function progressModeFlag(v: string): ProgressSetting {
  const modes: readonly ProgressSetting[] = ["bar", "json", "log", "none", "auto"];
  const m = modes.find((x) => x === v);
  if (m === undefined) throw new Error(`--progress must be bar, json, log, none or auto, got ${JSON.stringify(v)}`);
  return m;
}

/** Resolve `auto` for this process's stderr. */
export function resolveProgress(v: ProgressSetting): ProgressMode {
  return v === "auto" ? (process.stderr.isTTY ? "bar" : "log") : v;
}

/** A progress sink for one training run. */
export interface ProgressSink {
  update(p: TrainProgress): void;
  /** A status line on stderr (held back while a bar is drawn, printed when it stops). */
  log(line: string): void;
  stop(): void;
}

export function fmtEval(x: number | null): string {
  return x === null ? "—" : x.toFixed(1);
}

/** Make the progress display for one run (cli-progress is loaded lazily). */
export async function makeProgress(mode: ProgressMode, label: string, total: number): Promise<ProgressSink> {
  if (mode === "json") {
    return {
      update: (p) => {
        if (stdoutOpen()) process.stdout.write(JSON.stringify({ progress: { ...p } }) + "\n");
      },
      log: (line) => process.stderr.write(line + "\n"),
      stop: () => undefined,
    };
  }
  if (mode === "log") {
    let last = 0;
    return {
      update: (p) => {
        const now = Date.now();
        if (now - last < 10_000 && p.step < p.target) return;
        last = now;
        process.stderr.write(
          `${label}: step ${p.step}/${p.target}, ${p.stepsPerSec.toFixed(0)} steps/s, last eval ${fmtEval(p.lastEval)}\n`,
        );
      },
      log: (line) => process.stderr.write(line + "\n"),
      stop: () => undefined,
    };
  }
  if (mode === "none")
    return { update: () => undefined, log: (line) => process.stderr.write(line + "\n"), stop: () => undefined };
  const cp = await import("cli-progress");
  const bar = new cp.SingleBar(
    {
      format: `${label} |{bar}| {value}/{total} steps | {sps} steps/s | eval {eval} | ETA {eta_formatted}`,
      hideCursor: true,
      stream: process.stderr,
      etaBuffer: 50,
    },
    cp.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  const held: string[] = [];
  return {
    log: (line) => {
      if (started && !stopped) held.push(line);
      else process.stderr.write(line + "\n");
    },
    update: (p) => {
      if (stopped) return;
      const payload = { sps: p.stepsPerSec.toFixed(0), eval: fmtEval(p.lastEval) };
      if (!started) {
        bar.start(total, p.step, payload);
        started = true;
      } else bar.update(p.step, payload);
    },
    stop: () => {
      if (started && !stopped) bar.stop();
      stopped = true;
      for (const line of held.splice(0)) process.stderr.write(line + "\n");
    },
  };
}

/** The signals a trainer stops on (checkpoint, then exit 128 + the signal's number). */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];
const SIGNAL_NUMBER: Record<StopSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** The exit code of a process stopped by `sig` the Unix way: 128 + its number (130, 143, 129). */
export function signalExitCode(sig: StopSignal): number {
  return 128 + SIGNAL_NUMBER[sig];
}

/**
 * An AbortController tied to SIGINT, SIGTERM and SIGHUP (what Ctrl-C, `timeout`, `kill`, Slurm, `docker stop`
 * and a closed terminal send): the first stops cleanly (checkpoint). A second SIGINT exits at once (a user
 * pressing Ctrl-C twice); repeated SIGTERM/SIGHUP are ignored, since Slurm may deliver SIGTERM both directly and
 * through the batch script, and the checkpoint must not be cut short.
 */
export function stopController(onFirst?: (sig: StopSignal) => void): {
  controller: AbortController;
  signal: () => StopSignal | null;
  dispose: () => void;
} {
  const controller = new AbortController();
  let got: StopSignal | null = null;
  const handlers = STOP_SIGNALS.map((sig) => {
    const handler = () => {
      if (controller.signal.aborted) {
        if (sig === "SIGINT") {
          process.stderr.write("\nvirel: second interrupt, exiting without waiting\n");
          process.exit(130);
        }
        return;
      }
      got = sig;
      onFirst?.(sig);
      controller.abort();
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return {
    controller,
    signal: () => got,
    dispose: () => {
      for (const [sig, h] of handlers) process.removeListener(sig, h);
    },
  };
}

let stdoutClosed = false;

/** Whether stdout can still be written (false after EPIPE while {@link keepTrainingOnClosedStdout} is active). */
export function stdoutOpen(): boolean {
  return !stdoutClosed;
}

/**
 * While training, a closed stdout (`virel train --progress json | head -c 200`: EPIPE) must not end the run.
 * main.ts exits 0 on EPIPE, which is right for `virel envs | head` but would stop a trainer silently; this takes
 * over stdout's errors: output to stdout stops, one line goes to stderr, and training continues to the end
 * (checkpoint, summary.json) and exits as it would have (0 when done, 128 + n when stopped by a signal). It stays
 * in place until the process exits, so that an EPIPE reported after the last write cannot turn into exit 0.
 */
export function keepTrainingOnClosedStdout(note: (line: string) => void): void {
  process.stdout.removeAllListeners("error");
  const handler = (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") {
      if (!stdoutClosed)
        note(
          "virel: stdout was closed (EPIPE); training continues without printing to stdout — the result will be in the run directory (summary.json)",
        );
      stdoutClosed = true;
      return;
    }
    throw err;
  };
  process.stdout.on("error", handler);
}

interface TrainFlags extends CommonTrainFlags {
  env?: string;
  algo?: string;
  steps: number;
  seed?: number;
  out: string;
  backend?: string;
  progress: ProgressSetting;
  json?: boolean;
  force?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description("train VIREL1 / VIREL2 / SAC-v1 / SAC (v2) into a run directory; resumes when DIR holds a checkpoint")
    .option("--env <id>", "environment id (e.g. Pendulum-v1)")
    .option("--algo <name>", "virel1 | virel2 | sac-v1 | sac")
    .requiredOption(
      "--steps <n>",
      "total environment steps (a resumed run continues to this count)",
      intFlag("--steps"),
    )
    .option("--seed <s>", "the run's one seed (default 0)", intFlag("--seed", 0))
    .requiredOption("--out <dir>", "run directory (config.json, meta.json, metrics.jsonl, checkpoint.ckpt)");
  addConfigFlags(cmd, "JSON file of config fields (see `virel explain-config`)")
    .option(
      "--preset <name>",
      "config preset under --config and the flags: paper (§5's setup; see `virel explain-config --preset paper`)",
    )
    .option(
      "--backend <name>",
      "tfjs backend: auto | tfjs-node-gpu | tfjs-node | webgpu | wasm | cpu (or VIREL_BACKEND)",
    )
    .option("--progress <mode>", "bar | json | log | none | auto", progressModeFlag, PROGRESS_AUTO)
    .option("--json", "print the run summary as JSON")
    .option(
      "--force",
      "start even if DIR holds files but no checkpoint (moved to DIR/.replaced-<time>/), or resume though metrics.jsonl lost its history",
    )
    .action(async (o: TrainFlags) => {
      // take the stop signals first, so that a SIGTERM while modules load still ends in a checkpoint
      let progress: ProgressSink | null = null;
      const sig = stopController((s) => {
        const line =
          s === "SIGINT"
            ? "virel: interrupt — saving a checkpoint and stopping (Ctrl-C again to exit now)"
            : `virel: ${s} — saving a checkpoint and stopping`;
        if (progress) progress.log(line);
        else process.stderr.write(line + "\n");
      });
      keepTrainingOnClosedStdout((line) => process.stderr.write(line + "\n"));
      const mode = resolveProgress(o.progress);
      const label = `${o.algo ?? "resume"}${o.seed !== undefined ? ` s${o.seed}` : ""}`;
      try {
        const { trainRun } = await import("../agents/run.js");
        const sink = await makeProgress(mode, label, o.steps);
        progress = sink;
        const summary = await trainRun({
          out: o.out,
          algo: o.algo,
          env: o.env,
          steps: o.steps,
          seed: o.seed,
          backend: o.backend,
          force: o.force,
          config: { ...presetFromFlags(o), ...configFromFlags(o) },
          ignoreOtherAlgoFields: true,
          signal: sig.controller.signal,
          onProgress: (p) => sink.update(p),
          log: (line) => sink.log(line),
        });
        sink.stop();
        if (stdoutOpen()) {
          if (o.json || mode === "json") process.stdout.write(JSON.stringify({ summary }) + "\n");
          else {
            const e = summary.finalEval;
            process.stdout.write(
              `${summary.algo} on ${summary.env} (seed ${summary.seed}): step ${summary.step}/${summary.steps}, last eval ${e ? `${e.mean.toFixed(1)} ± ${e.std.toFixed(1)} at step ${e.step}` : "—"}\nrun: ${summary.dir}\n`,
            );
          }
        }
        if (summary.aborted) process.exitCode = signalExitCode(sig.signal() ?? "SIGINT");
      } finally {
        progress?.stop();
        sig.dispose();
      }
    });
  program
    .command("explain-config")
    .description(
      "print every config field of VIREL1 / VIREL2 / SAC-v1 / SAC with meaning, range, default and source; with --preset, the preset's values and their sources",
    )
    .option("--preset <name>", "show a preset (paper) for --algo and --env")
    .option("--algo <name>", "virel1 | virel2 | sac-v1 | sac (with --preset)")
    .option("--env <id>", "environment id (with --preset; reward scale and exploration depend on it)", "Pendulum-v1")
    .action(async (o: { preset?: string; algo?: string; env: string }) => {
      const { configTable } = await import("../agents/config.js");
      if (o.preset === undefined) {
        process.stdout.write(configTable() + "\n");
        return;
      }
      const { presetTable } = await import("../agents/presets.js");
      const algos = o.algo !== undefined ? [o.algo] : ["virel1", "virel2", "sac-v1", "sac"];
      process.stdout.write(algos.map((a) => presetTable(o.preset!, a, o.env)).join("\n\n") + "\n");
    });
}
