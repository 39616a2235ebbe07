/**
 * Reacher-v5's model (Gymnasium `reacher.xml`), authored from the facts sheet: a two-link planar arm (hinges about
 * z) in a walled 0.6 m arena, and a target on two slide joints (`target_x`, `target_y`, refs 0.1 and −0.1).
 * Angles in radians; no contacts (every geom has contype 0).
 */
import { el, resolveParams, scale, toXml } from "../mjcf";

/** Parameters of {@link reacherModel} (defaults = Gymnasium's model). */
export type ReacherParams = {
  /** Length of the first link in m (0.1). */
  link0Length: number;
  /** Length of the second link in m (0.1); the fingertip sits 0.01 m beyond it. */
  link1Length: number;
  /** Link radius in m (0.01). */
  linkRadius: number;
  /** Motor gear of both joints (200). */
  gear: number;
  /** Integrator step in s (0.01). */
  timestep: number;
};

export const REACHER_DEFAULTS: Readonly<ReacherParams> = Object.freeze({
  link0Length: 0.1,
  link1Length: 0.1,
  linkRadius: 0.01,
  gear: 200,
  timestep: 0.01,
});

/** MJCF of the reacher arm; `params` override {@link REACHER_DEFAULTS}. */
export function reacherModel(params?: Partial<ReacherParams>): string {
  const D = REACHER_DEFAULTS;
  const p = resolveParams("reacherModel", D, params);
  const s1 = p.link1Length / D.link1Length;
  const wall = (name: string, fromto: number[]) =>
    el("geom", { name, type: "capsule", size: [0.02], fromto, conaffinity: 0 });
  const slide = (name: string, axis: number[], ref: number) =>
    el("joint", {
      name,
      type: "slide",
      pos: [0, 0, 0],
      axis,
      range: [-0.27, 0.27],
      limited: true,
      ref,
      stiffness: 0,
      damping: 0,
      armature: 0,
    });
  return toXml(
    el("mujoco", { model: "reacher" }, [
      el("compiler", { angle: "radian", inertiafromgeom: true }),
      el("option", { gravity: [0, 0, -9.81], integrator: "RK4", timestep: p.timestep }),
      el("default", {}, [
        el("joint", { armature: 1, damping: 1, limited: true }),
        el("geom", { contype: 0, friction: [1, 0.1, 0.1] }),
      ]),
      el("worldbody", {}, [
        el("geom", { name: "ground", type: "plane", size: [1, 1, 10], pos: [0, 0, 0], contype: 0, conaffinity: 0 }),
        wall("sideS", [-0.3, -0.3, 0.01, 0.3, -0.3, 0.01]),
        wall("sideE", [0.3, -0.3, 0.01, 0.3, 0.3, 0.01]),
        wall("sideN", [-0.3, 0.3, 0.01, 0.3, 0.3, 0.01]),
        wall("sideW", [-0.3, -0.3, 0.01, -0.3, 0.3, 0.01]),
        el("geom", {
          name: "root",
          type: "cylinder",
          size: [0.011],
          fromto: [0, 0, 0, 0, 0, 0.02],
          contype: 0,
          conaffinity: 0,
        }),
        el("body", { name: "body0", pos: [0, 0, 0.01] }, [
          el("joint", { name: "joint0", type: "hinge", pos: [0, 0, 0], axis: [0, 0, 1], limited: false }),
          el("geom", { name: "link0", type: "capsule", size: [p.linkRadius], fromto: [0, 0, 0, p.link0Length, 0, 0] }),
          el("body", { name: "body1", pos: [p.link0Length, 0, 0] }, [
            el("joint", {
              name: "joint1",
              type: "hinge",
              pos: [0, 0, 0],
              axis: [0, 0, 1],
              range: [-3.0, 3.0],
              limited: true,
            }),
            el("geom", {
              name: "link1",
              type: "capsule",
              size: [p.linkRadius],
              fromto: [0, 0, 0, p.link1Length, 0, 0],
            }),
            el("body", { name: "fingertip", pos: scale([0.11, 0, 0], s1) }, [
              el("geom", { name: "fingertip", type: "sphere", size: [0.01], pos: [0, 0, 0], contype: 0 }),
            ]),
          ]),
        ]),
        el("body", { name: "target", pos: [0.1, -0.1, 0.01] }, [
          slide("target_x", [1, 0, 0], 0.1),
          slide("target_y", [0, 1, 0], -0.1),
          el("geom", { name: "target", type: "sphere", size: [0.009], pos: [0, 0, 0], contype: 0, conaffinity: 0 }),
        ]),
      ]),
      el(
        "actuator",
        {},
        ["joint0", "joint1"].map((joint) =>
          el("motor", { joint, gear: p.gear, ctrllimited: true, ctrlrange: [-1, 1] }),
        ),
      ),
    ]),
  );
}
