/**
 * `MujocoEnv`: the shared part of the nine MuJoCo v5 tasks — Gymnasium's `MujocoEnv` (`mujoco_env.py`) on the
 * WebAssembly MuJoCo. It owns the compiled model and data, `init_qpos`/`init_qvel`, `frame_skip` and `dt`, the
 * reset (`mj_resetData`, the task's noise, `set_state`), `do_simulation` and `set_state`; {@link EnvBase} adds the
 * time limit, the order checks (no step before reset or after the episode ended) and the action/state checks.
 *
 * Gymnasium v5 step semantics kept here:
 * - the action goes into `d.ctrl` unclipped; MuJoCo clamps it to `ctrlrange` inside `mj_step` (all actuators
 *   are `ctrllimited`), and the tasks charge the control cost on the raw action;
 * - `mj_step` runs `frame_skip` times, then `mj_rnePostConstraint` fills `cfrc_ext`;
 * - positions/velocities derived from the forward pass (`xpos`, `xipos`, `site_xpos`, `cinert`, `cvel`,
 *   `qfrc_*`) are read as `mj_step` left them (one integration step behind `qpos`); no `mj_forward` after a step.
 */
import type { Rng } from "../../rng";
import { EnvBase } from "../base";
import { box } from "../spaces";
import type { Frame, Info, MakeOptions } from "../types";
import type { MjDataView, MjModelView, MujocoModule } from "./loader";
import { renderMujoco, type RenderOptions } from "./render";

/** What every task constructor receives: the loaded module, the compiled model and its MJCF. */
export interface MujocoContext {
  readonly mj: MujocoModule;
  readonly model: MjModelView;
  readonly xml: string;
}

/** Static facts of a task passed up to {@link MujocoEnv}. */
export interface MujocoTaskSpec {
  readonly id: string;
  readonly frameSkip: number;
  readonly obsDim: number;
  readonly maxEpisodeSteps: number;
  readonly render: RenderOptions;
}

/** Sum of squares `Σ aᵢ²` (the control-cost core). */
export function sumSquares(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

/** Clip `x` into `[lo, hi]`. */
export function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Base class of the MuJoCo v5 tasks (see the module comment). */
export abstract class MujocoEnv extends EnvBase {
  /** The WebAssembly MuJoCo module. */
  readonly mj: MujocoModule;
  /** The compiled model (`env.unwrapped.model`). */
  readonly model: MjModelView;
  /** The simulation data (`env.unwrapped.data`); freed by `close()`. */
  readonly data: MjDataView;
  /** The MJCF the model was compiled from. */
  readonly xml: string;
  /** Physics steps per env step (Gymnasium `frame_skip`). */
  readonly frameSkip: number;
  /** Seconds per env step: `model.opt.timestep * frame_skip`. */
  readonly dt: number;
  /** `data.qpos` right after `MjData` creation (= `model.qpos0`, Gymnasium `init_qpos`). */
  readonly initQpos: Float64Array;
  /** Zeros (Gymnasium `init_qvel`). */
  readonly initQvel: Float64Array;
  private readonly renderOptions: RenderOptions;
  private freed = false;

  protected constructor(ctx: MujocoContext, spec: MujocoTaskSpec, options: MakeOptions) {
    const m = ctx.model;
    const ctrlrange = m.actuator_ctrlrange;
    const low = new Float64Array(m.nu);
    const high = new Float64Array(m.nu);
    for (let i = 0; i < m.nu; i++) {
      low[i] = ctrlrange[2 * i]!;
      high[i] = ctrlrange[2 * i + 1]!;
    }
    super(
      {
        id: spec.id,
        observationSpace: box(-Infinity, Infinity, { shape: [spec.obsDim] }),
        actionSpace: box(low, high, { float32: true }),
        maxEpisodeSteps: spec.maxEpisodeSteps,
        stateParts: [
          { name: "qpos", length: m.nq },
          { name: "qvel", length: m.nv },
        ],
      },
      options,
    );
    this.mj = ctx.mj;
    this.model = m;
    this.xml = ctx.xml;
    this.data = new ctx.mj.MjData(m);
    this.frameSkip = spec.frameSkip;
    const opt = m.opt;
    this.dt = opt.timestep * spec.frameSkip;
    opt.delete();
    this.initQpos = Float64Array.from(this.data.qpos);
    this.initQvel = new Float64Array(m.nv);
    this.renderOptions = spec.render;
  }

  /** Gymnasium `do_simulation`: raw action into `ctrl`, `frame_skip` × `mj_step`, then `mj_rnePostConstraint`. */
  protected doSimulation(action: Float64Array): void {
    const { mj, model, data } = this;
    data.ctrl.set(action);
    for (let k = 0; k < this.frameSkip; k++) mj.mj_step(model, data);
    mj.mj_rnePostConstraint(model, data);
  }

  /** Gymnasium `set_state`: write `qpos`, `qvel`, then `mj_forward`. */
  protected setQ(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.data.qpos.set(qpos);
    this.data.qvel.set(qvel);
    this.mj.mj_forward(this.model, this.data);
  }

  /** Gymnasium `reset`: `mj_resetData`, then the task's `resetModel` noise through `set_state`. */
  protected resetModel(rng: Rng): Info {
    this.mj.mj_resetData(this.model, this.data);
    const { qpos, qvel } = this.resetState(rng);
    this.setQ(qpos, qvel);
    return this.resetInfo();
  }

  protected writeState(parts: readonly Float64Array[]): void {
    this.setQ(parts[0]!, parts[1]!);
  }

  protected renderFrame(): Frame {
    return renderMujoco(this.model, this.data, this.id, this.renderOptions);
  }

  protected override closeModel(): void {
    if (this.freed) return;
    this.freed = true;
    this.data.delete();
    this.model.delete();
  }

  /** `init_qpos + noise`, `init_qvel + noise` drawn from the env's `Rng` (Gymnasium `reset_model`). */
  protected abstract resetState(rng: Rng): { qpos: Float64Array; qvel: Float64Array };
  /** The `info` that `reset()` returns, computed from the current state (Gymnasium `_get_reset_info`). */
  resetInfo(): Info {
    return {};
  }

  /** `init + U(-scale, scale)` element-wise (Gymnasium `np_random.uniform(low, high, size)` added to init). */
  protected static uniformNoise(rng: Rng, init: Float64Array, scale: number): Float64Array {
    const out = new Float64Array(init.length);
    for (let i = 0; i < init.length; i++) out[i] = init[i]! + rng.uniformRange(-scale, scale);
    return out;
  }

  /** `init + scale · N(0, 1)` element-wise (Gymnasium `scale * np_random.standard_normal(size)` added to init). */
  protected static normalNoise(rng: Rng, init: Float64Array, scale: number): Float64Array {
    const out = new Float64Array(init.length);
    for (let i = 0; i < init.length; i++) out[i] = init[i]! + scale * rng.normal();
    return out;
  }
}
