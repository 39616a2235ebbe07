// Every loss on its own (issue 13 item 6): for each algorithm, the V loss, both critics' losses, the actor loss
// and SAC-v2's α loss are computed here in float64 from the paper's/references' formulas on plain arrays (no
// tfjs), on a tiny network and batch with random weights (targets ≠ online networks, terminal rows, a soft
// critic whose target differs from the hard one), and compared with what BOTH update paths (reference autodiff
// and fused) return. Their gradients are compared too: the float64 gradient is a central difference of the
// float64 loss, and an update path's gradient is read from Adam's first moment after one step,
// m₁ = (1 − β₁)·g — so for the fused path (hand-written backprop) this is a central-difference gradient check.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as engine from "../../src/engine/backend";
import { parseConfig } from "../../src/agents/config";
import type { AgentConfig, AgentConfigInput } from "../../src/agents/config";
import { Rng } from "../../src/rng";
import type { Batch } from "../../src/agents/replay";
import type { Learner as LearnerT } from "../../src/agents/learner";
import type { Mlp } from "../../src/agents/nn";
import type { Variable } from "@tensorflow/tfjs";
import * as agents from "../../src/agents/index";

let Learner: typeof import("../../src/agents/learner").Learner;
let tf: typeof import("@tensorflow/tfjs");
before(async () => {
  await engine.ready(process.env.VIREL_BACKEND ?? "auto");
  tf = await import("@tensorflow/tfjs");
  Learner = (await import("../../src/agents/learner.js")).Learner;
});

const OBS = 2;
const ACT = 2;
const B = 6;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** float64 copies of every variable, looked up by the tfjs variable object. */
type Params = Map<Variable, Float64Array>;

function snapshot(L: LearnerT): Params {
  return new Map(L.named().map(([, v]) => [v, Float64Array.from(v.dataSync())]));
}

/** An MLP in float64: ReLU hidden layers, linear output; x one row. */
function mlp(P: Params, net: Mlp, x: readonly number[]): number[] {
  let h = [...x];
  net.layers.forEach((l, i) => {
    const W = P.get(l.w)!;
    const b = P.get(l.b)!;
    const nOut = b.length;
    const y = new Array<number>(nOut).fill(0);
    for (let o = 0; o < nOut; o++) {
      let s = b[o]!;
      for (let k = 0; k < h.length; k++) s += h[k]! * W[k * nOut + o]!;
      y[o] = i + 1 < net.layers.length ? Math.max(0, s) : s;
    }
    h = y;
  });
  return h;
}

const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** ã = tanh(μ + σε) and log π(ã|s) = Σ[−ε²/2 − log√2π − log σ − log(1 − tanh² u)] (change of variables), float64. */
function sample(
  P: Params,
  L: LearnerT,
  s: readonly number[],
  eps: readonly number[],
): { a: number[]; logPi: number; mu: number[]; logStd: number[] } {
  const out = mlp(P, L.pi.net, s);
  const mu = out.slice(0, ACT);
  const logStd = out.slice(ACT).map((x) => Math.min(L.cfg.logStdMax, Math.max(L.cfg.logStdMin, x)));
  const a: number[] = [];
  let logPi = 0;
  for (let i = 0; i < ACT; i++) {
    const u = mu[i]! + Math.exp(logStd[i]!) * eps[i]!;
    a.push(Math.tanh(u));
    logPi += -0.5 * eps[i]! ** 2 - HALF_LOG_2PI - logStd[i]! - 2 * (Math.log(2) - u - softplus(-2 * u));
  }
  return { a, logPi, mu, logStd };
}

function rows(x: Float32Array, r: number, w: number): number[] {
  return Array.from(x.subarray(r * w, (r + 1) * w));
}

/** ε draws exactly as policy.ts's drawNoise: row-major Math.fround(normal()). */
function noise(rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: ACT }, () => Math.fround(rng.normal())));
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** The losses of Algorithm 1 for one algorithm, in float64 (the formulas of docs/algorithms.md). */
function losses(P: Params, L: LearnerT, b: Batch, T: number, epsNow: number[][] | null, epsNext: number[][] | null) {
  const cfg = L.cfg as AgentConfig & { actorCritic?: string };
  const algo = cfg.algo;
  const g = cfg.gamma;
  const q = (net: Mlp, s: number[], a: number[]) => mlp(P, net, [...s, ...a])[0]!;
  const S = (r: number) => rows(b.obs, r, OBS),
    A = (r: number) => rows(b.act, r, ACT),
    S2 = (r: number) => rows(b.nextObs, r, OBS);
  const idx = Array.from({ length: B }, (_, r) => r);
  // V: J^V = E[(V(s) − V̂(s))²],  V̂ = min_i Q_i(s, ã)  (SAC-v1: − α log π(ã|s))
  const jv =
    L.v === null
      ? null
      : (PP: Params) =>
          mean(
            idx.map((r) => {
              const now = sample(P, L, S(r), epsNow![r]!);
              let vHat = Math.min(q(L.q1, S(r), now.a), q(L.q2, S(r), now.a));
              if (algo === "sac-v1") vHat -= T * now.logPi;
              return (mlp(PP, L.v!, S(r))[0]! - vHat) ** 2;
            }),
          );
  // ψ_i: hard r + γ(1−d)V̄(s′); VIREL2's Q₂: r + γ(1−d)(Q̄₂(s′,a′) − β log π(a′|s′)); SAC-v2: min_j Q̄_j − α log π
  const psi = (r: number, critic: 1 | 2): number => {
    const gd = g * (1 - b.done[r]!);
    const rew = b.rew[r]!;
    if (algo === "sac") {
      const nx = sample(P, L, S2(r), epsNext![r]!);
      return rew + gd * (Math.min(q(L.q1Target!, S2(r), nx.a), q(L.q2Target!, S2(r), nx.a)) - T * nx.logPi);
    }
    if (algo === "virel2" && critic === 2) {
      const nx = sample(P, L, S2(r), epsNext![r]!);
      return rew + gd * (q(L.q2Target!, S2(r), nx.a) - T * nx.logPi);
    }
    return rew + gd * mlp(P, L.vTarget!, S2(r))[0]!;
  };
  const jq = (PP: Params, critic: 1 | 2) =>
    mean(idx.map((r) => (mlp(PP, critic === 1 ? L.q1 : L.q2, [...S(r), ...A(r)])[0]! - psi(r, critic)) ** 2));
  return { jv, jq };
}

/** J^π(θ) = E[T log π(ã|s) − Q̂(s, ã)] + reg·(mean μ² + mean log σ²), Q̂ = min_i Q_i or Q₁; and E[log π]. */
function actorLoss(P: Params, L: LearnerT, b: Batch, T: number, eps: number[][]) {
  const cfg = L.cfg as AgentConfig & { actorCritic?: string };
  const useQ1 = cfg.actorCritic === "q1";
  let lp = 0,
    qh = 0,
    mu2 = 0,
    ls2 = 0;
  for (let r = 0; r < B; r++) {
    const s = rows(b.obs, r, OBS);
    const smp = sample(P, L, s, eps[r]!);
    const q1 = mlp(P, L.q1, [...s, ...smp.a])[0]!;
    const q2 = mlp(P, L.q2, [...s, ...smp.a])[0]!;
    lp += smp.logPi / B;
    qh += (useQ1 ? q1 : Math.min(q1, q2)) / B;
    mu2 += smp.mu.reduce((t, x) => t + x * x, 0) / (B * ACT);
    ls2 += smp.logStd.reduce((t, x) => t + x * x, 0) / (B * ACT);
  }
  return { loss: T * lp - qh + cfg.policyReg * (mu2 + ls2), logPi: lp, qHat: qh };
}

/** Central differences of f over every entry of `vars` (float64, step h). */
function centralGrad(P: Params, vars: readonly Variable[], f: (p: Params) => number, h = 1e-6): Float64Array[] {
  return vars.map((v) => {
    const w = P.get(v)!;
    const gr = new Float64Array(w.length);
    for (let k = 0; k < w.length; k++) {
      const w0 = w[k]!;
      w[k] = w0 + h;
      const up = f(P);
      w[k] = w0 - h;
      const dn = f(P);
      w[k] = w0;
      gr[k] = (up - dn) / (2 * h);
    }
    return gr;
  });
}

/** An update path's gradient after its first Adam step: g = m₁ / (1 − β₁). */
function adamGrad(opt: { moments(): { m: readonly Variable[] }; beta1: number; t: number }): Float64Array[] {
  assert.equal(opt.t, 1);
  return opt.moments().m.map((m) => Float64Array.from(m.dataSync(), (x) => x / (1 - opt.beta1)));
}

function assertGradClose(got: Float64Array[], want: Float64Array[], what: string): void {
  const scale = Math.max(...want.map((w) => Math.max(...Array.from(w, Math.abs))));
  assert.ok(scale > 1e-4, `${what}: the gradient must not vanish (max |g| = ${scale})`);
  got.forEach((g, i) =>
    g.forEach((x, k) => {
      const w = want[i]![k]!;
      assert.ok(
        Math.abs(x - w) <= 2e-4 * scale + 1e-3 * Math.abs(w),
        `${what}: variable ${i}[${k}] ${x} vs float64 ${w} (scale ${scale})`,
      );
    }),
  );
}

function close(got: number, want: number, what: string, rel = 2e-5): void {
  assert.ok(Math.abs(got - want) <= rel * Math.max(1, Math.abs(want)), `${what}: ${got} vs float64 ${want}`);
}

function randomize(L: LearnerT, rng: Rng): void {
  for (const net of [L.pi.net, L.q1, L.q2, L.v, L.vTarget, L.q1Target, L.q2Target]) {
    if (net === null) continue;
    for (const v of net.variables()) {
      const t = tf.tensor(rng.fillUniform(new Float32Array(v.size), -0.8, 0.8), v.shape);
      v.assign(t);
      t.dispose();
    }
  }
}

function makeBatch(rng: Rng): Batch {
  const done = new Float32Array(B);
  done[1] = 1;
  done[4] = 1;
  return {
    size: B,
    obsDim: OBS,
    actDim: ACT,
    obs: rng.fillNormal(new Float32Array(B * OBS)),
    act: rng.fillUniform(new Float32Array(B * ACT), -0.9, 0.9),
    rew: rng.fillNormal(new Float32Array(B)),
    nextObs: rng.fillNormal(new Float32Array(B * OBS)),
    done,
  } as Batch;
}

const CASES: [string, Partial<AgentConfigInput>][] = [
  ["virel1", { betaRule: "fixed", beta: 0.7 }],
  ["virel2", { betaRule: "fixed", beta: 0.7 }],
  ["sac-v1", { alpha: 0.6 }],
  ["sac-v1", { alpha: 0.6, actorCritic: "min" }],
  ["sac", { alphaInit: 0.8, policyReg: 0.05 }],
];

for (const fast of [false, true]) {
  for (const [algo, extra] of CASES) {
    test(`${fast ? "fused" : "reference"} ${algo} ${JSON.stringify(extra)}: V, Q₁, Q₂, actor and α losses and gradients = float64 by hand`, () => {
      const cfg = parseConfig({ algo, hidden: [5], batchSize: B, gamma: 0.9, policyReg: 0.01, ...extra });
      const root = new Rng(21);
      const L = new Learner(cfg, OBS, ACT, root.fork("init"), root.fork("noise"), { fastUpdate: fast });
      if (fast && !L.fastPathActive) return; // the fused kernels are not available on this backend
      randomize(L, new Rng(algo.length * 7 + 3));
      const batch = makeBatch(new Rng(5));
      const T = L.temperature();
      // the noise the update will draw: ε for ã ∼ π(·|s) (V's target), then ε for a′ ∼ π(·|s′), then the actor's
      const nr = L.noiseRng.clone();
      const epsNow = L.v !== null ? noise(nr, B) : null;
      const epsNext = algo === "sac" || algo === "virel2" ? noise(nr, B) : null;
      const epsActor = noise(nr, B);
      // ---- M-step
      const P0 = snapshot(L);
      const { jv, jq } = losses(P0, L, batch, T, epsNow, epsNext);
      const m = L.mStep(batch);
      close(m.lossQ1, jq(P0, 1), "J^Q(ω₁)");
      close(m.lossQ2, jq(P0, 2), "J^Q(ω₂)");
      if (jv !== null) {
        close(m.lossV!, jv(P0), "J^V(φ)");
        assertGradClose(adamGrad(L.optV!), centralGrad(P0, L.optV!.vars, jv), "∇φ J^V");
      } else assert.equal(m.lossV, null);
      assertGradClose(
        adamGrad(L.optQ),
        centralGrad(P0, L.optQ.vars, (p) => jq(p, 1) + jq(p, 2)),
        "∇ω (J^Q(ω₁) + J^Q(ω₂))",
      );
      // ---- E-step (the critics have moved: read them again)
      const P1 = snapshot(L);
      const want = actorLoss(P1, L, batch, T, epsActor);
      const logAlpha0 = L.logAlpha;
      const e = L.eStep(batch);
      close(e.loss, want.loss, "J^π(θ)");
      close(e.qHat, want.qHat, "E[Q̂]");
      close(e.entropy, -want.logPi, "H(π) = −E[log π]");
      assertGradClose(
        adamGrad(L.optPi),
        centralGrad(P1, L.optPi.vars, (p) => actorLoss(p, L, batch, T, epsActor).loss),
        "∇θ J^π",
      );
      if (algo === "sac") {
        // J(α) = −log α·(E[log π] + H̄), H̄ = −|A|;  ∂J/∂ log α = −(E[log π] + H̄)
        close(e.alphaLoss!, -logAlpha0 * (want.logPi - ACT), "J(α)");
        close(L.alphaAdam!.m / (1 - L.alphaAdam!.beta1), -(want.logPi - ACT), "∂J(α)/∂ log α");
      }
      L.dispose();
    });
  }
}

test("stored rewards are r·rewardScale (the scale β, α and Q are measured in)", async () => {
  const make = (rewardScale: number) =>
    agents.create({
      algo: "sac-v1",
      env: "Pendulum-v1",
      seed: 4,
      config: { hidden: [4], batchSize: 4, randomSteps: 50, evalEvery: 0, rewardScale },
    });
  const [a1, a3] = [await make(1), await make(3.5)];
  a1.collect(20);
  a3.collect(20);
  let nonzero = 0;
  for (let i = 0; i < 20; i++) {
    close(a3.buffer.rew[i]!, Math.fround(a1.buffer.rew[i]! * 3.5), `rew[${i}]`, 1e-6);
    if (a1.buffer.rew[i] !== 0) nonzero += 1;
  }
  assert.ok(nonzero > 10);
  a1.dispose();
  a3.dispose();
});
