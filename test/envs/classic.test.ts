/**
 * Pendulum-v1 and MountainCarContinuous-v0 against Gymnasium 1.4.0's own traces (test/fixtures/classic,
 * see test/fixtures/README.md): reset, overwrite the state, apply the actions, compare every
 * observation, reward and termination flag to 1e-5.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as envs from "../../src/envs";
import { pyMod } from "../../src/envs/classic/pendulum";
import pendulumTrace from "../fixtures/classic/Pendulum-v1.json";
import mountainCarTrace from "../fixtures/classic/MountainCarContinuous-v0.json";

interface TraceCase {
  env: string;
  state: number[];
  actions: number[][];
  steps: { obs: number[]; reward: number; terminated: boolean }[];
}

const TOL = 1e-5;

async function replay(c: TraceCase): Promise<{ maxObsErr: number; maxRewardErr: number }> {
  const env = await envs.make(c.env, { maxEpisodeSteps: Infinity });
  env.reset({ seed: 0 });
  env.setState(c.state);
  let maxObsErr = 0;
  let maxRewardErr = 0;
  c.steps.forEach((expected, t) => {
    const r = env.step(c.actions[t]!);
    assert.equal(r.obs.length, expected.obs.length, `${c.env} step ${t}: obs length`);
    expected.obs.forEach((o, i) => {
      const err = Math.abs(r.obs[i]! - o);
      maxObsErr = Math.max(maxObsErr, err);
      assert.ok(err <= TOL, `${c.env} step ${t}: obs[${i}] = ${r.obs[i]}, Gymnasium ${o}`);
    });
    const rErr = Math.abs(r.reward - expected.reward);
    maxRewardErr = Math.max(maxRewardErr, rErr);
    assert.ok(rErr <= TOL, `${c.env} step ${t}: reward ${r.reward}, Gymnasium ${expected.reward}`);
    assert.equal(r.terminated, expected.terminated, `${c.env} step ${t}: terminated`);
    assert.equal(r.truncated, false);
  });
  env.close();
  return { maxObsErr, maxRewardErr };
}

for (const [name, trace] of [
  ["Pendulum-v1", pendulumTrace],
  ["MountainCarContinuous-v0", mountainCarTrace],
] as const) {
  (trace.cases as TraceCase[]).forEach((c, k) => {
    test(`${name} matches Gymnasium 1.4.0 trace case ${k} (${c.steps.length} steps) to 1e-5`, async () => {
      assert.equal(c.env, name);
      const { maxObsErr, maxRewardErr } = await replay(c);
      // With Gymnasium's float32 arithmetic reproduced, the match is in fact exact.
      assert.equal(maxObsErr, 0, `${name} case ${k}: max |Δobs| = ${maxObsErr}`);
      assert.equal(maxRewardErr, 0, `${name} case ${k}: max |Δreward| = ${maxRewardErr}`);
    });
  });
}

test("the traces exercise clipping and the goal: some actions are out of bounds; the last car case terminates with +100", () => {
  const pendActions = (pendulumTrace.cases as TraceCase[]).flatMap((c) => c.actions.map((a) => a[0]!));
  assert.ok(
    pendActions.some((a) => Math.abs(a) > 2),
    "a Pendulum action beyond ±2",
  );
  const carCases = mountainCarTrace.cases as TraceCase[];
  assert.ok(
    carCases.flatMap((c) => c.actions.map((a) => a[0]!)).some((a) => Math.abs(a) > 1),
    "a car action beyond ±1",
  );
  const last = carCases[carCases.length - 1]!;
  const final = last.steps[last.steps.length - 1]!;
  assert.equal(final.terminated, true);
  assert.ok(final.reward > 99);
});

test("float64 arithmetic alone would NOT be exact on Pendulum (the float32 terms matter)", () => {
  // Replays case 0 with the torque and action-cost terms in float64, showing the trace's sensitivity.
  const c = (pendulumTrace.cases as TraceCase[])[0]!;
  let th = c.state[0]!;
  let thd = c.state[1]!;
  let maxErr = 0;
  c.steps.forEach((s, t) => {
    const u = Math.min(Math.max(Math.fround(c.actions[t]![0]!), -2), 2);
    thd = Math.min(Math.max(thd + (15 * Math.sin(th) + 3 * u) * 0.05, -8), 8);
    th = th + thd * 0.05;
    maxErr = Math.max(maxErr, Math.abs(Math.fround(thd) - s.obs[2]!));
  });
  assert.ok(maxErr > 0, "float64 differs from Gymnasium somewhere");
});

test("Pendulum angle_normalize uses Python's modulo (sign of the divisor)", () => {
  assert.equal(pyMod(-1, 3), 2);
  assert.equal(pyMod(1, -3), -2);
  assert.equal(pyMod(5.5, 2), 1.5);
  assert.ok(Math.abs(envs.angleNormalize((3 * Math.PI) / 2) - -Math.PI / 2) < 1e-12);
  assert.ok(Math.abs(envs.angleNormalize((-3 * Math.PI) / 2) - Math.PI / 2) < 1e-12);
  assert.ok(Math.abs(envs.angleNormalize(-7 * Math.PI + 0.25) - (Math.PI + 0.25 - 2 * Math.PI)) < 1e-12);
  assert.equal(envs.angleNormalize(0), 0);
});
