/**
 * InvertedPendulum-v5 (Gymnasium `inverted_pendulum_v5.py`): keep a hinged pole upright by pushing its cart.
 *
 * obs = [cart x, pole angle, ẋ, θ̇] (qpos ++ qvel); reward = 1 while the pole is up;
 * terminated = any obs not finite or |θ| > 0.2 rad.
 */
import type { Rng } from "../../../rng";
import type { ModelStep } from "../../base";
import type { MakeOptions } from "../../types";
import { MujocoEnv, type MujocoContext } from "../env";
import { invertedPendulumModel } from "../models/invertedPendulum";
import { DEFAULT_RENDER } from "../render";
import { defineTask, kw, type TaskSettings } from "../task";

/** Gymnasium v5 keyword arguments of InvertedPendulum. */
export type InvertedPendulumKwargs = {
  /** Half-width of the uniform noise added to `init_qpos` and `init_qvel` at reset (0.01). */
  reset_noise_scale: number;
};

export const INVERTED_PENDULUM_KWARGS: Readonly<InvertedPendulumKwargs> = Object.freeze({ reset_noise_scale: 0.01 });

/** The InvertedPendulum-v5 environment. */
export class InvertedPendulumEnv extends MujocoEnv {
  readonly kwargs: Readonly<InvertedPendulumKwargs>;

  constructor(ctx: MujocoContext, s: TaskSettings<InvertedPendulumKwargs>, options: MakeOptions) {
    super(
      ctx,
      {
        id: "InvertedPendulum-v5",
        frameSkip: s.frameSkip,
        obsDim: ctx.model.nq + ctx.model.nv,
        maxEpisodeSteps: 1000,
        render: s.render,
      },
      options,
    );
    this.kwargs = s.kwargs;
  }

  protected stepModel(action: Float64Array): ModelStep {
    this.doSimulation(action);
    const obs = this.observation();
    const terminated = !obs.every(Number.isFinite) || Math.abs(obs[1]!) > 0.2;
    const reward = terminated ? 0 : 1; // int(not terminated)
    return { reward, terminated, info: { reward_survive: reward } };
  }

  protected observation(): Float64Array {
    const { nq, nv } = this.model;
    const obs = new Float64Array(nq + nv);
    obs.set(this.data.qpos);
    obs.set(this.data.qvel, nq);
    return obs;
  }

  protected resetState(rng: Rng): { qpos: Float64Array; qvel: Float64Array } {
    const c = this.kwargs.reset_noise_scale;
    const qpos = MujocoEnv.uniformNoise(rng, this.initQpos, c);
    const qvel = MujocoEnv.uniformNoise(rng, this.initQvel, c);
    return { qpos, qvel };
  }
}

export const INVERTED_PENDULUM_TASK = defineTask<InvertedPendulumKwargs>({
  id: "InvertedPendulum-v5",
  frameSkip: 2,
  maxEpisodeSteps: 1000,
  defaults: INVERTED_PENDULUM_KWARGS,
  schema: { reset_noise_scale: kw.nonNegative },
  buildModel: invertedPendulumModel,
  render: { ...DEFAULT_RENDER, scale: 150, width: 400, height: 240, center: [0, 0, 0.3], trackBody: -1, tick: 0.25 },
  create: (ctx, s, options) => new InvertedPendulumEnv(ctx, s, options),
});
