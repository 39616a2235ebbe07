/**
 * The MJCF model builders of the nine MuJoCo v5 tasks: each is a typed function of its parameters returning the
 * MJCF text; the defaults reproduce Gymnasium's default model of the task.
 */
export * from "./invertedPendulum";
export * from "./halfCheetah";
export * from "./hopper";
export * from "./walker2d";
export * from "./swimmer";
export * from "./invertedDoublePendulum";
export * from "./reacher";
export * from "./ant";
export * from "./humanoid";

import { invertedPendulumModel } from "./invertedPendulum";
import { halfCheetahModel } from "./halfCheetah";
import { hopperModel } from "./hopper";
import { walker2dModel } from "./walker2d";
import { swimmerModel } from "./swimmer";
import { invertedDoublePendulumModel } from "./invertedDoublePendulum";
import { reacherModel } from "./reacher";
import { antModel } from "./ant";
import { humanoidModel } from "./humanoid";

/** The default-model builder of each task id (`defaultModelXml("Hopper-v5")` = Gymnasium's hopper). */
export const MODEL_BUILDERS: Readonly<Record<string, (params?: never) => string>> = Object.freeze({
  "InvertedPendulum-v5": invertedPendulumModel,
  "HalfCheetah-v5": halfCheetahModel,
  "Hopper-v5": hopperModel,
  "Walker2d-v5": walker2dModel,
  "Swimmer-v5": swimmerModel,
  "InvertedDoublePendulum-v5": invertedDoublePendulumModel,
  "Reacher-v5": reacherModel,
  "Ant-v5": antModel,
  "Humanoid-v5": humanoidModel,
});

/** MJCF of a task's default model. */
export function defaultModelXml(id: string): string {
  const build = MODEL_BUILDERS[id];
  if (build === undefined) throw new Error(`unknown MuJoCo model id ${id}`);
  return build();
}
