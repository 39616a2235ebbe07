/**
 * The Gymnasium v5 MuJoCo tasks on DeepMind's WebAssembly MuJoCo (`@mujoco/mujoco` 3.14).
 *
 * CONTRACT with the env registry: `MUJOCO_IDS` and `makeMujoco(id, options)`. Options are Gymnasium v5's keyword
 * arguments (`ctrl_cost_weight`, `healthy_z_range`, `reset_noise_scale`, …, plus `frame_skip`), `model` (the
 * parameters of the task's typed model builder, e.g. `{ bthighLength: 0.4 }` for HalfCheetah) or `xml` (MJCF
 * text replacing the model), and the common `maxEpisodeSteps` / `seed`.
 */
import type { Env, MakeOptions } from "../types";
import type { AnyTask } from "./task";
import { INVERTED_PENDULUM_TASK } from "./tasks/invertedPendulum";
import { HALF_CHEETAH_TASK } from "./tasks/halfCheetah";
import { HOPPER_TASK } from "./tasks/hopper";
import { WALKER2D_TASK } from "./tasks/walker2d";
import { SWIMMER_TASK } from "./tasks/swimmer";
import { INVERTED_DOUBLE_PENDULUM_TASK } from "./tasks/invertedDoublePendulum";
import { REACHER_TASK } from "./tasks/reacher";
import { ANT_TASK } from "./tasks/ant";
import { HUMANOID_TASK } from "./tasks/humanoid";

export const MUJOCO_IDS = [
  "HalfCheetah-v5",
  "Hopper-v5",
  "Walker2d-v5",
  "Ant-v5",
  "Humanoid-v5",
  "Swimmer-v5",
  "InvertedPendulum-v5",
  "InvertedDoublePendulum-v5",
  "Reacher-v5",
] as const;

/** One of the MuJoCo task ids. */
export type MujocoId = (typeof MUJOCO_IDS)[number];

const TASKS: ReadonlyMap<string, AnyTask> = new Map(
  [
    INVERTED_PENDULUM_TASK,
    HALF_CHEETAH_TASK,
    HOPPER_TASK,
    WALKER2D_TASK,
    SWIMMER_TASK,
    INVERTED_DOUBLE_PENDULUM_TASK,
    REACHER_TASK,
    ANT_TASK,
    HUMANOID_TASK,
  ].map((t) => [t.id, t]),
);

/** Create a MuJoCo task (loads @mujoco/mujoco lazily, once per process). */
export async function makeMujoco(id: string, options: MakeOptions = {}): Promise<Env> {
  const task = TASKS.get(id);
  if (task === undefined) {
    throw new Error(`unknown MuJoCo task id "${id}"; known ids: ${[...TASKS.keys()].join(", ")}`);
  }
  return task.make(options);
}

/** The Gymnasium v5 keyword-argument defaults of a task (what `makeMujoco` options override). */
export function mujocoDefaults(id: string): Readonly<Record<string, unknown>> {
  const task = TASKS.get(id);
  if (task === undefined) throw new Error(`unknown MuJoCo task id "${id}"; known ids: ${[...TASKS.keys()].join(", ")}`);
  return { ...task.defaults, frame_skip: task.frameSkip };
}

export { loadMujoco } from "./loader";
export type { MujocoModule, MjModelView, MjDataView } from "./loader";
export { MujocoEnv, type MujocoContext } from "./env";
export { renderMujoco, type RenderOptions } from "./render";
export * from "./models";
export { InvertedPendulumEnv, INVERTED_PENDULUM_KWARGS, type InvertedPendulumKwargs } from "./tasks/invertedPendulum";
export { HalfCheetahEnv, HALF_CHEETAH_KWARGS, type HalfCheetahKwargs } from "./tasks/halfCheetah";
export { PlanarWalkerEnv, type PlanarWalkerKwargs } from "./tasks/planarWalker";
export { HopperEnv, HOPPER_KWARGS, type HopperKwargs } from "./tasks/hopper";
export { Walker2dEnv, WALKER2D_KWARGS, type Walker2dKwargs } from "./tasks/walker2d";
export { SwimmerEnv, SWIMMER_KWARGS, type SwimmerKwargs } from "./tasks/swimmer";
export {
  InvertedDoublePendulumEnv,
  INVERTED_DOUBLE_PENDULUM_KWARGS,
  type InvertedDoublePendulumKwargs,
} from "./tasks/invertedDoublePendulum";
export { ReacherEnv, REACHER_KWARGS, type ReacherKwargs } from "./tasks/reacher";
export { AntEnv, ANT_KWARGS, type AntKwargs } from "./tasks/ant";
export { HumanoidEnv, HUMANOID_KWARGS, type HumanoidKwargs } from "./tasks/humanoid";
