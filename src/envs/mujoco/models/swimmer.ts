/**
 * Swimmer-v5's model (Gymnasium `swimmer.xml`), authored from the facts sheet: three capsule links joined by two
 * hinges, moving in the plane (slide x, slide y, hinge z root) through a viscous fluid (`option density` and
 * `viscosity`: MuJoCo's inertia-box fluid model), no contacts. Angles in degrees.
 */
import { el, resolveParams, toXml } from "../mjcf";

/** Parameters of {@link swimmerModel} (defaults = Gymnasium's model). */
export type SwimmerParams = {
  /** Length of each of the three links in m (1). */
  segmentLength: number;
  /** Link radius in m (0.1). */
  radius: number;
  /** Link density in kg/m³ (1000). */
  density: number;
  /** Fluid density in kg/m³ (`option density`, 4000). */
  fluidDensity: number;
  /** Fluid viscosity (`option viscosity`, 0.1). */
  viscosity: number;
  /** Hinge limit ±jointRange in degrees (100). */
  jointRange: number;
  /** Motor gear (150). */
  gear: number;
  /** Integrator step in s (0.01). */
  timestep: number;
};

export const SWIMMER_DEFAULTS: Readonly<SwimmerParams> = Object.freeze({
  segmentLength: 1,
  radius: 0.1,
  density: 1000,
  fluidDensity: 4000,
  viscosity: 0.1,
  jointRange: 100,
  gear: 150,
  timestep: 0.01,
});

/** MJCF of the swimmer; `params` override {@link SWIMMER_DEFAULTS}. */
export function swimmerModel(params?: Partial<SwimmerParams>): string {
  const p = resolveParams("swimmerModel", SWIMMER_DEFAULTS, params);
  const L = p.segmentLength;
  const link = (fromto: number[]) => el("geom", { type: "capsule", size: [p.radius], fromto, density: p.density });
  const hinge = (name: string) =>
    el("joint", {
      name,
      type: "hinge",
      pos: [0, 0, 0],
      axis: [0, 0, 1],
      range: [-p.jointRange, p.jointRange],
      limited: true,
    });
  return toXml(
    el("mujoco", { model: "swimmer" }, [
      el("compiler", { angle: "degree", inertiafromgeom: true }),
      el("option", { density: p.fluidDensity, integrator: "RK4", timestep: p.timestep, viscosity: p.viscosity }),
      el("default", {}, [el("geom", { conaffinity: 0, condim: 1, contype: 0 }), el("joint", { armature: 0.1 })]),
      el("worldbody", {}, [
        el("geom", { name: "floor", type: "plane", size: [40, 40, 0.1], pos: [0, 0, -0.1], condim: 3 }),
        el("body", { name: "torso", pos: [0, 0, 0] }, [
          el("joint", { name: "slider1", type: "slide", pos: [0, 0, 0], axis: [1, 0, 0] }),
          el("joint", { name: "slider2", type: "slide", pos: [0, 0, 0], axis: [0, 1, 0] }),
          el("joint", { name: "free_body_rot", type: "hinge", pos: [0, 0, 0], axis: [0, 0, 1] }),
          link([0.5 * L + L, 0, 0, 0.5 * L, 0, 0]),
          el("body", { name: "mid", pos: [0.5 * L, 0, 0] }, [
            hinge("motor1_rot"),
            link([0, 0, 0, -L, 0, 0]),
            el("body", { name: "back", pos: [-L, 0, 0] }, [hinge("motor2_rot"), link([0, 0, 0, -L, 0, 0])]),
          ]),
        ]),
      ]),
      el(
        "actuator",
        {},
        ["motor1_rot", "motor2_rot"].map((joint) =>
          el("motor", { joint, gear: p.gear, ctrllimited: true, ctrlrange: [-1, 1] }),
        ),
      ),
    ]),
  );
}
