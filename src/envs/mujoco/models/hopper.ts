/**
 * Hopper-v5's model (Gymnasium `hopper.xml`), authored from the facts sheet: a one-legged planar hopper
 * (torso, thigh, leg, foot) on slide-x / slide-z / hinge-y root joints. Angles in degrees.
 */
import { el, resolveParams, toXml } from "../mjcf";
import { legChain, legLayout, torsoBody } from "./planarLeg";

/** Parameters of {@link hopperModel} (defaults = Gymnasium's model). */
export type HopperParams = {
  /** Torso capsule length in m (0.4). */
  torsoLength: number;
  /** Thigh capsule length in m (0.45). */
  thighLength: number;
  /** Leg (shin) capsule length in m (0.5). */
  legLength: number;
  /** Foot capsule length in m (0.39: 0.13 behind the ankle, 0.26 in front). */
  footLength: number;
  torsoRadius: number;
  thighRadius: number;
  legRadius: number;
  footRadius: number;
  /** Sliding friction of torso, thigh and leg (0.9). */
  friction: number;
  /** Sliding friction of the foot (2.0). */
  footFriction: number;
  /** Motor gear of the three joints (200). */
  gear: number;
  /** Integrator step in s (0.002). */
  timestep: number;
};

export const HOPPER_DEFAULTS: Readonly<HopperParams> = Object.freeze({
  torsoLength: 0.4,
  thighLength: 0.45,
  legLength: 0.5,
  footLength: 0.39,
  torsoRadius: 0.05,
  thighRadius: 0.05,
  legRadius: 0.04,
  footRadius: 0.06,
  friction: 0.9,
  footFriction: 2.0,
  gear: 200,
  timestep: 0.002,
});

/** MJCF of the hopper; `params` override {@link HOPPER_DEFAULTS}. The root height is ankle + leg + thigh + torso/2. */
export function hopperModel(params?: Partial<HopperParams>): string {
  const D = HOPPER_DEFAULTS;
  const p = resolveParams("hopperModel", D, params);
  const L = legLayout(p.torsoLength, p.thighLength, p.legLength);
  const f = p.footLength / D.footLength;
  const leg = legChain(L, {
    suffix: "",
    thighRadius: p.thighRadius,
    legRadius: p.legRadius,
    footRadius: p.footRadius,
    footBack: 0.13 * f,
    footFront: 0.26 * f,
    footBodyX: 0.13 * f,
    friction: p.friction,
    footFriction: p.footFriction,
  });
  return toXml(
    el("mujoco", { model: "hopper" }, [
      el("compiler", { angle: "degree", inertiafromgeom: true }),
      el("option", { integrator: "RK4", timestep: p.timestep }),
      el("default", {}, [
        el("joint", { armature: 1, damping: 1, limited: true }),
        el("geom", {
          conaffinity: 1,
          condim: 1,
          contype: 1,
          margin: 0.001,
          solimp: [0.8, 0.8, 0.01],
          solref: [0.02, 1],
        }),
        el("motor", { ctrllimited: true, ctrlrange: [-0.4, 0.4] }),
      ]),
      el("worldbody", {}, [
        el("geom", { name: "floor", type: "plane", size: [20, 20, 0.125], pos: [0, 0, 0], condim: 3, conaffinity: 1 }),
        torsoBody(L, p.torsoRadius, p.friction, [leg]),
      ]),
      el(
        "actuator",
        {},
        ["thigh_joint", "leg_joint", "foot_joint"].map((joint) =>
          el("motor", { joint, gear: p.gear, ctrllimited: true, ctrlrange: [-1, 1] }),
        ),
      ),
    ]),
  );
}
