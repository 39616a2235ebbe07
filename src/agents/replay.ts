/**
 * The replay buffer 𝒟 of Algorithm 1: a Float32Array ring buffer of transitions (s, a, r, s′, d).
 * `d` is 1 only when the MDP terminated (a time-limit truncation still bootstraps). No tfjs here.
 */
import type { Rng } from "../rng";

/** A sampled minibatch, row-major: obs [n, obsDim], act [n, actDim], rew [n], nextObs [n, obsDim], done [n]. */
export interface Batch {
  readonly size: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly obs: Float32Array;
  readonly act: Float32Array;
  readonly rew: Float32Array;
  readonly nextObs: Float32Array;
  readonly done: Float32Array;
}

export class ReplayBuffer {
  readonly obs: Float32Array;
  readonly act: Float32Array;
  readonly rew: Float32Array;
  readonly nextObs: Float32Array;
  readonly done: Float32Array;
  /** Number of transitions stored (≤ capacity). */
  size = 0;
  /** Next write position. */
  ptr = 0;

  constructor(
    readonly capacity: number,
    readonly obsDim: number,
    readonly actDim: number,
  ) {
    for (const [k, v] of [
      ["capacity", capacity],
      ["obsDim", obsDim],
      ["actDim", actDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`replay ${k} must be a positive integer, got ${v}`);
    }
    this.obs = new Float32Array(capacity * obsDim);
    this.act = new Float32Array(capacity * actDim);
    this.rew = new Float32Array(capacity);
    this.nextObs = new Float32Array(capacity * obsDim);
    this.done = new Float32Array(capacity);
  }

  /** 𝒟 ← 𝒟 ∪ {(s, a, r, s′, d)} (overwrites the oldest once full). */
  add(obs: ArrayLike<number>, act: ArrayLike<number>, rew: number, nextObs: ArrayLike<number>, done: boolean): void {
    if (obs.length !== this.obsDim) throw new Error(`expected obs of length ${this.obsDim}, got ${obs.length}`);
    if (nextObs.length !== this.obsDim)
      throw new Error(`expected nextObs of length ${this.obsDim}, got ${nextObs.length}`);
    if (act.length !== this.actDim) throw new Error(`expected action of length ${this.actDim}, got ${act.length}`);
    const i = this.ptr;
    this.obs.set(obs, i * this.obsDim);
    this.act.set(act, i * this.actDim);
    this.rew[i] = rew;
    this.nextObs.set(nextObs, i * this.obsDim);
    this.done[i] = done ? 1 : 0;
    this.ptr = (this.ptr + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Sample n transitions uniformly with replacement, drawing the indices from `rng`. */
  sample(n: number, rng: Rng): Batch {
    if (!Number.isInteger(n) || n < 1) throw new Error(`batch size must be a positive integer, got ${n}`);
    if (this.size < 1) throw new Error(`cannot sample ${n} transitions from an empty replay buffer`);
    const { obsDim: o, actDim: a } = this;
    const b: Batch = {
      size: n,
      obsDim: o,
      actDim: a,
      obs: new Float32Array(n * o),
      act: new Float32Array(n * a),
      rew: new Float32Array(n),
      nextObs: new Float32Array(n * o),
      done: new Float32Array(n),
    };
    for (let k = 0; k < n; k++) {
      const i = rng.int(this.size);
      b.obs.set(this.obs.subarray(i * o, i * o + o), k * o);
      b.act.set(this.act.subarray(i * a, i * a + a), k * a);
      b.rew[k] = this.rew[i]!;
      b.nextObs.set(this.nextObs.subarray(i * o, i * o + o), k * o);
      b.done[k] = this.done[i]!;
    }
    return b;
  }

  /** The filled part of every array (for checkpoints), in storage order. */
  filled(): Float32Array[] {
    const n = this.size;
    return [
      this.obs.subarray(0, n * this.obsDim),
      this.act.subarray(0, n * this.actDim),
      this.rew.subarray(0, n),
      this.nextObs.subarray(0, n * this.obsDim),
      this.done.subarray(0, n),
    ];
  }

  /** Restore from {@link filled}'s arrays plus size/ptr. */
  restore(size: number, ptr: number, parts: readonly Float32Array[]): void {
    if (!Number.isInteger(size) || size < 0 || size > this.capacity)
      throw new Error(`replay size must be in [0, ${this.capacity}], got ${size}`);
    if (!Number.isInteger(ptr) || ptr < 0 || ptr >= this.capacity)
      throw new Error(`replay ptr must be in [0, ${this.capacity}), got ${ptr}`);
    const want = [size * this.obsDim, size * this.actDim, size, size * this.obsDim, size];
    if (parts.length !== 5 || parts.some((p, i) => p.length !== want[i])) {
      throw new Error(
        `replay arrays must have lengths ${want.join(", ")}, got ${parts.map((p) => p.length).join(", ")}`,
      );
    }
    this.obs.set(parts[0]!);
    this.act.set(parts[1]!);
    this.rew.set(parts[2]!);
    this.nextObs.set(parts[3]!);
    this.done.set(parts[4]!);
    this.size = size;
    this.ptr = ptr;
  }
}
