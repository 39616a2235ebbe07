/**
 * InvertedPendulum-v5's model (Gymnasium `inverted_pendulum.xml`), authored from the facts sheet: a cart on a
 * rail (slide joint limited to ±1 m, force = gear · ctrl) carrying a hinged pole. Angles in degrees (MJCF default).
 */
import { el, resolveParams, toXml, scale } from "../mjcf";

/** Parameters of {@link invertedPendulumModel} (defaults = Gymnasium's model). */
export type InvertedPendulumParams = {
  /** Pole length in m (the capsule's segment, 0.6). */
  poleLength: number;
  /** Pole radius in m (0.049). */
  poleRadius: number;
  /** Cart capsule radius in m (0.1); the cart's mass follows from its volume (density 1000). */
  cartRadius: number;
  /** Half-length of the rail = slider limit in m (1). */
  railHalfLength: number;
  /** Motor gear: force = gear · ctrl in N (100). */
  gear: number;
  /** Control range ±ctrlRange (3); also the action bounds. */
  ctrlRange: number;
  /** Joint damping (1). */
  damping: number;
  /** Integrator step in s (0.02); the env's dt is timestep · frame_skip. */
  timestep: number;
  /** Gravity vector in m/s² ([0, 0, -9.81]). */
  gravity: readonly number[];
};

export const INVERTED_PENDULUM_DEFAULTS: Readonly<InvertedPendulumParams> = Object.freeze({
  poleLength: 0.6,
  poleRadius: 0.049,
  cartRadius: 0.1,
  railHalfLength: 1,
  gear: 100,
  ctrlRange: 3,
  damping: 1,
  timestep: 0.02,
  gravity: Object.freeze([0, 0, -9.81]),
});

/** MJCF of the inverted pendulum; `params` override {@link INVERTED_PENDULUM_DEFAULTS}. */
export function invertedPendulumModel(params?: Partial<InvertedPendulumParams>): string {
  const p = resolveParams("invertedPendulumModel", INVERTED_PENDULUM_DEFAULTS, params, ["gravity"]);
  const s = p.poleLength / INVERTED_PENDULUM_DEFAULTS.poleLength;
  const horizontal = [0.707, 0, 0.707, 0];
  return toXml(
    el("mujoco", { model: "inverted pendulum" }, [
      el("compiler", { angle: "degree", inertiafromgeom: true }),
      el("option", { gravity: p.gravity, integrator: "RK4", timestep: p.timestep }),
      el("default", {}, [
        el("joint", { armature: 0, damping: p.damping, limited: true }),
        el("geom", { contype: 0, friction: [1, 0.1, 0.1] }),
        el("motor", { ctrlrange: [-p.ctrlRange, p.ctrlRange] }),
      ]),
      el("worldbody", {}, [
        el("geom", { name: "rail", type: "capsule", size: [0.02, p.railHalfLength], pos: [0, 0, 0], quat: horizontal }),
        el("body", { name: "cart", pos: [0, 0, 0] }, [
          el("joint", {
            name: "slider",
            type: "slide",
            pos: [0, 0, 0],
            axis: [1, 0, 0],
            range: [-p.railHalfLength, p.railHalfLength],
            limited: true,
          }),
          el("geom", { name: "cart", type: "capsule", size: [p.cartRadius, 0.1], pos: [0, 0, 0], quat: horizontal }),
          el("body", { name: "pole", pos: [0, 0, 0] }, [
            el("joint", { name: "hinge", type: "hinge", pos: [0, 0, 0], axis: [0, 1, 0], range: [-90, 90] }),
            el("geom", {
              name: "cpole",
              type: "capsule",
              size: [p.poleRadius, 0.3],
              fromto: [0, 0, 0, ...scale([0.001, 0, 0.6], s)],
            }),
          ]),
        ]),
      ]),
      el("actuator", {}, [
        el("motor", {
          name: "slide",
          joint: "slider",
          gear: p.gear,
          ctrllimited: true,
          ctrlrange: [-p.ctrlRange, p.ctrlRange],
        }),
      ]),
    ]),
  );
}
