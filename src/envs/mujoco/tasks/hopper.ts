/**
 * Hopper-v5 (Gymnasium `hopper_v5.py`): hop forward on one leg without falling. Step logic in
 * {@link PlanarWalkerEnv}; healthy = every entry of concat(qpos, qvel)[2:] inside healthy_state_range, torso
 * height inside healthy_z_range and torso angle inside healthy_angle_range (all strict).
 */
import type { MakeOptions } from "../../types";
import type { MujocoContext } from "../env";
import { hopperModel } from "../models/hopper";
import { DEFAULT_RENDER } from "../render";
import { defineTask, kw, type TaskSettings } from "../task";
import { PlanarWalkerEnv, type PlanarWalkerKwargs } from "./planarWalker";

/** Gymnasium v5 keyword arguments of Hopper. */
export type HopperKwargs = PlanarWalkerKwargs & {
  /** Healthy range of every entry of concat(qpos, qvel)[2:], strict ((−100, 100)). */
  healthy_state_range: readonly [number, number];
};

export const HOPPER_KWARGS: Readonly<HopperKwargs> = Object.freeze({
  forward_reward_weight: 1.0,
  ctrl_cost_weight: 1e-3,
  healthy_reward: 1.0,
  terminate_when_unhealthy: true,
  healthy_state_range: Object.freeze([-100.0, 100.0]) as readonly [number, number],
  healthy_z_range: Object.freeze([0.7, Infinity]) as readonly [number, number],
  healthy_angle_range: Object.freeze([-0.2, 0.2]) as readonly [number, number],
  reset_noise_scale: 5e-3,
  exclude_current_positions_from_observation: true,
});

/** The Hopper-v5 environment. */
export class HopperEnv extends PlanarWalkerEnv<HopperKwargs> {
  constructor(ctx: MujocoContext, s: TaskSettings<HopperKwargs>, options: MakeOptions) {
    super("Hopper-v5", ctx, s, options);
  }

  isHealthy(): boolean {
    const [lo, hi] = this.kwargs.healthy_state_range;
    const q = this.data.qpos;
    const v = this.data.qvel;
    for (let i = 2; i < q.length; i++) if (!(lo < q[i]! && q[i]! < hi)) return false;
    for (let i = 0; i < v.length; i++) if (!(lo < v[i]! && v[i]! < hi)) return false;
    return this.zAndAngleHealthy();
  }
}

export const HOPPER_TASK = defineTask<HopperKwargs>({
  id: "Hopper-v5",
  frameSkip: 4,
  maxEpisodeSteps: 1000,
  defaults: HOPPER_KWARGS,
  schema: {
    forward_reward_weight: kw.finite,
    ctrl_cost_weight: kw.nonNegative,
    healthy_reward: kw.finite,
    terminate_when_unhealthy: kw.flag,
    healthy_state_range: kw.range,
    healthy_z_range: kw.range,
    healthy_angle_range: kw.range,
    reset_noise_scale: kw.nonNegative,
    exclude_current_positions_from_observation: kw.flag,
  },
  buildModel: hopperModel,
  render: { ...DEFAULT_RENDER, height: 260, center: [0, 0, 0.9] },
  create: (ctx, s, options) => new HopperEnv(ctx, s, options),
});
