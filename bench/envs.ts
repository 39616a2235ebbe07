/**
 * Environment throughput benchmark: steps per second for every registered id (classic and MuJoCo; a MuJoCo
 * id whose factory throws is skipped with a line saying why), single env and `makeVec(id, --vec)`.
 *
 *   npm run build && node dist/bench/envs.js [--steps 20000] [--vec 8] [ids...]
 */
import { Command } from "commander";
import { ids, benchEnvs } from "../src/envs";

async function main(): Promise<void> {
  const program = new Command()
    .name("bench/envs")
    .argument("[ids...]", "environment ids (default: all)")
    .option("--steps <n>", "env steps to time per id", "20000")
    .option("--vec <n>", "also time makeVec(id, n); 0 = skip", "8")
    .option("--seed <n>", "seed", "0")
    .parse(process.argv);
  const opts = program.opts<{ steps: string; vec: string; seed: string }>();
  const list = program.args.length > 0 ? program.args : ids();
  const steps = Number(opts.steps);
  const vec = Number(opts.vec);
  const seed = Number(opts.seed);
  for (const [k, v] of [
    ["steps", steps],
    ["vec", vec],
    ["seed", seed],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${k} must be a non-negative integer, got ${String(v)}`);
  }
  process.stdout.write(`node ${process.version}, ${steps} steps per id, random actions\n`);
  await benchEnvs(list, { steps: Math.max(1, steps), vecEnvs: vec, seed });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/envs: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
