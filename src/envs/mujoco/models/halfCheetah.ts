/**
 * HalfCheetah-v5's model (Gymnasium `half_cheetah.xml`), authored from the facts sheet: a planar cat-like body
 * (root slide x, slide z, hinge y) with a back and a front leg of three hinged segments each. Angles in radians;
 * `settotalmass` rescales the geom masses so the whole cheetah weighs `totalMass`.
 *
 * Segment lengths are varied by scaling each segment's capsule (position and half-length) and the position of
 * the next body about the segment's own joint, so the defaults reproduce Gymnasium's numbers bit for bit.
 */
import { el, resolveParams, toXml, scale, type MjcfElement } from "../mjcf";

/** Parameters of {@link halfCheetahModel} (defaults = Gymnasium's model). Lengths are capsule segment lengths. */
export type HalfCheetahParams = {
  /** Torso length in m between the hips (1.0). */
  torsoLength: number;
  /** Back thigh capsule length in m (0.29). */
  bthighLength: number;
  /** Back shin capsule length in m (0.3). */
  bshinLength: number;
  /** Back foot capsule length in m (0.188). */
  bfootLength: number;
  /** Front thigh capsule length in m (0.266). */
  fthighLength: number;
  /** Front shin capsule length in m (0.212). */
  fshinLength: number;
  /** Front foot capsule length in m (0.14). */
  ffootLength: number;
  /** Radius of every capsule in m (0.046). */
  limbRadius: number;
  /** Total mass in kg (14; MJCF `settotalmass`). */
  totalMass: number;
  /** Sliding friction of every geom (0.4). */
  friction: number;
  /** Motor gears in action order bthigh, bshin, bfoot, fthigh, fshin, ffoot ([120, 90, 60, 120, 60, 30]). */
  gear: readonly number[];
  /** Integrator step in s (0.01). */
  timestep: number;
};

export const HALF_CHEETAH_DEFAULTS: Readonly<HalfCheetahParams> = Object.freeze({
  torsoLength: 1.0,
  bthighLength: 0.29,
  bshinLength: 0.3,
  bfootLength: 0.188,
  fthighLength: 0.266,
  fshinLength: 0.212,
  ffootLength: 0.14,
  limbRadius: 0.046,
  totalMass: 14,
  friction: 0.4,
  gear: Object.freeze([120, 90, 60, 120, 60, 30]),
  timestep: 0.01,
});

interface Segment {
  name: string;
  range: [number, number];
  stiffness: number;
  damping: number;
  geomPos: number[];
  halfLength: number;
  angle: number;
  /** Position of the next body in this body's frame. */
  childPos?: number[];
}

const BACK: Segment[] = [
  {
    name: "bthigh",
    range: [-0.52, 1.05],
    stiffness: 240,
    damping: 6,
    geomPos: [0.1, 0, -0.13],
    halfLength: 0.145,
    angle: -3.8,
    childPos: [0.16, 0, -0.25],
  },
  {
    name: "bshin",
    range: [-0.785, 0.785],
    stiffness: 180,
    damping: 4.5,
    geomPos: [-0.14, 0, -0.07],
    halfLength: 0.15,
    angle: -2.03,
    childPos: [-0.28, 0, -0.14],
  },
  {
    name: "bfoot",
    range: [-0.4, 0.785],
    stiffness: 120,
    damping: 3,
    geomPos: [0.03, 0, -0.097],
    halfLength: 0.094,
    angle: -0.27,
  },
];
const FRONT: Segment[] = [
  {
    name: "fthigh",
    range: [-1, 0.7],
    stiffness: 180,
    damping: 4.5,
    geomPos: [-0.07, 0, -0.12],
    halfLength: 0.133,
    angle: 0.52,
    childPos: [-0.14, 0, -0.24],
  },
  {
    name: "fshin",
    range: [-1.2, 0.87],
    stiffness: 120,
    damping: 3,
    geomPos: [0.065, 0, -0.09],
    halfLength: 0.106,
    angle: -0.6,
    childPos: [0.13, 0, -0.18],
  },
  {
    name: "ffoot",
    range: [-0.5, 0.5],
    stiffness: 60,
    damping: 1.5,
    geomPos: [0.045, 0, -0.07],
    halfLength: 0.07,
    angle: -0.6,
  },
];

/** MJCF of the half cheetah; `params` override {@link HALF_CHEETAH_DEFAULTS}. */
export function halfCheetahModel(params?: Partial<HalfCheetahParams>): string {
  const D = HALF_CHEETAH_DEFAULTS;
  const p = resolveParams("halfCheetahModel", D, params);
  const r = p.limbRadius;
  const lengthScale: Record<string, number> = {
    bthigh: p.bthighLength / D.bthighLength,
    bshin: p.bshinLength / D.bshinLength,
    bfoot: p.bfootLength / D.bfootLength,
    fthigh: p.fthighLength / D.fthighLength,
    fshin: p.fshinLength / D.fshinLength,
    ffoot: p.ffootLength / D.ffootLength,
  };
  const chain = (segs: Segment[], pos: number[]): MjcfElement => {
    const [seg, ...rest] = segs as [Segment, ...Segment[]];
    const s = lengthScale[seg.name]!;
    const children: MjcfElement[] = [
      el("joint", {
        name: seg.name,
        type: "hinge",
        pos: [0, 0, 0],
        axis: [0, 1, 0],
        range: seg.range,
        stiffness: seg.stiffness,
        damping: seg.damping,
      }),
      el("geom", {
        name: seg.name,
        type: "capsule",
        size: [r, seg.halfLength * s],
        pos: scale(seg.geomPos, s),
        axisangle: [0, 1, 0, seg.angle],
      }),
    ];
    if (rest.length > 0) children.push(chain(rest, scale(seg.childPos!, s)));
    return el("body", { name: seg.name, pos }, children);
  };
  const t = p.torsoLength / D.torsoLength;
  const hip = 0.5 * t;
  const rootJoint = (name: string, type: string, axis: number[]): MjcfElement =>
    el("joint", { name, type, pos: [0, 0, 0], axis, limited: false, stiffness: 0, damping: 0, armature: 0 });
  return toXml(
    el("mujoco", { model: "cheetah" }, [
      el("compiler", { angle: "radian", inertiafromgeom: true, settotalmass: p.totalMass }),
      el("option", { gravity: [0, 0, -9.81], timestep: p.timestep }),
      el("default", {}, [
        el("joint", {
          armature: 0.1,
          damping: 0.01,
          limited: true,
          solimplimit: [0, 0.8, 0.03],
          solreflimit: [0.02, 1],
          stiffness: 8,
        }),
        el("geom", {
          conaffinity: 0,
          condim: 3,
          contype: 1,
          friction: [p.friction, 0.1, 0.1],
          solimp: [0.0, 0.8, 0.01],
          solref: [0.02, 1],
        }),
        el("motor", { ctrllimited: true, ctrlrange: [-1, 1] }),
      ]),
      el("worldbody", {}, [
        el("geom", { name: "floor", type: "plane", size: [40, 40, 40], pos: [0, 0, 0], condim: 3, conaffinity: 1 }),
        el("body", { name: "torso", pos: [0, 0, 0.7] }, [
          rootJoint("rootx", "slide", [1, 0, 0]),
          rootJoint("rootz", "slide", [0, 0, 1]),
          rootJoint("rooty", "hinge", [0, 1, 0]),
          el("geom", { name: "torso", type: "capsule", size: [r], fromto: [-hip, 0, 0, hip, 0, 0] }),
          el("geom", {
            name: "head",
            type: "capsule",
            size: [r, 0.15],
            pos: [hip + 0.1, 0, 0.1],
            axisangle: [0, 1, 0, 0.87],
          }),
          chain(BACK, [-hip, 0, 0]),
          chain(FRONT, [hip, 0, 0]),
        ]),
      ]),
      el(
        "actuator",
        {},
        ["bthigh", "bshin", "bfoot", "fthigh", "fshin", "ffoot"].map((j, i) =>
          el("motor", { name: j, joint: j, gear: p.gear[i]! }),
        ),
      ),
    ]),
  );
}
