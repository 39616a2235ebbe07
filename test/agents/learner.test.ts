// Unit tests of the networks and the reference update: leaks, Polyak, the tanh-Gaussian log-density, the
// custom dense gradient, non-zero finite gradients, β rules, config errors, the replay buffer.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as engine from "../../src/engine/backend";
import { parseConfig, DEFAULTS, configTable } from "../../src/agents/config";
import type { AgentConfigInput } from "../../src/agents/config";
import { ReplayBuffer } from "../../src/agents/replay";
import { tanhGaussianLogProb } from "../../src/agents/tanh-gaussian";
import { Rng } from "../../src/rng";
import type { Learner as LearnerT } from "../../src/agents/learner";
import * as agents from "../../src/agents";

type Tf = typeof import("@tensorflow/tfjs");
let tf: Tf;
let Learner: typeof import("../../src/agents/learner").Learner;
let nn: typeof import("../../src/agents/nn");
let policy: typeof import("../../src/agents/policy");

before(async () => {
  await engine.ready(process.env.VIREL_BACKEND ?? "auto");
  tf = engine.tf();
  Learner = (await import("../../src/agents/learner.js")).Learner;
  nn = await import("../../src/agents/nn.js");
  policy = await import("../../src/agents/policy.js");
});

const OBS = 5;
const ACT = 2;

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

function makeLearner(algo: string, extra: Partial<AgentConfigInput> = {}): LearnerT {
  const cfg = parseConfig({ algo, hidden: [16, 16], batchSize: 32, betaBatch: undefined, ...extra });
  const root = new Rng(11);
  return new Learner(cfg, OBS, ACT, root.fork("init"), root.fork("noise"));
}

function values(v: import("@tensorflow/tfjs").Variable): Float32Array {
  return Float32Array.from(v.dataSync() as Float32Array);
}

for (const algo of ["virel1", "virel2", "sac-v1", "sac"]) {
  test(`${algo}: an update (β refresh, M-step, E-step, act) leaves tf.memory().numTensors unchanged`, () => {
    const L = makeLearner(algo, algo.startsWith("virel") ? { betaBatch: 64 } : {});
    const buf = filledBuffer(200);
    const rng = new Rng(5);
    L.update(buf.sample(32, rng)); // first call may create cached kernels
    L.refreshBeta(buf, rng);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      L.refreshBeta(buf, rng);
      const { m, e } = L.update(buf.sample(32, rng));
      for (const x of [m.msbe, m.lossQ1, m.lossQ2, e.loss, e.entropy, e.qHat, e.elbo]) assert.ok(Number.isFinite(x));
      L.act(new Float32Array(OBS * 3), false);
      L.act(new Float32Array(OBS), true);
    }
    assert.equal(tf.memory().numTensors, before);
    L.dispose();
  });
}

test("the target V moves only by Polyak averaging: φ̄′ = τφ′ + (1 − τ)φ̄", () => {
  const tau = 0.05;
  const L = makeLearner("virel1", { tau });
  const buf = filledBuffer(100);
  const rng = new Rng(1);
  for (let k = 0; k < 3; k++) {
    const old = L.vTarget!.variables().map(values);
    L.mStep(buf.sample(32, rng));
    const v = L.v!.variables().map(values);
    const now = L.vTarget!.variables().map(values);
    now.forEach((arr, i) => {
      for (let j = 0; j < arr.length; j++) {
        const want = tau * v[i]![j]! + (1 - tau) * old[i]![j]!;
        assert.ok(Math.abs(arr[j]! - want) < 1e-6, `vTarget var ${i}[${j}]: ${arr[j]} vs ${want}`);
      }
    });
    // the E-step does not touch φ̄
    const beforeE = L.vTarget!.variables().map(values);
    L.eStep(buf.sample(32, rng));
    L.vTarget!.variables()
      .map(values)
      .forEach((arr, i) => assert.deepEqual(arr, beforeE[i]));
  }
  L.dispose();
});

test("SAC-v2 target Qs move only by Polyak averaging", () => {
  const tau = 0.1;
  const L = makeLearner("sac", { tau });
  const buf = filledBuffer(100);
  const old = L.q1Target!.variables().map(values);
  L.mStep(buf.sample(32, new Rng(2)));
  const q = L.q1.variables().map(values);
  L.q1Target!.variables()
    .map(values)
    .forEach((arr, i) => {
      for (let j = 0; j < arr.length; j++)
        assert.ok(Math.abs(arr[j]! - (tau * q[i]![j]! + (1 - tau) * old[i]![j]!)) < 1e-6);
    });
  L.dispose();
});

test("tanh-Gaussian log π(a|s) matches the closed form Σ[log N(atanh a; μ, σ²) − log(1 − a²)]", () => {
  const rng = new Rng(7);
  const pol = new policy.TanhGaussianPolicy(OBS, ACT, [8], rng, -20, 2, "logprob-test/");
  const n = 64;
  const obs = rng.fillNormal(new Float32Array(n * OBS));
  const noise = policy.drawNoise(rng, n, ACT);
  const [a, lp, mu, ls] = tf.tidy(() => {
    const smp = pol.sample(tf.tensor2d(obs, [n, OBS]), noise);
    return [smp.action, smp.logPi, smp.mean, smp.logStd].map((t) => Float32Array.from(t.dataSync() as Float32Array));
  });
  let checked = 0;
  for (let r = 0; r < n; r++) {
    const ar = Array.from(a!.subarray(r * ACT, (r + 1) * ACT));
    if (ar.some((x) => Math.abs(x) > 0.999)) continue; // atanh is ill-conditioned at float32 |a| → 1
    const want = tanhGaussianLogProb(ar, mu!.subarray(r * ACT, (r + 1) * ACT), ls!.subarray(r * ACT, (r + 1) * ACT));
    assert.ok(Math.abs(lp![r]! - want) < 2e-3 * Math.max(1, Math.abs(want)), `row ${r}: ${lp![r]} vs ${want}`);
    checked++;
  }
  assert.ok(checked > n / 2, `checked ${checked} rows`);
  // and one exact hand case: a = tanh(μ) (ε = 0) with μ = 0.3, log σ = −0.5 in one dimension
  const lp0 = tanhGaussianLogProb([Math.tanh(0.3)], [0.3], [-0.5]);
  assert.ok(Math.abs(lp0 - (0.5 - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - Math.tanh(0.3) ** 2))) < 1e-12);
  pol.net.dispose();
});

test("the dense layer's custom gradient equals tfjs's own matMul gradient (∂x, ∂W, ∂b)", () => {
  const rng = new Rng(9);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(7 * 5)), [7, 5]);
  const w = tf.tensor2d(rng.fillNormal(new Float32Array(5 * 4)), [5, 4]);
  const b = tf.tensor1d(rng.fillNormal(new Float32Array(4)));
  const c = tf.tensor2d(rng.fillNormal(new Float32Array(7 * 4)), [7, 4]);
  for (const relu of [true, false]) {
    const custom = tf.grads(
      (
        xx: import("@tensorflow/tfjs").Tensor,
        ww: import("@tensorflow/tfjs").Tensor,
        bb: import("@tensorflow/tfjs").Tensor,
      ) => tf.sum(tf.mul(nn.dense(xx as never, ww as never, bb as never, relu), c)),
    )([x, w, b]);
    const plain = tf.grads(
      (
        xx: import("@tensorflow/tfjs").Tensor,
        ww: import("@tensorflow/tfjs").Tensor,
        bb: import("@tensorflow/tfjs").Tensor,
      ) => {
        const z = tf.add(tf.matMul(xx as never, ww as never), bb);
        return tf.sum(tf.mul(relu ? tf.relu(z) : z, c));
      },
    )([x, w, b]);
    custom.forEach((g, i) => {
      const d = tf.max(tf.abs(tf.sub(g, plain[i]!))).dataSync()[0]!;
      assert.ok(d < 1e-5, `grad ${i} (relu ${relu}) differs by ${d}`);
    });
  }
  // and a finite difference on one weight of the ReLU layer
  const f = (wv: import("@tensorflow/tfjs").Tensor) =>
    tf.sum(tf.mul(nn.dense(x, wv as never, b, true), c)).dataSync()[0]!;
  const g = tf
    .grads((ww: import("@tensorflow/tfjs").Tensor) => tf.sum(tf.mul(nn.dense(x, ww as never, b, true), c)))([w])[0]!
    .dataSync();
  const h = 1e-2;
  const wArr = Float32Array.from(w.dataSync() as Float32Array);
  const k = 6;
  const wp = Float32Array.from(wArr);
  wp[k]! += h;
  const wm = Float32Array.from(wArr);
  wm[k]! -= h;
  const fd = (f(tf.tensor2d(wp, [5, 4])) - f(tf.tensor2d(wm, [5, 4]))) / (2 * h);
  assert.ok(Math.abs(fd - g[k]!) < 1e-2 * Math.max(1, Math.abs(fd)), `finite difference ${fd} vs ${g[k]}`);
});

for (const algo of ["virel1", "virel2", "sac-v1", "sac"]) {
  test(`${algo}: every network gets finite, non-zero gradients (Adam's first moment m = (1 − β₁)g ≠ 0)`, () => {
    const L = makeLearner(algo);
    L.update(filledBuffer(100).sample(32, new Rng(4)));
    const named = L.named().filter(([n]) => n.startsWith("adam/") && n.includes("/m/"));
    assert.ok(named.length >= (algo === "sac" ? 2 : 3) * 6);
    for (const [name, v] of named) {
      const m = values(v);
      assert.ok(m.every(Number.isFinite), `${name} has a non-finite gradient`);
      assert.ok(
        m.some((x) => x !== 0),
        `${name} has an all-zero gradient`,
      );
    }
    L.dispose();
  });
}

test("β rules: fixed β; td-residual (beta.py) = betaScale·MSE(Q, r + γ(1−d)V(s′)), β = betaScale·beta until betaBatch transitions", () => {
  const fixed = makeLearner("virel1", { betaRule: "fixed", beta: 0.37 });
  const buf = filledBuffer(300);
  assert.equal(fixed.refreshBeta(buf, new Rng(1)), 0.37);
  fixed.dispose();
  const L = makeLearner("virel1", { betaRule: "td-residual", beta: 1, betaScale: 0.5, betaBatch: 256 });
  assert.equal(L.beta, 0.5); // beta.py: β = 1 before 4096 transitions, the actor's weight β·beta_scale
  assert.equal(L.refreshBeta(filledBuffer(100), new Rng(1)), 0.5); // fewer than betaBatch transitions
  // recompute by hand with the same replay sample
  const b = buf.sample(256, new Rng(42));
  const beta = L.refreshBeta(buf, new Rng(42));
  const want = tf.tidy(() => {
    const s = tf.tensor2d(b.obs, [256, OBS]);
    const sa = tf.concat([s, tf.tensor2d(b.act, [256, ACT])], 1);
    const y = tf.add(
      tf.tensor2d(b.rew, [256, 1]),
      tf.mul(tf.mul(tf.sub(1, tf.tensor2d(b.done, [256, 1])), 0.99), L.v!.apply(tf.tensor2d(b.nextObs, [256, OBS]))),
    );
    const m1 = tf.mean(tf.square(tf.sub(L.q1.apply(sa), y)));
    const m2 = tf.mean(tf.square(tf.sub(L.q2.apply(sa), y)));
    return tf.mul(tf.div(tf.add(m1, m2), 2), 0.5).dataSync()[0]!;
  });
  assert.ok(Math.abs(beta - want) < 1e-6 * Math.max(1, want), `${beta} vs ${want}`);
  assert.ok(beta > 0);
  L.dispose();
  const T = makeLearner("virel1", { betaRule: "twin-q-residual", beta: 0.3, betaScale: 1, betaBatch: 128 });
  assert.equal(T.refreshBeta(filledBuffer(100), new Rng(1)), 0.3); // softlearning: β = beta before betaBatch
  const bt = T.refreshBeta(buf, new Rng(3));
  assert.ok(Number.isFinite(bt) && bt > 0);
  T.dispose();
});

test("betaSource minibatch: each M-step scores its own minibatch with beta.py's residual before the step; β = betaScale × the mean of the last ⌈betaBatch/batchSize⌉", () => {
  const L = makeLearner("virel1", { betaRule: "td-residual", betaScale: 0.5, betaBatch: 80, betaSource: "minibatch" });
  const W = 3; // ⌈80 / 32⌉
  const buf = filledBuffer(300);
  const rng = new Rng(9);
  /** beta.py's residual on `b` with the learner's current Q₁, Q₂, online V, in float64 from the weights. */
  const byHand = (b: ReturnType<ReplayBuffer["sample"]>): number => {
    const mlp = (net: typeof L.q1, x: number[]): number => {
      let h = x;
      net.layers.forEach((l, i) => {
        const w = l.w.dataSync(),
          bias = l.b.dataSync();
        const [nIn, nOut] = l.w.shape as [number, number];
        const o = Array.from({ length: nOut }, (_, j) => {
          let z = bias[j]!;
          for (let k = 0; k < nIn; k++) z += h[k]! * w[k * nOut + j]!;
          return i < net.layers.length - 1 ? Math.max(0, z) : z;
        });
        h = o;
      });
      return h[0]!;
    };
    let m1 = 0,
      m2 = 0;
    for (let i = 0; i < b.size; i++) {
      const s = Array.from(b.obs.subarray(i * OBS, (i + 1) * OBS));
      const sa = [...s, ...Array.from(b.act.subarray(i * ACT, (i + 1) * ACT))];
      const y = b.rew[i]! + 0.99 * (1 - b.done[i]!) * mlp(L.v!, Array.from(b.nextObs.subarray(i * OBS, (i + 1) * OBS)));
      m1 += (mlp(L.q1, sa) - y) ** 2 / b.size;
      m2 += (mlp(L.q2, sa) - y) ** 2 / b.size;
    }
    return (m1 + m2) / 2;
  };
  const want: number[] = [];
  for (let k = 0; k < W + 2; k++) {
    const beta = L.refreshBeta(buf, rng);
    // β uses the window of the M-steps before this one; until it holds W residuals, β = betaScale·beta
    const window = want.slice(-W);
    const expect = window.length < W ? 0.5 : 0.5 * (window.reduce((a, x) => a + x, 0) / W);
    assert.ok(Math.abs(beta - expect) <= 1e-5 * expect, `step ${k}: β ${beta} vs ${expect}`);
    const b = buf.sample(32, rng);
    want.push(byHand(b)); // before the step: the parameters the M-step scores with
    L.update(b);
    const got = L.betaWindow[L.betaWindow.length - 1]!;
    assert.ok(Math.abs(got - want[k]!) <= 2e-5 * want[k]!, `step ${k}: residual ${got} vs float64 ${want[k]}`);
    assert.equal(L.betaWindow.length, Math.min(k + 1, W));
  }
  // the window is learner state: it survives scalarState / setScalarState
  const s = JSON.parse(JSON.stringify(L.scalarState())) as ReturnType<LearnerT["scalarState"]>;
  assert.deepEqual(s.betaWindow, L.betaWindow);
  const M = makeLearner("virel1", { betaRule: "td-residual", betaScale: 0.5, betaBatch: 80, betaSource: "minibatch" });
  M.setScalarState(s);
  assert.equal(M.refreshBeta(buf, new Rng(1)), L.refreshBeta(buf, new Rng(1)));
  M.dispose();
  L.dispose();
  // the replay source keeps no window
  const R = makeLearner("virel1", { betaRule: "td-residual", betaBatch: 80 });
  R.update(buf.sample(32, rng));
  assert.deepEqual(R.betaWindow, []);
  assert.equal(R.scalarState().betaWindow, undefined);
  R.dispose();
});

test("SAC-v2 moves log α toward the target entropy −|A|", () => {
  const L = makeLearner("sac", { alphaLr: 0.05 });
  const buf = filledBuffer(200);
  const rng = new Rng(6);
  const a0 = L.temperature();
  const e = L.eStep(buf.sample(32, rng));
  // ∂J/∂log α = −(E log π + H̄): with entropy above the target (−|A|) α must shrink
  if (e.entropy > -ACT) assert.ok(L.temperature() < a0, `α ${a0} → ${L.temperature()} with entropy ${e.entropy}`);
  else assert.ok(L.temperature() > a0);
  L.dispose();
});

test("bad configs fail naming the field and the value", () => {
  assert.throws(() => parseConfig({ algo: "virel1", lr: -1 }), /config\.lr.*-1/);
  assert.throws(() => parseConfig({ algo: "virel1", betaSource: "window" }), /config\.betaSource.*"window"/);
  assert.throws(
    () => parseConfig({ algo: "virel1", betaSource: "minibatch", betaRule: "twin-q-residual" }),
    /config\.betaSource "minibatch" works with betaRule "td-residual".*"twin-q-residual"/,
  );
  assert.throws(() => parseConfig({ algo: "sac", batchSize: 512, bufferSize: 100 }), /config\.batchSize.*512/);
  assert.throws(() => parseConfig({ algo: "a2c" }), /algo must be one of .*"a2c"/);
  assert.throws(() => parseConfig({ algo: "virel1", gamma: 1.2 }), /config\.gamma.*1\.2/);
  assert.throws(() => parseConfig({ algo: "virel1", hidden: [64, 0] }), /config\.hidden\.1.*0/);
  assert.throws(
    () => parseConfig({ algo: "sac", betaRule: "td-residual" }),
    /config\.betaRule is not a field of the sac config/,
  );
  assert.throws(() => parseConfig({ algo: "virel2", betaRule: "magic" }), /config\.betaRule.*"magic"/);
  assert.throws(() => parseConfig({ algo: "sac-v1", logStdMin: 3 }), /config\.logStdMin.*3/);
  assert.equal(parseConfig({ algo: "sac-v2" }).algo, "sac");
  assert.deepEqual(parseConfig({ algo: "virel1" }), { ...DEFAULTS.virel1 });
  assert.match(configTable(), /\| `betaRule` \|/);
});

test("create() rejects an unknown env naming the env field", async () => {
  await assert.rejects(
    agents.create({ algo: "virel1", env: "NoSuchEnv-v9" }),
    /^Error: env: unknown environment id "NoSuchEnv-v9"/,
  );
  await assert.rejects(agents.create({ algo: "ppo", env: "Pendulum-v1" }), /algo must be one of/);
});

test("replay buffer: ring overwrite, sizes, checks", () => {
  const buf = new ReplayBuffer(3, 1, 1);
  for (let i = 0; i < 5; i++) buf.add([i], [0], i, [i + 1], i === 4);
  assert.equal(buf.size, 3);
  assert.equal(buf.ptr, 2);
  assert.deepEqual(Array.from(buf.rew), [3, 4, 2]);
  assert.deepEqual(Array.from(buf.done), [0, 1, 0]);
  const b = buf.sample(50, new Rng(0));
  assert.ok(Array.from(b.rew).every((r) => r >= 2 && r <= 4));
  assert.throws(() => buf.add([1, 2], [0], 0, [1], false), /expected obs of length 1, got 2/);
  assert.throws(() => new ReplayBuffer(0, 1, 1), /capacity must be a positive integer, got 0/);
});

test("the library does not load tfjs at import time", async () => {
  const { spawnSync } = await import("node:child_process");
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      "const v=require('./dist/src/index.js'); const ok=!v.engine.isLoaded() && !Object.keys(require.cache).some(k=>k.includes('@tensorflow')); process.stdout.write(String(ok)+' '+Object.keys(v.agents).length)",
    ],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^true \d+/);
});

test("a requested backend that is not installed is a clear error with how to install it", async () => {
  const { spawnSync } = await import("node:child_process");
  const code =
    "require('./dist/src/engine/backend.js').ready('tfjs-node-gpu').then(()=>console.log('loaded'),e=>console.log(e.message))";
  const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8" });
  // (if tfjs-node-gpu is installed on this machine, it simply loads)
  if (!r.stdout.startsWith("loaded"))
    assert.match(r.stdout, /backend "tfjs-node-gpu" is not available .*npm install @tensorflow\/tfjs-node-gpu/);
  assert.throws(
    () => engine.parseBackendName("metal"),
    /backend must be one of auto, tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu, got "metal"/,
  );
});
