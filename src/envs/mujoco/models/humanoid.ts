/**
 * Humanoid-v5's model (Gymnasium `humanoid.xml`), authored from the facts sheet: a 3-D humanoid on a free joint —
 * torso with head and upper waist, lower waist (abdomen z/y), pelvis (abdomen x), two legs (hip x/z/y, knee,
 * spherical foot), two arms (two shoulder hinges, elbow, spherical hand) — and two fixed tendons (hip_y to knee)
 * reported in `info`. PGS solver, 50 iterations, RK4. Angles in degrees.
 */
import { el, resolveParams, scale, toXml, type MjcfElement } from "../mjcf";

/** Parameters of {@link humanoidModel} (defaults = Gymnasium's model). */
export type HumanoidParams = {
  /** Thigh length: vertical extent of the thigh capsule in m (0.34); the knee moves with it. */
  thighLength: number;
  /** Shin length: the shin capsule in m (0.3); the foot moves with it. */
  shinLength: number;
  /** Upper-arm length along the arm diagonal in m (0.16·√3); the elbow moves with it. */
  upperArmLength: number;
  /** Lower-arm length along the arm diagonal in m (0.16·√3, from 0.01 to 0.17 per axis); the hand moves with it. */
  lowerArmLength: number;
  /** Initial torso height in m (1.4); raise it with longer legs. */
  initHeight: number;
  /** Sliding friction of the floor (1). */
  floorFriction: number;
  /** Integrator step in s (0.003). */
  timestep: number;
};

export const HUMANOID_DEFAULTS: Readonly<HumanoidParams> = Object.freeze({
  thighLength: 0.34,
  shinLength: 0.3,
  upperArmLength: 0.16 * Math.sqrt(3),
  lowerArmLength: 0.16 * Math.sqrt(3),
  initHeight: 1.4,
  floorFriction: 1,
  timestep: 0.003,
});

type JointSpec = {
  name: string;
  axis: number[];
  range: [number, number];
  pos?: number[];
  stiffness?: number;
  damping?: number;
  armature: number;
};

const hinge = (j: JointSpec): MjcfElement =>
  el("joint", {
    name: j.name,
    type: "hinge",
    pos: j.pos ?? [0, 0, 0],
    axis: j.axis,
    range: j.range,
    stiffness: j.stiffness,
    damping: j.damping,
    armature: j.armature,
  });

const capsule = (name: string, size: number[], fromto: number[]): MjcfElement =>
  el("geom", { name, type: "capsule", size, fromto });
const sphere = (name: string, r: number, pos: number[]): MjcfElement =>
  el("geom", { name, type: "sphere", size: [r], pos });

/** MJCF of the humanoid; `params` override {@link HUMANOID_DEFAULTS}. */
export function humanoidModel(params?: Partial<HumanoidParams>): string {
  const D = HUMANOID_DEFAULTS;
  const p = resolveParams("humanoidModel", D, params);
  const sThigh = p.thighLength / D.thighLength;
  const sShin = p.shinLength / D.shinLength;
  const sUpper = p.upperArmLength / D.upperArmLength;
  const sLower = p.lowerArmLength / D.lowerArmLength;

  const leg = (side: "right" | "left"): MjcfElement => {
    const y = side === "right" ? -1 : 1; // lateral sign
    const axisSign = side === "right" ? 1 : -1; // the left hip x/z axes are mirrored
    const yJointArmature = side === "right" ? 0.008 : 0.01;
    return el("body", { name: `${side}_thigh`, pos: [0, 0.1 * y, -0.04] }, [
      hinge({
        name: `${side}_hip_x`,
        axis: [axisSign, 0, 0],
        range: [-25, 5],
        stiffness: 10,
        damping: 5,
        armature: 0.01,
      }),
      hinge({
        name: `${side}_hip_z`,
        axis: [0, 0, axisSign],
        range: [-60, 35],
        stiffness: 10,
        damping: 5,
        armature: 0.01,
      }),
      hinge({
        name: `${side}_hip_y`,
        axis: [0, 1, 0],
        range: [-110, 20],
        stiffness: 20,
        damping: 5,
        armature: yJointArmature,
      }),
      capsule(`${side}_thigh1`, [0.06], [0, 0, 0, ...scale([0, -0.01 * y, -0.34], sThigh)]),
      el("body", { name: `${side}_shin`, pos: scale([0, -0.01 * y, -0.403], sThigh) }, [
        hinge({
          name: `${side}_knee`,
          pos: [0, 0, 0.02],
          axis: [0, -1, 0],
          range: [-160, -2],
          stiffness: side === "left" ? 1 : undefined,
          armature: 0.006,
        }),
        capsule(`${side}_shin1`, [0.049], [0, 0, 0, ...scale([0, 0, -0.3], sShin)]),
        el("body", { name: `${side}_foot`, pos: scale([0, 0, -0.45], sShin) }, [
          sphere(`${side}_foot`, 0.075, [0, 0, 0.1]),
        ]),
      ]),
    ]);
  };

  const arm = (side: "right" | "left"): MjcfElement => {
    const y = side === "right" ? -1 : 1;
    const shoulderRange: [number, number] = side === "right" ? [-85, 60] : [-60, 85];
    return el("body", { name: `${side}_upper_arm`, pos: [0, 0.17 * y, 0.06] }, [
      hinge({ name: `${side}_shoulder1`, axis: [2, -y, 1], range: shoulderRange, stiffness: 1, armature: 0.0068 }),
      hinge({ name: `${side}_shoulder2`, axis: [0, y, 1], range: shoulderRange, stiffness: 1, armature: 0.0051 }),
      capsule(`${side}_uarm1`, [0.04, 0.16], [0, 0, 0, ...scale([0.16, 0.16 * y, -0.16], sUpper)]),
      el("body", { name: `${side}_lower_arm`, pos: scale([0.18, 0.18 * y, -0.18], sUpper) }, [
        hinge({ name: `${side}_elbow`, axis: [0, -1, -y], range: [-90, 50], stiffness: 0, armature: 0.0028 }),
        capsule(
          `${side}_larm`,
          [0.031],
          [...scale([0.01, -0.01 * y, 0.01], sLower), ...scale([0.17, -0.17 * y, 0.17], sLower)],
        ),
        sphere(`${side}_hand`, 0.04, scale([0.18, -0.18 * y, 0.18], sLower)),
      ]),
    ]);
  };

  const tilt = [1.0, 0, -0.002, 0];
  const gears: [string, number][] = [
    ["abdomen_y", 100],
    ["abdomen_z", 100],
    ["abdomen_x", 100],
    ["right_hip_x", 100],
    ["right_hip_z", 100],
    ["right_hip_y", 300],
    ["right_knee", 200],
    ["left_hip_x", 100],
    ["left_hip_z", 100],
    ["left_hip_y", 300],
    ["left_knee", 200],
    ["right_shoulder1", 25],
    ["right_shoulder2", 25],
    ["right_elbow", 25],
    ["left_shoulder1", 25],
    ["left_shoulder2", 25],
    ["left_elbow", 25],
  ];
  const tendon = (side: "left" | "right") =>
    el("fixed", { name: `${side}_hipknee` }, [
      el("joint", { joint: `${side}_hip_y`, coef: -1 }),
      el("joint", { joint: `${side}_knee`, coef: 1 }),
    ]);
  return toXml(
    el("mujoco", { model: "humanoid" }, [
      el("compiler", { angle: "degree", inertiafromgeom: true }),
      el("option", { integrator: "RK4", iterations: 50, solver: "PGS", timestep: p.timestep }),
      el("default", {}, [
        el("joint", { armature: 1, damping: 1, limited: true }),
        el("geom", { conaffinity: 1, condim: 1, contype: 1, margin: 0.001 }),
        el("motor", { ctrllimited: true, ctrlrange: [-0.4, 0.4] }),
      ]),
      el("worldbody", {}, [
        el("geom", {
          name: "floor",
          type: "plane",
          size: [20, 20, 0.125],
          pos: [0, 0, 0],
          friction: [p.floorFriction, 0.1, 0.1],
          condim: 3,
        }),
        el("body", { name: "torso", pos: [0, 0, p.initHeight] }, [
          el("joint", {
            name: "root",
            type: "free",
            pos: [0, 0, 0],
            limited: false,
            stiffness: 0,
            damping: 0,
            armature: 0,
          }),
          capsule("torso1", [0.07], [0, -0.07, 0, 0, 0.07, 0]),
          sphere("head", 0.09, [0, 0, 0.19]),
          capsule("uwaist", [0.06], [-0.01, -0.06, -0.12, -0.01, 0.06, -0.12]),
          el("body", { name: "lwaist", pos: [-0.01, 0, -0.26], quat: tilt }, [
            hinge({
              name: "abdomen_z",
              pos: [0, 0, 0.065],
              axis: [0, 0, 1],
              range: [-45, 45],
              stiffness: 20,
              damping: 5,
              armature: 0.02,
            }),
            hinge({
              name: "abdomen_y",
              pos: [0, 0, 0.065],
              axis: [0, 1, 0],
              range: [-75, 30],
              stiffness: 10,
              damping: 5,
              armature: 0.02,
            }),
            capsule("lwaist", [0.06], [0, -0.06, 0, 0, 0.06, 0]),
            el("body", { name: "pelvis", pos: [0, 0, -0.165], quat: tilt }, [
              hinge({
                name: "abdomen_x",
                pos: [0, 0, 0.1],
                axis: [1, 0, 0],
                range: [-35, 35],
                stiffness: 10,
                damping: 5,
                armature: 0.02,
              }),
              capsule("butt", [0.09], [-0.02, -0.07, 0, -0.02, 0.07, 0]),
              leg("right"),
              leg("left"),
            ]),
          ]),
          arm("right"),
          arm("left"),
        ]),
      ]),
      el("tendon", {}, [tendon("left"), tendon("right")]),
      el(
        "actuator",
        {},
        gears.map(([joint, gear]) => el("motor", { name: joint, joint, gear })),
      ),
    ]),
  );
}
