/**
 * Replays every public reference case of every MuJoCo v5 task (test/fixtures/mujoco/*.json, produced from
 * Gymnasium's own models and v5 step logic on the same WebAssembly MuJoCo) through our env and compares the
 * reset observation and info, then obs, reward, terminated, truncated, info (keys in Gymnasium's order) and the
 * raw qpos/qvel of every step up to and including the first terminated/truncated step, to 1e-6 relative.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeMujoco, MUJOCO_IDS, type MujocoEnv } from "../../../src/envs/mujoco";
import { assertClose, loadReference } from "./helpers";

for (const id of MUJOCO_IDS) {
  test(`${id} replays the Gymnasium v5 reference trajectories`, async () => {
    const ref = loadReference(id);
    const env = (await makeMujoco(id)) as MujocoEnv;
    try {
      assert.equal(env.model.nq, ref.nq);
      assert.equal(env.model.nv, ref.nv);
      assert.equal(env.model.nu, ref.nu);
      assert.equal(env.dt, ref.dt);
      assert.equal(env.frameSkip, ref.frame_skip);
      assert.equal(env.maxEpisodeSteps, ref.max_episode_steps);
      assert.deepEqual(env.observationSpace.shape, [ref.obs_dim]);
      assert.deepEqual(Array.from(env.actionSpace.low), ref.action_low.map(Math.fround));
      assert.deepEqual(Array.from(env.actionSpace.high), ref.action_high.map(Math.fround));
      assertClose(env.initQpos, ref.model_init_qpos, `${id} init_qpos`, 0);
      for (const c of ref.cases) {
        const where = `${id} ${c.case_id}`;
        env.reset({ seed: 0 });
        env.setState(c.init_qpos, c.init_qvel);
        assertClose(env.observe(), c.reset_obs, `${where} reset obs`);
        const resetInfo = env.resetInfo();
        assert.deepEqual(Object.keys(resetInfo), Object.keys(c.reset_info), `${where} reset info keys`);
        for (const [k, v] of Object.entries(c.reset_info)) {
          assertClose(
            ([] as number[]).concat(resetInfo[k] as number | number[]),
            ([] as number[]).concat(v),
            `${where} reset info ${k}`,
          );
        }
        const last = c.terminated.findIndex((t, i) => t || c.truncated[i]!);
        const n = last < 0 ? c.actions.length : last + 1;
        for (let t = 0; t < n; t++) {
          const at = `${where} step ${t}`;
          const r = env.step(c.actions[t]!);
          assertClose(env.data.qpos, c.qpos[t]!, `${at} qpos`);
          assertClose(env.data.qvel, c.qvel[t]!, `${at} qvel`);
          assertClose(r.obs, c.obs[t]!, `${at} obs`);
          assertClose([r.reward], [c.reward[t]!], `${at} reward`);
          assert.equal(r.terminated, c.terminated[t], `${at} terminated`);
          assert.equal(r.truncated, c.truncated[t], `${at} truncated`);
          assert.deepEqual(Object.keys(r.info), ref.info_keys, `${at} info keys`);
          for (const k of ref.info_keys) {
            const got = ([] as number[]).concat(r.info[k] as number | number[]);
            const want = ([] as number[]).concat(c.info[k]![t]!);
            assertClose(got, want, `${at} info ${k}`);
          }
        }
        if (last >= 0) {
          assert.throws(
            () => env.step(c.actions[last + 1] ?? c.actions[last]!),
            /reset/,
            `${where}: step after the episode ended`,
          );
        }
      }
    } finally {
      env.close();
    }
  });
}
