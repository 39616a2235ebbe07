/**
 * Box spaces (Gymnasium `spaces.Box`): construction, membership and sampling.
 */
import type { Box } from "./types";
import type { Rng } from "../rng";

/**
 * A box `{x : low[i] ≤ x[i] ≤ high[i]}` of the given shape. Scalars broadcast over the shape. With
 * `float32: true` the bounds are rounded to float32 like Gymnasium's `Box(..., dtype=np.float32)`, so a
 * float32 observation sitting exactly on a bound (e.g. MountainCar's position 0.6) is inside the box.
 */
export function box(
  low: ArrayLike<number> | number,
  high: ArrayLike<number> | number,
  options: { shape?: readonly number[]; float32?: boolean } = {},
): Box {
  const shape =
    options.shape ?? (typeof low === "number" ? (typeof high === "number" ? [1] : [high.length]) : [low.length]);
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`box: shape must be a non-empty list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const fill = (v: ArrayLike<number> | number, name: string): Float64Array => {
    if (typeof v === "number") return new Float64Array(n).fill(options.float32 ? Math.fround(v) : v);
    if (v.length !== n) throw new Error(`box: expected ${name} of length ${n}, got ${v.length}`);
    const out = Float64Array.from(v);
    if (options.float32) for (let i = 0; i < n; i++) out[i] = Math.fround(out[i]!);
    return out;
  };
  const lo = fill(low, "low");
  const hi = fill(high, "high");
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(lo[i]) || Number.isNaN(hi[i]) || lo[i]! > hi[i]!) {
      throw new Error(`box: need low[${i}] ≤ high[${i}], got low ${lo[i]} and high ${hi[i]}`);
    }
  }
  return { kind: "box", shape: [...shape], low: lo, high: hi };
}

/** Number of scalars in a box: the product of its shape. */
export function boxSize(space: Box): number {
  return space.shape.reduce((a, b) => a * b, 1);
}

/** `true` iff `x` has the box's size and `low[i] ≤ x[i] ≤ high[i]` for every i (NaN is never inside). */
export function boxContains(space: Box, x: ArrayLike<number>): boolean {
  if (x.length !== space.low.length) return false;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(v >= space.low[i]! && v <= space.high[i]!)) return false;
  }
  return true;
}

/**
 * A random point of the box, drawn like Gymnasium's `Box.sample`: uniform on bounded coordinates,
 * `low + Exp(1)` / `high − Exp(1)` on half-bounded ones and `N(0, 1)` on unbounded ones.
 */
export function sampleBox(space: Box, rng: Rng): Float64Array {
  const n = space.low.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lo = space.low[i]!;
    const hi = space.high[i]!;
    const loFinite = Number.isFinite(lo);
    const hiFinite = Number.isFinite(hi);
    if (loFinite && hiFinite) out[i] = rng.uniformRange(lo, hi);
    else if (loFinite) out[i] = lo - Math.log(1 - rng.uniform());
    else if (hiFinite) out[i] = hi + Math.log(1 - rng.uniform());
    else out[i] = rng.normal();
  }
  return out;
}

/** Element-wise clip of `x` into the box (a new array): `min(max(x[i], low[i]), high[i])`. */
export function clipToBox(space: Box, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(Math.max(x[i]!, space.low[i]!), space.high[i]!);
  return out;
}

/** A copy of a box (fresh bound arrays), so one env's space cannot be mutated through another's. */
export function copyBox(space: Box): Box {
  return {
    kind: "box",
    shape: [...space.shape],
    low: Float64Array.from(space.low),
    high: Float64Array.from(space.high),
  };
}
