/**
 * InvertedDoublePendulum-v5 (Gymnasium `inverted_double_pendulum_v5.py`): keep two stacked poles upright.
 *
 * obs = [x, sin θ₁, sin θ₂, cos θ₁, cos θ₂, clip(qvel, −10, 10), clip(qfrc_constraint[0], −10, 10)];
 * with (x_tip, y_tip) the tip site's world x and z after the step: terminated = y_tip ≤ 1;
 * reward = healthy_reward · ¬terminated − (0.01 x_tip² + (y_tip − 2)²) − (1e-3 θ̇₁² + 5e-3 θ̇₂²).
 */
import type { Rng } from "../../../rng";
import type { ModelStep } from "../../base";
import type { MakeOptions } from "../../types";
import { clip, MujocoEnv, type MujocoContext } from "../env";
import { invertedDoublePendulumModel } from "../models/invertedDoublePendulum";
import { DEFAULT_RENDER } from "../render";
import { defineTask, kw, type TaskSettings } from "../task";

/** Gymnasium v5 keyword arguments of InvertedDoublePendulum. */
export type InvertedDoublePendulumKwargs = {
  /** Reward per step while the tip is above 1 m (10). */
  healthy_reward: number;
  /** Reset noise: qpos + U(−c, c), qvel + c · N(0, 1) (0.1). */
  reset_noise_scale: number;
};

export const INVERTED_DOUBLE_PENDULUM_KWARGS: Readonly<InvertedDoublePendulumKwargs> = Object.freeze({
  healthy_reward: 10.0,
  reset_noise_scale: 0.1,
});

/** The InvertedDoublePendulum-v5 environment. */
export class InvertedDoublePendulumEnv extends MujocoEnv {
  readonly kwargs: Readonly<InvertedDoublePendulumKwargs>;

  constructor(ctx: MujocoContext, s: TaskSettings<InvertedDoublePendulumKwargs>, options: MakeOptions) {
    const m = ctx.model;
    if (m.nsite < 1) throw new Error("InvertedDoublePendulum-v5: the model needs a tip site (site 0)");
    super(
      ctx,
      {
        id: "InvertedDoublePendulum-v5",
        frameSkip: s.frameSkip,
        obsDim: 1 + 2 * (m.nq - 1) + m.nv + 1,
        maxEpisodeSteps: 1000,
        render: s.render,
      },
      options,
    );
    this.kwargs = s.kwargs;
  }

  protected stepModel(action: Float64Array): ModelStep {
    this.doSimulation(action);
    const tip = this.data.site_xpos;
    const x = tip[0]!;
    const y = tip[2]!;
    const terminated = y <= 1;
    const qvel = this.data.qvel;
    const v1 = qvel[1]!;
    const v2 = qvel[2]!;
    const distPenalty = 0.01 * x ** 2 + (y - 2) ** 2;
    const velPenalty = 1e-3 * v1 ** 2 + 5e-3 * v2 ** 2;
    const aliveBonus = this.kwargs.healthy_reward * (terminated ? 0 : 1);
    return {
      reward: aliveBonus - distPenalty - velPenalty,
      terminated,
      info: { reward_survive: aliveBonus, distance_penalty: -distPenalty, velocity_penalty: -velPenalty },
    };
  }

  protected observation(): Float64Array {
    const { nq, nv } = this.model;
    const q = this.data.qpos;
    const v = this.data.qvel;
    const obs = new Float64Array(1 + 2 * (nq - 1) + nv + 1);
    let i = 0;
    obs[i++] = q[0]!;
    for (let j = 1; j < nq; j++) obs[i++] = Math.sin(q[j]!);
    for (let j = 1; j < nq; j++) obs[i++] = Math.cos(q[j]!);
    for (let j = 0; j < nv; j++) obs[i++] = clip(v[j]!, -10, 10);
    obs[i] = clip(this.data.qfrc_constraint[0]!, -10, 10);
    return obs;
  }

  protected resetState(rng: Rng): { qpos: Float64Array; qvel: Float64Array } {
    const c = this.kwargs.reset_noise_scale;
    return { qpos: MujocoEnv.uniformNoise(rng, this.initQpos, c), qvel: MujocoEnv.normalNoise(rng, this.initQvel, c) };
  }
}

export const INVERTED_DOUBLE_PENDULUM_TASK = defineTask<InvertedDoublePendulumKwargs>({
  id: "InvertedDoublePendulum-v5",
  frameSkip: 5,
  maxEpisodeSteps: 1000,
  defaults: INVERTED_DOUBLE_PENDULUM_KWARGS,
  schema: { healthy_reward: kw.finite, reset_noise_scale: kw.nonNegative },
  buildModel: invertedDoublePendulumModel,
  render: { ...DEFAULT_RENDER, scale: 130, width: 400, height: 240, center: [0, 0, 0.55], trackBody: -1, tick: 0.25 },
  create: (ctx, s, options) => new InvertedDoublePendulumEnv(ctx, s, options),
});
