/**
 * The learnt functions on plain arrays, for notebooks and reports: the policy's action in the env's action box,
 * the critic Q̂(s, a) = min_i Q_i(s, a) and the value network V(s) — each one `tf.tidy` that leaves no tensor
 * behind. Loaded with the agent (it imports tfjs); `Agent.act`, `Agent.actions`, `Agent.qValues` and
 * `Agent.values` call these.
 *
 * Action spaces: the networks work in the squashed space a ∈ (−1, 1)^|A| (what the replay buffer stores); the env
 * sees u = low + (a + 1)/2 · (high − low). These functions take and return env actions u.
 */
import * as tf from "@tensorflow/tfjs";
import type { Learner } from "./learner";

export type { Rows, Critic } from "./learner-types";
import type { Rows, Critic } from "./learner-types";

/** Flatten `rows` (rows of length `dim`, or a flat multiple of `dim`) into float32; every entry must be finite. */
export function flattenRows(rows: Rows, dim: number, what: string): { flat: Float32Array; n: number } {
  if (rows === null || typeof rows !== "object" || typeof rows.length !== "number") {
    throw new Error(`${what} must be an array of numbers or of rows, got ${String(rows)}`);
  }
  const isRows = Array.isArray(rows) && rows.length > 0 && typeof rows[0] !== "number";
  let flat: Float32Array;
  if (isRows) {
    const list = rows as readonly ArrayLike<number>[];
    flat = new Float32Array(list.length * dim);
    list.forEach((r, i) => {
      if (r === null || typeof r !== "object" || r.length !== dim) {
        throw new Error(
          `expected ${what}[${i}] of length ${dim}, got ${r === null || typeof r !== "object" ? String(r) : r.length}`,
        );
      }
      for (let k = 0; k < dim; k++) flat[i * dim + k] = r[k]!;
    });
  } else {
    const a = rows as ArrayLike<number>;
    if (a.length === 0 || a.length % dim !== 0)
      throw new Error(`expected ${what} of length ${dim} (or a multiple), got ${a.length}`);
    flat = Float32Array.from(a);
  }
  for (let i = 0; i < flat.length; i++) {
    if (!Number.isFinite(flat[i]!)) {
      throw new Error(
        `${what}: row ${Math.floor(i / dim)}, entry ${i % dim} must be finite, got ${isRows ? (rows as readonly ArrayLike<number>[])[Math.floor(i / dim)]![i % dim] : (rows as ArrayLike<number>)[i]}`,
      );
    }
  }
  return { flat, n: flat.length / dim };
}

/** Squashed → env action, element-wise: `u = low + (a + 1)/2 · (high − low)`. */
export function toEnvAction(a: ArrayLike<number>, low: ArrayLike<number>, high: ArrayLike<number>): Float64Array {
  const d = low.length;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const k = i % d;
    out[i] = low[k]! + (a[i]! + 1) * 0.5 * (high[k]! - low[k]!);
  }
  return out;
}

/** Env → squashed action, element-wise: `a = 2(u − low)/(high − low) − 1`; u must lie in [low, high]. */
export function toSquashedAction(
  u: Float32Array,
  low: ArrayLike<number>,
  high: ArrayLike<number>,
  what: string,
): Float32Array {
  const d = low.length;
  const out = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) {
    const k = i % d;
    const lo = low[k]!;
    const hi = high[k]!;
    // the float32 copy of a bound may round outside [lo, hi] by one ulp
    if (u[i]! < Math.fround(lo) || u[i]! > Math.fround(hi)) {
      throw new Error(
        `${what}: row ${Math.floor(i / d)}, entry ${k} must be in the action box [${lo}, ${hi}], got ${u[i]}`,
      );
    }
    out[i] = Math.min(1, Math.max(-1, (2 * (u[i]! - lo)) / (hi - lo) - 1));
  }
  return out;
}

/**
 * Q-values of state-action pairs: `min(Q₁(s, a), Q₂(s, a))` (Q̂ of Algorithm 1) or one twin.
 * @param obs float32, row-major [n, obsDim]; @param act squashed actions, row-major [n, actDim].
 */
export function qValuesOf(
  learner: Learner,
  obs: Float32Array,
  act: Float32Array,
  n: number,
  critic: Critic,
): Float64Array {
  const q = tf.tidy(() => {
    const sa = tf.concat([tf.tensor2d(obs, [n, learner.obsDim]), tf.tensor2d(act, [n, learner.actDim])], 1);
    if (critic === "q1") return learner.q1.apply(sa);
    if (critic === "q2") return learner.q2.apply(sa);
    return tf.minimum(learner.q1.apply(sa), learner.q2.apply(sa));
  });
  try {
    return Float64Array.from(q.dataSync());
  } finally {
    q.dispose();
  }
}

/** V(s) of the value network φ (VIREL1, VIREL2, SAC-v1). @param obs float32, row-major [n, obsDim]. */
export function valuesOf(learner: Learner, obs: Float32Array, n: number): Float64Array {
  const vNet = learner.v;
  if (vNet === null)
    throw new Error(`algo ${learner.cfg.algo} has no value network V (SAC-v2 keeps only Q-networks); use qValues`);
  const v = tf.tidy(() => vNet.apply(tf.tensor2d(obs, [n, learner.obsDim])));
  try {
    return Float64Array.from(v.dataSync());
  } finally {
    v.dispose();
  }
}
