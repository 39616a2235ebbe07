/**
 * `virel experiment run|status|figure <spec>`: the runs of a figure (experiments/<name>.json) into
 * results/<name>/<task>/<algo>/seed-<k>/, their state, and the figure, table and report in docs/fig3/.
 */
import type { Command } from "commander";
import { intFlag } from "./train";
import { parseSeeds } from "./sweep";

interface SelectFlags {
  reduced?: boolean;
  tasks?: string;
  algos?: string;
  seeds?: number[];
  steps?: number;
  results?: string;
}

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

function addSelectFlags(cmd: Command): Command {
  return cmd
    .option("--reduced", "the spec's reduced budget (its `reduced` tasks, seeds and steps)")
    .option("--tasks <list>", "only these tasks, e.g. HalfCheetah-v5,Hopper-v5")
    .option("--algos <list>", "only these algorithms, e.g. virel1,sac-v1")
    .option("--seeds <range>", "only these seeds, e.g. 0-2 or 0,1", parseSeeds)
    .option("--steps <n>", "env steps per run (≤ the spec's steps; a multiple of evalEvery)", intFlag("--steps"))
    .option("--results <dir>", "results folder (default: results/<name> in the repository)");
}

export function register(program: Command): void {
  const exp = program
    .command("experiment")
    .description("a figure of the paper as a spec: run its grid, show its state, draw its figure");

  addSelectFlags(
    exp
      .command("run")
      .description("run the missing and unfinished runs (resuming from checkpoints), `parallel` at once")
      .argument("<spec>", "experiments/<name>.json"),
  )
    .option("--parallel <p>", "processes at once (default: the spec's parallel)", intFlag("--parallel"))
    .option("--backend <name>", "tfjs backend for every run")
    .option("--restart-stale", "delete and re-run runs that have results but no checkpoint to continue from")
    .option("--restart", "delete every selected run first and run it from step 0 (regenerate a results set)")
    .option("--figure", "then write the figure, report and table (as `virel experiment figure`) if every run finished")
    .action(
      async (
        file: string,
        o: SelectFlags & {
          parallel?: number;
          backend?: string;
          restartStale?: boolean;
          restart?: boolean;
          figure?: boolean;
        },
      ) => {
        const { loadSpec, runExperiment, writeExperimentFigure } = await import("../experiments/index.js");
        const spec = loadSpec(file);
        const r = await runExperiment(spec, {
          reduced: o.reduced,
          tasks: list(o.tasks),
          algos: list(o.algos),
          seeds: o.seeds,
          steps: o.steps,
          results: o.results,
          parallel: o.parallel,
          backend: o.backend,
          restartStale: o.restartStale,
          restart: o.restart,
        });
        for (const run of r.runs) {
          process.stdout.write(
            `${run.task} ${run.algo} seed ${run.seed}: ${run.error ? `FAILED (${run.error})` : `${run.state.kind} at step ${run.state.step}/${r.steps}`}${run.final ? `, final eval ${run.final.mean.toFixed(1)} at step ${run.final.step}` : ""}\n`,
          );
        }
        if (r.runs.some((x) => x.error !== null)) process.exitCode = 1;
        else if (r.stopped) process.exitCode = r.stopped === "SIGTERM" ? 143 : 130;
        else if (o.figure)
          for (const f of writeExperimentFigure(spec, { results: o.results }).files)
            process.stdout.write(`wrote ${f}\n`);
      },
    );

  addSelectFlags(
    exp
      .command("status")
      .description("the state of every run of the spec (missing, resumable, stale, done) and its checks")
      .argument("<spec>", "experiments/<name>.json"),
  ).action(async (file: string, o: SelectFlags) => {
    const { loadSpec, plan, checkRun } = await import("../experiments/index.js");
    const spec = loadSpec(file);
    const p = plan(spec, {
      reduced: o.reduced,
      tasks: list(o.tasks),
      algos: list(o.algos),
      seeds: o.seeds,
      steps: o.steps,
      results: o.results,
    });
    const counts: Record<string, number> = {};
    let bad = 0;
    for (const r of p.runs) {
      counts[r.state.kind] = (counts[r.state.kind] ?? 0) + 1;
      const problems = r.state.kind === "missing" ? [] : checkRun(spec, r.task, r.algo, r.seed, r.dir);
      bad += problems.length > 0 ? 1 : 0;
      process.stdout.write(
        `${r.task} ${r.algo} seed ${r.seed}: ${r.state.kind} (step ${r.state.step}/${p.steps})${problems.length ? `, ${problems.length} problem(s):\n    ${problems.join("\n    ")}` : ""}\n`,
      );
    }
    process.stdout.write(
      `${p.runs.length} runs: ${Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ")}${bad ? `; ${bad} with problems` : ""}\n`,
    );
    if (bad > 0) process.exitCode = 1;
  });

  exp
    .command("figure")
    .description(
      "write docs/fig3/<name>.svg, .html and .md from the results (mean ± std over seeds per task, final-return table)",
    )
    .argument("<spec>", "experiments/<name>.json")
    .option("--results <dir>", "results folder (default: results/<name> in the repository)")
    .option("--out <dir>", "output folder (default: docs/fig3 in the repository)")
    .action(async (file: string, o: { results?: string; out?: string }) => {
      const { loadSpec, writeExperimentFigure } = await import("../experiments/index.js");
      const spec = loadSpec(file);
      const r = writeExperimentFigure(spec, { results: o.results, out: o.out });
      process.stdout.write(
        r.markdown
          .split("\n")
          .filter((l) => l.startsWith("|"))
          .join("\n") + "\n",
      );
      for (const f of r.files) process.stdout.write(`wrote ${f}\n`);
    });
}
