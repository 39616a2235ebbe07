/**
 * The planar leg shared by Hopper and Walker2d: thigh, leg (shin) and foot capsules hanging below a vertical
 * torso capsule, hinged about −y. Gymnasium's XML files were written in world coordinates and converted to
 * body-local ones, so this builder does the same: it lays the segments out by world height (ankle at 0.1 m, then
 * leg, thigh and torso stacked above) and subtracts the parent body's world position, which reproduces the
 * files' numbers bit for bit (e.g. thigh body z = 1.05 − 1.25 = −0.19999999999999996).
 */
import { el, type MjcfElement } from "../mjcf";

/** Heights of the leg's joints in world coordinates (z, metres) at the initial pose. */
export interface LegLayout {
  /** Torso centre = root height (`rootz` ref). */
  rootZ: number;
  /** Top of the torso capsule. */
  topZ: number;
  hipZ: number;
  kneeZ: number;
  ankleZ: number;
}

/** Ankle height of both models (m). */
export const ANKLE_Z = 0.1;

/** Lay out the joint heights from the segment lengths: ankle 0.1 m, knee, hip above it, torso centred on root. */
export function legLayout(torsoLength: number, thighLength: number, legLength: number): LegLayout {
  const ankleZ = ANKLE_Z;
  const kneeZ = ankleZ + legLength;
  const hipZ = kneeZ + thighLength;
  const rootZ = hipZ + torsoLength / 2;
  const topZ = rootZ + torsoLength / 2;
  return { rootZ, topZ, hipZ, kneeZ, ankleZ };
}

/** Geometry of one leg. */
export interface LegSpec {
  /** Name suffix: "" for the (right) leg, "_left" for Walker2d's left leg. */
  suffix: string;
  thighRadius: number;
  legRadius: number;
  footRadius: number;
  /** Foot extent behind the ankle (m, ≥ 0) and in front of it (m). */
  footBack: number;
  footFront: number;
  /** World x of the foot body frame (Gymnasium's files put it at a constant; it only moves the frame). */
  footBodyX: number;
  friction: number;
  footFriction: number;
}

/** The foot capsule's orientation: its axis along x (quaternion w x y z, copied from the model). */
const FOOT_QUAT = [0.70710678118654757, 0, -0.70710678118654746, 0];

/** The thigh → leg → foot body chain, positioned relative to the torso body (at `rootZ`). */
export function legChain(L: LegLayout, s: LegSpec): MjcfElement {
  const n = (base: string): string => `${base}${s.suffix}`;
  const legBodyZ = (L.kneeZ + L.ankleZ) / 2;
  const footGeomX = (-s.footBack + s.footFront) / 2;
  const foot = el("body", { name: n("foot"), pos: [s.footBodyX, 0, 0 - legBodyZ] }, [
    el("joint", {
      name: n("foot") + "_joint",
      type: "hinge",
      pos: [0 - s.footBodyX, 0, L.ankleZ - 0],
      axis: [0, -1, 0],
      range: [-45, 45],
    }),
    el("geom", {
      name: n("foot") + "_geom",
      type: "capsule",
      size: [s.footRadius, (s.footFront + s.footBack) / 2],
      pos: [footGeomX - s.footBodyX, 0, L.ankleZ - 0],
      quat: FOOT_QUAT,
      friction: s.footFriction,
    }),
  ]);
  const leg = el("body", { name: n("leg"), pos: [0, 0, legBodyZ - L.hipZ] }, [
    el("joint", {
      name: n("leg") + "_joint",
      type: "hinge",
      pos: [0, 0, L.kneeZ - legBodyZ],
      axis: [0, -1, 0],
      range: [-150, 0],
    }),
    el("geom", {
      name: n("leg") + "_geom",
      type: "capsule",
      size: [s.legRadius, (L.kneeZ - L.ankleZ) / 2],
      friction: s.friction,
    }),
    foot,
  ]);
  return el("body", { name: n("thigh"), pos: [0, 0, L.hipZ - L.rootZ] }, [
    el("joint", { name: n("thigh") + "_joint", type: "hinge", pos: [0, 0, 0], axis: [0, -1, 0], range: [-150, 0] }),
    el("geom", {
      name: n("thigh") + "_geom",
      type: "capsule",
      size: [s.thighRadius, (L.hipZ - L.kneeZ) / 2],
      pos: [0, 0, (L.hipZ + L.kneeZ) / 2 - L.hipZ],
      friction: s.friction,
    }),
    leg,
  ]);
}

/** The torso body: root joints (rootx, rootz, rooty), the torso capsule, then `legs`. */
export function torsoBody(L: LegLayout, torsoRadius: number, friction: number, legs: MjcfElement[]): MjcfElement {
  const root = (name: string, type: string, axis: number[], pos: number[], ref?: number): MjcfElement =>
    el("joint", { name, type, pos, axis, limited: false, ref, stiffness: 0, damping: 0, armature: 0 });
  return el("body", { name: "torso", pos: [0, 0, L.rootZ] }, [
    root("rootx", "slide", [1, 0, 0], [0, 0, 0 - L.rootZ]),
    root("rootz", "slide", [0, 0, 1], [0, 0, 0 - L.rootZ], L.rootZ),
    root("rooty", "hinge", [0, 1, 0], [0, 0, 0]),
    el("geom", {
      name: "torso_geom",
      type: "capsule",
      size: [torsoRadius, (L.topZ - L.hipZ) / 2],
      pos: [0, 0, (L.topZ + L.hipZ) / 2 - L.rootZ],
      friction,
    }),
    ...legs,
  ]);
}
