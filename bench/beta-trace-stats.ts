/** The statistics of bench/beta-trace.ts (also recomputed from the committed trace by test/agents/beta-trace.test.ts). */

/** One traced gradient step. */
export interface TracePoint {
  step: number;
  /** β from the window (what the run trained with). */
  window: number;
  /** β from 4096 fresh replay samples at the same parameters (beta.py). */
  replay: number;
  /** β from the current minibatch alone (one M-step's residual × betaScale). */
  single: number;
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
export const std = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};

/** Statistics of an estimate x against the replay estimate y, over the trace: mean ratio, relative error spread, step-to-step jitter. */
export function versus(xs: readonly number[], ys: readonly number[]) {
  const rel = xs.map((x, i) => x / ys[i]! - 1);
  const jitter = (zs: readonly number[]) => std(zs.slice(1).map((z, i) => Math.log(z / zs[i]!)));
  return {
    mean_ratio: mean(xs) / mean(ys),
    rel_error_mean: mean(rel),
    rel_error_std: std(rel),
    rel_error_abs_p90: [...rel.map(Math.abs)].sort((a, b) => a - b)[Math.floor(0.9 * rel.length)]!,
    jitter: jitter(xs),
    jitter_replay: jitter(ys),
  };
}
