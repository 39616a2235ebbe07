/**
 * Batched deterministic evaluation: the N evaluation episodes stepped together, one policy pass a = tanh(μ_θ(s))
 * for all still-running episodes per step, on N copies of the evaluation env.
 *
 * Same numbers as one-episode-at-a-time evaluation: episode k is reset with the k-th seed drawn from the agent's
 * `eval` stream (drawn in the same order, before any episode starts — the stream is used for nothing else), and
 * its actions are the same float32 numbers because the policy pass gives a row the same result whatever the other
 * rows of the batch: the pure wasm kernels (our SIMD GEMM, src/engine/wasm-gemm.ts — tested row-invariant bit for
 * bit — and XNNPACK) and the cpu kernels compute each output element as the same dot product, and on the native OpenBLAS path the pass runs under `withRowInvariantProducts` (its blocked kernels round rows of
 * a block differently from a lone row, so there each row is a one-row product — one addon call per layer still).
 * test/agents/evaluation.test.ts checks bit-identical returns against the sequential loop on Pendulum-v1 and
 * Hopper-v5 (episodes end early, at different steps), on whichever path the test process runs. Finished episodes leave the batch; the rows of the
 * episodes still running are packed together for the next pass.
 *
 * The copies: {@link Agent} has one evaluation env; {@link attachEvalEnvs} gives it N − 1 more (made by the
 * registry with the same id and options), and {@link evaluateEpisodes} runs waves of as many episodes as there
 * are envs (one env = the sequential evaluation).
 */
import type { Env, MakeOptions } from "../envs/types";
import { make } from "../envs/registry";
import { withRowInvariantProducts } from "../engine/native-kernels";

/** One evaluation's returns (undiscounted sums of env rewards) and lengths, episode by episode. */
export interface EpisodeStats {
  returns: number[];
  lengths: number[];
}

/**
 * The deterministic policy on a batch: `flatObs` row-major [n, obsDim] → actions in (−1, 1), row-major
 * [n, actDim] (what `LearnerApi.act(obs, true)` returns).
 */
export type BatchPolicy = (flatObs: Float64Array, n: number) => ArrayLike<number>;

const extraEnvs = new WeakMap<Env, Env[]>();

/** The envs an evaluation on `evalEnv` steps together: `evalEnv` first, then the copies attached to it. */
export function evalEnvsOf(evalEnv: Env): Env[] {
  return [evalEnv, ...(extraEnvs.get(evalEnv) ?? [])];
}

/**
 * Give an evaluation env `copies` more instances for batched evaluation (replacing and closing earlier ones).
 * They must have the same id, spaces and time limit (checked). @returns the number of envs now stepped together.
 */
export function setEvalCopies(evalEnv: Env, copies: readonly Env[]): number {
  for (const [i, e] of copies.entries()) {
    if (e === evalEnv || copies.indexOf(e) !== i)
      throw new Error(`copies[${i}]: each copy must be a distinct env instance (not the evaluation env itself)`);
    if (e.id !== evalEnv.id) throw new Error(`copies[${i}]: expected an env with id ${evalEnv.id}, got ${e.id}`);
    if (e.maxEpisodeSteps !== evalEnv.maxEpisodeSteps) {
      throw new Error(
        `copies[${i}]: expected maxEpisodeSteps ${evalEnv.maxEpisodeSteps} (the evaluation env's), got ${e.maxEpisodeSteps}`,
      );
    }
    const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
      a.length === b.length && Array.from(a).every((x, j) => x === b[j]);
    if (
      !same(e.observationSpace.shape, evalEnv.observationSpace.shape) ||
      !same(e.actionSpace.low, evalEnv.actionSpace.low) ||
      !same(e.actionSpace.high, evalEnv.actionSpace.high)
    ) {
      throw new Error(`copies[${i}]: the spaces of ${e.id} copy differ from the evaluation env's`);
    }
  }
  for (const old of extraEnvs.get(evalEnv) ?? []) if (!copies.includes(old)) old.close();
  extraEnvs.set(evalEnv, [...copies]);
  return copies.length + 1;
}

/**
 * Make `episodes − 1` copies of an agent's evaluation env with `envs.make(id, options)` (pass the options the
 * evaluation env was made with) and attach them, so each evaluation steps its `episodes` episodes together.
 * @param agent anything with `evalEnv` and `config.evalEpisodes` (an {@link Agent}).
 */
export async function attachEvalEnvs(
  agent: { readonly evalEnv: Env; readonly config: { readonly evalEpisodes: number } },
  options: MakeOptions = {},
  episodes = agent.config.evalEpisodes,
): Promise<number> {
  if (!Number.isInteger(episodes) || episodes < 1)
    throw new Error(`episodes must be a positive integer, got ${String(episodes)}`);
  const copies: Env[] = [];
  try {
    for (let i = 1; i < episodes; i++) copies.push(await make(agent.evalEnv.id, options));
    return setEvalCopies(agent.evalEnv, copies);
  } catch (e) {
    for (const c of copies) c.close();
    throw e;
  }
}

/** Close and forget the copies attached to `evalEnv` (the env itself stays open). */
export function detachEvalEnvs(evalEnv: Env): void {
  for (const e of extraEnvs.get(evalEnv) ?? []) e.close();
  extraEnvs.delete(evalEnv);
}

/**
 * Run one deterministic episode per seed, `envs.length` at a time, all running episodes in one policy pass per
 * step; env action u = low + (a + 1)/2 · (high − low) (float64, as the sequential path maps it).
 * @param seeds reset seed of each episode, in order; @returns returns and lengths in the order of `seeds`.
 */
export function evaluateEpisodes(
  envs: readonly Env[],
  seeds: readonly number[],
  policy: BatchPolicy,
  low: Float64Array,
  high: Float64Array,
): EpisodeStats {
  if (envs.length === 0) throw new Error("envs: need at least one evaluation env, got 0");
  const obsDim = envs[0]!.observationSpace.shape[0]!;
  const actDim = low.length;
  const returns = new Array<number>(seeds.length).fill(0);
  const lengths = new Array<number>(seeds.length).fill(0);
  for (let start = 0; start < seeds.length; start += envs.length) {
    const wave = Math.min(envs.length, seeds.length - start);
    // running[j] = episode index played on envs[j]; obs rows packed in the order of `live`
    let live = Array.from({ length: wave }, (_, j) => j);
    const obs: Float64Array[] = live.map((j) => envs[j]!.reset({ seed: seeds[start + j]! }).obs);
    while (live.length > 0) {
      const flat = new Float64Array(live.length * obsDim);
      live.forEach((j, r) => flat.set(obs[j]!, r * obsDim));
      const n = live.length;
      const a = withRowInvariantProducts(() => policy(flat, n));
      if (a.length !== live.length * actDim)
        throw new Error(`policy returned ${a.length} numbers for ${live.length} rows of ${actDim} actions`);
      const next: number[] = [];
      live.forEach((j, r) => {
        const u = new Float64Array(actDim);
        for (let i = 0; i < actDim; i++) u[i] = low[i]! + (a[r * actDim + i]! + 1) * 0.5 * (high[i]! - low[i]!);
        const res = envs[j]!.step(u);
        returns[start + j] += res.reward;
        lengths[start + j] += 1;
        obs[j] = res.obs;
        if (!(res.terminated || res.truncated)) next.push(j);
      });
      live = next;
    }
  }
  return { returns, lengths };
}
