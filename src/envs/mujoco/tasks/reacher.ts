/**
 * Reacher-v5 (Gymnasium `reacher_v5.py`): move the fingertip of a two-link arm to a random target.
 *
 * obs = [cos q₀, cos q₁, sin q₀, sin q₁, target x, target y, q̇₀, q̇₁, (fingertip − target)ₓ, (fingertip − target)ᵧ];
 * reward = −reward_dist_weight · ‖fingertip − target‖ − reward_control_weight · Σ aᵢ² (after the step; body
 * frame positions `xpos`, 3-D norm); never terminates; time limit 50 steps.
 */
import type { Rng } from "../../../rng";
import type { ModelStep } from "../../base";
import type { MakeOptions } from "../../types";
import { MujocoEnv, sumSquares, type MujocoContext } from "../env";
import { reacherModel } from "../models/reacher";
import { DEFAULT_RENDER } from "../render";
import { defineTask, kw, type TaskSettings } from "../task";

/** Gymnasium v5 keyword arguments of Reacher. */
export type ReacherKwargs = {
  /** Weight of the distance term (1). */
  reward_dist_weight: number;
  /** Weight of the control cost Σ aᵢ² (1). */
  reward_control_weight: number;
};

export const REACHER_KWARGS: Readonly<ReacherKwargs> = Object.freeze({
  reward_dist_weight: 1,
  reward_control_weight: 1,
});

/** The Reacher-v5 environment. */
export class ReacherEnv extends MujocoEnv {
  readonly kwargs: Readonly<ReacherKwargs>;
  private readonly fingertip: number;
  private readonly target: number;

  constructor(ctx: MujocoContext, s: TaskSettings<ReacherKwargs>, options: MakeOptions) {
    const { mj, model } = ctx;
    const body = (name: string): number => {
      const id = mj.mj_name2id(model, mj.mjtObj.mjOBJ_BODY.value, name);
      if (id < 0) throw new Error(`Reacher-v5: the model has no body named "${name}"`);
      return id;
    };
    const fingertip = body("fingertip");
    const target = body("target");
    if (model.nq !== 4 || model.nv !== 4)
      throw new Error(`Reacher-v5: expected nq = nv = 4, got ${model.nq}, ${model.nv}`);
    super(
      ctx,
      { id: "Reacher-v5", frameSkip: s.frameSkip, obsDim: 10, maxEpisodeSteps: 50, render: s.render },
      options,
    );
    this.kwargs = s.kwargs;
    this.fingertip = fingertip;
    this.target = target;
  }

  /** `xpos[fingertip] − xpos[target]` (Gymnasium `get_body_com("fingertip") - get_body_com("target")`). */
  private tipToTarget(): [number, number, number] {
    const p = this.data.xpos;
    const f = 3 * this.fingertip;
    const t = 3 * this.target;
    return [p[f]! - p[t]!, p[f + 1]! - p[t + 1]!, p[f + 2]! - p[t + 2]!];
  }

  protected stepModel(action: Float64Array): ModelStep {
    this.doSimulation(action);
    const [dx, dy, dz] = this.tipToTarget();
    const rewardDist = -Math.sqrt(dx * dx + dy * dy + dz * dz) * this.kwargs.reward_dist_weight;
    const rewardCtrl = -sumSquares(action) * this.kwargs.reward_control_weight;
    return {
      reward: rewardDist + rewardCtrl,
      terminated: false,
      info: { reward_dist: rewardDist, reward_ctrl: rewardCtrl },
    };
  }

  protected observation(): Float64Array {
    const q = this.data.qpos;
    const v = this.data.qvel;
    const [dx, dy] = this.tipToTarget();
    return Float64Array.of(
      Math.cos(q[0]!),
      Math.cos(q[1]!),
      Math.sin(q[0]!),
      Math.sin(q[1]!),
      q[2]!,
      q[3]!,
      v[0]!,
      v[1]!,
      dx,
      dy,
    );
  }

  protected resetState(rng: Rng): { qpos: Float64Array; qvel: Float64Array } {
    const qpos = MujocoEnv.uniformNoise(rng, this.initQpos, 0.1);
    let gx: number;
    let gy: number;
    do {
      gx = rng.uniformRange(-0.2, 0.2);
      gy = rng.uniformRange(-0.2, 0.2);
    } while (!(Math.sqrt(gx * gx + gy * gy) < 0.2));
    qpos[2] = gx;
    qpos[3] = gy;
    const qvel = MujocoEnv.uniformNoise(rng, this.initQvel, 0.005);
    qvel[2] = 0;
    qvel[3] = 0;
    return { qpos, qvel };
  }
}

export const REACHER_TASK = defineTask<ReacherKwargs>({
  id: "Reacher-v5",
  frameSkip: 2,
  maxEpisodeSteps: 50,
  defaults: REACHER_KWARGS,
  schema: { reward_dist_weight: kw.finite, reward_control_weight: kw.finite },
  buildModel: reacherModel,
  render: {
    ...DEFAULT_RENDER,
    elevation: 90,
    scale: 480,
    width: 340,
    height: 360,
    center: [0, 0.02, 0],
    trackBody: -1,
    tick: 0.1,
  },
  create: (ctx, s, options) => new ReacherEnv(ctx, s, options),
});
