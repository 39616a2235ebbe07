/**
 * The MJCF model builders of the nine MuJoCo v5 tasks: each is a typed function of its parameters returning the
 * MJCF text; the defaults reproduce Gymnasium's default model of the task.
 */
export * from "./invertedPendulum";
export * from "./halfCheetah";

import { invertedPendulumModel } from "./invertedPendulum";
import { halfCheetahModel } from "./halfCheetah";

/** The default-model builder of each task id (`defaultModelXml("Hopper-v5")` = Gymnasium's hopper). */
export const MODEL_BUILDERS: Readonly<Record<string, (params?: never) => string>> = Object.freeze({
  "InvertedPendulum-v5": invertedPendulumModel,
  "HalfCheetah-v5": halfCheetahModel,
});

/** MJCF of a task's default model. */
export function defaultModelXml(id: string): string {
  const build = MODEL_BUILDERS[id];
  if (build === undefined) throw new Error(`unknown MuJoCo model id ${id}`);
  return build();
}
