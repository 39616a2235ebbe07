/**
 * Humanoid-v5 (Gymnasium `humanoid_v5.py`): walk forward (+x) without falling.
 *
 * obs = qpos[2:] (22) ++ qvel (23) ++ cinert[1:] (13 × 10) ++ cvel[1:] (13 × 6) ++ qfrc_actuator[6:] (17)
 *       ++ cfrc_ext[1:] (13 × 6);
 * (ẋ, ẏ) from the mass centre Σ m_b xipos_b / Σ m_b before/after the step, / dt;
 * reward = forward_reward_weight · ẋ + healthy_reward · is_healthy − ctrl_cost_weight · Σ ctrlᵢ²
 *          − clip(contact_cost_weight · Σ cfrc_ext², contact_cost_range);
 * is_healthy = lo < qpos[2] < hi (strict); terminated = ¬is_healthy.
 */
import type { Rng } from "../../../rng";
import type { ModelStep } from "../../base";
import type { Info, MakeOptions } from "../../types";
import { clip, MujocoEnv, sumSquares, type MujocoContext } from "../env";
import { humanoidModel } from "../models/humanoid";
import { DEFAULT_RENDER } from "../render";
import { defineTask, kw, type TaskSettings } from "../task";

/** Gymnasium v5 keyword arguments of Humanoid. */
export type HumanoidKwargs = {
  /** Weight of the forward velocity reward (1.25). */
  forward_reward_weight: number;
  /** Weight of the control cost Σ ctrlᵢ² (0.1). */
  ctrl_cost_weight: number;
  /** Weight of the contact cost Σ cfrc_ext² (5e-7). */
  contact_cost_weight: number;
  /** Clip range of the weighted contact cost ((−∞, 10)). */
  contact_cost_range: readonly [number, number];
  /** Reward per step while healthy (5.0). */
  healthy_reward: number;
  /** End the episode when unhealthy (true). */
  terminate_when_unhealthy: boolean;
  /** Healthy torso height range, strict ((1.0, 2.0)). */
  healthy_z_range: readonly [number, number];
  /** Half-width of the uniform reset noise on qpos (quaternion included) and qvel (1e-2). */
  reset_noise_scale: number;
  /** Leave the x, y position out of the observation (true). */
  exclude_current_positions_from_observation: boolean;
  /** Include cinert[1:] in the observation (true). */
  include_cinert_in_observation: boolean;
  /** Include cvel[1:] in the observation (true). */
  include_cvel_in_observation: boolean;
  /** Include qfrc_actuator[6:] in the observation (true). */
  include_qfrc_actuator_in_observation: boolean;
  /** Include cfrc_ext[1:] in the observation (true). */
  include_cfrc_ext_in_observation: boolean;
};

export const HUMANOID_KWARGS: Readonly<HumanoidKwargs> = Object.freeze({
  forward_reward_weight: 1.25,
  ctrl_cost_weight: 0.1,
  contact_cost_weight: 5e-7,
  contact_cost_range: Object.freeze([-Infinity, 10.0]) as readonly [number, number],
  healthy_reward: 5.0,
  terminate_when_unhealthy: true,
  healthy_z_range: Object.freeze([1.0, 2.0]) as readonly [number, number],
  reset_noise_scale: 1e-2,
  exclude_current_positions_from_observation: true,
  include_cinert_in_observation: true,
  include_cvel_in_observation: true,
  include_qfrc_actuator_in_observation: true,
  include_cfrc_ext_in_observation: true,
});

function obsSize(m: { nq: number; nv: number; nbody: number }, k: HumanoidKwargs): number {
  const b = m.nbody - 1;
  return (
    m.nq -
    (k.exclude_current_positions_from_observation ? 2 : 0) +
    m.nv +
    (k.include_cinert_in_observation ? 10 * b : 0) +
    (k.include_cvel_in_observation ? 6 * b : 0) +
    (k.include_qfrc_actuator_in_observation ? m.nv - 6 : 0) +
    (k.include_cfrc_ext_in_observation ? 6 * b : 0)
  );
}

/** The Humanoid-v5 environment. */
export class HumanoidEnv extends MujocoEnv {
  readonly kwargs: Readonly<HumanoidKwargs>;

  constructor(ctx: MujocoContext, s: TaskSettings<HumanoidKwargs>, options: MakeOptions) {
    super(
      ctx,
      {
        id: "Humanoid-v5",
        frameSkip: s.frameSkip,
        obsDim: obsSize(ctx.model, s.kwargs),
        maxEpisodeSteps: 1000,
        render: s.render,
      },
      options,
    );
    this.kwargs = s.kwargs;
  }

  /** Gymnasium `mass_center`: Σ_b m_b xipos_b / Σ_b m_b, its (x, y). */
  massCenter(): [number, number] {
    const mass = this.model.body_mass;
    const xipos = this.data.xipos;
    let m = 0;
    let x = 0;
    let y = 0;
    for (let b = 0; b < mass.length; b++) {
      m += mass[b]!;
      x += mass[b]! * xipos[3 * b]!;
      y += mass[b]! * xipos[3 * b + 1]!;
    }
    return [x / m, y / m];
  }

  /** Gymnasium `is_healthy`: lo < torso z < hi. */
  isHealthy(): boolean {
    const [lo, hi] = this.kwargs.healthy_z_range;
    const z = this.data.qpos[2]!;
    return lo < z && z < hi;
  }

  /** Gymnasium `contact_cost`: clip(contact_cost_weight · Σ cfrc_ext², contact_cost_range). */
  contactCost(): number {
    const [lo, hi] = this.kwargs.contact_cost_range;
    return clip(this.kwargs.contact_cost_weight * sumSquares(this.data.cfrc_ext), lo, hi);
  }

  protected stepModel(action: Float64Array): ModelStep {
    const k = this.kwargs;
    const [xBefore, yBefore] = this.massCenter();
    this.doSimulation(action);
    const [xAfter, yAfter] = this.massCenter();
    const xVelocity = (xAfter - xBefore) / this.dt;
    const yVelocity = (yAfter - yBefore) / this.dt;
    const healthy = this.isHealthy();
    const forwardReward = k.forward_reward_weight * xVelocity;
    const healthyReward = healthy ? k.healthy_reward : 0;
    const ctrlCost = k.ctrl_cost_weight * sumSquares(this.data.ctrl);
    const contactCost = this.contactCost();
    return {
      reward: forwardReward + healthyReward - (ctrlCost + contactCost),
      terminated: !healthy && k.terminate_when_unhealthy,
      info: {
        ...this.resetInfo(),
        x_velocity: xVelocity,
        y_velocity: yVelocity,
        reward_survive: healthyReward,
        reward_forward: forwardReward,
        reward_ctrl: -ctrlCost,
        reward_contact: -contactCost,
      },
    };
  }

  protected observation(): Float64Array {
    const k = this.kwargs;
    const d = this.data;
    const { nbody } = this.model;
    const obs = new Float64Array(this.observationSpace.shape[0]!);
    let i = 0;
    const put = (src: Float64Array): void => {
      obs.set(src, i);
      i += src.length;
    };
    put(d.qpos.subarray(k.exclude_current_positions_from_observation ? 2 : 0));
    put(d.qvel);
    if (k.include_cinert_in_observation) put(d.cinert.subarray(10, 10 * nbody));
    if (k.include_cvel_in_observation) put(d.cvel.subarray(6, 6 * nbody));
    if (k.include_qfrc_actuator_in_observation) put(d.qfrc_actuator.subarray(6));
    if (k.include_cfrc_ext_in_observation) put(d.cfrc_ext.subarray(6, 6 * nbody));
    return obs;
  }

  protected resetState(rng: Rng): { qpos: Float64Array; qvel: Float64Array } {
    const c = this.kwargs.reset_noise_scale;
    return { qpos: MujocoEnv.uniformNoise(rng, this.initQpos, c), qvel: MujocoEnv.uniformNoise(rng, this.initQvel, c) };
  }

  override resetInfo(): Info {
    const q = this.data.qpos;
    return {
      x_position: q[0]!,
      y_position: q[1]!,
      tendon_length: Array.from(this.data.ten_length),
      tendon_velocity: Array.from(this.data.ten_velocity),
      distance_from_origin: Math.sqrt(q[0]! * q[0]! + q[1]! * q[1]!),
    };
  }
}

export const HUMANOID_TASK = defineTask<HumanoidKwargs>({
  id: "Humanoid-v5",
  frameSkip: 5,
  maxEpisodeSteps: 1000,
  defaults: HUMANOID_KWARGS,
  schema: {
    forward_reward_weight: kw.finite,
    ctrl_cost_weight: kw.nonNegative,
    contact_cost_weight: kw.nonNegative,
    contact_cost_range: kw.range,
    healthy_reward: kw.finite,
    terminate_when_unhealthy: kw.flag,
    healthy_z_range: kw.range,
    reset_noise_scale: kw.nonNegative,
    exclude_current_positions_from_observation: kw.flag,
    include_cinert_in_observation: kw.flag,
    include_cvel_in_observation: kw.flag,
    include_qfrc_actuator_in_observation: kw.flag,
    include_cfrc_ext_in_observation: kw.flag,
  },
  buildModel: humanoidModel,
  render: { ...DEFAULT_RENDER, azimuth: -15, elevation: 8, scale: 100, width: 480, height: 260, center: [0, 0, 0.95] },
  create: (ctx, s, options) => new HumanoidEnv(ctx, s, options),
});
