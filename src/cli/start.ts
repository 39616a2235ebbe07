/**
 * `virel start` (= `npm start`): the main job — a short VIREL1 vs SAC experiment on Pendulum-v1, the two runs
 * as parallel processes with progress bars, ending with the HTML report's path and the final evaluation
 * returns. Sized to finish within 10 minutes on a 2-core machine (small nets, a few thousand steps).
 */
import type { Command } from "commander";
import * as path from "node:path";
import type { AgentConfigInput } from "../agents/config";
import { runSweep, printSweep } from "./sweep";
import { hiddenFlag, intFlag, progressModeFlag, PROGRESS_AUTO, resolveProgress, signalExitCode } from "./train";
import type { ProgressSetting } from "./train";

/** The main job's config overrides (on top of each algorithm's defaults): 2×64 nets, lr 1e-3 (SB3 zoo's Pendulum lr). */
export const START_CONFIG: Partial<AgentConfigInput> = Object.freeze({
  hidden: [64, 64],
  lr: 1e-3,
  evalEvery: 500,
  evalEpisodes: 5,
  logEvery: 500,
  checkpointEvery: 0,
});

/** Per-algorithm additions for the main job. */
export const START_PER_ALGO: Record<string, Partial<AgentConfigInput>> = Object.freeze({
  sac: { alphaLr: 1e-3 },
});

export const START_STEPS = 8000;

function stamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

interface StartFlags {
  steps: number;
  out?: string;
  seed: number;
  algos: string;
  hidden?: number[];
  backend?: string;
  progress: ProgressSetting;
}

export function register(program: Command): void {
  program
    .command("start")
    .description("the main job: VIREL1 vs SAC on Pendulum-v1 (2 parallel runs, ≈ a few minutes), then an HTML report")
    .option("--steps <n>", "environment steps per run", intFlag("--steps"), START_STEPS)
    .option("--out <dir>", "output folder (default runs/start-<date>)")
    .option("--seed <s>", "seed of both runs", intFlag("--seed", 0), 0)
    .option("--algos <list>", "algorithms to compare", "virel1,sac")
    .option("--hidden <sizes>", "hidden layer widths (default 64,64)", hiddenFlag)
    .option("--backend <name>", "tfjs backend: auto | tfjs-node-gpu | tfjs-node | webgpu | wasm | cpu")
    .option("--progress <mode>", "bar | log | none | auto", progressModeFlag, PROGRESS_AUTO)
    .action(async (o: StartFlags) => {
      const out = path.resolve(o.out ?? path.join("runs", `start-${stamp()}`));
      const algos = o.algos
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const t0 = Date.now();
      process.stderr.write(
        `virel start: ${algos.join(" vs ")} on Pendulum-v1, ${o.steps} steps each, seed ${o.seed}, 2 processes → ${out}\n` +
          `(a random policy scores about −1200; 0 is the best possible)\n`,
      );
      const config = { ...START_CONFIG, ...(o.hidden ? { hidden: o.hidden } : {}) };
      const r = await runSweep({
        env: "Pendulum-v1",
        algos,
        seeds: [o.seed],
        parallel: 2,
        out,
        steps: o.steps,
        config,
        perAlgo: START_PER_ALGO,
        backend: o.backend,
        progress: resolveProgress(o.progress) === "json" ? "log" : resolveProgress(o.progress),
        title: `VIREL lab main job: ${algos.join(" vs ")} on Pendulum-v1`,
      });
      process.stdout.write(`\nfinished in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      printSweep(r);
      if (r.runs.some((x) => x.error !== null)) process.exitCode = 1;
      else if (r.aborted) process.exitCode = signalExitCode(r.signal ?? "SIGINT");
    });
}
