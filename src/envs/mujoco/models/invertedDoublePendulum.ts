/**
 * InvertedDoublePendulum-v5's model (Gymnasium `inverted_double_pendulum.xml`), authored from the facts sheet: a
 * cart on a rail carrying two hinged poles in series, with a `tip` site at the end of the second pole. Angles in
 * degrees (MJCF default). Gravity has Gymnasium's tiny x component (1e-5) that breaks the upright symmetry.
 */
import { el, resolveParams, toXml } from "../mjcf";

/** Parameters of {@link invertedDoublePendulumModel} (defaults = Gymnasium's model). */
export type InvertedDoublePendulumParams = {
  /** Length of the lower pole in m (0.6). */
  poleLength: number;
  /** Length of the upper pole in m (0.6); the `tip` site sits at its end. */
  pole2Length: number;
  /** Radius of both poles in m (0.045). */
  poleRadius: number;
  /** Half-length of the rail = slider limit in m (1). */
  railHalfLength: number;
  /** Motor gear (500). */
  gear: number;
  /** Joint damping (0.05). */
  damping: number;
  /** Integrator step in s (0.01). */
  timestep: number;
  /** Gravity vector in m/s² ([1e-5, 0, -9.81]). */
  gravity: readonly number[];
};

export const INVERTED_DOUBLE_PENDULUM_DEFAULTS: Readonly<InvertedDoublePendulumParams> = Object.freeze({
  poleLength: 0.6,
  pole2Length: 0.6,
  poleRadius: 0.045,
  railHalfLength: 1,
  gear: 500,
  damping: 0.05,
  timestep: 0.01,
  gravity: Object.freeze([1e-5, 0, -9.81]),
});

/** MJCF of the double pendulum on a cart; `params` override {@link INVERTED_DOUBLE_PENDULUM_DEFAULTS}. */
export function invertedDoublePendulumModel(params?: Partial<InvertedDoublePendulumParams>): string {
  const p = resolveParams("invertedDoublePendulumModel", INVERTED_DOUBLE_PENDULUM_DEFAULTS, params, ["gravity"]);
  const horizontal = [0.707, 0, 0.707, 0];
  return toXml(
    el("mujoco", { model: "cartpole" }, [
      el("compiler", { angle: "degree", inertiafromgeom: true }),
      el("option", { gravity: p.gravity, integrator: "RK4", timestep: p.timestep }),
      el("default", {}, [el("joint", { damping: p.damping }), el("geom", { contype: 0, friction: [1, 0.1, 0.1] })]),
      el("worldbody", {}, [
        el("geom", { name: "floor", type: "plane", size: [40, 40, 40], pos: [0, 0, -3.0] }),
        el("geom", { name: "rail", type: "capsule", size: [0.02, p.railHalfLength], pos: [0, 0, 0], quat: horizontal }),
        el("body", { name: "cart", pos: [0, 0, 0] }, [
          el("joint", {
            name: "slider",
            type: "slide",
            pos: [0, 0, 0],
            axis: [1, 0, 0],
            range: [-p.railHalfLength, p.railHalfLength],
            limited: true,
            margin: 0.01,
          }),
          el("geom", { name: "cart", type: "capsule", size: [0.1, 0.1], pos: [0, 0, 0], quat: horizontal }),
          el("body", { name: "pole", pos: [0, 0, 0] }, [
            el("joint", { name: "hinge", type: "hinge", pos: [0, 0, 0], axis: [0, 1, 0] }),
            el("geom", {
              name: "cpole",
              type: "capsule",
              size: [p.poleRadius, 0.3],
              fromto: [0, 0, 0, 0, 0, p.poleLength],
            }),
            el("body", { name: "pole2", pos: [0, 0, p.poleLength] }, [
              el("joint", { name: "hinge2", type: "hinge", pos: [0, 0, 0], axis: [0, 1, 0] }),
              el("geom", {
                name: "cpole2",
                type: "capsule",
                size: [p.poleRadius, 0.3],
                fromto: [0, 0, 0, 0, 0, p.pole2Length],
              }),
              el("site", { name: "tip", pos: [0, 0, p.pole2Length], size: [0.01, 0.01] }),
            ]),
          ]),
        ]),
      ]),
      el("actuator", {}, [
        el("motor", { name: "slide", joint: "slider", gear: p.gear, ctrllimited: true, ctrlrange: [-1, 1] }),
      ]),
    ]),
  );
}
