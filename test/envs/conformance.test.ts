/**
 * Every registered id (classic and MuJoCo) behaves as the Env contract says: spaces equal `spec(id)`, seeded
 * resets are reproducible, observations are finite and of the right size, the time limit truncates, bad
 * actions and states are rejected, and `render()` gives valid SVG.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as envs from "../../src/envs";
import { Rng } from "../../src/rng";
import { checkSvg } from "./svg-check";

for (const id of envs.ids()) {
  test(`${id}: conforms to the Env contract`, async () => {
    const spec = envs.spec(id);
    const env = await envs.make(id, { maxEpisodeSteps: 5 });
    try {
      assert.equal(env.id, id);
      assert.deepEqual(env.observationSpace, spec.observationSpace, "observation space = spec");
      assert.deepEqual(env.actionSpace, spec.actionSpace, "action space = spec");
      assert.equal(env.maxEpisodeSteps, 5);
      assert.equal((await envs.make(id)).maxEpisodeSteps, spec.maxEpisodeSteps);
      const obsDim = envs.boxSize(spec.observationSpace);
      const actDim = envs.boxSize(spec.actionSpace);
      const a = env.reset({ seed: 11 }).obs;
      assert.equal(a.length, obsDim);
      assert.ok(envs.boxContains(env.observationSpace, a), "reset obs inside the observation space");
      assert.deepEqual(env.reset({ seed: 11 }).obs, a, "same seed → same reset");
      assert.notDeepEqual(env.reset({ seed: 12 }).obs, a, "different seeds differ");
      const again = env.reset({ seed: 11 }).obs;
      assert.deepEqual(env.observe(), again, "observe() = the last observation");
      const rng = new Rng(1);
      let ended = false;
      for (let t = 1; t <= 5 && !ended; t++) {
        const r = env.step(envs.sampleBox(env.actionSpace, rng));
        assert.equal(r.obs.length, obsDim);
        assert.ok(r.obs.every(Number.isFinite) && Number.isFinite(r.reward), `finite obs and reward at step ${t}`);
        assert.equal(r.truncated, t === 5, `truncated exactly at the limit (step ${t})`);
        ended = r.terminated || r.truncated;
      }
      assert.ok(ended);
      assert.throws(() => env.step(new Float64Array(actDim)), /step\(\) called after the episode/);
      env.reset({ seed: 0 });
      assert.throws(() => env.step(new Float64Array(actDim + 1)), {
        message: `${id}: expected action of length ${actDim}, got ${actDim + 1}`,
      });
      const nan = new Float64Array(actDim);
      nan[actDim - 1] = NaN;
      assert.throws(() => env.step(nan), { message: `${id}: action[${actDim - 1}] must be finite, got NaN` });
      nan[actDim - 1] = -Infinity;
      assert.throws(() => env.step(nan), { message: `${id}: action[${actDim - 1}] must be finite, got -Infinity` });
      assert.throws(
        () =>
          env.setState([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26]),
        new RegExp(`^Error: ${id}\\.setState: `),
      );
      checkSvg(env.render().data);
    } finally {
      env.close();
    }
  });
}
