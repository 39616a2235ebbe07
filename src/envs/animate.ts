/**
 * `animate`: run one episode with a policy and collect a picture per step, for a notebook to play
 * (`display` the frames, or one self-playing SVG from `animatedSvg(episode.frames)`).
 */
import { Rng } from "../rng";
import type { Env, Frame } from "./types";
import { checkSeed } from "./base";
import { sampleBox } from "./spaces";

/** A policy for `animate`: observation (and step index) → action; may be async (e.g. a tfjs actor). */
export type Policy = (obs: Float64Array, t: number) => ArrayLike<number> | Promise<ArrayLike<number>>;

/** Options of {@link animate}. */
export interface AnimateOptions {
  /** Maximum number of steps (default: the env's `maxEpisodeSteps`, or 200 when unlimited). */
  steps?: number;
  /** Seed for the reset (and for the `"random"` policy's draws); default 0. */
  seed?: number;
  /** Keep one frame every `every` steps (default 1; the first and last frames are always kept). */
  every?: number;
}

/** One recorded episode. */
export interface Episode {
  /** Pictures: after the reset, then after the kept steps (`frames.length ≤ steps + 1`). */
  frames: Frame[];
  /** The step index of each frame (0 = after reset). */
  frameSteps: number[];
  /** `rewards[t]`: the reward of step t. */
  rewards: number[];
  /** `observations[t]`: the observation before step t (`observations[steps]`: the last one). */
  observations: Float64Array[];
  actions: Float64Array[];
  /** Sum of the rewards. */
  totalReward: number;
  /** Whether the episode ended by termination / the time limit (both false if `steps` ran out first). */
  terminated: boolean;
  truncated: boolean;
}

/**
 * Reset `env` with `seed`, then step `policy` until the episode ends or `steps` run out, rendering a frame
 * after the reset and after every step. `policy` may also be `"random"` (uniform actions from the action
 * space, drawn from an Rng seeded with `seed`) or `"zero"`.
 */
export async function animate(
  env: Env,
  policy: Policy | "random" | "zero",
  options: AnimateOptions = {},
): Promise<Episode> {
  const seed = checkSeed("animate", options.seed ?? 0);
  const steps = options.steps ?? (Number.isFinite(env.maxEpisodeSteps) ? env.maxEpisodeSteps : 200);
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`animate: steps must be a positive integer, got ${String(steps)}`);
  const every = options.every ?? 1;
  if (!Number.isInteger(every) || every < 1)
    throw new Error(`animate: every must be a positive integer, got ${String(every)}`);
  let act: Policy;
  if (policy === "random") {
    const rng = new Rng(seed).fork("animate");
    act = () => sampleBox(env.actionSpace, rng);
  } else if (policy === "zero") {
    act = () => new Float64Array(env.actionSpace.low.length);
  } else if (typeof policy === "function") {
    act = policy;
  } else {
    throw new Error(`animate: policy must be a function, "random" or "zero", got ${JSON.stringify(policy)}`);
  }
  let { obs } = env.reset({ seed });
  const ep: Episode = {
    frames: [env.render()],
    frameSteps: [0],
    rewards: [],
    observations: [obs],
    actions: [],
    totalReward: 0,
    terminated: false,
    truncated: false,
  };
  for (let t = 0; t < steps; t++) {
    const a = Float64Array.from(await act(obs, t));
    const r = env.step(a);
    obs = r.obs;
    ep.actions.push(a);
    ep.rewards.push(r.reward);
    ep.observations.push(obs);
    ep.totalReward += r.reward;
    ep.terminated = r.terminated;
    ep.truncated = r.truncated;
    const last = r.terminated || r.truncated || t === steps - 1;
    if (last || (t + 1) % every === 0) {
      ep.frames.push(env.render());
      ep.frameSteps.push(t + 1);
    }
    if (r.terminated || r.truncated) break;
  }
  return ep;
}
