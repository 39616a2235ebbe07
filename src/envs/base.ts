/**
 * `EnvBase`: the shared shell every environment (classic and MuJoCo) extends. It implements Gymnasium's
 * wrapper stack that `gym.make` puts around an env — `TimeLimit` (truncation after `maxEpisodeSteps`),
 * `OrderEnforcing` (no step before reset) — plus strict input checks, so the subclasses only write the
 * physics:
 *
 * - `resetModel(rng)`     draw the initial state from the env's seeded `Rng` (Gymnasium `reset`);
 * - `stepModel(action)`   advance one step with a validated, finite action of the right length;
 * - `writeState(parts)`   overwrite the state with validated, finite arrays (Gymnasium `state = …` / `set_state`);
 * - `observation()`       a fresh observation array of the current state;
 * - `renderFrame()`       an SVG picture of the current state;
 * - `closeModel()`        (optional) free resources, e.g. WASM memory.
 *
 * The base class owns: the time limit (`truncated` when `elapsedSteps ≥ maxEpisodeSteps`, never
 * `terminated`), the error for a step after the episode ended without `reset()`, action validation (length,
 * NaN, ±Infinity), `setState` validation (number of parts, lengths, finiteness), seeding (`reset({ seed })`
 * re-seeds; `reset()` continues the stream, starting from `MakeOptions.seed`, default 0), and `close()`.
 */
import { Rng, checkSeed as checkSeedOnce } from "../rng";
import type { Box, Env, Frame, Info, MakeOptions, ResetOptions, ResetResult, StepResult } from "./types";
import { boxSize, copyBox } from "./spaces";

/** One array `setState` takes: classic control `{ name: "state", length: 2 }`; MuJoCo `qpos` then `qvel`. */
export interface StatePart {
  readonly name: string;
  readonly length: number;
}

/** The static description an env passes to {@link EnvBase}'s constructor. */
export interface EnvBaseSpec {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  /** Gymnasium's registered `max_episode_steps` (overridable with `MakeOptions.maxEpisodeSteps`). */
  readonly maxEpisodeSteps: number;
  /** What `setState` takes, in argument order (one part for classic control, `qpos`/`qvel` for MuJoCo). */
  readonly stateParts: readonly StatePart[];
}

/** What a subclass's `stepModel` returns: the env's own reward, termination and info (no truncation). */
export interface ModelStep {
  reward: number;
  terminated: boolean;
  info?: Info;
}

/** The `MakeOptions` keys every env understands. */
export const COMMON_OPTION_KEYS = ["maxEpisodeSteps", "seed"] as const;

/** Check a seed: an integer in [0, 2^32 − 1] (what {@link Rng} accepts). */
export function checkSeed(where: string, seed: unknown): number {
  return checkSeedOnce(seed, `${where}: seed`);
}

/** Check `maxEpisodeSteps`: a positive integer, or `Infinity` for no time limit. */
export function checkMaxEpisodeSteps(where: string, steps: unknown): number {
  if (typeof steps !== "number" || !(steps === Infinity || (Number.isInteger(steps) && steps > 0))) {
    throw new Error(`${where}: maxEpisodeSteps must be a positive integer or Infinity, got ${describe(steps)}`);
  }
  return steps;
}

/**
 * Reject unknown `make` options (Gymnasium raises `TypeError` for an unknown keyword): the error names the
 * key and lists the known ones (`maxEpisodeSteps`, `seed` and the env's own `taskKeys`).
 */
export function checkOptionKeys(id: string, options: MakeOptions, taskKeys: readonly string[]): void {
  const known = [...COMMON_OPTION_KEYS, ...taskKeys];
  for (const key of Object.keys(options)) {
    if (options[key] === undefined) continue;
    if (!known.includes(key)) {
      throw new Error(`${id}: unknown option '${key}' (known options: ${known.join(", ")})`);
    }
  }
}

/** Read an optional finite-number task option (e.g. Pendulum's `g`), with its default. */
export function numberOption(
  id: string,
  options: MakeOptions,
  key: string,
  fallback: number,
  range: { min?: number; max?: number; exclusiveMin?: boolean } = {},
): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new Error(`${id}: option ${key} must be a finite number, got ${describe(v)}`);
  }
  if (range.min !== undefined && (range.exclusiveMin ? v <= range.min : v < range.min)) {
    throw new Error(`${id}: option ${key} must be ${range.exclusiveMin ? ">" : "≥"} ${range.min}, got ${v}`);
  }
  if (range.max !== undefined && v > range.max) {
    throw new Error(`${id}: option ${key} must be ≤ ${range.max}, got ${v}`);
  }
  return v;
}

/**
 * Check that `x` is an array (or typed array) of `length` finite numbers and return a Float64Array copy.
 * Errors read `${where}: expected ${name} of length 1, got 2` / `${where}: ${name}[0] must be finite, got NaN`.
 */
export function checkVector(where: string, name: string, x: unknown, length: number): Float64Array {
  if (x === null || typeof x !== "object" || typeof (x as { length?: unknown }).length !== "number") {
    throw new Error(`${where}: expected ${name} to be an array of length ${length}, got ${describe(x)}`);
  }
  const arr = x as ArrayLike<unknown>;
  if (arr.length !== length) {
    throw new Error(`${where}: expected ${name} of length ${length}, got ${arr.length}`);
  }
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const v = arr[i];
    if (typeof v !== "number") throw new Error(`${where}: ${name}[${i}] must be a number, got ${describe(v)}`);
    if (!Number.isFinite(v)) throw new Error(`${where}: ${name}[${i}] must be finite, got ${v}`);
    out[i] = v;
  }
  return out;
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return typeof v;
}

type Phase = "new" | "running" | "terminated" | "truncated" | "closed";

/** The shared environment shell (see the module comment for what it does and what subclasses write). */
export abstract class EnvBase implements Env {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly maxEpisodeSteps: number;
  /** The arrays `setState` takes, in order. */
  readonly stateParts: readonly StatePart[];
  /** The env's random stream: re-seeded by `reset({ seed })`, continued by `reset()`. */
  protected rng: Rng;
  private phase: Phase = "new";
  private hasState = false;
  private elapsed = 0;
  private readonly actionSize: number;

  constructor(spec: EnvBaseSpec, options: MakeOptions = {}) {
    this.id = spec.id;
    this.observationSpace = copyBox(spec.observationSpace);
    this.actionSpace = copyBox(spec.actionSpace);
    this.stateParts = spec.stateParts.map((p) => ({ ...p }));
    this.actionSize = boxSize(spec.actionSpace);
    this.maxEpisodeSteps =
      options.maxEpisodeSteps === undefined
        ? spec.maxEpisodeSteps
        : checkMaxEpisodeSteps(spec.id, options.maxEpisodeSteps);
    this.rng = new Rng(options.seed === undefined ? 0 : checkSeed(spec.id, options.seed));
  }

  /** Steps taken since the last `reset()` (what the time limit counts). */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  /** `true` after `terminated` or `truncated` until the next `reset()` (or `setState`). */
  get needsReset(): boolean {
    return this.phase === "terminated" || this.phase === "truncated" || this.phase === "new";
  }

  /** Start an episode: re-seed if `seed` is given, draw the initial state, return `{ obs, info }`. */
  reset(options: ResetOptions = {}): ResetResult {
    this.assertOpen("reset");
    if (options === null || typeof options !== "object") {
      throw new Error(`${this.id}: reset options must be an object like { seed: 0 }, got ${describe(options)}`);
    }
    if (options.seed !== undefined) this.rng = new Rng(checkSeed(`${this.id}.reset`, options.seed));
    const info = this.resetModel(this.rng) ?? {};
    this.phase = "running";
    this.hasState = true;
    this.elapsed = 0;
    return { obs: this.observation(), info };
  }

  /** Advance one step; `truncated` is the time limit (`elapsedSteps ≥ maxEpisodeSteps`). */
  step(action: ArrayLike<number>): StepResult {
    this.assertOpen("step");
    if (this.phase === "new") {
      throw new Error(`${this.id}: step() called before reset(); call reset() (or setState()) first`);
    }
    if (this.phase === "terminated" || this.phase === "truncated") {
      const why = this.phase === "terminated" ? "terminated" : "was truncated by the time limit";
      throw new Error(`${this.id}: step() called after the episode ${why} at step ${this.elapsed}; call reset() first`);
    }
    const a = checkVector(this.id, "action", action, this.actionSize);
    const { reward, terminated, info } = this.stepModel(a);
    this.elapsed += 1;
    const truncated = this.elapsed >= this.maxEpisodeSteps;
    if (terminated) this.phase = "terminated";
    else if (truncated) this.phase = "truncated";
    return { obs: this.observation(), reward, terminated, truncated, info: info ?? {} };
  }

  /**
   * Overwrite the internal state (Gymnasium: `env.unwrapped.state = …` for classic control,
   * `set_state(qpos, qvel)` for MuJoCo). Every part is checked (length, finite). It lets stepping go on
   * (also after the episode ended, or before any reset); the time limit keeps counting from the last reset.
   */
  setState(state: ArrayLike<number>, qvel?: ArrayLike<number>): void {
    this.assertOpen("setState");
    const where = `${this.id}.setState`;
    const args: unknown[] = [state, qvel];
    const parts = this.stateParts;
    if (parts.length === 1 && qvel !== undefined) {
      throw new Error(
        `${where}: takes one array (${parts[0]!.name} of length ${parts[0]!.length}), got a second argument`,
      );
    }
    const checked = parts.map((p, i) => {
      if (args[i] === undefined) {
        throw new Error(
          `${where}: missing ${p.name} (expected ${parts.map((q) => `${q.name}[${q.length}]`).join(", ")})`,
        );
      }
      return checkVector(where, p.name, args[i], p.length);
    });
    this.writeState(checked);
    this.hasState = true;
    if (this.phase !== "running") this.phase = "running";
  }

  /** The current observation, without stepping. */
  observe(): Float64Array {
    this.assertOpen("observe");
    this.assertState("observe");
    return this.observation();
  }

  /** An SVG picture of the current state. */
  render(): Frame {
    this.assertOpen("render");
    this.assertState("render");
    return this.renderFrame();
  }

  /** Release resources; any later call throws. Closing twice is harmless. */
  close(): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.closeModel();
  }

  /** Draw the initial state from `rng` (Gymnasium `reset`); may return the reset `info`. */
  protected abstract resetModel(rng: Rng): Info | void;
  /** Advance the dynamics with a checked action (length and finiteness already validated). */
  protected abstract stepModel(action: Float64Array): ModelStep;
  /** Overwrite the state with checked arrays, one per `stateParts` entry. */
  protected abstract writeState(parts: readonly Float64Array[]): void;
  /** A fresh observation array for the current state. */
  protected abstract observation(): Float64Array;
  /** A picture of the current state. */
  protected abstract renderFrame(): Frame;
  /** Free resources (override when there are any). */
  protected closeModel(): void {}

  private assertOpen(what: string): void {
    if (this.phase === "closed") throw new Error(`${this.id}: ${what}() called after close()`);
  }

  private assertState(what: string): void {
    if (!this.hasState)
      throw new Error(`${this.id}: ${what}() called before reset(); call reset() (or setState()) first`);
  }
}
