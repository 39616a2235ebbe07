/**
 * `virel train`: train one agent into a run directory (resumes when DIR holds a checkpoint).
 * Also exports the small helpers the other training commands share (progress bars, option parsing).
 */
import type { Command } from "commander";
import * as fs from "node:fs";
import type { TrainProgress } from "../agents/agent";
import type { AgentConfigInput } from "../agents/config";

/** Parse a positive integer flag; the error names the flag and the value. */
export function intFlag(name: string, min = 1): (v: string) => number {
  return (v: string) => {
    const n = Number(v.replace(/_/g, ""));
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
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
    throw new Error(`--config ${file}: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new Error(`--config ${file} must hold a JSON object, got ${JSON.stringify(raw)}`);
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
    .option("--checkpoint-every <k>", "checkpoint every k env steps (0 = end / SIGINT only)", intFlag("--checkpoint-every", 0));
}

/** `--preset NAME`: the preset's values for --algo and --env (both required with it). */
export function presetFromFlags(o: CommonTrainFlags & { preset?: string; algo?: string; env?: string }): Partial<AgentConfigInput> {
  if (o.preset === undefined) return {};
  if (o.algo === undefined || o.env === undefined) throw new Error(`--preset ${o.preset} needs --algo and --env (its values depend on both)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
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
      update: (p) => process.stdout.write(JSON.stringify({ progress: { ...p } }) + "\n"),
      log: () => undefined,
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
        process.stderr.write(`${label}: step ${p.step}/${p.target}, ${p.stepsPerSec.toFixed(0)} steps/s, last eval ${fmtEval(p.lastEval)}\n`);
      },
      log: (line) => process.stderr.write(line + "\n"),
      stop: () => undefined,
    };
  }
  if (mode === "none") return { update: () => undefined, log: (line) => process.stderr.write(line + "\n"), stop: () => undefined };
  const cp = await import("cli-progress");
  const bar = new cp.SingleBar(
    { format: `${label} |{bar}| {value}/{total} steps | {sps} steps/s | eval {eval} | ETA {eta_formatted}`, hideCursor: true, stream: process.stderr, etaBuffer: 50 },
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

/** An AbortController tied to SIGINT: the first Ctrl-C stops cleanly (checkpoint), the second exits. */
export function sigintController(onFirst?: () => void): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) {
      process.stderr.write("\nvirel: second interrupt, exiting without waiting\n");
      process.exit(130);
    }
    onFirst?.();
    controller.abort();
  };
  process.on("SIGINT", handler);
  return { controller, dispose: () => process.removeListener("SIGINT", handler) };
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
}

export function register(program: Command): void {
  const cmd = program
    .command("train")
    .description("train VIREL1 / VIREL2 / SAC-v1 / SAC (v2) into a run directory; resumes when DIR holds a checkpoint")
    .option("--env <id>", "environment id (e.g. Pendulum-v1)")
    .option("--algo <name>", "virel1 | virel2 | sac-v1 | sac")
    .requiredOption("--steps <n>", "total environment steps (a resumed run continues to this count)", intFlag("--steps"))
    .option("--seed <s>", "the run's one seed (default 0)", intFlag("--seed", 0))
    .requiredOption("--out <dir>", "run directory (config.json, meta.json, metrics.jsonl, checkpoint.ckpt)");
  addConfigFlags(cmd, "JSON file of config fields (see `virel explain-config`)")
    .option("--preset <name>", "config preset under --config and the flags: paper (§5's setup; see `virel explain-config --preset paper`)")
    .option("--backend <name>", "tfjs backend: auto | tfjs-node-gpu | tfjs-node | wasm | cpu (or VIREL_BACKEND)")
    .option("--progress <mode>", "bar | json | log | none | auto", progressModeFlag, PROGRESS_AUTO)
    .option("--json", "print the run summary as JSON")
    .action(async (o: TrainFlags) => {
      const mode = resolveProgress(o.progress);
      const { trainRun } = await import("../agents/run.js");
      const label = `${o.algo ?? "resume"}${o.seed !== undefined ? ` s${o.seed}` : ""}`;
      const progress = await makeProgress(mode, label, o.steps);
      const sig = sigintController(() => progress.log("virel: interrupt — saving a checkpoint and stopping (Ctrl-C again to exit now)"));
      try {
        const summary = await trainRun({
          out: o.out, algo: o.algo, env: o.env, steps: o.steps, seed: o.seed, backend: o.backend,
          config: { ...presetFromFlags(o), ...configFromFlags(o) }, ignoreOtherAlgoFields: true, signal: sig.controller.signal,
          onProgress: (p) => progress.update(p),
          log: (line) => progress.log(line),
        });
        progress.stop();
        if (o.json || mode === "json") process.stdout.write(JSON.stringify({ summary }) + "\n");
        else {
          const e = summary.finalEval;
          process.stdout.write(`${summary.algo} on ${summary.env} (seed ${summary.seed}): step ${summary.step}/${summary.steps}, last eval ${e ? `${e.mean.toFixed(1)} ± ${e.std.toFixed(1)} at step ${e.step}` : "—"}\nrun: ${summary.dir}\n`);
        }
        if (summary.aborted) process.exitCode = 130;
      } finally {
        progress.stop();
        sig.dispose();
      }
    });
  program
    .command("explain-config")
    .description("print every config field of VIREL1 / VIREL2 / SAC-v1 / SAC with meaning, range, default and source; with --preset, the preset's values and their sources")
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
