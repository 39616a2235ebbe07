/**
 * Swimmer-v5 (Gymnasium `swimmer_v5.py`): swim forward (+x) through the viscous fluid.
 *
 * obs = qpos[2:] (body angle, two joint angles) ++ qvel (5); (ẋ, ẏ) = (xy_after − xy_before) / dt from qpos[0:2];
 * reward = forward_reward_weight · ẋ − ctrl_cost_weight · Σ aᵢ²; never terminates.
 */
import type { Rng } from "../../../rng";
import type { ModelStep } from "../../base";
import type { Info, MakeOptions } from "../../types";
import { MujocoEnv, sumSquares, type MujocoContext } from "../env";
import { swimmerModel } from "../models/swimmer";
import { DEFAULT_RENDER } from "../render";
import { defineTask, kw, type TaskSettings } from "../task";

/** Gymnasium v5 keyword arguments of Swimmer. */
export type SwimmerKwargs = {
  /** Weight of the forward velocity reward (1.0). */
  forward_reward_weight: number;
  /** Weight of the control cost Σ aᵢ² (1e-4). */
  ctrl_cost_weight: number;
  /** Half-width of the uniform reset noise on qpos and qvel (0.1). */
  reset_noise_scale: number;
  /** Leave the x, y position out of the observation (true). */
  exclude_current_positions_from_observation: boolean;
};

export const SWIMMER_KWARGS: Readonly<SwimmerKwargs> = Object.freeze({
  forward_reward_weight: 1.0,
  ctrl_cost_weight: 1e-4,
  reset_noise_scale: 0.1,
  exclude_current_positions_from_observation: true,
});

/** The Swimmer-v5 environment. */
export class SwimmerEnv extends MujocoEnv {
  readonly kwargs: Readonly<SwimmerKwargs>;
  private readonly skip: number;

  constructor(ctx: MujocoContext, s: TaskSettings<SwimmerKwargs>, options: MakeOptions) {
    const skip = s.kwargs.exclude_current_positions_from_observation ? 2 : 0;
    super(
      ctx,
      {
        id: "Swimmer-v5",
        frameSkip: s.frameSkip,
        obsDim: ctx.model.nq - skip + ctx.model.nv,
        maxEpisodeSteps: 1000,
        render: s.render,
      },
      options,
    );
    this.kwargs = s.kwargs;
    this.skip = skip;
  }

  protected stepModel(action: Float64Array): ModelStep {
    const k = this.kwargs;
    const xBefore = this.data.qpos[0]!;
    const yBefore = this.data.qpos[1]!;
    this.doSimulation(action);
    const x = this.data.qpos[0]!;
    const y = this.data.qpos[1]!;
    const xVelocity = (x - xBefore) / this.dt;
    const yVelocity = (y - yBefore) / this.dt;
    const forwardReward = k.forward_reward_weight * xVelocity;
    const ctrlCost = k.ctrl_cost_weight * sumSquares(action);
    return {
      reward: forwardReward - ctrlCost,
      terminated: false,
      info: {
        x_position: x,
        y_position: y,
        distance_from_origin: Math.sqrt(x * x + y * y),
        x_velocity: xVelocity,
        y_velocity: yVelocity,
        reward_forward: forwardReward,
        reward_ctrl: -ctrlCost,
      },
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
    return { qpos: MujocoEnv.uniformNoise(rng, this.initQpos, c), qvel: MujocoEnv.uniformNoise(rng, this.initQvel, c) };
  }

  override resetInfo(): Info {
    const x = this.data.qpos[0]!;
    const y = this.data.qpos[1]!;
    return { x_position: x, y_position: y, distance_from_origin: Math.sqrt(x * x + y * y) };
  }
}

export const SWIMMER_TASK = defineTask<SwimmerKwargs>({
  id: "Swimmer-v5",
  frameSkip: 4,
  maxEpisodeSteps: 1000,
  defaults: SWIMMER_KWARGS,
  schema: {
    forward_reward_weight: kw.finite,
    ctrl_cost_weight: kw.nonNegative,
    reset_noise_scale: kw.nonNegative,
    exclude_current_positions_from_observation: kw.flag,
  },
  buildModel: swimmerModel,
  render: {
    ...DEFAULT_RENDER,
    elevation: 90,
    scale: 70,
    width: 480,
    height: 320,
    center: [-0.5, 0, 0],
    track: "xy",
    tick: 0.5,
  },
  create: (ctx, s, options) => new SwimmerEnv(ctx, s, options),
});
