/**
 * The Gymnasium-style environment interface shared by the agents, the CLI and the notebooks.
 * (Gymnasium's `Env` API: reset → {obs, info}; step → {obs, reward, terminated, truncated, info}.)
 */

/** A box space: `low[i] ≤ x[i] ≤ high[i]` for a flat vector of the given shape (Gymnasium `Box`). */
export interface Box {
  readonly kind: "box";
  readonly shape: readonly number[];
  readonly low: Float64Array;
  readonly high: Float64Array;
}

/** Extra per-step information (Gymnasium's `info` dict; MuJoCo tasks carry reward components). */
export type Info = Record<string, number | boolean | string | number[]>;

export interface ResetResult {
  obs: Float64Array;
  info: Info;
}

export interface StepResult {
  obs: Float64Array;
  reward: number;
  /** The MDP reached a terminal state (e.g. the cheetah is unhealthy, the car reached the goal). */
  terminated: boolean;
  /** The episode was cut by the time limit (`maxEpisodeSteps`), not by the MDP. */
  truncated: boolean;
  info: Info;
}

/** Options common to every `reset`. */
export interface ResetOptions {
  /** Re-seed the environment's RNG (Gymnasium `reset(seed=…)`); the same seed gives the same reset. */
  seed?: number;
}

/** A picture of the current state for a notebook: SVG markup (classic and MuJoCo side views). */
export interface Frame {
  readonly mime: "image/svg+xml";
  readonly data: string;
  readonly width: number;
  readonly height: number;
}

/** One environment instance. */
export interface Env {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  /** Gymnasium's `max_episode_steps` (the TimeLimit truncation). */
  readonly maxEpisodeSteps: number;
  reset(options?: ResetOptions): ResetResult;
  step(action: ArrayLike<number>): StepResult;
  /**
   * Overwrite the internal state like Gymnasium: classic control takes the state array
   * (`env.unwrapped.state`), MuJoCo takes `(qpos, qvel)` and then runs `mj_forward`.
   */
  setState(state: ArrayLike<number>, qvel?: ArrayLike<number>): void;
  /** Current observation (without stepping). */
  observe(): Float64Array;
  render(): Frame;
  close(): void;
}

/** Options accepted by `envs.make(id, options)`. */
export interface MakeOptions {
  /** Override the time limit (Gymnasium's `max_episode_steps`). */
  maxEpisodeSteps?: number;
  /** Seed for the first reset when `reset()` is called without a seed. */
  seed?: number;
  /** Task-specific keyword arguments (Gymnasium's `gym.make(id, **kwargs)`: e.g. `ctrl_cost_weight`). */
  [key: string]: unknown;
}
