/** Shared helpers of the MuJoCo tests: fixture loading and tolerant comparison. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** One reference case: a Gymnasium v5 trajectory recorded with MuJoCo 3.14.0 (test/fixtures/README.md). */
export interface ReferenceCase {
  case_id: string;
  description: string;
  init_qpos: number[];
  init_qvel: number[];
  reset_obs: number[];
  reset_info: Record<string, number | number[]>;
  actions: number[][];
  obs: number[][];
  reward: number[];
  terminated: boolean[];
  truncated: boolean[];
  info: Record<string, (number | number[])[]>;
  qpos: number[][];
  qvel: number[][];
  first_terminated_step: number | null;
}

export interface ReferenceFile {
  env_id: string;
  frame_skip: number;
  dt: number;
  max_episode_steps: number;
  nq: number;
  nv: number;
  nu: number;
  obs_dim: number;
  action_low: number[];
  action_high: number[];
  model_init_qpos: number[];
  info_keys: string[];
  cases: ReferenceCase[];
}

/** The repository root (tests run from dist/test/envs/mujoco). */
export const ROOT = resolve(__dirname, "../../../..");

/** Load `test/fixtures/mujoco/<id>.json`. */
export function loadReference(id: string): ReferenceFile {
  return JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "mujoco", `${id}.json`), "utf8")) as ReferenceFile;
}

/** `|a − b| ≤ tol + tol·|b|` (the facts sheet's suggested comparison; traces carry 10 significant digits). */
export function close(a: number, b: number, tol = 1e-6): boolean {
  return Math.abs(a - b) <= tol + tol * Math.abs(b);
}

/** Throw with the first mismatching index when `actual` and `expected` differ beyond `close`. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-6): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    if (!close(actual[i]!, expected[i]!, tol)) {
      throw new Error(`${what}[${i}] = ${actual[i]}, expected ${expected[i]} (diff ${actual[i]! - expected[i]!})`);
    }
  }
}
