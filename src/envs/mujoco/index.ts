/**
 * CONTRACT (owned by the MuJoCo work; this temporary body is replaced there): the MuJoCo v5 task ids and an
 * async factory the env registry calls.
 */
import type { Env, MakeOptions } from "../types";

export const MUJOCO_IDS = [
  "HalfCheetah-v5", "Hopper-v5", "Walker2d-v5", "Ant-v5", "Humanoid-v5", "Swimmer-v5",
  "InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Reacher-v5",
] as const;

/** Create a MuJoCo task (loads @mujoco/mujoco lazily). */
export async function makeMujoco(id: string, options: MakeOptions = {}): Promise<Env> {
  void options;
  throw new Error(`${id}: the MuJoCo tasks are not built yet`);
}
