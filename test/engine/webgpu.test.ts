/**
 * The webgpu backend (src/engine/webgpu.ts) on whatever WebGPU adapter this machine has — in CI the software
 * device lavapipe (scripts/ci/webgpu.sh installs it):
 * - the reference update trains on webgpu and gives the parameters the cpu backend gives from the same seed
 *   (every weight, target and Adam moment after 8 updates, within 1e-4 relative; measured here ≈ 2e-7);
 * - the fused update (src/agents/fused/webgpu-kernels.ts) runs on webgpu — its kernels, not the reference's —
 *   and gives the parameters the cpu backend's fused update gives, for SAC-v1, VIREL1 (β from replay samples and
 *   from the minibatches), VIREL2 and SAC (every weight, target and Adam moment after 8 updates: elementwise
 *   |Δ|/(1 + |w|) and per tensor ‖Δ‖/‖w‖ below 1e-5; measured on lavapipe ≤ 2.4e-7 and ≤ 1.0e-6); each of its ten
 *   kernels gives the cpu kernel's outputs (1e-5 of the output's scale; measured 8.5e-7); no tensor or GPU buffer
 *   leaks per step;
 * - no tensor leaks per training step; synchronous reads (dataSync) work on Node;
 * - auto-selection skips a software adapter; `virel train --backend webgpu` trains Pendulum-v1 for a short run;
 * - `virel bench --gpu` times the GPU path (fused and reference update) against the CPU path.
 * Without an adapter the tests skip with the reason — except under CI=true, where a missing adapter fails.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../../src/engine/backend";
import { isSoftwareAdapter, probeWebGpu } from "../../src/engine/webgpu";
import type { WebGpuProbe } from "../../src/engine/webgpu";
import * as agents from "../../src/agents";
import { Rng } from "../../src/rng";
import { formatCrossover } from "../../src/cli/bench-gpu";
import type { CrossoverResult, CrossoverRow } from "../../src/cli/bench-gpu";

const ROOT = join(__dirname, "..", "..", "..");
let probe: WebGpuProbe;
let skip: string | false = false;

before(async () => {
  probe = await probeWebGpu();
  if (!probe.available) {
    const why = `no WebGPU adapter: ${probe.reason ?? "?"} (${probe.fix ?? ""})`;
    if (process.env.CI === "true")
      throw new Error(`CI=true needs the WebGPU software device (scripts/ci/webgpu.sh): ${why}`);
    skip = why;
  }
});

test("software adapters are told apart from hardware ones", () => {
  assert.equal(isSoftwareAdapter({ architecture: "software", description: "llvmpipe: Mesa 25.0.7" }, true), true);
  assert.equal(isSoftwareAdapter({ architecture: "", description: "SwiftShader Device (Subzero)" }, false), true);
  assert.equal(isSoftwareAdapter({ architecture: "ampere", description: "NVIDIA H100 80GB HBM3" }, false), false);
});

const CFG = { hidden: [24, 24], batchSize: 16, randomSteps: 30, evalEvery: 0, bufferSize: 500, logEvery: 1000 };
const STEPS = 38; // 8 gradient steps after 30 random ones

function params(agent: agents.Agent): [string, Float32Array][] {
  return agent.getTensorState().filter(([n]) => !n.startsWith("replay/") && !n.startsWith("episode/"));
}

/** Runs `f` with VIREL_FAST_UPDATE = `value` (the learner reads it when it is made), then restores it. */
async function withFastUpdate<T>(value: "0" | "1", f: () => Promise<T>): Promise<T> {
  const saved = process.env.VIREL_FAST_UPDATE;
  process.env.VIREL_FAST_UPDATE = value;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env.VIREL_FAST_UPDATE;
    else process.env.VIREL_FAST_UPDATE = saved;
  }
}

interface Difference {
  /** max over elements of |a − b| / (1 + |b|), and where. */
  worst: number;
  where: string;
  /** max over tensors of ‖a − b‖ / ‖b‖, and which. */
  worstNorm: number;
  whereNorm: string;
  /** Non-zero Adam moments in b (the updates ran). */
  changed: number;
}

/** How far the parameters `a` are from `b` (same names, same order). */
function difference(a: [string, Float32Array][], b: [string, Float32Array][]): Difference {
  assert.deepEqual(
    a.map(([n]) => n),
    b.map(([n]) => n),
  );
  const d: Difference = { worst: 0, where: "", worstNorm: 0, whereNorm: "", changed: 0 };
  a.forEach(([name, x], i) => {
    const y = (b[i] as [string, Float32Array])[1];
    assert.equal(x.length, y.length, name);
    let num = 0,
      den = 0;
    for (let j = 0; j < x.length; j++) {
      const xj = x[j] as number,
        yj = y[j] as number;
      const e = Math.abs(xj - yj) / (1 + Math.abs(yj));
      if (!(e <= d.worst)) [d.worst, d.where] = [e, `${name}[${j}]`];
      num += (xj - yj) ** 2;
      den += yj ** 2;
      if (name.startsWith("adam/") && yj !== 0) d.changed++;
    }
    const rel = Math.sqrt(num / Math.max(den, 1e-24));
    if (!(rel <= d.worstNorm)) [d.worstNorm, d.whereNorm] = [rel, name];
  });
  return d;
}

test("the reference update trains on webgpu: same parameters as the cpu backend after 8 updates (1e-4), no leaks", async (t) => {
  if (skip) return t.skip(skip);
  const info = await engine.ready("webgpu");
  assert.equal(info.name, "webgpu");
  assert.equal(info.tfBackend, "webgpu");
  assert.ok(info.adapter !== undefined);
  const tf = engine.tf<typeof import("@tensorflow/tfjs")>();
  const gpu = await withFastUpdate("0", () =>
    agents.create({ algo: "sac-v1", env: "Pendulum-v1", seed: 3, config: CFG }),
  );
  assert.equal(tf.getBackend(), "webgpu");
  assert.equal(gpu.learner.fastPathActive, false, "the reference update runs");
  await gpu.train(STEPS - 1); // train(n) adds n env steps
  const tensors = tf.memory().numTensors;
  await gpu.train(1);
  assert.equal(tf.memory().numTensors - tensors, 0, "tensors leaked by one webgpu training step");
  const onGpu = params(gpu);

  // The same run on the cpu backend, reference update (the fused one is tested against it elsewhere).
  await tf.setBackend("cpu");
  const saved = process.env.VIREL_FAST_UPDATE;
  process.env.VIREL_FAST_UPDATE = "0";
  try {
    const cpu = await agents.create({ algo: "sac-v1", env: "Pendulum-v1", seed: 3, config: CFG });
    await cpu.train(STEPS);
    const onCpu = params(cpu);
    assert.deepEqual(
      onGpu.map(([n]) => n),
      onCpu.map(([n]) => n),
    );
    let worst = 0,
      where = "",
      changed = 0;
    onGpu.forEach(([name, g], i) => {
      const c = (onCpu[i] as [string, Float32Array])[1];
      assert.equal(g.length, c.length, name);
      for (let j = 0; j < g.length; j++) {
        const d = Math.abs((g[j] as number) - (c[j] as number)) / (1 + Math.abs(c[j] as number));
        if (d > worst) [worst, where] = [d, `${name}[${j}]`];
        if (name.startsWith("adam/") && c[j] !== 0) changed++;
      }
    });
    assert.ok(changed > 100, `the updates ran (non-zero Adam moments: ${changed})`);
    assert.ok(worst < 1e-4, `largest relative difference webgpu vs cpu: ${worst} at ${where}`);
    if (process.env.VIREL_TEST_VERBOSE)
      process.stdout.write(`# webgpu vs cpu: worst ${worst.toExponential(2)} at ${where}\n`);
  } finally {
    if (saved === undefined) delete process.env.VIREL_FAST_UPDATE;
    else process.env.VIREL_FAST_UPDATE = saved;
  }
});

/** Kernel inputs as arrays: name → [shape, values]. */
type ArrayInputs = Record<string, [number[], Float32Array]>;

/** Runs a fused kernel on the active backend from arrays; its outputs as arrays (the tensors are freed). */
function runOn(
  tf: typeof import("@tensorflow/tfjs"),
  name: string,
  inputs: ArrayInputs,
  attrs: Record<string, unknown>,
): Float32Array[] {
  const ts: Record<string, import("@tensorflow/tfjs").Tensor> = {};
  for (const [k, [shape, values]] of Object.entries(inputs)) ts[k] = tf.tensor(Float32Array.from(values), shape);
  const outs = tf.engine().runKernel(name, ts, attrs as import("@tensorflow/tfjs").NamedAttrMap) as
    import("@tensorflow/tfjs").Tensor | import("@tensorflow/tfjs").Tensor[];
  const list = Array.isArray(outs) ? outs : [outs];
  const values = list.map((o) => Float32Array.from(o.dataSync() as Float32Array));
  tf.dispose([...list, ...Object.values(ts)]);
  return values;
}

test("each fused kernel on webgpu gives the cpu kernel's outputs (clipped log σ, ties, 7 networks; 1e-5 of scale; measured on lavapipe 8.5e-7)", async (t) => {
  if (skip) return t.skip(skip);
  await engine.ready("webgpu");
  const tf = engine.tf<typeof import("@tensorflow/tfjs")>();
  const { installFastKernels } = await import("../../src/agents/fused/kernels.js");
  const rng = new Rng(7);
  const normal = (n: number, scale = 1): Float32Array => rng.fillNormal(new Float32Array(n)).map((v) => v * scale);
  const arr = (shape: number[], scale = 1): [number[], Float32Array] => [
    shape,
    normal(
      shape.reduce((a, b) => a * b),
      scale,
    ),
  ];
  const B = 9,
    A = 3,
    O = 5;
  // the policy head's raw log σ beyond both clip limits in some rows
  const pi = arr([B, 2 * A], 2);
  for (let r = 0; r < B; r += 3) [pi[1][r * 2 * A + A], pi[1][r * 2 * A + A + 1]] = [3.5, -25];
  const noise = arr([B, A + 1]);
  for (let r = 0; r < B; r++) {
    let s = 0;
    for (let i = 0; i < A; i++) s += -0.5 * (noise[1][r * (A + 1) + i] as number) ** 2 - 0.9189385332046727;
    noise[1][r * (A + 1) + A] = s;
  }
  const q1 = arr([B, 1], 3),
    q2: [number[], Float32Array] = [[B, 1], q1[1].map((v, i) => (i % 3 === 0 ? v : v + (i % 2 === 0 ? 0.5 : -0.5)))];
  const rd: [number[], Float32Array] = [
    [B, 2],
    Float32Array.from({ length: 2 * B }, (_, i) => (i % 2 === 0 ? rng.normal() : i % 6 === 1 ? 1 : 0)),
  ];
  const mlp = (nets: number, sizes: number[], withH: boolean, dyCols = 0): ArrayInputs => {
    const ins: ArrayInputs = { x: arr([B, sizes[0] as number]) };
    for (let n = 0; n < nets; n++) {
      for (let l = 0; l + 1 < sizes.length; l++) {
        ins[`w${n}_${l}`] = arr([sizes[l] as number, sizes[l + 1] as number], 0.5);
        ins[`b${n}_${l}`] = arr([sizes[l + 1] as number], 0.1);
        if (withH && l > 0) {
          const h = arr([B, sizes[l] as number]);
          ins[`h${n}_${l}`] = [h[0], h[1].map((v) => Math.max(v, 0))];
        }
      }
      if (dyCols > 0) ins[`dy${n}`] = arr([B, dyCols]);
    }
    return ins;
  };
  const adamIns: ArrayInputs = {};
  for (let i = 0; i < 2; i++) {
    adamIns[`w${i}`] = arr([4, 3 + i]);
    adamIns[`g${i}`] = arr([4, 3 + i], 0.1);
    adamIns[`m${i}`] = arr([4, 3 + i], 0.01);
    adamIns[`v${i}`] = [[4, 3 + i], normal(4 * (3 + i), 0.01).map((v) => v * v)];
  }
  const lim = { logStdMin: -20, logStdMax: 2 };
  const cases: [string, ArrayInputs, Record<string, unknown>][] = [
    ["VirelMlpForward", mlp(2, [O, 7, 6, 3], false), { nets: 2, layers: 3, keep: true }],
    ["VirelMlpForward", mlp(1, [O, 7, 3], false), { nets: 1, layers: 2, keep: false }],
    [
      "VirelMlpBackward",
      mlp(7, [O + A, 7, 2], true, 2),
      { nets: 7, layers: 2, paramGrads: true, inputCols: [O, O + A] },
    ],
    ["VirelMlpBackward", mlp(2, [O, 6, 6, 1], true, 1), { nets: 2, layers: 3, paramGrads: true }],
    ["VirelTanhGaussian", { out: pi, noise, obs: arr([B, O]) }, lim],
    ["VirelTanhGaussian", { out: pi, noise }, lim],
    ["VirelTanhGaussianGrad", { out: pi, noise, dAction: arr([B, A]) }, { ...lim, dLogPi: 0.07, reg: 1e-3 }],
    ["VirelAdam", adamIns, { count: 2, lr: 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 3 }],
    ["VirelPolyak", { src0: arr([5, 4]), tgt0: arr([5, 4]), src1: arr([4]), tgt1: arr([4]) }, { count: 2, tau: 0.005 }],
    ["VirelSoftMin", { a: q1, b: q2, logPi: arr([B, 1]) }, { temp: 0.2 }],
    ["VirelSoftMin", { a: q1, logPi: arr([B, 1]) }, { temp: 0.2 }],
    ["VirelSoftMin", { a: q1, b: q2 }, { temp: 0 }],
    ["VirelTdTarget", { rd, next: arr([B, 1]), logPi: arr([B, 1]) }, { gamma: 0.99, temp: 0.3 }],
    ["VirelTdTarget", { rd, next: arr([B, 1]) }, { gamma: 0.99, temp: 0 }],
    ["VirelMseGrad", { pred: arr([B, 1]), target: arr([B, 1]) }, {}],
    ["VirelMinGrad", { q1, q2, logPi: arr([B, 1]) }, { scale: -1 / B }],
  ];
  let worst = 0,
    where = "";
  for (const [name, inputs, attrs] of cases) {
    await tf.setBackend("webgpu");
    installFastKernels();
    const gpu = runOn(tf, name, inputs, attrs);
    await tf.setBackend("cpu");
    const cpu = runOn(tf, name, inputs, attrs);
    assert.equal(gpu.length, cpu.length, `${name}: number of outputs`);
    cpu.forEach((c, k) => {
      const g = gpu[k] as Float32Array;
      assert.equal(g.length, c.length, `${name} output ${k}: size`);
      let d = 0,
        scale = 1e-6;
      for (let j = 0; j < c.length; j++) {
        d = Math.max(d, Math.abs((g[j] as number) - (c[j] as number)));
        scale = Math.max(scale, Math.abs(c[j] as number));
      }
      if (!(d / scale <= worst)) [worst, where] = [d / scale, `${name} ${JSON.stringify(attrs)} output ${k}`];
    });
  }
  await tf.setBackend("webgpu");
  assert.ok(worst < 1e-5, `largest difference webgpu vs cpu relative to the output's scale: ${worst} (${where})`);
  if (process.env.VIREL_TEST_VERBOSE)
    process.stdout.write(`# fused kernels webgpu vs cpu: worst ${worst.toExponential(2)} of scale (${where})\n`);
});

/** The fused update's configurations checked on webgpu (β estimated from 24 replay samples, or from minibatches). */
const FUSED_CASES: { name: string; algo: string; config: Record<string, unknown> }[] = [
  { name: "SAC-v1", algo: "sac-v1", config: {} },
  { name: "VIREL1, β from replay", algo: "virel1", config: { betaRule: "td-residual", betaBatch: 24 } },
  {
    name: "VIREL1, β from minibatches",
    algo: "virel1",
    config: { betaRule: "td-residual", betaSource: "minibatch", betaBatch: 32 },
  },
  { name: "VIREL2", algo: "virel2", config: { betaBatch: 24 } },
  { name: "SAC", algo: "sac", config: {} },
];

/** Engine kernel calls made by `f`, by name (a spy on the engine's runKernel, removed after). */
async function kernelCalls(
  tf: typeof import("@tensorflow/tfjs"),
  f: () => Promise<unknown>,
): Promise<Map<string, number>> {
  const eng = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const stock = eng.runKernel;
  const calls = new Map<string, number>();
  eng.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    return stock.call(this, name, ...rest);
  };
  try {
    await f();
  } finally {
    eng.runKernel = stock;
  }
  return calls;
}

test("the fused update runs on webgpu: its kernels (not the reference's), no leaks, the cpu backend's fused parameters after 8 updates (1e-5; measured on lavapipe ≤ 1e-6)", async (t) => {
  if (skip) return t.skip(skip);
  await engine.ready("webgpu");
  const tf = engine.tf<typeof import("@tensorflow/tfjs")>();
  const lines: string[] = [];
  for (const c of FUSED_CASES) {
    const config = { ...CFG, ...c.config };
    await tf.setBackend("webgpu");
    const gpu = await withFastUpdate("1", () => agents.create({ algo: c.algo, env: "Pendulum-v1", seed: 3, config }));
    assert.equal(tf.getBackend(), "webgpu");
    assert.equal(gpu.learner.fastPathActive, true, `${c.name}: the fused update is active on webgpu`);
    await gpu.train(STEPS - 1);
    // one more step (an action and an update): the fused kernels run, and nothing is left behind — no tensor, and
    // no GPU buffer (the kernels' intermediates are backend data, not tensors)
    const backend = tf.backend();
    const tensors = tf.memory().numTensors,
      data = backend.numDataIds();
    const calls = await kernelCalls(tf, () => gpu.train(1));
    assert.equal(tf.memory().numTensors - tensors, 0, `${c.name}: tensors leaked by one fused webgpu step`);
    assert.equal(backend.numDataIds() - data, 0, `${c.name}: backend data leaked by one fused webgpu step`);
    const total = [...calls.values()].reduce((a, b) => a + b, 0);
    const fused = [...calls].filter(([k]) => k.startsWith("Virel")).reduce((a, [, n]) => a + n, 0);
    for (const k of ["VirelMlpForward", "VirelMlpBackward", "VirelAdam", "VirelTanhGaussianGrad"])
      assert.ok((calls.get(k) ?? 0) > 0, `${c.name}: ${k} ran on webgpu (kernel calls: ${JSON.stringify([...calls])})`);
    // the reference update of SAC-v1 is ≈ 875 kernels; the fused one ≈ 25, a few more with β
    assert.ok(total < 120, `${c.name}: ${total} engine kernels in one step (${fused} fused): the reference update ran`);
    const onGpu = params(gpu);
    gpu.dispose();

    await tf.setBackend("cpu");
    const cpu = await withFastUpdate("1", () => agents.create({ algo: c.algo, env: "Pendulum-v1", seed: 3, config }));
    assert.equal(cpu.learner.fastPathActive, true);
    await cpu.train(STEPS);
    const d = difference(onGpu, params(cpu));
    cpu.dispose();
    assert.ok(d.changed > 100, `${c.name}: the updates ran (non-zero Adam moments: ${d.changed})`);
    assert.ok(d.worst < 1e-5, `${c.name}: largest relative difference webgpu vs cpu: ${d.worst} at ${d.where}`);
    assert.ok(d.worstNorm < 1e-5, `${c.name}: largest ‖Δ‖/‖w‖ webgpu vs cpu: ${d.worstNorm} (${d.whereNorm})`);
    lines.push(
      `# fused webgpu vs fused cpu, ${c.name}: ${total} kernels/step (${fused} fused); worst ${d.worst.toExponential(2)} ` +
        `at ${d.where}; worst ‖Δ‖/‖w‖ ${d.worstNorm.toExponential(2)} (${d.whereNorm})`,
    );
  }
  await tf.setBackend("webgpu");
  if (process.env.VIREL_TEST_VERBOSE) process.stdout.write(lines.join("\n") + "\n");
});

test("auto-selection does not pick a software adapter, and says why", (t) => {
  if (skip) return t.skip(skip);
  if (probe.adapter?.software !== true) return t.skip("the adapter here is hardware");
  const mod = join(ROOT, "dist", "src", "engine", "backend.js");
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      `require(${JSON.stringify(mod)}).ready("auto").then((i) => process.stdout.write(JSON.stringify(i) + "\\n"))`,
    ],
    { encoding: "utf8", timeout: 120_000, env: { ...process.env, VIREL_BACKEND: "" } },
  );
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.trim().split("\n").pop() as string) as engine.BackendInfo;
  assert.notEqual(info.name, "webgpu");
  assert.ok(
    info.skipped.some((s) => /^webgpu: only a software adapter/.test(s)),
    info.skipped.join("; "),
  );
});

test("`virel train --backend webgpu` trains Pendulum-v1 for a short run (finite losses, a checkpoint, an evaluation)", (t) => {
  if (skip) return t.skip(skip);
  const dir = mkdtempSync(join(tmpdir(), "virel-webgpu-"));
  try {
    writeFileSync(join(dir, "config.in.json"), JSON.stringify({ randomSteps: 60, batchSize: 16, logEvery: 20 }));
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, "bin", "virel.js"),
        "train",
        "--env",
        "Pendulum-v1",
        "--algo",
        "virel1",
        "--steps",
        "100",
        "--hidden",
        "16,16",
        "--eval-every",
        "100",
        "--eval-episodes",
        "1",
        "--config",
        join(dir, "config.in.json"),
        "--backend",
        "webgpu",
        "--out",
        join(dir, "run"),
        "--json",
        "--progress",
        "none",
      ],
      { encoding: "utf8", timeout: 300_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const summary = (
      JSON.parse(r.stdout.trim().split("\n").pop() as string) as {
        summary: { backend: string; step: number; finalEval: { mean: number } | null };
      }
    ).summary;
    assert.equal(summary.backend, "webgpu");
    assert.equal(summary.step, 100);
    assert.ok(summary.finalEval !== null && Number.isFinite(summary.finalEval.mean));
    const rows = readFileSync(join(dir, "run", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    const losses = rows.filter((x) => "losses/q1" in x);
    assert.ok(losses.length >= 2, `loss rows: ${losses.length}`);
    for (const x of losses)
      for (const k of ["losses/q1", "losses/pi", "virel/beta"]) assert.ok(Number.isFinite(x[k]), `${k} = ${x[k]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("`virel bench --gpu` times the fused and the reference update on the GPU against the CPU path and names the device", (t) => {
  if (skip) return t.skip(skip);
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "bin", "virel.js"), "bench", "--gpu", "--hidden", "16", "--batch", "16", "--iters", "1", "--json"],
    { encoding: "utf8", timeout: 300_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() as string) as CrossoverResult;
  assert.equal(out.software, probe.adapter?.software);
  assert.ok(out.device.includes(probe.adapter?.description ?? "?"), out.device);
  assert.equal(out.rows.length, 1);
  const row = out.rows[0] as CrossoverRow;
  assert.deepEqual([row.hidden, row.batch], [16, 16]);
  for (const ms of [row.gpuMs, row.gpuReferenceMs, row.cpuMs]) assert.ok(ms > 0 && Number.isFinite(ms));
  assert.ok(Math.abs(row.gpuSpeedup - row.cpuMs / row.gpuMs) < 1e-12);
  assert.ok(Math.abs(row.fusedSpeedup - row.gpuReferenceMs / row.gpuMs) < 1e-12);
  // the GPU side ran both update rules: the fused one in a few tens of engine kernels, the reference in hundreds
  assert.ok(row.gpuKernels > 0 && row.gpuKernels < 60, `fused kernels per update: ${row.gpuKernels}`);
  assert.ok(row.gpuReferenceKernels > 300, `reference kernels per update: ${row.gpuReferenceKernels}`);
  assert.match(row.cpuPath, /^(native|wasm)$/);
  const text = formatCrossover(out).join("\n");
  assert.match(
    text,
    /\| 2×16 \| 16 \| [0-9.]+ \| [0-9.]+ \| [0-9]+ \/ [0-9]+ \| [0-9.]+× \| [0-9.]+ \| (native|wasm) \| [0-9.]+×/,
  );
  assert.match(text, out.software ? /software device/ : /GPU path: webgpu on/);
});
