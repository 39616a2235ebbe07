/**
 * Matmul microbenchmark on the wasm backend, every transpose mode, at 256³ and at the products one update at
 * the paper shapes is made of: `native` (CBLAS kernels), `wasm` (our pure wasm path: transposed operands
 * materialised, then XNNPACK) and `stock` (tfjs-backend-wasm untouched).
 *
 *   npm run build && node dist/bench/matmul.js [--reps 20]
 *
 * Each number is the median of 5 timing blocks (the machine may be shared).
 */
import * as tf from "@tensorflow/tfjs";
import { Command } from "commander";
import { Rng } from "../src/rng";
import { ready } from "../src/engine/backend";
import { benchHeader, usePath } from "./update-reference";
import type { KernelPath } from "./update-reference";

/** [m, k, n]: C[m×n] = A[m×k] · B[k×n]. */
const SHAPES: ReadonlyArray<readonly [number, number, number, string]> = [
  [256, 256, 256, "256³"],
  [256, 23, 256, "batch·(obs+act)→hidden"],
  [256, 256, 1, "hidden→1"],
  [256, 256, 12, "hidden→2·act"],
];

/** ms per product for one shape and transpose mode on the current kernels: the median of 5 blocks of reps. */
function timeProduct(m: number, k: number, n: number, ta: boolean, tb: boolean, reps: number, rng: Rng): number {
  const a = tf.tensor2d(rng.fillNormal(new Float32Array(m * k)), ta ? [k, m] : [m, k]);
  const b = tf.tensor2d(rng.fillNormal(new Float32Array(k * n)), tb ? [n, k] : [k, n]);
  for (let i = 0; i < 5; i++) tf.matMul(a, b, ta, tb).dispose();
  const blocks: number[] = [];
  for (let blk = 0; blk < 5; blk++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) tf.matMul(a, b, ta, tb).dispose();
    blocks.push((performance.now() - t0) / reps);
  }
  tf.dispose([a, b]);
  return blocks.sort((x, y) => x - y)[2] as number;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("bench/matmul")
    .option("--reps <n>", "products per timing block (5 blocks)", "20")
    .parse(process.argv);
  const reps = Number(program.opts<{ reps: string }>().reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${String(reps)}`);
  await ready("wasm");
  const status = usePath("native");
  process.stdout.write(`${benchHeader()}\n`);
  if (!status.loaded)
    process.stdout.write(`native kernels not available (${status.reason ?? "unknown"}): stock only\n`);
  const paths: KernelPath[] = status.loaded ? ["native", "wasm", "stock"] : ["wasm", "stock"];
  process.stdout.write(
    `shape                                 mode   ${paths.map((p) => `${p.padStart(9)} ms`).join(" ")}   GFLOP/s (${paths.join("/")})\n`,
  );
  const rng = new Rng("bench-matmul");
  for (const [m, k, n, label] of SHAPES) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const ms = paths.map((p) => {
        usePath(p);
        return timeProduct(m, k, n, ta, tb, reps, rng);
      });
      const mode = `${ta ? "T" : "N"}${tb ? "T" : "N"}`;
      const gflops = ms.map((t) => ((2 * m * n * k) / (t * 1e6)).toFixed(1));
      process.stdout.write(
        `${`${m}×${k}×${n} ${label}`.padEnd(38)}${mode.padEnd(7)}${ms.map((t) => t.toFixed(3).padStart(12)).join(" ")}   ${gflops.join(" / ")}\n`,
      );
    }
  }
  usePath("native");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/matmul: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
