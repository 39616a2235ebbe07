/**
 * Ant-v5's model (Gymnasium `ant.xml`), authored from the facts sheet: a spherical torso on a free joint with four
 * diagonal legs, each an upper segment (fixed), a hip hinge about z, a leg segment and an ankle hinge, light
 * geoms (density 5). Angles in degrees.
 */
import { el, resolveParams, scale, toXml, type MjcfElement } from "../mjcf";

/** Parameters of {@link antModel} (defaults = Gymnasium's model). Segment lengths are along the leg diagonal. */
export type AntParams = {
  /** Torso sphere radius in m (0.25). */
  torsoRadius: number;
  /** Length of the segment from the torso to the hip joint in m (0.2·√2). */
  hipLength: number;
  /** Length of the leg segment from the hip to the ankle joint in m (0.2·√2). */
  legLength: number;
  /** Length of the ankle (lower leg) segment in m (0.4·√2). */
  ankleLength: number;
  /** Radius of every leg capsule in m (0.08). */
  limbRadius: number;
  /** Geom density in kg/m³ (5). */
  density: number;
  /** Sliding friction (1). */
  friction: number;
  /** Motor gear of all eight joints (150). */
  gear: number;
  /** Initial torso height in m (0.75, the torso body's z). */
  initHeight: number;
  /** Integrator step in s (0.01). */
  timestep: number;
};

export const ANT_DEFAULTS: Readonly<AntParams> = Object.freeze({
  torsoRadius: 0.25,
  hipLength: 0.2 * Math.SQRT2,
  legLength: 0.2 * Math.SQRT2,
  ankleLength: 0.4 * Math.SQRT2,
  limbRadius: 0.08,
  density: 5.0,
  friction: 1,
  gear: 150,
  initHeight: 0.75,
  timestep: 0.01,
});

interface LegDef {
  n: number;
  body: string;
  dir: [number, number];
  geoms: [string, string, string];
  ankleAxis: number[];
  ankleRange: [number, number];
}

const LEGS: LegDef[] = [
  {
    n: 1,
    body: "front_left_leg",
    dir: [1, 1],
    geoms: ["aux_1_geom", "left_leg_geom", "left_ankle_geom"],
    ankleAxis: [-1, 1, 0],
    ankleRange: [30, 70],
  },
  {
    n: 2,
    body: "front_right_leg",
    dir: [-1, 1],
    geoms: ["aux_2_geom", "right_leg_geom", "right_ankle_geom"],
    ankleAxis: [1, 1, 0],
    ankleRange: [-70, -30],
  },
  {
    n: 3,
    body: "back_leg",
    dir: [-1, -1],
    geoms: ["aux_3_geom", "back_leg_geom", "third_ankle_geom"],
    ankleAxis: [-1, 1, 0],
    ankleRange: [-70, -30],
  },
  {
    n: 4,
    body: "right_back_leg",
    dir: [1, -1],
    geoms: ["aux_4_geom", "rightback_leg_geom", "fourth_ankle_geom"],
    ankleAxis: [1, 1, 0],
    ankleRange: [30, 70],
  },
];

/** MJCF of the ant; `params` override {@link ANT_DEFAULTS}. */
export function antModel(params?: Partial<AntParams>): string {
  const D = ANT_DEFAULTS;
  const p = resolveParams("antModel", D, params);
  const sHip = p.hipLength / D.hipLength;
  const sLeg = p.legLength / D.legLength;
  const sAnkle = p.ankleLength / D.ankleLength;
  const leg = (L: LegDef): MjcfElement => {
    const d = [L.dir[0], L.dir[1], 0];
    const capsule = (name: string, end: number[]) =>
      el("geom", { name, type: "capsule", size: [p.limbRadius], fromto: [0, 0, 0, ...end] });
    const hipEnd = scale(scale(d, 0.2), sHip);
    const legEnd = scale(scale(d, 0.2), sLeg);
    return el("body", { name: L.body, pos: [0, 0, 0] }, [
      capsule(L.geoms[0], hipEnd),
      el("body", { name: `aux_${L.n}`, pos: hipEnd }, [
        el("joint", { name: `hip_${L.n}`, type: "hinge", pos: [0, 0, 0], axis: [0, 0, 1], range: [-30, 30] }),
        capsule(L.geoms[1], legEnd),
        el("body", { pos: legEnd }, [
          el("joint", { name: `ankle_${L.n}`, type: "hinge", pos: [0, 0, 0], axis: L.ankleAxis, range: L.ankleRange }),
          capsule(L.geoms[2], scale(scale(d, 0.4), sAnkle)),
        ]),
      ]),
    ]);
  };
  const order = [4, 1, 2, 3];
  return toXml(
    el("mujoco", { model: "ant" }, [
      el("compiler", { angle: "degree", inertiafromgeom: true }),
      el("option", { integrator: "RK4", timestep: p.timestep }),
      el("default", {}, [
        el("joint", { armature: 1, damping: 1, limited: true }),
        el("geom", { conaffinity: 0, condim: 3, density: p.density, friction: [p.friction, 0.5, 0.5], margin: 0.01 }),
      ]),
      el("worldbody", {}, [
        el("geom", { name: "floor", type: "plane", size: [40, 40, 40], pos: [0, 0, 0], condim: 3, conaffinity: 1 }),
        el("body", { name: "torso", pos: [0, 0, p.initHeight] }, [
          el("joint", {
            name: "root",
            type: "free",
            pos: [0, 0, 0],
            limited: false,
            damping: 0,
            armature: 0,
            margin: 0.01,
          }),
          el("geom", { name: "torso_geom", type: "sphere", size: [p.torsoRadius], pos: [0, 0, 0] }),
          ...LEGS.map(leg),
        ]),
      ]),
      el(
        "actuator",
        {},
        order.flatMap((n) => [
          el("motor", { joint: `hip_${n}`, gear: p.gear, ctrllimited: true, ctrlrange: [-1, 1] }),
          el("motor", { joint: `ankle_${n}`, gear: p.gear, ctrllimited: true, ctrlrange: [-1, 1] }),
        ]),
      ),
    ]),
  );
}
