/**
 * Ant-v5 (Gymnasium `ant_v5.py`): walk forward (+x) on four legs.
 *
 * obs = qpos[2:] (13) ++ qvel (14) ++ clip(cfrc_ext[1:], contact_force_range) (13 × 6);
 * (ẋ, ẏ) from the main body's frame position `xpos[main_body]` before/after the step, / dt;
 * reward = forward_reward_weight · ẋ + healthy_reward · is_healthy − ctrl_cost_weight · Σ aᵢ²
 *          − contact_cost_weight · Σ clip(cfrc_ext)²;
 * is_healthy = concat(qpos, qvel) finite ∧ lo ≤ qpos[2] ≤ hi (inclusive); terminated = ¬is_healthy.
 */
import type { Rng } from "../../../rng";
import type { ModelStep } from "../../base";
import type { Info, MakeOptions } from "../../types";
import { clip, MujocoEnv, sumSquares, type MujocoContext } from "../env";
import { antModel } from "../models/ant";
import { DEFAULT_RENDER } from "../render";
import { defineTask, kw, type TaskSettings } from "../task";
import { z } from "zod";

/** Gymnasium v5 keyword arguments of Ant. */
export type AntKwargs = {
  /** Weight of the forward velocity reward (1). */
  forward_reward_weight: number;
  /** Weight of the control cost Σ aᵢ² (0.5). */
  ctrl_cost_weight: number;
  /** Weight of the contact cost Σ clip(cfrc_ext)² (5e-4). */
  contact_cost_weight: number;
  /** Reward per step while healthy (1.0). */
  healthy_reward: number;
  /** Body whose frame position gives the velocity: index or name (1 = torso). */
  main_body: number | string;
  /** End the episode when unhealthy (true). */
  terminate_when_unhealthy: boolean;
  /** Healthy torso height range, inclusive ((0.2, 1.0)). */
  healthy_z_range: readonly [number, number];
  /** Clip range of the external contact forces ((−1, 1)). */
  contact_force_range: readonly [number, number];
  /** Reset noise: qpos + U(−c, c) (quaternion included, not renormalised), qvel + c · N(0, 1) (0.1). */
  reset_noise_scale: number;
  /** Leave the x, y position out of the observation (true). */
  exclude_current_positions_from_observation: boolean;
  /** Append the clipped contact forces of bodies 1.. to the observation (true). */
  include_cfrc_ext_in_observation: boolean;
};

export const ANT_KWARGS: Readonly<AntKwargs> = Object.freeze({
  forward_reward_weight: 1,
  ctrl_cost_weight: 0.5,
  contact_cost_weight: 5e-4,
  healthy_reward: 1.0,
  main_body: 1,
  terminate_when_unhealthy: true,
  healthy_z_range: Object.freeze([0.2, 1.0]) as readonly [number, number],
  contact_force_range: Object.freeze([-1.0, 1.0]) as readonly [number, number],
  reset_noise_scale: 0.1,
  exclude_current_positions_from_observation: true,
  include_cfrc_ext_in_observation: true,
});

/** The Ant-v5 environment. */
export class AntEnv extends MujocoEnv {
  readonly kwargs: Readonly<AntKwargs>;
  private readonly mainBody: number;
  private readonly skip: number;

  constructor(ctx: MujocoContext, s: TaskSettings<AntKwargs>, options: MakeOptions) {
    const { mj, model } = ctx;
    const k = s.kwargs;
    const mainBody =
      typeof k.main_body === "string" ? mj.mj_name2id(model, mj.mjtObj.mjOBJ_BODY.value, k.main_body) : k.main_body;
    if (mainBody < 0 || mainBody >= model.nbody) {
      throw new Error(
        `Ant-v5: option main_body must name a body or be an index in [0, ${model.nbody - 1}], got ${JSON.stringify(k.main_body)}`,
      );
    }
    const skip = k.exclude_current_positions_from_observation ? 2 : 0;
    const obsDim = model.nq - skip + model.nv + (k.include_cfrc_ext_in_observation ? 6 * (model.nbody - 1) : 0);
    super(ctx, { id: "Ant-v5", frameSkip: s.frameSkip, obsDim, maxEpisodeSteps: 1000, render: s.render }, options);
    this.kwargs = k;
    this.mainBody = mainBody;
    this.skip = skip;
  }

  /** Gymnasium `is_healthy`: the state is finite and lo ≤ torso z ≤ hi. */
  isHealthy(): boolean {
    const q = this.data.qpos;
    if (!q.every(Number.isFinite) || !this.data.qvel.every(Number.isFinite)) return false;
    const [lo, hi] = this.kwargs.healthy_z_range;
    return lo <= q[2]! && q[2]! <= hi;
  }

  /** Gymnasium `contact_cost`: contact_cost_weight · Σ clip(cfrc_ext, range)² over all bodies. */
  contactCost(): number {
    const [lo, hi] = this.kwargs.contact_force_range;
    const f = this.data.cfrc_ext;
    let s = 0;
    for (let i = 0; i < f.length; i++) {
      const c = clip(f[i]!, lo, hi);
      s += c * c;
    }
    return this.kwargs.contact_cost_weight * s;
  }

  protected stepModel(action: Float64Array): ModelStep {
    const k = this.kwargs;
    const b = 3 * this.mainBody;
    const xBefore = this.data.xpos[b]!;
    const yBefore = this.data.xpos[b + 1]!;
    this.doSimulation(action);
    const xpos = this.data.xpos;
    const xVelocity = (xpos[b]! - xBefore) / this.dt;
    const yVelocity = (xpos[b + 1]! - yBefore) / this.dt;
    const healthy = this.isHealthy();
    const forwardReward = xVelocity * k.forward_reward_weight;
    const healthyReward = healthy ? k.healthy_reward : 0;
    const ctrlCost = k.ctrl_cost_weight * sumSquares(action);
    const contactCost = this.contactCost();
    const q = this.data.qpos;
    return {
      reward: forwardReward + healthyReward - (ctrlCost + contactCost),
      terminated: !healthy && k.terminate_when_unhealthy,
      info: {
        x_position: q[0]!,
        y_position: q[1]!,
        distance_from_origin: Math.sqrt(q[0]! * q[0]! + q[1]! * q[1]!),
        x_velocity: xVelocity,
        y_velocity: yVelocity,
        reward_forward: forwardReward,
        reward_ctrl: -ctrlCost,
        reward_contact: -contactCost,
        reward_survive: healthyReward,
      },
    };
  }

  protected observation(): Float64Array {
    const { nq, nv, nbody } = this.model;
    const k = this.kwargs;
    const obs = new Float64Array(this.observationSpace.shape[0]!);
    obs.set(this.data.qpos.subarray(this.skip));
    obs.set(this.data.qvel, nq - this.skip);
    if (k.include_cfrc_ext_in_observation) {
      const [lo, hi] = k.contact_force_range;
      const f = this.data.cfrc_ext;
      const off = nq - this.skip + nv;
      for (let i = 6; i < 6 * nbody; i++) obs[off + i - 6] = clip(f[i]!, lo, hi);
    }
    return obs;
  }

  protected resetState(rng: Rng): { qpos: Float64Array; qvel: Float64Array } {
    const c = this.kwargs.reset_noise_scale;
    return { qpos: MujocoEnv.uniformNoise(rng, this.initQpos, c), qvel: MujocoEnv.normalNoise(rng, this.initQvel, c) };
  }

  override resetInfo(): Info {
    const q = this.data.qpos;
    return { x_position: q[0]!, y_position: q[1]!, distance_from_origin: Math.sqrt(q[0]! * q[0]! + q[1]! * q[1]!) };
  }
}

export const ANT_TASK = defineTask<AntKwargs>({
  id: "Ant-v5",
  frameSkip: 5,
  maxEpisodeSteps: 1000,
  defaults: ANT_KWARGS,
  schema: {
    forward_reward_weight: kw.finite,
    ctrl_cost_weight: kw.nonNegative,
    contact_cost_weight: kw.nonNegative,
    healthy_reward: kw.finite,
    main_body: z.union([kw.index, z.string().min(1)]),
    terminate_when_unhealthy: kw.flag,
    healthy_z_range: kw.range,
    contact_force_range: kw.range,
    reset_noise_scale: kw.nonNegative,
    exclude_current_positions_from_observation: kw.flag,
    include_cfrc_ext_in_observation: kw.flag,
  },
  buildModel: antModel,
  render: { ...DEFAULT_RENDER, azimuth: -20, elevation: 25, scale: 90, height: 260, center: [0, 0, 0.3] },
  create: (ctx, s, options) => new AntEnv(ctx, s, options),
});
