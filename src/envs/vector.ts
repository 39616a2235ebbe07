/**
 * Vector environments (Gymnasium `SyncVectorEnv`): n copies of one env stepped together, with automatic
 * reset in Gymnasium's SAME-STEP mode — when copy i terminates or is truncated, `step` resets it at once and
 * returns the new episode's first observation in `obs[i]`, while the episode's last observation is kept in
 * `finalObs[i]` (and `infos[i].final_obs`). So every step result is a valid transition for every copy:
 * store `(obs[i], action[i], rewards[i], finalObs[i] ?? obs[i], terminated[i])` and go on with `obs[i]`.
 * (Gymnasium 1.x's default NEXT-STEP mode would instead spend one extra `step` call on the reset, whose
 * action is ignored — easy to mis-store in a replay buffer, so we do not use it.)
 *
 * Seeds: copy i of `makeVec(id, n, { seed })` is `make(id, { seed: seed + i })` and `reset({ seed })`
 * re-seeds copy i with `seed + i` (mod 2³²), exactly like Gymnasium's vector envs; with no seed, copy i uses
 * seed i. Auto-resets continue each copy's own random stream, so a run is reproducible from one seed.
 */
import type { Box, Env, Info, MakeOptions, ResetOptions } from "./types";
import { checkSeed, checkVector } from "./base";
import { boxSize, copyBox } from "./spaces";
import { make } from "./registry";

/** What `VecEnv.reset` returns: one observation row per copy. */
export interface VecResetResult {
  /** Row i = copy i's observation (views into `obsFlat`). */
  obs: Float64Array[];
  /** All observations, row-major, shape `[numEnvs, obsDim]` (e.g. for `tf.tensor2d(obsFlat, shape)`). */
  obsFlat: Float64Array;
  shape: [number, number];
  infos: Info[];
}

/** What `VecEnv.step` returns (SAME-STEP auto-reset; see the module comment). */
export interface VecStepResult extends VecResetResult {
  rewards: Float64Array;
  terminated: boolean[];
  truncated: boolean[];
  /** For a copy whose episode ended at this step: that episode's last observation; otherwise `null`. */
  finalObs: (Float64Array | null)[];
  /**
   * `infos[i]` is copy i's step info; when its episode ended it also has `final_obs` (number[]),
   * `episode_return` and `episode_length` (Gymnasium's `RecordEpisodeStatistics` numbers). The info of the
   * automatic reset itself is not returned (call `envs[i]` directly if you need a task's reset info).
   */
  infos: Info[];
}

/** n copies of one environment, stepped together with same-step auto-reset. */
export class VecEnv {
  readonly id: string;
  readonly numEnvs: number;
  /** Auto-reset mode (Gymnasium `AutoresetMode.SAME_STEP`). */
  readonly autoresetMode = "same-step" as const;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Box;
  readonly maxEpisodeSteps: number;
  private readonly obsDim: number;
  private readonly actDim: number;
  private readonly returns: Float64Array;
  private readonly lengths: Int32Array;
  private started = false;
  private closed = false;

  /** Wrap already-created copies (all with the same id and spaces); `makeVec` is the usual way in. */
  constructor(readonly envs: readonly Env[]) {
    if (envs.length === 0) throw new Error("VecEnv: needs at least one environment, got 0");
    const first = envs[0]!;
    for (const e of envs) {
      if (e.id !== first.id) throw new Error(`VecEnv: all copies must have the same id, got ${first.id} and ${e.id}`);
    }
    this.id = first.id;
    this.numEnvs = envs.length;
    this.singleObservationSpace = copyBox(first.observationSpace);
    this.singleActionSpace = copyBox(first.actionSpace);
    this.maxEpisodeSteps = first.maxEpisodeSteps;
    this.obsDim = boxSize(first.observationSpace);
    this.actDim = boxSize(first.actionSpace);
    this.returns = new Float64Array(envs.length);
    this.lengths = new Int32Array(envs.length);
  }

  /** Reset every copy; `seed` re-seeds copy i with `seed + i`. */
  reset(options: ResetOptions = {}): VecResetResult {
    this.assertOpen("reset");
    const seed = options.seed === undefined ? undefined : checkSeed(`${this.id} x${this.numEnvs}.reset`, options.seed);
    const obsFlat = new Float64Array(this.numEnvs * this.obsDim);
    const infos: Info[] = [];
    this.envs.forEach((env, i) => {
      const r = env.reset(seed === undefined ? {} : { seed: (seed + i) % 0x100000000 });
      obsFlat.set(r.obs, i * this.obsDim);
      infos.push(r.info);
    });
    this.returns.fill(0);
    this.lengths.fill(0);
    this.started = true;
    return { obs: this.rows(obsFlat), obsFlat, shape: [this.numEnvs, this.obsDim], infos };
  }

  /**
   * Step every copy. `actions`: one row per copy (`number[][]` / `Float64Array[]`) or one flat array of
   * `numEnvs · actDim` numbers. All actions are checked before any copy moves.
   */
  step(actions: readonly ArrayLike<number>[] | ArrayLike<number>): VecStepResult {
    this.assertOpen("step");
    if (!this.started) throw new Error(`${this.id} x${this.numEnvs}: step() called before reset(); call reset() first`);
    const rows = this.splitActions(actions);
    const n = this.numEnvs;
    const obsFlat = new Float64Array(n * this.obsDim);
    const rewards = new Float64Array(n);
    const terminated: boolean[] = [];
    const truncated: boolean[] = [];
    const finalObs: (Float64Array | null)[] = [];
    const infos: Info[] = [];
    this.envs.forEach((env, i) => {
      const r = env.step(rows[i]!);
      rewards[i] = r.reward;
      terminated.push(r.terminated);
      truncated.push(r.truncated);
      this.returns[i] += r.reward;
      this.lengths[i] += 1;
      if (r.terminated || r.truncated) {
        finalObs.push(r.obs);
        infos.push({
          ...r.info,
          final_obs: Array.from(r.obs),
          episode_return: this.returns[i]!,
          episode_length: this.lengths[i]!,
        });
        this.returns[i] = 0;
        this.lengths[i] = 0;
        obsFlat.set(env.reset().obs, i * this.obsDim);
      } else {
        finalObs.push(null);
        infos.push(r.info);
        obsFlat.set(r.obs, i * this.obsDim);
      }
    });
    return {
      obs: this.rows(obsFlat),
      obsFlat,
      shape: [n, this.obsDim],
      rewards,
      terminated,
      truncated,
      finalObs,
      infos,
    };
  }

  /** Close every copy. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.envs) e.close();
  }

  private rows(flat: Float64Array): Float64Array[] {
    const out: Float64Array[] = [];
    for (let i = 0; i < this.numEnvs; i++) out.push(flat.subarray(i * this.obsDim, (i + 1) * this.obsDim));
    return out;
  }

  private splitActions(actions: readonly ArrayLike<number>[] | ArrayLike<number>): Float64Array[] {
    const n = this.numEnvs;
    const d = this.actDim;
    const where = `${this.id} x${n}`;
    if (
      actions === null ||
      typeof actions !== "object" ||
      typeof (actions as { length?: unknown }).length !== "number"
    ) {
      throw new Error(
        `${where}: expected ${n} actions (one per env) or a flat array of ${n * d} numbers, got ${typeof actions}`,
      );
    }
    const first = (actions as ArrayLike<unknown>)[0];
    const isRows = actions.length === n && first !== null && typeof first === "object";
    if (isRows) {
      return (actions as readonly ArrayLike<number>[]).map((row, i) =>
        checkVector(`${where} env ${i}`, "action", row, d),
      );
    }
    if (actions.length !== n * d) {
      throw new Error(
        `${where}: expected ${n} actions (one per env) or a flat array of ${n * d} numbers, got ${actions.length}`,
      );
    }
    const flat = checkVector(where, "actions", actions, n * d);
    return Array.from({ length: n }, (_, i) => flat.subarray(i * d, (i + 1) * d));
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new Error(`${this.id} x${this.numEnvs}: ${what}() called after close()`);
  }
}

/**
 * `n` copies of `id` stepped together (same-step auto-reset). Copy i is `make(id, { ...options, seed: seed + i })`
 * with `seed = options.seed ?? 0`.
 */
export async function makeVec(id: string, n: number, options: MakeOptions = {}): Promise<VecEnv> {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new Error(`makeVec: n must be a positive integer, got ${String(n)}`);
  }
  const base = options.seed === undefined ? 0 : checkSeed(`makeVec(${id})`, options.seed);
  const envs: Env[] = [];
  try {
    for (let i = 0; i < n; i++) envs.push(await make(id, { ...options, seed: (base + i) % 0x100000000 }));
  } catch (err) {
    for (const e of envs) e.close();
    throw err;
  }
  return new VecEnv(envs);
}
