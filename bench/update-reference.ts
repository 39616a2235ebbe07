/**
 * A straightforward SAC-v1 / VIREL-style update in TensorFlow.js, at the shapes of the PyTorch peer
 * (a PyTorch SAC-v1 update script timed outside this repository): V, target V, twin Q, tanh-Gaussian actor, three Adam optimisers,
 * Polyak target update — raw variables and `tf.fused.matMul`, no other tricks. It is the yardstick for the
 * native kernels before (and beside) the agents' own update; it times ms/update on the native and the pure
 * wasm paths in one process.
 *
 *   npm run build && node dist/bench/update-reference.js [--hidden 256] [--batch 256] [--n 50] [--path both|all]
 */
import * as tf from "@tensorflow/tfjs";
import { Command } from "commander";
import { Rng } from "../src/rng";
import { ready } from "../src/engine/backend";
import { installNativeKernels, isOurNativeGemm, nativeBlasInfo, uninstallNativeKernels } from "../src/engine/native";
import type { NativeStatus } from "../src/engine/native";

/** Problem sizes; the defaults are the peer's (obs 17, act 6, 2×256 networks, batch 256). */
export interface ReferenceShapes {
  obs: number;
  act: number;
  hidden: number;
  batch: number;
}

export const PAPER_SHAPES: Readonly<ReferenceShapes> = Object.freeze({ obs: 17, act: 6, hidden: 256, batch: 256 });

/** SAC-v1 constants of the peer script. */
const ALPHA = 0.2,
  GAMMA = 0.99,
  TAU = 0.005,
  LR = 3e-4;

interface Mlp {
  params: tf.Variable[];
  forward(x: tf.Tensor2D): tf.Tensor2D;
}

/** in → hidden → hidden → out with ReLU, initialised like torch.nn.Linear (U(±1/√fan_in)). */
function mlp(rng: Rng, inDim: number, hidden: number, outDim: number): Mlp {
  const dims = [inDim, hidden, hidden, outDim];
  const params: tf.Variable[] = [];
  for (let l = 0; l < 3; l++) {
    const fanIn = dims[l] as number,
      fanOut = dims[l + 1] as number,
      bound = 1 / Math.sqrt(fanIn);
    params.push(
      tf.variable(tf.tensor2d(rng.fillUniform(new Float32Array(fanIn * fanOut), -bound, bound), [fanIn, fanOut])),
    );
    params.push(tf.variable(tf.tensor1d(rng.fillUniform(new Float32Array(fanOut), -bound, bound))));
  }
  return {
    params,
    forward(x) {
      let h = x;
      for (let l = 0; l < 3; l++) {
        h = tf.fused.matMul({
          a: h,
          b: params[2 * l] as tf.Tensor2D,
          bias: params[2 * l + 1],
          activation: l < 2 ? "relu" : "linear",
        }) as tf.Tensor2D;
      }
      return h;
    },
  };
}

/** One reference learner: networks, optimisers, a fixed batch, and `update()`. */
export interface ReferenceUpdate {
  shapes: ReferenceShapes;
  /** One full update: V step, Q step, policy step, Polyak (the peer's order). */
  update(): void;
  /** Sum of squares of all trainable parameters (to see that two runs computed the same thing). */
  checksum(): number;
  /** Copies of every parameter (V, target V, Q1, Q2, policy; weights and biases in layer order). */
  snapshot(): Float32Array[];
  dispose(): void;
}

/** Builds the reference learner; all randomness from `seed` through the project Rng. */
export function makeReferenceUpdate(shapes: ReferenceShapes = PAPER_SHAPES, seed = 0): ReferenceUpdate {
  const { obs: O, act: A, hidden: H, batch: B } = shapes;
  for (const [k, v] of Object.entries(shapes)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${String(v)}`);
  }
  const rng = new Rng(seed);
  const V = mlp(rng, O, H, 1),
    Vt = mlp(rng, O, H, 1),
    Q1 = mlp(rng, O + A, H, 1),
    Q2 = mlp(rng, O + A, H, 1);
  const Pi = mlp(rng, O, H, 2 * A);
  Vt.params.forEach((p, i) => p.assign(V.params[i] as tf.Variable));
  const optV = tf.train.adam(LR),
    optQ = tf.train.adam(LR),
    optPi = tf.train.adam(LR);
  const s = tf.tensor2d(rng.fillNormal(new Float32Array(B * O)), [B, O]);
  const act = tf.tensor2d(rng.fillUniform(new Float32Array(B * A), -1, 1), [B, A]);
  const r = tf.tensor2d(rng.fillNormal(new Float32Array(B)), [B, 1]);
  const s2 = tf.tensor2d(rng.fillNormal(new Float32Array(B * O)), [B, O]);
  const d = tf.zeros([B, 1]);
  const noiseBuf = new Float32Array(B * A);
  const noise = (): tf.Tensor2D => tf.tensor2d(rng.fillNormal(noiseBuf), [B, A]);

  /** a = tanh(u), u = μ + σ·ε, logπ(a|s) with the tanh correction. */
  const sample = (o: tf.Tensor2D, eps: tf.Tensor2D): { a: tf.Tensor2D; logp: tf.Tensor2D } => {
    const out = Pi.forward(o);
    const mu = tf.slice(out, [0, 0], [-1, A]);
    const logStd = tf.clipByValue(tf.slice(out, [0, A], [-1, A]), -20, 2);
    const std = tf.exp(logStd);
    const u = tf.add(mu, tf.mul(std, eps));
    const a = tf.tanh(u);
    const z = tf.div(tf.sub(u, mu), std);
    const gauss = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), 0.9189385332), 1, true);
    const squash = tf.sum(tf.log(tf.add(tf.sub(1, tf.square(a)), 1e-6)), 1, true);
    return { a: a as tf.Tensor2D, logp: tf.sub(gauss, squash) as tf.Tensor2D };
  };
  const mse = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.mean(tf.square(tf.sub(x, y)));

  const update = (): void => {
    const eps1 = noise();
    const vTarget = tf.tidy(() => {
      const { a, logp } = sample(s, eps1);
      const sa = tf.concat([s, a], 1);
      return tf.sub(tf.minimum(Q1.forward(sa), Q2.forward(sa)), tf.mul(ALPHA, logp));
    });
    optV.minimize(() => mse(V.forward(s), vTarget), false, V.params);
    const y = tf.tidy(() => tf.add(r, tf.mul(tf.mul(GAMMA, tf.sub(1, d)), Vt.forward(s2))) as tf.Tensor2D);
    optQ.minimize(
      () => {
        const sa = tf.concat([s, act], 1);
        return tf.add(mse(Q1.forward(sa), y), mse(Q2.forward(sa), y));
      },
      false,
      [...Q1.params, ...Q2.params],
    );
    const eps2 = noise();
    optPi.minimize(
      () => {
        const { a, logp } = sample(s, eps2);
        const sa = tf.concat([s, a], 1);
        return tf.mean(tf.sub(tf.mul(ALPHA, logp), tf.minimum(Q1.forward(sa), Q2.forward(sa))));
      },
      false,
      Pi.params,
    );
    tf.tidy(() => {
      Vt.params.forEach((p, i) => p.assign(tf.add(tf.mul(1 - TAU, p), tf.mul(TAU, V.params[i] as tf.Variable))));
    });
    tf.dispose([eps1, eps2, vTarget, y]);
  };

  const all = [V, Vt, Q1, Q2, Pi].flatMap((m) => m.params);
  return {
    shapes: { ...shapes },
    update,
    checksum: () => tf.tidy(() => tf.addN(all.map((p) => tf.sum(tf.square(p)))).dataSync()[0] as number),
    snapshot: () => all.map((p) => p.dataSync().slice() as Float32Array),
    dispose: () => {
      tf.dispose([...all, s, act, r, s2, d]);
      for (const o of [optV, optQ, optPi]) o.dispose();
    },
  };
}

/** Timing of `n` updates: wall-clock and process CPU time (user + system, all threads) per update. */
export interface UpdateTiming {
  msPerUpdate: number;
  cpuMsPerUpdate: number;
  leakedTensors: number;
  checksum: number;
}

/** Times `n` updates of the reference learner after `warmup` untimed ones; also counts tensors leaked per update. */
export function timeReferenceUpdate(shapes: ReferenceShapes, n: number, warmup = 10): UpdateTiming {
  const learner = makeReferenceUpdate(shapes);
  for (let i = 0; i < warmup; i++) learner.update();
  const before = tf.memory().numTensors;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) learner.update();
  const ms = (performance.now() - t0) / n;
  const cpu = process.cpuUsage(cpu0);
  const leaked = (tf.memory().numTensors - before) / n;
  const checksum = learner.checksum();
  learner.dispose();
  return { msPerUpdate: ms, cpuMsPerUpdate: (cpu.user + cpu.system) / 1000 / n, leakedTensors: leaked, checksum };
}

/** Per-update wall and CPU ms of each timing block (for min/median statistics on a shared machine). */
export interface BlockTimings {
  wall: number[];
  cpu: number[];
}

/** Times `blocks` blocks of `perBlock` updates on one learner (after `warmup` untimed updates). */
export function timeReferenceBlocks(
  shapes: ReferenceShapes,
  blocks: number,
  perBlock: number,
  warmup = 5,
): BlockTimings {
  const learner = makeReferenceUpdate(shapes);
  for (let i = 0; i < warmup; i++) learner.update();
  const out: BlockTimings = { wall: [], cpu: [] };
  for (let b = 0; b < blocks; b++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < perBlock; i++) learner.update();
    out.wall.push((performance.now() - t0) / perBlock);
    const cpu = process.cpuUsage(cpu0);
    out.cpu.push((cpu.user + cpu.system) / 1000 / perBlock);
  }
  learner.dispose();
  return out;
}

/**
 * Which kernel path to time: `native` (CBLAS kernels), `wasm` (our pure wasm path: explicit transposes, bias
 * fix, zero-copy Identity/Cast) or `stock` (tfjs-backend-wasm's kernels untouched — what plain tfjs does).
 */
export type KernelPath = "native" | "wasm" | "stock";

/** Switches the wasm backend's kernels to `path`; returns the native status after the switch. */
export function usePath(path: KernelPath): NativeStatus {
  if (path === "stock") {
    uninstallNativeKernels();
    return { loaded: false, reason: "stock tfjs-backend-wasm kernels" };
  }
  return installNativeKernels({ native: path === "native" });
}

/** A one-line description of the machine and versions, for every benchmark's header. */
export function benchHeader(): string {
  const os = require("node:os") as typeof import("node:os");
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const blas = nativeBlasInfo();
  return (
    `node ${process.version}, tfjs ${tf.version.tfjs} (backend ${tf.getBackend()}), ${os.cpus().length}× ${cpu}` +
    (blas
      ? `${isOurNativeGemm(blas.gemm) ? `, products: our ${blas.gemm} kernels` : ""}, BLAS: ${blas.library} (${blas.threads} thread${blas.threads === 1 ? "" : "s"})`
      : "")
  );
}

async function main(): Promise<void> {
  const program = new Command()
    .name("bench/update-reference")
    .option("--hidden <n>", "hidden width", "256")
    .option("--batch <n>", "batch size", "256")
    .option("--n <n>", "timed updates per path", "50")
    .option("--warmup <n>", "untimed updates first", "10")
    .option("--path <path>", "native, wasm, stock, both (native + wasm) or all", "both")
    .parse(process.argv);
  const o = program.opts<{ hidden: string; batch: string; n: string; warmup: string; path: string }>();
  const shapes = { ...PAPER_SHAPES, hidden: Number(o.hidden), batch: Number(o.batch) };
  const n = Number(o.n),
    warmup = Number(o.warmup);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--n must be a positive integer, got ${o.n}`);
  if (!Number.isInteger(warmup) || warmup < 0)
    throw new Error(`--warmup must be a non-negative integer, got ${o.warmup}`);
  if (!["native", "wasm", "stock", "both", "all"].includes(o.path)) {
    throw new Error(`--path must be native, wasm, stock, both or all, got ${o.path}`);
  }
  await ready("wasm");
  const paths: KernelPath[] =
    o.path === "both" ? ["native", "wasm"] : o.path === "all" ? ["native", "wasm", "stock"] : [o.path as KernelPath];
  for (const path of paths) {
    const status = usePath(path);
    if (path === "native" && !status.loaded) {
      process.stdout.write(`native: not available (${status.reason ?? "unknown"})\n`);
      continue;
    }
    process.stdout.write(`${benchHeader()}\n`);
    const res = timeReferenceUpdate(shapes, n, warmup);
    process.stdout.write(
      `reference update [${path}] obs ${shapes.obs} act ${shapes.act} hidden 2×${shapes.hidden} batch ${shapes.batch}: ` +
        `${res.msPerUpdate.toFixed(2)} ms/update (${(1000 / res.msPerUpdate).toFixed(1)} updates/s; CPU ${res.cpuMsPerUpdate.toFixed(2)} ms), ` +
        `${res.leakedTensors} tensors leaked/update, checksum ${res.checksum.toFixed(4)}\n`,
    );
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench/update-reference: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
