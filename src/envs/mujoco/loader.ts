/**
 * Loading DeepMind's WebAssembly MuJoCo (`@mujoco/mujoco` 3.14, ESM-only) from this CommonJS library.
 *
 * The package is ESM-only, so it is loaded with a literal dynamic `import()` (TypeScript's Node16 module mode keeps
 * it a real `import()` in the CommonJS output). The WASM module is instantiated once per process and cached; every
 * environment shares it and owns its own `MjModel`/`MjData`.
 *
 * The bindings' own declaration file cannot be referenced from a CommonJS declaration (TypeScript needs the
 * unstable `resolution-mode` assertion for that), so the subset of the API used here is declared structurally
 * below. Array fields are `Float64Array`/`Int32Array` views into WASM memory: read them afresh after any call that
 * may allocate (a view goes stale if the WASM memory grows).
 */

/** The physics options of a compiled model (`mjOption`, the fields used here). */
export interface MjOptionView {
  readonly timestep: number;
  readonly gravity: Float64Array;
  delete(): void;
}

/** A compiled model (`mjModel`, the fields used here). */
export interface MjModelView {
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly nbody: number;
  readonly ngeom: number;
  readonly nsite: number;
  readonly ntendon: number;
  readonly njnt: number;
  readonly opt: MjOptionView;
  readonly qpos0: Float64Array;
  readonly body_pos: Float64Array;
  readonly body_mass: Float64Array;
  readonly body_inertia: Float64Array;
  readonly body_ipos: Float64Array;
  readonly body_parentid: Int32Array;
  readonly actuator_ctrlrange: Float64Array;
  readonly actuator_gear: Float64Array;
  readonly jnt_range: Float64Array;
  readonly geom_type: Int32Array;
  readonly geom_size: Float64Array;
  readonly geom_bodyid: Int32Array;
  readonly site_pos: Float64Array;
  readonly geom_rgba: Float32Array;
  delete(): void;
}

/** Simulation state (`mjData`, the fields used here). */
export interface MjDataView {
  readonly qpos: Float64Array;
  readonly qvel: Float64Array;
  readonly ctrl: Float64Array;
  readonly xpos: Float64Array;
  readonly xipos: Float64Array;
  readonly site_xpos: Float64Array;
  readonly geom_xpos: Float64Array;
  readonly geom_xmat: Float64Array;
  readonly cinert: Float64Array;
  readonly cvel: Float64Array;
  readonly qfrc_actuator: Float64Array;
  readonly qfrc_constraint: Float64Array;
  readonly cfrc_ext: Float64Array;
  readonly ten_length: Float64Array;
  readonly ten_velocity: Float64Array;
  readonly time: number;
  delete(): void;
}

/** The instantiated WASM module (the functions used here). */
export interface MujocoModule {
  readonly MjModel: { from_xml_string(xml: string): MjModelView };
  readonly MjData: new (model: MjModelView) => MjDataView;
  mj_step(m: MjModelView, d: MjDataView): void;
  mj_forward(m: MjModelView, d: MjDataView): void;
  mj_resetData(m: MjModelView, d: MjDataView): void;
  mj_rnePostConstraint(m: MjModelView, d: MjDataView): void;
  mj_name2id(m: MjModelView, type: number, name: string): number;
  readonly mjtObj: {
    readonly mjOBJ_BODY: { readonly value: number };
    readonly mjOBJ_JOINT: { readonly value: number };
    readonly mjOBJ_GEOM: { readonly value: number };
    readonly mjOBJ_SITE: { readonly value: number };
  };
}

/** MuJoCo geom type codes (`mjtGeom`). */
export const GEOM = { plane: 0, hfield: 1, sphere: 2, capsule: 3, ellipsoid: 4, cylinder: 5, box: 6, mesh: 7 } as const;

let cached: Promise<MujocoModule> | null = null;

/** Load (once per process) and return the WebAssembly MuJoCo module. */
export function loadMujoco(): Promise<MujocoModule> {
  if (cached === null) {
    cached = (async () => {
      const mod = (await import("@mujoco/mujoco")) as unknown as { default: () => Promise<unknown> };
      return (await mod.default()) as MujocoModule;
    })();
    cached.catch(() => {
      cached = null; // let a later call retry after a failed load
    });
  }
  return cached;
}

/** Compile MJCF text into a model, turning MuJoCo's compiler error into an Error that names the model. */
export function compileModel(mj: MujocoModule, xml: string, what: string): MjModelView {
  try {
    return mj.MjModel.from_xml_string(xml);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${what}: MuJoCo could not compile the model: ${msg.split("\n").slice(0, 3).join(" ").trim()}`, {
      cause: e,
    });
  }
}
