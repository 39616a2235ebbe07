/**
 * `virel.envs`: Gymnasium-exact continuous-control environments.
 *
 * ```ts
 * const env = await envs.make("Pendulum-v1");
 * let { obs } = env.reset({ seed: 0 });
 * const { obs: next, reward, terminated, truncated } = env.step([0.5]);
 * ```
 */
export type { Box, Env, Frame, Info, MakeOptions, ResetOptions, ResetResult, StepResult } from "./types";
export { ids, make, spec, register, unregister } from "./registry";
export type { EnvSpec, EnvRegistration } from "./registry";
export { makeVec, VecEnv } from "./vector";
export type { VecResetResult, VecStepResult } from "./vector";
export { animate } from "./animate";
export type { AnimateOptions, Episode, Policy } from "./animate";
export { benchEnv, benchEnvs } from "./bench";
export type { EnvBenchOptions, EnvBenchResult } from "./bench";
export { EnvBase, checkOptionKeys, checkVector, checkSeed, checkMaxEpisodeSteps, numberOption } from "./base";
export type { EnvBaseSpec, ModelStep, StatePart } from "./base";
export { box, boxSize, boxContains, sampleBox, clipToBox, copyBox } from "./spaces";
export { svgFrame, animatedSvg, arrow, arcArrow } from "./render";
export type { AnimationOptions } from "./render";
export { PendulumEnv, PENDULUM, angleNormalize } from "./classic/pendulum";
export { MountainCarContinuousEnv, MOUNTAIN_CAR, mountainHeight } from "./classic/mountain-car";
