// The fused fast update (src/agents/fused/update.ts) against the reference update (src/agents/reference-update.ts): the same parameters, Adam
// moments, β, α and returned numbers after several updates from the same seed, batches and noise — for every
// algorithm and β rule, with batch sizes and widths that are not multiples of 4 (the SIMD loops' tails), three
// layers, on the active backend and on the cpu backend; no tensor leaks; the SIMD loops bit-identical to their
// JavaScript versions.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as engine from "../../src/engine/backend";
import { parseConfig } from "../../src/agents/config";
import type { AgentConfigInput } from "../../src/agents/config";
import { ReplayBuffer } from "../../src/agents/replay";
import { Rng } from "../../src/rng";
import type { Learner as LearnerT } from "../../src/agents/learner";
import {
  adamJs,
  biasReluJs,
  instantiateSimdLoops,
  polyakJs,
  reluJs,
  reluMaskJs,
  simdModuleBytes,
} from "../../src/agents/fused/simd";
import {
  installNativeKernels,
  nativeBlasInfo,
  nativeStatus,
  productLanes,
  setProductLanes,
} from "../../src/engine/native";

type Tf = typeof import("@tensorflow/tfjs");
let tf: Tf;
let Learner: typeof import("../../src/agents/learner").Learner;
let fast: typeof import("../../src/agents/fused/update");

before(async () => {
  await engine.ready(process.env.VIREL_BACKEND ?? "auto");
  tf = engine.tf();
  Learner = (await import("../../src/agents/learner.js")).Learner;
  fast = await import("../../src/agents/fused/update.js");
});

const OBS = 5;
const ACT = 3;

function filledBuffer(n: number, seed = 3): ReplayBuffer {
  const rng = new Rng(seed);
  const buf = new ReplayBuffer(n, OBS, ACT);
  for (let i = 0; i < n; i++) {
    buf.add(
      rng.fillNormal(new Float32Array(OBS)),
      rng.fillUniform(new Float32Array(ACT), -1, 1),
      rng.normal(),
      rng.fillNormal(new Float32Array(OBS)),
      rng.uniform() < 0.05,
    );
  }
  return buf;
}

function makeLearner(fastUpdate: boolean, algo: string, extra: Partial<AgentConfigInput> = {}): LearnerT {
  const cfg = parseConfig({ algo, hidden: [22, 17, 13], batchSize: 30, ...extra });
  const root = new Rng(11);
  return new Learner(cfg, OBS, ACT, root.fork("init"), root.fork("noise"), { fastUpdate });
}

interface Trace {
  params: Map<string, Float32Array>;
  numbers: number[];
  actions: Float32Array[];
}

/** n full steps (β refresh, M-step, E-step, two act calls) from fixed seeds; every returned number recorded. */
function run(fastUpdate: boolean, algo: string, extra: Partial<AgentConfigInput>, n: number, batch = 30): Trace {
  const L = makeLearner(fastUpdate, algo, extra);
  assert.equal(L.fastPathActive, fastUpdate && fast.fusedUpdateSupported());
  const buf = filledBuffer(300);
  const rng = new Rng(5);
  const numbers: number[] = [];
  const actions: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    numbers.push(L.refreshBeta(buf, rng));
    const { m, e } = L.update(buf.sample(batch, rng));
    numbers.push(m.msbe, m.lossQ1, m.lossQ2, m.lossV ?? 0, m.q1Mean, m.q2Mean, m.beta);
    numbers.push(e.loss, e.qHat, e.entropy, e.beta, e.elbo, e.alpha ?? 0, e.alphaLoss ?? 0);
    const obs = new Rng(100 + i).fillNormal(new Float32Array(OBS * 7));
    actions.push(L.act(obs, false), L.act(obs.subarray(0, OBS), true));
  }
  numbers.push(L.beta, L.logAlpha, L.gradSteps, L.optPi.t, L.optQ.t, ...L.betaWindow);
  const params = new Map(L.named().map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
  L.dispose();
  return { params, numbers, actions };
}

/** ‖a − b‖ / ‖b‖ (Euclidean norms; ‖b‖ at least 1e-12). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / Math.max(n, 1e-24));
}

/** max_i |a_i − b_i| / max_i |b_i|: the largest elementwise error relative to the tensor's scale. */
function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    s = 1e-12;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / s;
}

function compare(algo: string, extra: Partial<AgentConfigInput>, n: number): number {
  const f = run(true, algo, extra, n);
  const r = run(false, algo, extra, n);
  let worst = 0;
  assert.deepEqual([...f.params.keys()], [...r.params.keys()]);
  // Float32 rounding differs between the paths (summation order, float64 heads); Adam's normalised step turns a
  // relative error ε in a gradient element into ≈ lr·ε in the parameter, largest where the gradient is small — so
  // the test bounds the relative norm of each tensor's difference tightly and the elementwise error loosely.
  for (const [k, v] of r.params) {
    const fv = f.params.get(k)!;
    const e = relErr(fv, v);
    assert.ok(e < 1e-5, `${algo} ${JSON.stringify(extra)}: ${k} differs by ‖Δ‖/‖w‖ = ${e.toExponential(2)}`);
    assert.ok(
      maxErr(fv, v) < 1e-4,
      `${algo} ${JSON.stringify(extra)}: ${k} differs elementwise by ${maxErr(fv, v).toExponential(2)} of its scale`,
    );
    worst = Math.max(worst, e);
    if (process.env.VIREL_TEST_VERBOSE === "2" && e > 1e-6)
      process.stdout.write(`# ${k} ${e.toExponential(2)} max ${maxErr(fv, v).toExponential(2)}\n`);
  }
  f.numbers.forEach((x, i) => {
    const y = r.numbers[i]!;
    assert.ok(
      Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(y)),
      `${algo}: returned number ${i}: fast ${x}, reference ${y}`,
    );
  });
  f.actions.forEach((a, i) => assert.ok(relErr(a, r.actions[i]!) < 1e-5, `${algo}: act() call ${i} differs`));
  // the updates did something: the parameters moved away from their initial values
  const init = makeLearner(false, algo, extra);
  const moved = init.named().some(([k, v]) => relErr(v.dataSync() as Float32Array, r.params.get(k)!) > 1e-3);
  init.dispose();
  assert.ok(moved, "the updates changed the parameters");
  return worst;
}

const CASES: Array<[string, Partial<AgentConfigInput>]> = [
  ["virel1", { betaBatch: 64 }],
  ["virel1", { betaBatch: 64, betaRule: "twin-q-residual" }],
  ["virel1", { betaRule: "fixed", beta: 0.3 }],
  ["virel1", { betaBatch: 60, betaSource: "minibatch" }],
  ["virel2", { betaBatch: 60, betaSource: "minibatch" }],
  ["virel2", { betaBatch: 64 }],
  ["virel2", { betaBatch: 64, betaRule: "twin-q-residual", policyReg: 0 }],
  ["sac-v1", {}],
  ["sac", {}],
  ["sac", { policyReg: 1e-2, logStdMax: 0.1 }],
];

for (const [algo, extra] of CASES) {
  test(`fast update = reference update: ${algo} ${JSON.stringify(extra)} (8 steps: parameters, Adam moments, β/α, losses, actions)`, () => {
    assert.ok(fast.fusedUpdateSupported(), `the fast path runs on the ${tf.getBackend()} backend`);
    const worst = compare(algo, extra, 8);
    if (process.env.VIREL_TEST_VERBOSE) process.stdout.write(`# ${algo} worst ${worst.toExponential(2)}\n`);
  });
}

test("fast update = reference update on the pure wasm path (stock kernels with explicit transposes, fused bias/ReLU)", () => {
  if (tf.getBackend() !== "wasm") return; // the pure wasm path exists on the wasm backend only
  const wasNative = nativeStatus().loaded;
  installNativeKernels({ native: false });
  try {
    assert.equal(nativeStatus().loaded, false);
    compare("virel1", { betaBatch: 64 }, 4);
    compare("sac", {}, 4);
  } finally {
    installNativeKernels({ native: wasNative });
  }
});

// Two product lanes (VIREL_PRODUCT_LANES=2): the fused kernels hand independent products to the addon together and
// it runs them on two threads, each product single-threaded — so every number must be bit-identical to one lane.
// Widths and batch are large enough (≥ 2²⁰ multiply-adds per product) for the addon to use its second thread.
for (const [algo, extra] of [
  ["virel1", { betaBatch: 64 }],
  ["virel1", { betaBatch: 64, betaSource: "minibatch" }],
  ["virel2", { betaBatch: 64 }],
  ["sac-v1", {}],
  ["sac", {}],
] as Array<[string, Partial<AgentConfigInput>]>) {
  test(`two product lanes = one lane, bit for bit: ${algo} ${JSON.stringify(extra)} (native path)`, (t) => {
    if (!nativeStatus().loaded) return t.skip("the native BLAS path is not active here");
    const wide: Partial<AgentConfigInput> = { ...extra, hidden: [300, 260], batchSize: 48 };
    const before = productLanes();
    try {
      assert.equal(setProductLanes(1), 1);
      const one = runWide(algo, wide);
      assert.equal(setProductLanes(2), 2, "the addon takes two lanes");
      const handed = nativeBlasInfo()!.laneBlocks!;
      const two = runWide(algo, wide);
      assert.ok(nativeBlasInfo()!.laneBlocks! > handed, "the second lane ran products");
      assert.deepEqual(two.numbers, one.numbers);
      for (const [k, v] of one.params) assert.deepEqual(two.params.get(k), v, `${algo}: ${k}`);
      two.actions.forEach((a, i) => assert.deepEqual(a, one.actions[i], `${algo}: act() call ${i}`));
    } finally {
      setProductLanes(before === 2 ? 2 : 1);
    }
  });
}

/** {@link run} with the fast path at the given widths and batch (3 steps). */
function runWide(algo: string, cfg: Partial<AgentConfigInput>): Trace {
  return run(true, algo, cfg, 3, cfg.batchSize);
}

test("fast update = reference update on the cpu backend (the fused kernels' JavaScript loops)", async () => {
  const before = tf.getBackend();
  await tf.setBackend("cpu");
  try {
    assert.ok(fast.fusedUpdateSupported());
    compare("virel2", { betaBatch: 64, betaRule: "twin-q-residual" }, 4);
    compare("sac", {}, 4);
  } finally {
    await tf.setBackend(before);
  }
});

for (const algo of ["virel1", "virel2", "sac-v1", "sac"]) {
  test(`${algo}: the fast path leaves tf.memory().numTensors unchanged (β refresh, M-step, E-step, act)`, () => {
    const L = makeLearner(
      true,
      algo,
      algo.startsWith("virel")
        ? { betaBatch: 64, betaRule: algo === "virel2" ? "twin-q-residual" : "td-residual" }
        : {},
    );
    const buf = filledBuffer(200);
    const rng = new Rng(5);
    L.update(buf.sample(30, rng));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      L.refreshBeta(buf, rng);
      L.update(buf.sample(30, rng));
      L.act(new Float32Array(OBS * 3), false);
      L.act(new Float32Array(OBS), true);
    }
    assert.equal(tf.memory().numTensors, before);
    L.dispose();
  });
}

test("virel1, betaSource minibatch: the fast path's scored M-step leaves tf.memory().numTensors unchanged", () => {
  const L = makeLearner(true, "virel1", { betaBatch: 60, betaSource: "minibatch" });
  const buf = filledBuffer(200);
  const rng = new Rng(5);
  L.update(buf.sample(30, rng));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) {
    L.refreshBeta(buf, rng);
    L.update(buf.sample(30, rng));
  }
  assert.equal(L.betaWindow.length, 2);
  assert.equal(tf.memory().numTensors, before);
  L.dispose();
});

test("useFastPath can be switched between updates: the result equals an all-reference run", () => {
  const algo = "virel1",
    extra = { betaBatch: 64 };
  const r = run(false, algo, extra, 4);
  const L = makeLearner(true, algo, extra);
  const buf = filledBuffer(300);
  const rng = new Rng(5);
  for (let i = 0; i < 4; i++) {
    L.useFastPath = i % 2 === 0;
    L.refreshBeta(buf, rng);
    L.update(buf.sample(30, rng));
    const obs = new Rng(100 + i).fillNormal(new Float32Array(OBS * 7));
    L.act(obs, false);
    L.act(obs.subarray(0, OBS), true);
  }
  for (const [k, v] of L.named()) assert.ok(relErr(v.dataSync() as Float32Array, r.params.get(k)!) < 1e-5, k);
  L.dispose();
});

test("drawNoiseInto draws exactly what drawNoise draws", async () => {
  const policy = await import("../../src/agents/policy.js");
  const a = policy.drawNoise(new Rng(9), 7, 3);
  const packed = fast.drawNoiseInto(new Rng(9), 7, 3, new Float32Array(7 * 4));
  for (let r = 0; r < 7; r++) {
    for (let i = 0; i < 3; i++) assert.equal(packed[r * 4 + i], a.eps[r * 3 + i]);
    assert.equal(packed[r * 4 + 3], a.logNormal0[r]);
  }
});

test("the SIMD loops are bit-identical to their JavaScript versions (Adam, Polyak, ReLU, ReLU mask)", () => {
  const memory = new (
    globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }
  ).WebAssembly.Memory({ initial: 4 }); // 64 Ki float32: ten slots of 1024
  const loops = instantiateSimdLoops(memory);
  assert.ok(simdModuleBytes().length < 2000);
  const rng = new Rng(4);
  for (const n of [4, 64, 1000]) {
    const heap = new Float32Array(memory.buffer);
    const at = (k: number): Float32Array => heap.subarray(k * 1024, k * 1024 + n);
    const [w, g, m, v, w2, m2, v2] = [0, 1, 2, 3, 4, 5, 6].map(at) as Float32Array[];
    rng.fillNormal(w!);
    rng.fillNormal(g!, 0, 0.1);
    rng.fillNormal(m!, 0, 0.01);
    for (let i = 0; i < n; i++) v![i] = Math.fround(Math.abs(rng.normal()) * 1e-4);
    g![0] = 0; // a zero gradient with v = 0 takes the ε branch
    v![0] = 0;
    const k = {
      b1: Math.fround(0.9),
      c1: Math.fround(0.1),
      b2: Math.fround(0.999),
      c2: Math.fround(0.001),
      step: Math.fround(3e-4 / 0.19),
      isb: Math.fround(1 / Math.sqrt(0.003)),
      eps: Math.fround(1e-8),
    };
    loops.adam(0, 4096, 8192, 12288, 16384, 20480, 24576, 4 * n, k.b1, k.c1, k.b2, k.c2, k.step, k.isb, k.eps);
    const [jw, jm, jv] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    adamJs(w!, g!, m!, v!, jw, jm, jv, k);
    assert.deepEqual(
      [w2, m2, v2].map((x) => Array.from(x!)),
      [jw, jm, jv].map((x) => Array.from(x)),
      `adam n=${n}`,
    );
    loops.polyak(0, 4096, 16384, 4 * n, Math.fround(0.005), Math.fround(0.995));
    const jp = new Float32Array(n);
    polyakJs(w!, g!, jp, Math.fround(0.005), Math.fround(0.995));
    assert.deepEqual(Array.from(w2!), Array.from(jp), `polyak n=${n}`);
    const x = Float32Array.from(g!);
    x[1] = -0;
    at(7).set(x);
    loops.relu(7 * 4096, 4 * n);
    reluJs(x);
    assert.deepEqual(Array.from(at(7)), Array.from(x), `relu n=${n}`);
    assert.ok(Object.is(at(7)[1], 0), "relu(−0) = +0");
    const gm = Float32Array.from(m!);
    at(8).set(gm);
    loops.reluMask(8 * 4096, 0, 4 * n);
    reluMaskJs(gm, w!);
    assert.deepEqual(Array.from(at(8)), Array.from(gm), `reluMask n=${n}`);
    for (const relu of [true, false]) {
      const cols = n === 4 ? 4 : 8,
        rows = n / cols;
      const y = Float32Array.from(g!);
      at(9).set(y);
      (relu ? loops.biasRelu : loops.biasAdd)(9 * 4096, 0, rows, 4 * cols);
      biasReluJs(y, w!.subarray(0, cols), relu);
      assert.deepEqual(Array.from(at(9)), Array.from(y), `bias${relu ? "Relu" : "Add"} n=${n}`);
      if (relu)
        assert.ok(
          y.every((v) => v >= 0),
          "ReLU clips at 0",
        );
    }
  }
});

/** Bit-level equality of two float arrays (NaN equal to NaN, +0 distinct from −0). */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

test("in-place Adam and Polyak steps = new tensors and assign, bit for bit (every algorithm); in place the variables keep their data", () => {
  const wasm = tf.getBackend() === "wasm";
  for (const [algo, extra] of [
    ["sac-v1", {}],
    ["sac", {}],
    ["virel1", { betaBatch: 60, betaSource: "minibatch" }],
    ["virel2", { betaBatch: 64 }],
  ] as Array<[string, Partial<AgentConfigInput>]>) {
    const was = fast.setInPlaceSteps(false);
    let assigned: Trace;
    try {
      assigned = run(true, algo, extra, 5);
    } finally {
      fast.setInPlaceSteps(was);
    }
    const inPlace = run(true, algo, extra, 5);
    for (const [k, v] of assigned.params) assert.ok(sameBits(inPlace.params.get(k)!, v), `${algo}: ${k} differs`);
    assert.ok(sameBits(inPlace.numbers, assigned.numbers), `${algo}: returned numbers differ`);
    inPlace.actions.forEach((a, i) => assert.ok(sameBits(a, assigned.actions[i]!), `${algo}: act() call ${i}`));
  }
  // where it applies (wasm), an update writes into the variables' own data: the data ids stay; with it off they
  // change. (The first update is not all in place: a target network starts sharing its source's data.)
  for (const on of [true, false]) {
    const was = fast.setInPlaceSteps(on);
    try {
      const L = makeLearner(true, "sac-v1");
      const buf = filledBuffer(300);
      const ids = () => L.named().map(([, v]) => v.dataId);
      L.update(buf.sample(30, new Rng(1)));
      const before = ids();
      L.update(buf.sample(30, new Rng(2)));
      const after = ids();
      const kept = before.filter((id, i) => id === after[i]).length;
      assert.equal(
        kept,
        on && wasm ? before.length : 0,
        `in place ${on}: ${kept} of ${before.length} variables kept their data`,
      );
      L.dispose();
    } finally {
      fast.setInPlaceSteps(was);
    }
  }
});

test("a variable whose data another tensor shares (a clone) is not written in place: the clone keeps its values", () => {
  const ref = run(true, "sac", {}, 2);
  const L = makeLearner(true, "sac");
  const v0 = L.named()[0]![1];
  const clone = tf.clone(v0); // shares v0's data (refCount 2)
  const snapshot = Float32Array.from(clone.dataSync() as Float32Array);
  const buf = filledBuffer(300);
  const rng = new Rng(5);
  for (let i = 0; i < 2; i++) {
    L.refreshBeta(buf, rng);
    L.update(buf.sample(30, rng));
    const obs = new Rng(100 + i).fillNormal(new Float32Array(OBS * 7));
    L.act(obs, false);
    L.act(obs.subarray(0, OBS), true);
  }
  assert.ok(sameBits(clone.dataSync() as Float32Array, snapshot), "the clone's values changed");
  assert.ok(!sameBits(v0.dataSync() as Float32Array, snapshot), "the variable did not change");
  for (const [k, v] of L.named()) assert.ok(sameBits(v.dataSync() as Float32Array, ref.params.get(k)!), k);
  clone.dispose();
  L.dispose();
});

test("the tanh-Gaussian gradient after its forward pass (σ and tanh u remembered) = computed afresh, bit for bit", () => {
  const rows = 37,
    A = 3;
  const attrs = { logStdMin: -2, logStdMax: 0.5 };
  const r = new Rng(21);
  // raw log σ values on both sides of the clip bounds
  const outV = Float32Array.from({ length: rows * 2 * A }, () => 1.5 * r.normal());
  const noiseV = fast.drawNoiseInto(new Rng(4), rows, A, new Float32Array(rows * (A + 1)));
  const dA = Float32Array.from({ length: rows * A }, () => r.normal());
  const gradOf = (out: import("@tensorflow/tfjs").Tensor, noise: import("@tensorflow/tfjs").Tensor) =>
    tf.tidy(() => {
      const [d, reg] = tf
        .engine()
        .runKernel(
          "VirelTanhGaussianGrad",
          { out, noise, dAction: tf.tensor2d(dA, [rows, A]) },
          { ...attrs, dLogPi: 0.3 / rows, reg: 0.01 },
        ) as import("@tensorflow/tfjs").Tensor[];
      return [Float32Array.from(d!.dataSync() as Float32Array), Float32Array.from(reg!.dataSync() as Float32Array)];
    });
  const out = tf.tensor2d(outV, [rows, 2 * A]),
    noise = tf.tensor2d(noiseV, [rows, A + 1]);
  const sample = tf
    .engine()
    .runKernel("VirelTanhGaussian", { out, noise }, attrs) as import("@tensorflow/tfjs").Tensor[];
  const remembered = gradOf(out, noise); // the same tensors as the forward pass
  // fresh tensors with the same values (new data): nothing remembered for them
  const out2 = tf.tensor2d(outV, [rows, 2 * A]),
    noise2 = tf.tensor2d(noiseV, [rows, A + 1]);
  const fresh = gradOf(out2, noise2);
  assert.ok(sameBits(remembered[0]!, fresh[0]!), "∂out differs");
  assert.ok(sameBits(remembered[1]!, fresh[1]!), "the regulariser differs");
  // and the gradient is the closed form: ∂μ = ∂a(1 − a²) + c·2a + k·μ at one element
  const a0 = Math.tanh(outV[0]! + Math.exp(Math.min(Math.max(outV[A]!, -2), 0.5)) * noiseV[0]!);
  const want = dA[0]! * (1 - a0 * a0) + (0.3 / rows) * 2 * a0 + ((2 * 0.01) / (rows * A)) * outV[0]!;
  assert.ok(Math.abs(remembered[0]![0]! - want) <= 1e-6 * Math.max(1, Math.abs(want)));
  tf.dispose([out, noise, out2, noise2, ...sample]);
});
