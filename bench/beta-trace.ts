/**
 * β traces: VIREL1's β from its own minibatches (config betaSource `minibatch`: each M-step scores its minibatch
 * with beta.py's residual before its step; β = betaScale × the mean over the last ⌈betaBatch/batchSize⌉) against
 * beta.py's estimate on 4096 fresh replay samples, computed side by side at every gradient step of one run (the
 * run trains with the minibatch β; the replay estimate is computed with its own sample stream and changes
 * nothing). Prints the statistics docs/speed.md quotes and writes the trace as JSON.
 *
 *   npm run build && node dist/bench/beta-trace.js [--env Pendulum-v1] [--steps 6000] [--seed 0] [--out file.json]
 *
 * Both estimators target E[(Q(s,a) − r − γ(1−d)V(s′))²] over the replay buffer; the minibatch one has the same
 * number of samples, spread over the last steps' parameters (staleness) instead of the current ones.
 */
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import * as agents from "../src/agents";
import { Rng } from "../src/rng";
import { betaWindowSize } from "../src/agents/learner";
import type { VirelConfig } from "../src/agents/config";
import { mean, versus } from "./beta-trace-stats";
import type { TracePoint } from "./beta-trace-stats";

async function main(): Promise<void> {
  const o = new Command()
    .option("--env <id>", "environment", "Pendulum-v1")
    .option("--steps <n>", "env steps", "6000")
    .option("--seed <k>", "seed", "0")
    .option("--lr <x>", "learning rate", "1e-3")
    .option("--out <file>", "write the trace and the statistics as JSON")
    .parse()
    .opts<{ env: string; steps: string; seed: string; lr: string; out?: string }>();
  const steps = Number(o.steps),
    seed = Number(o.seed),
    lr = Number(o.lr);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer, got ${o.steps}`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${o.seed}`);
  if (!(lr > 0)) throw new Error(`--lr must be a positive number, got ${o.lr}`);
  const agent = await agents.create({
    algo: "virel1",
    env: o.env,
    seed,
    config: { betaRule: "td-residual", betaSource: "minibatch", lr, logEvery: 1_000_000, checkpointEvery: 0 },
  });
  const cfg = agent.config as VirelConfig;
  const L = agent.learner;
  const W = betaWindowSize(cfg);
  const side = new Rng(1_000_003 + seed); // the replay estimate's own draws: the run's streams are untouched
  const trace: TracePoint[] = [];
  const t0 = performance.now();
  for (let step = 1; step <= steps; step++) {
    agent.collect(1);
    if (step <= cfg.randomSteps || agent.buffer.size < cfg.batchSize) continue;
    const { m } = agent.update(); // refreshes β from the window, then scores this minibatch
    if (agent.buffer.size >= cfg.betaBatch && L.betaWindow.length === W) {
      trace.push({
        step,
        window: m.beta,
        replay: cfg.betaScale * L.replayResidual(agent.buffer, side, cfg.betaBatch),
        single: cfg.betaScale * L.betaWindow[W - 1]!,
      });
    }
  }
  const wall = (performance.now() - t0) / 1000;
  if (trace.length < 2) throw new Error(`too few traced steps (${trace.length}): raise --steps above betaBatch`);
  // the window at step t holds the residuals of steps t−W … t−1: compare it with the replay estimate at t
  const replay = trace.map((p) => p.replay);
  const stats = {
    env: o.env,
    steps,
    seed,
    lr,
    hidden: cfg.hidden,
    batchSize: cfg.batchSize,
    betaBatch: cfg.betaBatch,
    window_size: W,
    traced: trace.length,
    wall_s: Number(wall.toFixed(1)),
    replay_mean: mean(replay),
    window: versus(
      trace.map((p) => p.window),
      replay,
    ),
    single_minibatch: versus(
      trace.map((p) => p.single),
      replay,
    ),
  };
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const line = (name: string, s: ReturnType<typeof versus>): string =>
    `| ${name} | ${s.mean_ratio.toFixed(3)} | ${pct(s.rel_error_mean)} | ${pct(s.rel_error_std)} | ${pct(s.rel_error_abs_p90)} | ${s.jitter.toFixed(3)} (replay ${s.jitter_replay.toFixed(3)}) |`;
  process.stdout.write(
    `β traces, VIREL1 on ${o.env}, seed ${seed}, ${steps} env steps (2×${cfg.hidden[0]}, batch ${cfg.batchSize}, lr ${lr}); ` +
      `${trace.length} gradient steps traced, mean replay β ${stats.replay_mean.toPrecision(4)}; ${stats.wall_s} s\n\n` +
      "| estimate | mean / replay mean | mean rel. error | rel. error std | p90 abs rel. error | step-to-step jitter (std of Δlog β) |\n" +
      "|---|---|---|---|---|---|\n" +
      line(`window of ${W} minibatches (betaSource minibatch)`, stats.window) +
      "\n" +
      line("one minibatch", stats.single_minibatch) +
      "\n",
  );
  if (o.out) writeFileSync(o.out, JSON.stringify({ ...stats, trace }) + "\n");
  agent.dispose();
}

main().catch((err: unknown) => {
  process.stderr.write(`beta-trace: ${(err as Error).message}\n`);
  process.exit(1);
});
