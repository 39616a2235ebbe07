/**
 * VIREL — a variational inference framework for reinforcement learning (Fellows, Mahajan, Rudner, Whiteson).
 *
 * `import * as virel from "virel"` gives this module: the model of Table 1 at the top level, and one
 * namespace per part of the paper.
 */
export { version } from "./version";
export { Rng, hashSeed } from "./rng";
export type { RngState } from "./rng";
export * from "./model";
export * as tabular from "./tabular";
export * as envs from "./envs";
export * as mujoco from "./envs/mujoco";
export * as agents from "./agents";
export * as engine from "./engine/backend";
export * as report from "./report";
export * as experiments from "./experiments";
