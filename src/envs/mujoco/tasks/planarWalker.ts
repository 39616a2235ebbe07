/**
 * The step logic Hopper-v5 and Walker2d-v5 share (Gymnasium `hopper_v5.py` / `walker2d_v5.py`):
 *
 * obs = qpos[1:] ++ clip(qvel, −10, 10); ẋ = (x_after − x_before) / dt;
 * reward = forward_reward_weight · ẋ + healthy_reward · is_healthy − ctrl_cost_weight · Σ aᵢ²;
 * terminated = terminate_when_unhealthy ∧ ¬is_healthy (on the post-step state);
 * reset: qpos = init_qpos + U(−c, c), qvel = init_qvel + U(−c, c), c = reset_noise_scale.
 */
import type { Rng } from "../../../rng";
import type { ModelStep } from "../../base";
import type { Info, MakeOptions } from "../../types";
import { clip, MujocoEnv, sumSquares, type MujocoContext } from "../env";
import type { TaskSettings } from "../task";

/** Gymnasium v5 keyword arguments common to Hopper and Walker2d. */
export type PlanarWalkerKwargs = {
  /** Weight of the forward velocity reward (1.0). */
  forward_reward_weight: number;
  /** Weight of the control cost Σ aᵢ² (1e-3). */
  ctrl_cost_weight: number;
  /** Reward per step while healthy (1.0). */
  healthy_reward: number;
  /** End the episode when unhealthy (true). */
  terminate_when_unhealthy: boolean;
  /** Healthy torso height range, strict (Hopper (0.7, ∞), Walker2d (0.8, 2.0)). */
  healthy_z_range: readonly [number, number];
  /** Healthy torso angle range in rad, strict (Hopper (−0.2, 0.2), Walker2d (−1, 1)). */
  healthy_angle_range: readonly [number, number];
  /** Half-width of the uniform reset noise on qpos and qvel (5e-3). */
  reset_noise_scale: number;
  /** Leave rootx out of the observation (true). */
  exclude_current_positions_from_observation: boolean;
};

/** Shared base of {@link HopperEnv} and {@link Walker2dEnv}. */
export abstract class PlanarWalkerEnv<K extends PlanarWalkerKwargs> extends MujocoEnv {
  readonly kwargs: Readonly<K>;
  private readonly skip: number;

  protected constructor(id: string, ctx: MujocoContext, s: TaskSettings<K>, options: MakeOptions) {
    const skip = s.kwargs.exclude_current_positions_from_observation ? 1 : 0;
    super(
      ctx,
      {
        id,
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

  /** Gymnasium `is_healthy` on the current state. */
  abstract isHealthy(): boolean;

  /** `lo < z < hi` and `lo < angle < hi` for the torso height qpos[1] and angle qpos[2] (strict). */
  protected zAndAngleHealthy(): boolean {
    const q = this.data.qpos;
    const [zLo, zHi] = this.kwargs.healthy_z_range;
    const [aLo, aHi] = this.kwargs.healthy_angle_range;
    const z = q[1]!;
    const angle = q[2]!;
    return zLo < z && z < zHi && aLo < angle && angle < aHi;
  }

  protected stepModel(action: Float64Array): ModelStep {
    const k = this.kwargs;
    const xBefore = this.data.qpos[0]!;
    this.doSimulation(action);
    const q = this.data.qpos;
    const xAfter = q[0]!;
    const xVelocity = (xAfter - xBefore) / this.dt;
    const healthy = this.isHealthy();
    const forwardReward = k.forward_reward_weight * xVelocity;
    const healthyReward = healthy ? k.healthy_reward : 0;
    const ctrlCost = k.ctrl_cost_weight * sumSquares(action);
    return {
      reward: forwardReward + healthyReward - ctrlCost,
      terminated: !healthy && k.terminate_when_unhealthy,
      info: {
        x_position: xAfter,
        z_distance_from_origin: q[1]! - this.initQpos[1]!,
        x_velocity: xVelocity,
        reward_forward: forwardReward,
        reward_ctrl: -ctrlCost,
        reward_survive: healthyReward,
      },
    };
  }

  protected observation(): Float64Array {
    const { nq, nv } = this.model;
    const obs = new Float64Array(nq - this.skip + nv);
    obs.set(this.data.qpos.subarray(this.skip));
    const qvel = this.data.qvel;
    for (let i = 0; i < nv; i++) obs[nq - this.skip + i] = clip(qvel[i]!, -10, 10);
    return obs;
  }

  protected resetState(rng: Rng): { qpos: Float64Array; qvel: Float64Array } {
    const c = this.kwargs.reset_noise_scale;
    return { qpos: MujocoEnv.uniformNoise(rng, this.initQpos, c), qvel: MujocoEnv.uniformNoise(rng, this.initQvel, c) };
  }

  override resetInfo(): Info {
    const q = this.data.qpos;
    return { x_position: q[0]!, z_distance_from_origin: q[1]! - this.initQpos[1]! };
  }
}
