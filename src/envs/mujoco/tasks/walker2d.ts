/**
 * Walker2d-v5 (Gymnasium `walker2d_v5.py`): walk forward on two legs without falling. Step logic in
 * {@link PlanarWalkerEnv}; healthy = torso height inside healthy_z_range and torso angle inside
 * healthy_angle_range (strict; no state-range check).
 */
import type { MakeOptions } from "../../types";
import type { MujocoContext } from "../env";
import { walker2dModel } from "../models/walker2d";
import { DEFAULT_RENDER } from "../render";
import { defineTask, kw, type TaskSettings } from "../task";
import { PlanarWalkerEnv, type PlanarWalkerKwargs } from "./planarWalker";

/** Gymnasium v5 keyword arguments of Walker2d. */
export type Walker2dKwargs = PlanarWalkerKwargs;

export const WALKER2D_KWARGS: Readonly<Walker2dKwargs> = Object.freeze({
  forward_reward_weight: 1.0,
  ctrl_cost_weight: 1e-3,
  healthy_reward: 1.0,
  terminate_when_unhealthy: true,
  healthy_z_range: Object.freeze([0.8, 2.0]) as readonly [number, number],
  healthy_angle_range: Object.freeze([-1.0, 1.0]) as readonly [number, number],
  reset_noise_scale: 5e-3,
  exclude_current_positions_from_observation: true,
});

/** The Walker2d-v5 environment. */
export class Walker2dEnv extends PlanarWalkerEnv<Walker2dKwargs> {
  constructor(ctx: MujocoContext, s: TaskSettings<Walker2dKwargs>, options: MakeOptions) {
    super("Walker2d-v5", ctx, s, options);
  }

  isHealthy(): boolean {
    return this.zAndAngleHealthy();
  }
}

export const WALKER2D_TASK = defineTask<Walker2dKwargs>({
  id: "Walker2d-v5",
  frameSkip: 4,
  maxEpisodeSteps: 1000,
  defaults: WALKER2D_KWARGS,
  schema: {
    forward_reward_weight: kw.finite,
    ctrl_cost_weight: kw.nonNegative,
    healthy_reward: kw.finite,
    terminate_when_unhealthy: kw.flag,
    healthy_z_range: kw.range,
    healthy_angle_range: kw.range,
    reset_noise_scale: kw.nonNegative,
    exclude_current_positions_from_observation: kw.flag,
  },
  buildModel: walker2dModel,
  render: { ...DEFAULT_RENDER, height: 260, center: [0, 0, 0.9] },
  create: (ctx, s, options) => new Walker2dEnv(ctx, s, options),
});
