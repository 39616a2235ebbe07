/**
 * Walker2d-v5's model (Gymnasium `walker2d_v5.xml`), authored from the facts sheet: a planar biped (torso and
 * two thigh/leg/foot chains) on slide-x / slide-z / hinge-y root joints. Angles in degrees.
 */
import { el, resolveParams, toXml } from "../mjcf";
import { legChain, legLayout, torsoBody, type LegSpec } from "./planarLeg";

/** Parameters of {@link walker2dModel} (defaults = Gymnasium's model; both legs share them). */
export type Walker2dParams = {
  /** Torso capsule length in m (0.4). */
  torsoLength: number;
  /** Thigh capsule length in m (0.45). */
  thighLength: number;
  /** Leg (shin) capsule length in m (0.5). */
  legLength: number;
  /** Foot capsule length in m, pointing forward from the ankle (0.2). */
  footLength: number;
  torsoRadius: number;
  thighRadius: number;
  legRadius: number;
  footRadius: number;
  /** Sliding friction of torso, thighs and legs (0.9). */
  friction: number;
  /** Sliding friction of the feet (1.9). */
  footFriction: number;
  /** Sliding friction of the floor (0.7, the default class value). */
  floorFriction: number;
  /** Motor gear of the six joints (100). */
  gear: number;
  /** Integrator step in s (0.002). */
  timestep: number;
};

export const WALKER2D_DEFAULTS: Readonly<Walker2dParams> = Object.freeze({
  torsoLength: 0.4,
  thighLength: 0.45,
  legLength: 0.5,
  footLength: 0.2,
  torsoRadius: 0.05,
  thighRadius: 0.05,
  legRadius: 0.04,
  footRadius: 0.06,
  friction: 0.9,
  footFriction: 1.9,
  floorFriction: 0.7,
  gear: 100,
  timestep: 0.002,
});

/** MJCF of the 2-D walker; `params` override {@link WALKER2D_DEFAULTS}. */
export function walker2dModel(params?: Partial<Walker2dParams>): string {
  const D = WALKER2D_DEFAULTS;
  const p = resolveParams("walker2dModel", D, params);
  const L = legLayout(p.torsoLength, p.thighLength, p.legLength);
  const f = p.footLength / D.footLength;
  const leg = (suffix: string): LegSpec => ({
    suffix,
    thighRadius: p.thighRadius,
    legRadius: p.legRadius,
    footRadius: p.footRadius,
    footBack: 0,
    footFront: 0.2 * f,
    footBodyX: 0.2 * f,
    friction: p.friction,
    footFriction: p.footFriction,
  });
  const joints = ["thigh_joint", "leg_joint", "foot_joint", "thigh_left_joint", "leg_left_joint", "foot_left_joint"];
  return toXml(
    el("mujoco", { model: "walker2d" }, [
      el("compiler", { angle: "degree", inertiafromgeom: true }),
      el("option", { integrator: "RK4", timestep: p.timestep }),
      el("default", {}, [
        el("joint", { armature: 0.01, damping: 0.1, limited: true }),
        el("geom", { conaffinity: 0, condim: 3, contype: 1, density: 1000, friction: [p.floorFriction, 0.1, 0.1] }),
      ]),
      el("worldbody", {}, [
        el("geom", { name: "floor", type: "plane", size: [40, 40, 40], pos: [0, 0, 0], condim: 3, conaffinity: 1 }),
        torsoBody(L, p.torsoRadius, p.friction, [legChain(L, leg("")), legChain(L, leg("_left"))]),
      ]),
      el(
        "actuator",
        {},
        joints.map((joint) => el("motor", { joint, gear: p.gear, ctrllimited: true, ctrlrange: [-1, 1] })),
      ),
    ]),
  );
}
