// VIREL2's soft critic accumulates entropy through its own target (issue 13 item 3). One state s (s′ = s, never
// terminal), reward 0, a fixed policy (only M-steps run), β fixed at T: the hard critic's fixed point is
// Q₁ = γ·V̄ = γ·min Q(s, ã) → 0, and the soft critic's is Q₂ = γ(Q₂ − T E[log π]) → γ·T·H/(1 − γ), H = −E[log π].
// The old target (hard V̄ minus the next step's log π) credited the entropy once: Q₂ − Q₁ ≈ γ·T·H. The logged gap
// `virel/q_gap` = mean Q₂ − mean Q₁ must reach the accumulated value, ten times the one-step one at γ = 0.9.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as engine from "../../src/engine/backend";
import { parseConfig } from "../../src/agents/config";
import { metricsFromUpdate } from "../../src/agents/metrics";
import { Rng } from "../../src/rng";
import type { Batch } from "../../src/agents/replay";

let Learner: typeof import("../../src/agents/learner").Learner;
before(async () => {
  await engine.ready(process.env.VIREL_BACKEND ?? "auto");
  Learner = (await import("../../src/agents/learner.js")).Learner;
});

test("VIREL2: the soft critic's gap to the hard one reaches γ·T·H/(1 − γ) (entropy accumulated), not γ·T·H", () => {
  const gamma = 0.9,
    T = 0.5,
    B = 64;
  const cfg = parseConfig({
    algo: "virel2",
    hidden: [16],
    batchSize: B,
    gamma,
    tau: 0.05,
    lr: 3e-3,
    betaRule: "fixed",
    beta: T,
    policyReg: 0,
  });
  const root = new Rng(3);
  const L = new Learner(cfg, 2, 1, root.fork("init"), root.fork("noise"));
  const rng = new Rng(9);
  const obs = new Float32Array(B * 2).fill(0.5);
  const batch: Batch = {
    size: B,
    obsDim: 2,
    actDim: 1,
    obs,
    nextObs: obs,
    act: rng.fillUniform(new Float32Array(B), -0.9, 0.9),
    rew: new Float32Array(B),
    done: new Float32Array(B),
  } as Batch;
  let m = L.mStep(batch);
  for (let k = 0; k < 2500; k++) m = L.mStep(batch);
  // H = −E[log π(·|s)] of the (unchanged) policy, from the E-step's estimate over many draws
  let H = 0;
  const big: Batch = {
    ...batch,
    size: 2048,
    obs: new Float32Array(4096).fill(0.5),
    nextObs: new Float32Array(4096).fill(0.5),
    act: new Float32Array(2048),
    rew: new Float32Array(2048),
    done: new Float32Array(2048),
  } as Batch;
  L.useFastPath = false;
  H = L.eStep(big).entropy; // reads log π before its own update
  const gap = m.q2Mean - m.q1Mean;
  const accumulated = (gamma * T * H) / (1 - gamma);
  const oneStep = gamma * T * H;
  const rec = metricsFromUpdate(cfg, m, L.eStep(batch));
  assert.equal(rec["virel/q_gap"], gap, "the gap is logged as virel/q_gap");
  assert.ok(Math.abs(H) > 0.1, `entropy ${H}`);
  assert.ok(Math.abs(m.q1Mean) < 0.1 * Math.abs(accumulated), `hard critic ${m.q1Mean} (→ 0)`);
  assert.ok(
    Math.abs(gap - accumulated) < 0.15 * Math.abs(accumulated),
    `gap ${gap} vs γTH/(1−γ) = ${accumulated} (one step: ${oneStep})`,
  );
  L.dispose();
});
