/** `virel eval`: evaluate a trained run's deterministic policy. */
import type { Command } from "commander";
import { intFlag } from "./train";

export function register(program: Command): void {
  program
    .command("eval")
    .description("evaluate a run's deterministic policy tanh(μ(s)) from its checkpoint")
    .requiredOption("--run <dir>", "run directory written by `virel train`")
    .option("--episodes <n>", "number of episodes", intFlag("--episodes"), 10)
    .option("--backend <name>", "tfjs backend: auto | tfjs-node-gpu | tfjs-node | webgpu | wasm | cpu")
    .option("--json", "print the result as JSON")
    .action(async (o: { run: string; episodes: number; backend?: string; json?: boolean }) => {
      const { evalRun } = await import("../agents/run.js");
      const r = await evalRun(o.run, o.episodes, o.backend);
      if (o.json) {
        process.stdout.write(
          JSON.stringify({
            algo: r.spec.algo,
            env: r.spec.env,
            seed: r.spec.seed,
            step: r.step,
            mean: r.mean,
            std: r.std,
            returns: r.returns,
          }) + "\n",
        );
      } else {
        process.stdout.write(
          `${r.spec.algo} on ${r.spec.env} (seed ${r.spec.seed}, step ${r.step}): return ${r.mean.toFixed(1)} ± ${r.std.toFixed(1)} over ${r.returns.length} episodes\n`,
        );
      }
    });
}
