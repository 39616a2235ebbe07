/**
 * The typed MJCF builders: the default models compile to the facts sheet's check values (sizes, timestep,
 * qpos0, gears, every body's mass, principal inertia and centre of mass, to 10 significant digits), and their
 * parameters change the model the way their documentation says.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  loadMujoco,
  MODEL_BUILDERS,
  MUJOCO_IDS,
  halfCheetahModel,
  hopperModel,
  antModel,
  humanoidModel,
  reacherModel,
  swimmerModel,
  invertedDoublePendulumModel,
  walker2dModel,
  invertedPendulumModel,
  HALF_CHEETAH_DEFAULTS,
} from "../../../src/envs/mujoco";
import { compileModel, type MujocoModule, type MjModelView } from "../../../src/envs/mujoco/loader";
import { ROOT, assertClose } from "./helpers";

interface Check {
  nq: number;
  nv: number;
  nu: number;
  nbody: number;
  njnt: number;
  ngeom: number;
  nsite: number;
  ntendon: number;
  timestep: number;
  qpos0: number[];
  total_mass: number;
  gear: number[];
  body_mass: number[];
  body_inertia: number[][];
  body_ipos: number[][];
}
const CHECK = (
  JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "mujoco", "compiled-check.json"), "utf8")) as {
    models: Record<string, Check>;
  }
).models;

async function compiled<T>(xml: string, f: (m: MjModelView, mj: MujocoModule) => T): Promise<T> {
  const mj = await loadMujoco();
  const m = compileModel(mj, xml, "test");
  try {
    return f(m, mj);
  } finally {
    m.delete();
  }
}

const bodyPos = (m: MjModelView, b: number): number[] => Array.from(m.body_pos.subarray(3 * b, 3 * b + 3));

test("default models compile to the facts sheet's check values", async () => {
  for (const id of MUJOCO_IDS) {
    const c = CHECK[id]!;
    await compiled(MODEL_BUILDERS[id]!(), (m) => {
      const got = {
        nq: m.nq,
        nv: m.nv,
        nu: m.nu,
        nbody: m.nbody,
        njnt: m.njnt,
        ngeom: m.ngeom,
        nsite: m.nsite,
        ntendon: m.ntendon,
      };
      assert.deepEqual(
        got,
        {
          nq: c.nq,
          nv: c.nv,
          nu: c.nu,
          nbody: c.nbody,
          njnt: c.njnt,
          ngeom: c.ngeom,
          nsite: c.nsite,
          ntendon: c.ntendon,
        },
        id,
      );
      const opt = m.opt;
      assert.equal(opt.timestep, c.timestep, `${id} timestep`);
      opt.delete();
      assertClose(m.qpos0, c.qpos0, `${id} qpos0`, 0);
      assertClose(
        Array.from(m.actuator_gear).filter((_, i) => i % 6 === 0),
        c.gear,
        `${id} gear`,
        0,
      );
      assertClose(m.body_mass, c.body_mass, `${id} body_mass`, 1e-9);
      assertClose([m.body_mass.reduce((a, b) => a + b, 0)], [c.total_mass], `${id} total mass`, 1e-9);
      assertClose(m.body_inertia, c.body_inertia.flat(), `${id} body_inertia`, 1e-9);
      assertClose(m.body_ipos, c.body_ipos.flat(), `${id} body_ipos`, 1e-9);
    });
  }
});

test("model parameters: lengths scale segments and move the next joint; defaults are exact", async () => {
  // HalfCheetah: doubling the back thigh doubles its capsule and moves the knee (bshin body) twice as far
  await compiled(halfCheetahModel({ bthighLength: 2 * HALF_CHEETAH_DEFAULTS.bthighLength }), (m, mj) => {
    const g = mj.mj_name2id(m, mj.mjtObj.mjOBJ_GEOM.value, "bthigh");
    assert.ok(Math.abs(m.geom_size[3 * g + 1]! - 0.29) < 1e-15);
    const shin = mj.mj_name2id(m, mj.mjtObj.mjOBJ_BODY.value, "bshin");
    assertClose(bodyPos(m, shin), [0.32, 0, -0.5], "bshin pos", 1e-15);
    assertClose([m.body_mass.reduce((a, b) => a + b, 0)], [14], "settotalmass keeps 14 kg", 1e-12);
  });
  // Hopper: a 0.1 m longer thigh raises the initial torso height (rootz reference) by 0.1 m
  await compiled(hopperModel({ thighLength: 0.55 }), (m) => {
    assertClose([m.qpos0[1]!], [1.35], "rootz", 1e-12);
  });
  // Walker2d: foot length 0.3 gives feet of half-length 0.15
  await compiled(walker2dModel({ footLength: 0.3 }), (m, mj) => {
    for (const name of ["foot_geom", "foot_left_geom"]) {
      const g = mj.mj_name2id(m, mj.mjtObj.mjOBJ_GEOM.value, name);
      assert.ok(Math.abs(m.geom_size[3 * g + 1]! - 0.15) < 1e-15, name);
    }
  });
  // Ant: density scales every leg mass linearly; the initial height sets qpos0[2]
  await compiled(antModel({ density: 10, initHeight: 0.6 }), (m) => {
    assertClose(
      m.body_mass,
      CHECK["Ant-v5"]!.body_mass.map((x) => 2 * x),
      "ant masses",
      1e-9,
    );
    assert.equal(m.qpos0[2], 0.6);
  });
  // Humanoid: longer shins move the feet down
  await compiled(humanoidModel({ shinLength: 0.45 }), (m, mj) => {
    const foot = mj.mj_name2id(m, mj.mjtObj.mjOBJ_BODY.value, "right_foot");
    assertClose(bodyPos(m, foot), [0, 0, -0.675], "right_foot pos", 1e-15);
  });
  // Reacher: the fingertip sits 0.01 m beyond the second link
  await compiled(reacherModel({ link1Length: 0.2 }), (m, mj) => {
    const tip = mj.mj_name2id(m, mj.mjtObj.mjOBJ_BODY.value, "fingertip");
    assertClose(bodyPos(m, tip), [0.22, 0, 0], "fingertip pos", 1e-15);
  });
  // Swimmer: 2 m links weigh 1000 · (π r² L + 4/3 π r³) each (a capsule is a cylinder plus a sphere)
  await compiled(swimmerModel({ segmentLength: 2 }), (m) => {
    const r = 0.1;
    const capsule = (len: number): number => 1000 * (Math.PI * r * r * len + (4 / 3) * Math.PI * r ** 3);
    assertClose(Array.from(m.body_mass).slice(1), [capsule(2), capsule(2), capsule(2)], "swimmer link masses", 1e-12);
  });
  // InvertedDoublePendulum: the tip site follows the upper pole
  await compiled(invertedDoublePendulumModel({ pole2Length: 0.9 }), (m) => {
    assertClose(Array.from(m.site_pos), [0, 0, 0.9], "tip site", 0);
  });
  await compiled(invertedPendulumModel({ gear: 50, ctrlRange: 2 }), (m) => {
    assert.equal(m.actuator_gear[0], 50);
    assertClose(m.actuator_ctrlrange, [-2, 2], "ctrlrange", 0);
  });
  assert.equal(halfCheetahModel({}), halfCheetahModel());
  assert.throws(() => hopperModel({ gear: 0 }), /hopperModel: gear must be a positive finite number, got 0/);
  assert.throws(() => antModel({ density: NaN }), /antModel: density must be a positive finite number, got NaN/);
  assert.throws(() => invertedPendulumModel({ gravity: [0, 0] }), /gravity must be an array of 3 numbers/);
});
