/** makeVec: shapes, same-step auto-reset with final observations, determinism from one seed, bad input. */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as envs from "../../src/envs";

test("shapes: rows and a flat row-major batch; rewards and flags per copy", async () => {
  const vec = await envs.makeVec("Pendulum-v1", 4);
  assert.equal(vec.numEnvs, 4);
  assert.equal(vec.autoresetMode, "same-step");
  const r = vec.reset({ seed: 10 });
  assert.deepEqual(r.shape, [4, 3]);
  assert.equal(r.obsFlat.length, 12);
  assert.equal(r.obs.length, 4);
  r.obs.forEach((row, i) => assert.deepEqual(Array.from(row), Array.from(r.obsFlat.subarray(3 * i, 3 * i + 3))));
  const s = vec.step([[0], [1], [-1], [2]]);
  assert.deepEqual(s.shape, [4, 3]);
  assert.equal(s.rewards.length, 4);
  assert.deepEqual(s.terminated, [false, false, false, false]);
  assert.deepEqual(s.finalObs, [null, null, null, null]);
  vec.close();
});

test("determinism: copy i equals make(id) reset with seed + i, auto-resets included", async () => {
  const n = 3;
  const vec = await envs.makeVec("MountainCarContinuous-v0", n, { maxEpisodeSteps: 7 });
  const singles = await Promise.all(
    Array.from({ length: n }, () => envs.make("MountainCarContinuous-v0", { maxEpisodeSteps: 7 })),
  );
  const r = vec.reset({ seed: 100 });
  singles.forEach((e, i) => assert.deepEqual(r.obs[i], e.reset({ seed: 100 + i }).obs));
  for (let t = 0; t < 20; t++) {
    const actions = Array.from({ length: n }, (_, i) => [Math.sin(t + i)]);
    const s = vec.step(actions);
    singles.forEach((e, i) => {
      const x = e.step(actions[i]!);
      assert.equal(s.rewards[i], x.reward);
      assert.equal(s.truncated[i], x.truncated);
      if (x.terminated || x.truncated) {
        assert.deepEqual(s.finalObs[i], x.obs, "the episode's last obs is kept");
        assert.deepEqual(s.obs[i], e.reset().obs, "obs is already the next episode's first");
      } else {
        assert.deepEqual(s.obs[i], x.obs);
      }
    });
  }
  // the same seed again gives the same batch trajectory; no seed at make() means copy i uses seed i
  const a = await envs.makeVec("Pendulum-v1", 2);
  const b0 = await envs.make("Pendulum-v1", { seed: 1 });
  assert.deepEqual(a.reset().obs[1], b0.reset().obs);
  assert.notDeepEqual(a.reset({ seed: 5 }).obs[0], a.reset({ seed: 6 }).obs[0]);
});

test("auto-reset: truncated copies restart at once; infos carry final_obs and episode statistics", async () => {
  const vec = await envs.makeVec("Pendulum-v1", 2, { maxEpisodeSteps: 3, seed: 4 });
  vec.reset();
  let total = [0, 0];
  let s: envs.VecStepResult | undefined;
  for (let t = 0; t < 3; t++) {
    s = vec.step([0.5, -0.5]); // a flat array works for 1-D actions
    total = total.map((v, i) => v + s!.rewards[i]!);
  }
  assert.deepEqual(s!.truncated, [true, true]);
  for (let i = 0; i < 2; i++) {
    const info = s!.infos[i]!;
    assert.deepEqual(info.final_obs, Array.from(s!.finalObs[i]!));
    assert.equal(info.episode_length, 3);
    assert.ok(Math.abs((info.episode_return as number) - total[i]!) < 1e-12);
    assert.notDeepEqual(Array.from(s!.obs[i]!), info.final_obs);
  }
  const next = vec.step([0, 0]);
  assert.deepEqual(next.truncated, [false, false], "the new episodes run");
  assert.equal(next.infos[0]!.final_obs, undefined);
});

test("termination mid-batch: the car at the goal restarts while the others go on", async () => {
  const vec = await envs.makeVec("MountainCarContinuous-v0", 3, { seed: 0 });
  vec.reset();
  vec.envs[1]!.setState([0.449, 0.01]);
  const s = vec.step([[0], [1], [0]]);
  assert.deepEqual(s.terminated, [false, true, false]);
  assert.ok(s.rewards[1]! > 99);
  assert.ok(s.finalObs[1]![0]! >= Math.fround(0.45));
  assert.ok(s.obs[1]![0]! <= -0.4 && s.obs[1]![1] === 0, "reset state");
});

test("bad input: action count, a bad row (nothing moves), n, seeds, use after close", async () => {
  const vec = await envs.makeVec("Pendulum-v1", 3);
  assert.throws(() => vec.step([[0], [0], [0]]), /step\(\) called before reset\(\)/);
  vec.reset({ seed: 0 });
  assert.throws(() => vec.step([[0], [0]]), {
    message: "Pendulum-v1 x3: expected 3 actions (one per env) or a flat array of 3 numbers, got 2",
  });
  assert.throws(() => vec.step([[0], [NaN], [0]]), {
    message: "Pendulum-v1 x3 env 1: action[0] must be finite, got NaN",
  });
  assert.throws(() => vec.step([[0], [0, 1], [0]]), {
    message: "Pendulum-v1 x3 env 1: expected action of length 1, got 2",
  });
  for (const e of vec.envs) assert.equal((e as envs.PendulumEnv).elapsedSteps, 0, "no copy stepped");
  await assert.rejects(envs.makeVec("Pendulum-v1", 0), /makeVec: n must be a positive integer, got 0/);
  await assert.rejects(envs.makeVec("Pendulum-v1", 2.5), /n must be a positive integer, got 2.5/);
  await assert.rejects(envs.makeVec("Nope-v0", 2), /unknown environment id "Nope-v0"; known ids:/);
  assert.throws(() => vec.reset({ seed: -3 }), /seed must be an integer/);
  vec.close();
  assert.throws(() => vec.step([0, 0, 0]), /step\(\) called after close\(\)/);
  assert.throws(() => vec.envs[0]!.reset(), /called after close\(\)/);
});
