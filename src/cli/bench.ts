/** `virel bench`: milliseconds per full update (M-step + E-step + Polyak) at given shapes. */
import type { Command } from "commander";
import { intFlag } from "./train";

interface BenchFlags {
  hidden: number;
  batch: number;
  obs: number;
  act: number;
  algo: string;
  iters: number;
  warmup: number;
  backend?: string;
  json?: boolean;
}

/** Time `iters` reference updates on a random batch after `warmup` untimed ones. */
export async function benchUpdate(o: BenchFlags): Promise<{ ms_per_update: number; backend: string; algo: string; hidden: number; batch: number; obs: number; act: number; iters: number; native: boolean }> {
  const agents = await import("../agents/index.js");
  const engine = await import("../engine/backend.js");
  const { Rng } = await import("../rng.js");
  const learner = await agents.createLearner({ config: { algo: o.algo, hidden: [o.hidden, o.hidden], batchSize: o.batch }, obsDim: o.obs, actDim: o.act, backend: o.backend });
  const rng = new Rng(1);
  const buf = new agents.ReplayBuffer(Math.max(4 * o.batch, 1024), o.obs, o.act);
  for (let i = 0; i < buf.capacity; i++) {
    buf.add(rng.fillNormal(new Float32Array(o.obs)), rng.fillUniform(new Float32Array(o.act), -1, 1), rng.normal(), rng.fillNormal(new Float32Array(o.obs)), false);
  }
  const batches = Array.from({ length: 8 }, () => buf.sample(o.batch, rng));
  for (let i = 0; i < o.warmup; i++) learner.update(batches[i % batches.length]!);
  const t0 = performance.now();
  for (let i = 0; i < o.iters; i++) learner.update(batches[i % batches.length]!);
  const ms = (performance.now() - t0) / o.iters;
  learner.dispose();
  const b = engine.currentBackend()!;
  return { ms_per_update: Number(ms.toFixed(3)), backend: b.name, algo: o.algo, hidden: o.hidden, batch: o.batch, obs: o.obs, act: o.act, iters: o.iters, native: b.native?.loaded ?? false };
}

export function register(program: Command): void {
  program
    .command("bench")
    .description("time one full update (V, twin Q, actor, Adam, Polyak) at the given shapes (default: paper shapes obs 17, act 6, 2×256, batch 256)")
    .option("--hidden <h>", "hidden width (2 layers)", intFlag("--hidden"), 256)
    .option("--batch <b>", "batch size", intFlag("--batch"), 256)
    .option("--obs <o>", "observation dimension", intFlag("--obs"), 17)
    .option("--act <a>", "action dimension", intFlag("--act"), 6)
    .option("--algo <name>", "algorithm whose update is timed (sac-v1 is the PyTorch peer's update)", "sac-v1")
    .option("--iters <n>", "timed updates", intFlag("--iters"), 50)
    .option("--warmup <n>", "untimed updates first", intFlag("--warmup", 0), 10)
    .option("--backend <name>", "tfjs backend: auto | tfjs-node-gpu | tfjs-node | wasm | cpu")
    .option("--json", "print {\"ms_per_update\": …, \"backend\": …} as JSON")
    .action(async (o: BenchFlags) => {
      const r = await benchUpdate(o);
      if (o.json) process.stdout.write(JSON.stringify(r) + "\n");
      else process.stdout.write(`${r.algo} update, obs ${r.obs}, act ${r.act}, 2×${r.hidden}, batch ${r.batch} on ${r.backend}${r.native ? " (native BLAS)" : ""}: ${r.ms_per_update.toFixed(2)} ms/update (${(1000 / r.ms_per_update).toFixed(1)} updates/s)\n`);
    });
}
