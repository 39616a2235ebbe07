/**
 * One seeded random number generator for the whole library (xoshiro128** seeded through splitmix32).
 *
 * Everything random in VIREL — tabular MDP generators, environment resets, replay sampling, exploration
 * noise, network initialisation — draws from an `Rng`, so a single seed reproduces a run. The full state
 * (including the cached Box–Muller spare) can be saved with `getState()` and restored with `setState()`,
 * which is what checkpoints store.
 */

/** Serialisable state of an {@link Rng}: four 32-bit words and the cached normal deviate (or null). */
export interface RngState {
  readonly s: readonly [number, number, number, number];
  readonly spare: number | null;
}

function splitmix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Hash a string label into a 32-bit seed (FNV-1a). */
export function hashSeed(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Whether `seed` is a valid seed: an integer in [0, 2^32 − 1] (what {@link Rng} accepts). */
export function isSeed(seed: unknown): seed is number {
  return typeof seed === "number" && Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff;
}

/**
 * The one seed check of the library: returns `seed` when it is an integer in [0, 2^32 − 1], else throws
 * `FIELD must be an integer in [0, 2^32 - 1], got VALUE` (VALUE as written: 1.5, -1, Infinity, NaN, "7").
 */
export function checkSeed(seed: unknown, field = "seed"): number {
  if (!isSeed(seed)) {
    const shown =
      typeof seed === "number" || typeof seed === "bigint" || seed === undefined
        ? String(seed)
        : (JSON.stringify(seed) ?? String(seed));
    throw new Error(`${field} must be an integer in [0, 2^32 - 1], got ${shown}`);
  }
  return seed;
}

/** 2⁻⁵³: uniform() scales its 53-bit integer by it. */
const TWO_POW_M53 = 1 / 9007199254740992;

/** Seeded PRNG (xoshiro128**): uniform, normal, integers, categorical draws; state save/restore; forks. */
export class Rng {
  // The four state words are kept as int32 (the same bits as the uint32 words of RngState): V8 stores small
  // integers in place, while a uint32 ≥ 2³¹ would be a boxed number on every write. The Box–Muller spare is a
  // plain double with a flag beside it (a field that is sometimes null is boxed too). Draws are bit-identical to
  // the uint32 arithmetic (test/rng.test.ts pins the sequences).
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private hasSpare = false;
  private spareValue = 0;

  /** @param seed integer in [0, 2^32 − 1] (a string label is hashed). */
  constructor(seed: number | string = 0) {
    const n = typeof seed === "string" ? hashSeed(seed) : checkSeed(seed);
    const sm = splitmix32(n);
    this.s0 = sm() | 0;
    this.s1 = sm() | 0;
    this.s2 = sm() | 0;
    this.s3 = sm() | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next output as an int32 (the bits of {@link Rng.nextUint32}). */
  private next(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    const s2 = this.s2 ^ this.s0;
    const s3 = this.s3 ^ s1;
    this.s1 = s1 ^ s2;
    this.s0 = this.s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    return this.next() >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.next() >>> 5; // 27 bits
    const lo = this.next() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_POW_M53; // exact: a power-of-two scale of an integer below 2⁵³
  }

  /** Uniform double in [low, high). */
  uniformRange(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Standard normal deviate N(0, 1) (Box–Muller, the second deviate cached). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareValue;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareValue = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n) without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
      throw new Error(`n must be an integer in [1, 2^32], got ${String(n)}`);
    }
    if (n === 0x100000000) return this.nextUint32();
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Index drawn from the categorical distribution `p` (need not be normalised; non-negative). */
  categorical(p: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < p.length; i++) total += p[i]!;
    let u = this.uniform() * total;
    for (let i = 0; i < p.length; i++) {
      u -= p[i]!;
      if (u < 0) return i;
    }
    for (let i = p.length - 1; i >= 0; i--) if (p[i]! > 0) return i;
    throw new Error(`categorical: probabilities must have a positive entry, got length ${p.length}`);
  }

  /** Fill `out` with N(mean, std²) deviates and return it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Fill `out` with uniform deviates in [low, high) and return it. */
  fillUniform<T extends Float32Array | Float64Array>(out: T, low = 0, high = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i]!;
      xs[i] = xs[j]!;
      xs[j] = t;
    }
    return xs;
  }

  /** A new independent generator whose seed is drawn from this one (optionally mixed with a label). */
  fork(label = ""): Rng {
    const seed = (this.nextUint32() ^ hashSeed(label)) >>> 0;
    return new Rng(seed);
  }

  /** A 32-bit seed drawn from this generator (e.g. for an environment's `reset({ seed })`). */
  seed(): number {
    return this.nextUint32();
  }

  /** The full generator state, JSON-serialisable. */
  getState(): RngState {
    return {
      s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spare: this.hasSpare ? this.spareValue : null,
    };
  }

  /** Restore a state produced by {@link Rng.getState}. */
  setState(state: RngState): this {
    const s = state?.s;
    if (!Array.isArray(s) || s.length !== 4 || s.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`rng state.s must be four uint32 words, got ${JSON.stringify(s)}`);
    }
    if (state.spare !== null && !Number.isFinite(state.spare)) {
      throw new Error(`rng state.spare must be a finite number or null, got ${String(state.spare)}`);
    }
    this.s0 = s[0]! | 0;
    this.s1 = s[1]! | 0;
    this.s2 = s[2]! | 0;
    this.s3 = s[3]! | 0;
    this.hasSpare = state.spare !== null;
    this.spareValue = state.spare ?? 0;
    return this;
  }

  /** A copy with the same state (draws the same sequence). */
  clone(): Rng {
    return new Rng(0).setState(this.getState());
  }
}
