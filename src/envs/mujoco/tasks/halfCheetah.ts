/**
 * HalfCheetah-v5 (Gymnasium `half_cheetah_v5.py`): run forward as fast as possible.
 *
 * obs = qpos[1:] (rootz, rooty, 6 joint angles; rootx excluded by default) ++ qvel (9);
 * reward = forward_reward_weight · ẋ − ctrl_cost_weight · Σ aᵢ², ẋ = (x_after − x_before) / dt; never terminates.
 */
import type { Rng } from "../../../rng";
import type { ModelStep } from "../../base";
import type { MakeOptions } from "../../types";
import { MujocoEnv, sumSquares, type MujocoContext } from "../env";
import { halfCheetahModel } from "../models/halfCheetah";
import { DEFAULT_RENDER } from "../render";
import { defineTask, kw, type TaskSettings } from "../task";

/** Gymnasium v5 keyword arguments of HalfCheetah. */
export type HalfCheetahKwargs = {
  /** Weight of the forward velocity reward (1.0). */
  forward_reward_weight: number;
  /** Weight of the control cost Σ aᵢ² (0.1). */
  ctrl_cost_weight: number;
  /** Scale of the reset noise: qpos + U(−c, c), qvel + c · N(0, 1) (0.1). */
  reset_noise_scale: number;
  /** Leave rootx out of the observation (true). */
  exclude_current_positions_from_observation: boolean;
};

export const HALF_CHEETAH_KWARGS: Readonly<HalfCheetahKwargs> = Object.freeze({
  forward_reward_weight: 1.0,
  ctrl_cost_weight: 0.1,
  reset_noise_scale: 0.1,
  exclude_current_positions_from_observation: true,
});

/** The HalfCheetah-v5 environment. */
export class HalfCheetahEnv extends MujocoEnv {
  readonly kwargs: Readonly<HalfCheetahKwargs>;
  private readonly skip: number;

  constructor(ctx: MujocoContext, s: TaskSettings<HalfCheetahKwargs>, options: MakeOptions) {
    const skip = s.kwargs.exclude_current_positions_from_observation ? 1 : 0;
    const obsDim = ctx.model.nq - skip + ctx.model.nv;
    super(
      ctx,
      { id: "HalfCheetah-v5", frameSkip: s.frameSkip, obsDim, maxEpisodeSteps: 1000, render: s.render },
      options,
    );
    this.kwargs = s.kwargs;
    this.skip = skip;
  }

  protected stepModel(action: Float64Array): ModelStep {
    const k = this.kwargs;
    const xBefore = this.data.qpos[0]!;
    this.doSimulation(action);
    const xAfter = this.data.qpos[0]!;
    const xVelocity = (xAfter - xBefore) / this.dt;
    const ctrlCost = k.ctrl_cost_weight * sumSquares(action);
    const forwardReward = k.forward_reward_weight * xVelocity;
    return {
      reward: forwardReward - ctrlCost,
      terminated: false,
      info: { x_position: xAfter, x_velocity: xVelocity, reward_forward: forwardReward, reward_ctrl: -ctrlCost },
    };
  }

  protected observation(): Float64Array {
    const { nq, nv } = this.model;
    const obs = new Float64Array(nq - this.skip + nv);
    obs.set(this.data.qpos.subarray(this.skip));
    obs.set(this.data.qvel, nq - this.skip);
    return obs;
  }

  protected resetState(rng: Rng): { qpos: Float64Array; qvel: Float64Array } {
    const c = this.kwargs.reset_noise_scale;
    return { qpos: MujocoEnv.uniformNoise(rng, this.initQpos, c), qvel: MujocoEnv.normalNoise(rng, this.initQvel, c) };
  }

  override resetInfo(): { x_position: number } {
    return { x_position: this.data.qpos[0]! };
  }
}

export const HALF_CHEETAH_TASK = defineTask<HalfCheetahKwargs>({
  id: "HalfCheetah-v5",
  frameSkip: 5,
  maxEpisodeSteps: 1000,
  defaults: HALF_CHEETAH_KWARGS,
  schema: {
    forward_reward_weight: kw.finite,
    ctrl_cost_weight: kw.nonNegative,
    reset_noise_scale: kw.nonNegative,
    exclude_current_positions_from_observation: kw.flag,
  },
  buildModel: halfCheetahModel,
  render: { ...DEFAULT_RENDER, center: [0, 0, 0.5] },
  create: (ctx, s, options) => new HalfCheetahEnv(ctx, s, options),
});
