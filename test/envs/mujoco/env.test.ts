/**
 * MuJoCo v5 tasks: spaces, seeding and reset noise, truncation vs termination, the unclipped control cost with
 * MuJoCo's clamping, set_state + mj_forward (closed-form kinematics), Gymnasium kwargs, bad input and rendering.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeMujoco, MUJOCO_IDS, type MujocoEnv, type HalfCheetahEnv, type HopperEnv } from "../../../src/envs/mujoco";
import { make, spec } from "../../../src/envs/registry";
import { checkSvg } from "../svg-check";

const mk = async (id: string, options: Record<string, unknown> = {}): Promise<MujocoEnv> =>
  (await makeMujoco(id, options)) as MujocoEnv;

test("spaces: action bounds = actuator ctrlrange (float32), observation size as registered, finite resets", async () => {
  for (const id of MUJOCO_IDS) {
    const env = await mk(id);
    try {
      const s = spec(id);
      assert.deepEqual(env.observationSpace.shape, s.observationSpace.shape, `${id} obs shape`);
      assert.deepEqual(env.actionSpace.shape, s.actionSpace.shape, `${id} action shape`);
      assert.deepEqual(Array.from(env.actionSpace.low), Array.from(s.actionSpace.low), `${id} action low`);
      assert.deepEqual(Array.from(env.actionSpace.high), Array.from(s.actionSpace.high), `${id} action high`);
      const range = env.model.actuator_ctrlrange;
      for (let i = 0; i < env.model.nu; i++) {
        assert.equal(env.actionSpace.low[i], Math.fround(range[2 * i]!));
        assert.equal(env.actionSpace.high[i], Math.fround(range[2 * i + 1]!));
      }
      assert.equal(env.observationSpace.low[0], -Infinity);
      assert.equal(env.maxEpisodeSteps, s.maxEpisodeSteps);
      const { obs } = env.reset({ seed: 1 });
      assert.equal(obs.length, env.observationSpace.shape[0]);
      assert.ok(obs.every(Number.isFinite), `${id} reset obs finite`);
      const r = env.step(new Float64Array(env.model.nu));
      assert.equal(r.obs.length, obs.length);
      assert.ok(Number.isFinite(r.reward));
    } finally {
      env.close();
    }
  }
});

test("envs.make builds the MuJoCo tasks through the registry", async () => {
  const env = await make("Swimmer-v5", { seed: 3, ctrl_cost_weight: 0 });
  try {
    const { obs } = env.reset();
    assert.equal(obs.length, 8);
    const r = env.step([0.5, -0.5]);
    assert.equal(r.reward, r.info.reward_forward);
  } finally {
    env.close();
  }
});

test("seeding: the same seed gives the same reset, reset() continues the stream, make({seed}) seeds the first reset", async () => {
  for (const id of MUJOCO_IDS) {
    const env = await mk(id, { seed: 7 });
    try {
      const first = env.reset().obs;
      const again = env.reset({ seed: 7 }).obs;
      assert.deepEqual(Array.from(again), Array.from(first), `${id}: make({seed: 7}) + reset() = reset({seed: 7})`);
      const next = env.reset().obs;
      assert.notDeepEqual(Array.from(next), Array.from(first), `${id}: reset() draws new noise`);
      const other = env.reset({ seed: 8 }).obs;
      assert.notDeepEqual(Array.from(other), Array.from(first), `${id}: another seed differs`);
    } finally {
      env.close();
    }
  }
});

test("reset noise: HalfCheetah qpos + U(-0.1, 0.1) and qvel + 0.1 N(0, 1); Reacher goal inside the 0.2 disc", async () => {
  const hc = await mk("HalfCheetah-v5");
  try {
    let maxQ = 0;
    let sumV = 0;
    let sumV2 = 0;
    let n = 0;
    for (let k = 0; k < 300; k++) {
      hc.reset({ seed: k });
      for (let i = 0; i < 9; i++) {
        const dq = hc.data.qpos[i]! - hc.initQpos[i]!;
        assert.ok(Math.abs(dq) <= 0.1, `qpos noise ${dq}`);
        maxQ = Math.max(maxQ, Math.abs(dq));
        sumV += hc.data.qvel[i]!;
        sumV2 += hc.data.qvel[i]! ** 2;
        n++;
      }
    }
    assert.ok(maxQ > 0.095, `uniform noise reaches its bound, max ${maxQ}`);
    const std = Math.sqrt(sumV2 / n - (sumV / n) ** 2);
    assert.ok(Math.abs(std - 0.1) < 0.01, `qvel noise std ${std} ≈ 0.1`);
    assert.ok(Math.abs(sumV / n) < 0.01, `qvel noise mean ${sumV / n} ≈ 0`);
  } finally {
    hc.close();
  }
  const reacher = await mk("Reacher-v5");
  try {
    for (let k = 0; k < 100; k++) {
      const { obs } = reacher.reset({ seed: k });
      const q = reacher.data.qpos;
      const v = reacher.data.qvel;
      assert.ok(Math.hypot(q[2]!, q[3]!) < 0.2, "goal inside the disc");
      assert.equal(obs[4], q[2]);
      assert.equal(obs[5], q[3]);
      assert.ok(Math.abs(q[0]!) <= 0.1 && Math.abs(q[1]!) <= 0.1);
      assert.ok(Math.abs(v[0]!) <= 0.005 && Math.abs(v[1]!) <= 0.005);
      assert.equal(v[2], 0);
      assert.equal(v[3], 0);
    }
  } finally {
    reacher.close();
  }
});

test("truncation is the time limit (not termination); Reacher truncates after 50 steps", async () => {
  const env = await mk("HalfCheetah-v5", { maxEpisodeSteps: 3 });
  try {
    env.reset({ seed: 0 });
    const zero = new Float64Array(6);
    assert.equal(env.step(zero).truncated, false);
    assert.equal(env.step(zero).truncated, false);
    const last = env.step(zero);
    assert.equal(last.truncated, true);
    assert.equal(last.terminated, false);
    assert.throws(() => env.step(zero), /truncated.*reset\(\)/);
    env.reset();
    assert.equal(env.step(zero).truncated, false);
  } finally {
    env.close();
  }
  const reacher = await mk("Reacher-v5");
  try {
    reacher.reset({ seed: 0 });
    let t = 0;
    let r;
    do {
      r = reacher.step([0.1, -0.1]);
      t++;
    } while (!r.truncated && t < 100);
    assert.equal(t, 50);
    assert.equal(r.terminated, false);
  } finally {
    reacher.close();
  }
});

test("termination: an unhealthy Hopper terminates, earns no survive reward, and must be reset", async () => {
  const env = (await mk("Hopper-v5")) as HopperEnv;
  try {
    env.reset({ seed: 0 });
    const qpos = Float64Array.from(env.initQpos);
    qpos[1] = 0.5; // torso far below healthy_z_range (0.7, inf)
    env.setState(qpos, new Float64Array(6));
    assert.equal(env.isHealthy(), false);
    const r = env.step([0, 0, 0]);
    assert.equal(r.terminated, true);
    assert.equal(r.truncated, false);
    assert.equal(r.info.reward_survive, 0);
    assert.throws(() => env.step([0, 0, 0]), /terminated.*reset\(\)/);
  } finally {
    env.close();
  }
  const lenient = await mk("Hopper-v5", { terminate_when_unhealthy: false });
  try {
    lenient.reset({ seed: 0 });
    const qpos = Float64Array.from(lenient.initQpos);
    qpos[1] = 0.5;
    lenient.setState(qpos, new Float64Array(6));
    const r = lenient.step([0, 0, 0]);
    assert.equal(r.terminated, false);
    assert.equal(r.info.reward_survive, 0);
  } finally {
    lenient.close();
  }
});

test("actions are not clipped: MuJoCo clamps ctrl to ctrlrange, the control cost uses the raw action", async () => {
  const a = (await mk("HalfCheetah-v5")) as HalfCheetahEnv;
  const b = (await mk("HalfCheetah-v5")) as HalfCheetahEnv;
  try {
    a.reset({ seed: 4 });
    b.reset({ seed: 4 });
    const ra = a.step([2, -3, 1, 1, -1, 5]);
    const rb = b.step([1, -1, 1, 1, -1, 1]);
    assert.deepEqual(Array.from(ra.obs), Array.from(rb.obs), "same dynamics after clamping");
    assert.equal(ra.info.reward_ctrl, -0.1 * (4 + 9 + 1 + 1 + 1 + 25));
    assert.equal(rb.info.reward_ctrl, -0.1 * 6);
    assert.equal(ra.info.reward_forward, rb.info.reward_forward);
    assert.equal(ra.reward, (ra.info.reward_forward as number) + (ra.info.reward_ctrl as number));
    assert.deepEqual(Array.from(a.data.ctrl), [2, -3, 1, 1, -1, 5], "d.ctrl keeps the raw action");
  } finally {
    a.close();
    b.close();
  }
});

test("setState writes qpos/qvel and runs mj_forward (closed-form Reacher fingertip, IDP tip at 1.2)", async () => {
  const env = await mk("Reacher-v5");
  try {
    env.reset({ seed: 0 });
    const [q0, q1, tx, ty] = [0.7, -1.1, 0.05, -0.12];
    env.setState([q0, q1, tx, ty], [0.3, -0.2, 0, 0]);
    const obs = env.observe();
    const fx = 0.1 * Math.cos(q0) + 0.11 * Math.cos(q0 + q1);
    const fy = 0.1 * Math.sin(q0) + 0.11 * Math.sin(q0 + q1);
    assert.ok(Math.abs(obs[8]! - (fx - tx)) < 1e-12, `dx ${obs[8]} vs ${fx - tx}`);
    assert.ok(Math.abs(obs[9]! - (fy - ty)) < 1e-12, `dy ${obs[9]} vs ${fy - ty}`);
    assert.deepEqual(Array.from(obs.subarray(0, 8)), [
      Math.cos(q0),
      Math.cos(q1),
      Math.sin(q0),
      Math.sin(q1),
      tx,
      ty,
      0.3,
      -0.2,
    ]);
  } finally {
    env.close();
  }
  const idp = await mk("InvertedDoublePendulum-v5");
  try {
    idp.reset({ seed: 0 });
    idp.setState([0, 0, 0], [0, 0, 0]);
    assert.equal(idp.data.site_xpos[2], 1.2);
  } finally {
    idp.close();
  }
});

test("Gymnasium kwargs change the task: observation layout, weights, frame_skip, model parameters, xml", async () => {
  const full = await mk("HalfCheetah-v5", { exclude_current_positions_from_observation: false, ctrl_cost_weight: 0 });
  try {
    const { obs } = full.reset({ seed: 0 });
    assert.equal(obs.length, 18);
    assert.equal(obs[0], full.data.qpos[0]);
    const r = full.step([1, 1, 1, 1, 1, 1]);
    assert.equal(r.reward, r.info.reward_forward);
    assert.equal(r.info.reward_ctrl, -0);
  } finally {
    full.close();
  }
  const slim = await mk("Humanoid-v5", {
    include_cinert_in_observation: false,
    include_cvel_in_observation: false,
    include_qfrc_actuator_in_observation: false,
    include_cfrc_ext_in_observation: false,
  });
  try {
    assert.deepEqual(slim.observationSpace.shape, [45]);
    assert.equal(slim.reset({ seed: 0 }).obs.length, 45);
  } finally {
    slim.close();
  }
  const ant = await mk("Ant-v5", { include_cfrc_ext_in_observation: false, main_body: "torso" });
  try {
    assert.deepEqual(ant.observationSpace.shape, [27]);
  } finally {
    ant.close();
  }
  const slow = await mk("Swimmer-v5", { frame_skip: 10 });
  try {
    assert.equal(slow.dt, 0.1);
  } finally {
    slow.close();
  }
  // a longer back thigh changes the dynamics; the default `xml` reproduces the default env exactly
  const base = await mk("HalfCheetah-v5");
  const long = await mk("HalfCheetah-v5", { model: { bthighLength: 0.45 } });
  const viaXml = await mk("HalfCheetah-v5", { xml: base.xml });
  try {
    const act = [0.5, -0.2, 0.3, 0.1, 0.4, -0.6];
    for (const e of [base, long, viaXml]) e.reset({ seed: 2 });
    const r0 = base.step(act);
    assert.deepEqual(Array.from(viaXml.step(act).obs), Array.from(r0.obs));
    assert.notDeepEqual(Array.from(long.step(act).obs), Array.from(r0.obs));
  } finally {
    base.close();
    long.close();
    viaXml.close();
  }
});

test("bad input: actions, setState, options, model parameters and MJCF give errors naming the problem", async () => {
  await assert.rejects(makeMujoco("Cheetah-v9"), /unknown MuJoCo task id "Cheetah-v9"; known ids: .*HalfCheetah-v5/);
  await assert.rejects(
    makeMujoco("HalfCheetah-v5", { ctrl_cost_weight: -1 }),
    /option ctrl_cost_weight is invalid.*got -1/,
  );
  await assert.rejects(makeMujoco("HalfCheetah-v5", { ctrl_cost: 1 }), /unknown option 'ctrl_cost'/);
  await assert.rejects(
    makeMujoco("Hopper-v5", { healthy_z_range: [2, 1] }),
    /option healthy_z_range is invalid \(must be \[low, high\] with low < high\), got \[2,1\]/,
  );
  await assert.rejects(makeMujoco("Hopper-v5", { terminate_when_unhealthy: "yes" }), /terminate_when_unhealthy/);
  await assert.rejects(
    makeMujoco("Swimmer-v5", { frame_skip: 0 }),
    /frame_skip must be an integer in \[1, 1000\], got 0/,
  );
  await assert.rejects(
    makeMujoco("Swimmer-v5", { frame_skip: 1e9 }),
    /frame_skip must be an integer in \[1, 1000\], got 1000000000/,
  );
  await assert.rejects(makeMujoco("Ant-v5", { main_body: "tail" }), /main_body must name a body/);
  await assert.rejects(
    makeMujoco("HalfCheetah-v5", { model: { bthighLength: -0.3 } }),
    /halfCheetahModel: bthighLength must be a positive finite number, got -0.3/,
  );
  await assert.rejects(
    makeMujoco("HalfCheetah-v5", { model: { thigh: 0.3 } }),
    /halfCheetahModel: unknown parameter thigh/,
  );
  await assert.rejects(makeMujoco("HalfCheetah-v5", { model: { gear: [1, 2] } }), /gear must be an array of 6 numbers/);
  await assert.rejects(
    makeMujoco("HalfCheetah-v5", { xml: "<mujoco><nonsense/></mujoco>" }),
    /HalfCheetah-v5: MuJoCo could not compile the model: .*nonsense/,
  );

  const env = await mk("HalfCheetah-v5");
  try {
    assert.throws(() => env.step(new Float64Array(6)), /step\(\) called before reset\(\)/);
    env.reset({ seed: 0 });
    assert.throws(() => env.step([0, 0, 0, 0]), /expected action of length 6, got 4/);
    assert.throws(() => env.step([0, 0, NaN, 0, 0, 0]), /action\[2\] must be finite, got NaN/);
    assert.throws(() => env.step([0, 0, 0, 0, 0, Infinity]), /action\[5\] must be finite, got Infinity/);
    assert.throws(() => env.setState(new Float64Array(8), new Float64Array(9)), /expected qpos of length 9, got 8/);
    assert.throws(() => env.setState(new Float64Array(9)), /missing qvel/);
    assert.throws(
      () => env.setState(new Float64Array(9), [0, 0, 0, 0, NaN, 0, 0, 0, 0]),
      /qvel\[4\] must be finite, got NaN/,
    );
    assert.throws(() => env.reset({ seed: -1 }), /seed must be an integer/);
    env.close();
    assert.throws(() => env.step(new Float64Array(6)), /after close\(\)/);
    env.close();
  } finally {
    env.close();
  }
});

test("render: an SVG side view projected from the geoms' world poses", async () => {
  for (const id of MUJOCO_IDS) {
    const env = await mk(id);
    try {
      assert.throws(() => env.render(), /before reset\(\)/);
      env.reset({ seed: 0 });
      env.step(new Float64Array(env.model.nu));
      const f = env.render();
      assert.equal(f.mime, "image/svg+xml");
      checkSvg(f.data);
      assert.ok(f.width > 0 && f.height > 0);
      assert.ok(
        (f.data.match(/<line |<circle |<polygon /g) ?? []).length >= env.model.ngeom - 1,
        `${id} draws its geoms`,
      );
    } finally {
      env.close();
    }
  }
  // fixed camera, 150 px/m, centre (0, 0.3) at (200, 120): the cart at x = 0.5 is drawn centred at (275, 165)
  const ip = await mk("InvertedPendulum-v5");
  try {
    ip.reset({ seed: 0 });
    ip.setState([0.5, 0], [0, 0]);
    const lines = [
      ...ip
        .render()
        .data.matchAll(
          /<line x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)" stroke="[^"]+" stroke-width="([\d.]+)"/g,
        ),
    ].map((m) => m.slice(1, 6).map(Number) as [number, number, number, number, number]);
    const near = (a: number, b: number): boolean => Math.abs(a - b) < 0.011;
    // a segment between two screen points, in either direction, with the given stroke width (2 r · 150 px/m)
    const drawn = (p: [number, number], q: [number, number], width: number): boolean =>
      lines.some(
        ([x1, y1, x2, y2, w]) =>
          near(w, width) &&
          ((near(x1, p[0]) && near(y1, p[1]) && near(x2, q[0]) && near(y2, q[1])) ||
            (near(x1, q[0]) && near(y1, q[1]) && near(x2, p[0]) && near(y2, p[1]))),
      );
    assert.ok(
      drawn([260, 165], [290, 165], 30),
      `cart capsule (half-length 0.1, radius 0.1) at (275, 165): ${JSON.stringify(lines)}`,
    );
    assert.ok(drawn([275, 165], [275.15, 75], 14.7), "pole from (0.5, 0) to (0.501, 0.6), radius 0.049");
  } finally {
    ip.close();
  }
});
