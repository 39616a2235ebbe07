/**
 * The roofline line of `virel bench`: the SAC-v1 update's achieved GFLOP/s against this machine's measured
 * single-core sgemm peak, so the distance to the floor is printed, not guessed.
 *
 * FLOPs of one update ({@link sacV1UpdateFlops}): the matrix products only (2·m·n·k each; elementwise work,
 * Adam and Polyak are O(parameters) and left out), with the minimum work of one SAC-v1 step (Haarnoja et al.
 * 2018, the PyTorch peer's update) on a minibatch of B rows. For an MLP f with layer widths d₀ → … → d_L let
 * M(f) = Σ_l d_l·d_{l+1} (multiply-adds per row of one forward pass) and M₁(f) = M(f) − d₀·d₁ (the same without
 * the first layer). Then
 *
 *   forward   M(π) [policy pass on s, shared by the V target and the E-step]
 *             + 2·M(Q) [Q₁, Q₂ at (s, ã), shared likewise] + M(V) [V(s)] + M(V) [V̄(s′)] + 2·M(Q) [Q₁, Q₂ at (s, a)]
 *   backward  M(V) + M₁(V)            [∂φ: weight gradients of every layer, input gradients of layers ≥ 2]
 *             + 2·(M(Q) + M₁(Q))      [∂Q₁, ∂Q₂ likewise]
 *             + 2·M(Q)                [∂Q̂/∂ã through Q₁, Q₂: input gradients of every layer, no weight gradients]
 *             + M(π) + M₁(π)          [∂θ]
 *   FLOPs = 2·B·(the sum above)
 *
 * with d(π) = obs → hidden… → 2·act, d(Q) = obs+act → hidden… → 1, d(V) = obs → hidden… → 1. At the paper's
 * shapes (obs 17, act 6, 2×256, batch 256) this is 0.612 GFLOP (test/bench/roofline.test.ts checks it against a
 * count written out by hand). The PyTorch peer does more (a second policy pass and Q forward after the Q step,
 * weight gradients of Q in the policy loss), so the floor is a lower bound for both sides.
 *
 * The peak: the native addon's products on ONE thread — the BLAS library's `cblas_sgemm` and our kernels
 * (native/src/virel_gemm.c), whichever is faster — square products of 256 and 512 (the update's own sizes and one
 * larger), the best GFLOP/s over timing blocks.
 */
import { loadAddon, nativeGemmMode } from "../engine/native";

/** Shapes of one update. */
export interface UpdateShape {
  obs: number;
  act: number;
  /** Hidden layer widths (the paper: [256, 256]). */
  hidden: readonly number[];
  batch: number;
}

function checkShape(s: UpdateShape): void {
  for (const k of ["obs", "act", "batch"] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new Error(`${k} must be a positive integer, got ${String(s[k])}`);
  }
  if (!Array.isArray(s.hidden) || s.hidden.length === 0 || s.hidden.some((h) => !Number.isInteger(h) || h < 1)) {
    throw new Error(`hidden must be a non-empty list of positive integers, got ${JSON.stringify(s.hidden)}`);
  }
}

/** Multiply-adds per row of one forward pass through widths d₀ → … → d_L: Σ_l d_l·d_{l+1}. */
export function mlpMacs(widths: readonly number[]): number {
  let s = 0;
  for (let l = 0; l + 1 < widths.length; l++) s += widths[l]! * widths[l + 1]!;
  return s;
}

/** Matrix-product FLOPs of one SAC-v1 update (module comment: the formula). */
export function sacV1UpdateFlops(s: UpdateShape): number {
  checkShape(s);
  const pi = [s.obs, ...s.hidden, 2 * s.act],
    q = [s.obs + s.act, ...s.hidden, 1],
    v = [s.obs, ...s.hidden, 1];
  const M = mlpMacs,
    M1 = (w: readonly number[]): number => mlpMacs(w) - w[0]! * w[1]!;
  const forward = M(pi) + 2 * M(q) + M(v) + M(v) + 2 * M(q);
  const backward = M(v) + M1(v) + 2 * (M(q) + M1(q)) + 2 * M(q) + M(pi) + M1(pi);
  return 2 * s.batch * (forward + backward);
}

/** The measured single-thread sgemm peak. */
export interface SgemmPeak {
  gflops: number;
  /** Best GFLOP/s per square size, with the kernel that reached the peak. */
  bySize: Record<string, number>;
  library: string;
  /** The kernel that reached the peak: "BLAS" (the library's sgemm) or one of ours ("AVX-512F 8×32", …). */
  kernel: string;
  /** The peak of each kernel measured (GFLOP/s): the BLAS, and ours where the addon has them. */
  byKernel: Record<string, number>;
  threads: 1;
}

/**
 * Measure the single-thread sgemm peak through the native addon: the BLAS library's `cblas_sgemm` on one thread
 * and, where the addon has them, our kernels (native/src/virel_gemm.c); the best is the machine's peak (the
 * addon's thread count and kernel are restored after). Or say why it cannot. @param blocks timing blocks per size
 * (best one counts).
 */
export function measureSgemmPeak(blocks = 5): SgemmPeak | { error: string } {
  const loaded = loadAddon();
  if ("reason" in loaded) return { error: loaded.reason };
  const { addon } = loaded;
  const before = addon.info();
  if (!addon.setThreads(1))
    return { error: `${before.library}: the BLAS thread count cannot be set, so a one-thread peak cannot be measured` };
  const kernels: ("blas" | "auto")[] = addon.setGemm ? ["blas", "auto"] : ["blas"];
  try {
    const byKernel: Record<string, number> = {};
    let best = { gflops: 0, kernel: "BLAS", bySize: {} as Record<string, number> };
    for (const mode of kernels) {
      const kernel = addon.setGemm ? addon.setGemm(mode) : "BLAS";
      if (kernel in byKernel) continue; // auto is the BLAS on a CPU without our kernels
      const bySize: Record<string, number> = {};
      let top = 0;
      for (const n of [256, 512]) {
        const heap = new ArrayBuffer(3 * n * n * 4);
        const f = new Float32Array(heap);
        for (let i = 0; i < 2 * n * n; i++) f[i] = ((i * 7919) % 1000) / 1000 - 0.5;
        // params: m n k transA transB aOff bOff cOff batch aStride bStride biasOff … act (virel_blas.c)
        const p = new Float64Array(21);
        p.set([n, n, n, 0, 0, 0, 4 * n * n, 8 * n * n, 1, 0, 0, -1, 0, 0, 0, 0, 0, -1, 0, 0, 0]);
        const reps = Math.max(3, Math.round((60 * 256 ** 3) / n ** 3));
        for (let w = 0; w < 3; w++) addon.sgemm(heap, p);
        let bestMs = Infinity;
        for (let b = 0; b < blocks; b++) {
          const t0 = performance.now();
          for (let r = 0; r < reps; r++) addon.sgemm(heap, p);
          bestMs = Math.min(bestMs, (performance.now() - t0) / reps);
        }
        const g = (2 * n ** 3) / (bestMs * 1e6);
        bySize[`${n}`] = Number(g.toFixed(1));
        top = Math.max(top, g);
      }
      byKernel[kernel] = Number(top.toFixed(1));
      if (top > best.gflops) best = { gflops: top, kernel, bySize };
    }
    return {
      gflops: Number(best.gflops.toFixed(1)),
      bySize: best.bySize,
      library: before.library,
      kernel: best.kernel,
      byKernel,
      threads: 1,
    };
  } finally {
    if (before.threads > 0) addon.setThreads(before.threads);
    addon.setGemm?.(nativeGemmMode(before.gemm));
  }
}

/** The roofline numbers of one update time. */
export interface Roofline {
  gflop_per_update: number;
  achieved_gflops: number;
  sgemm_peak_gflops: number | null;
  /** achieved / peak (null without a peak). */
  roofline_fraction: number | null;
  /** The update's time at the peak: FLOPs / peak (null without a peak). */
  floor_ms: number | null;
}

/** Achieved GFLOP/s of an update taking `ms` and its fraction of `peak`. */
export function roofline(shape: UpdateShape, ms: number, peak: number | null): Roofline {
  if (!(ms > 0)) throw new Error(`ms must be a positive number, got ${ms}`);
  const flops = sacV1UpdateFlops(shape);
  const achieved = flops / (ms * 1e6);
  return {
    gflop_per_update: Number((flops / 1e9).toFixed(4)),
    achieved_gflops: Number(achieved.toFixed(2)),
    sgemm_peak_gflops: peak,
    roofline_fraction: peak === null ? null : Number((achieved / peak).toFixed(4)),
    floor_ms: peak === null ? null : Number((flops / (peak * 1e6)).toFixed(3)),
  };
}

/** One printed line: "roofline: …". */
export function rooflineLine(label: string, r: Roofline, peak: SgemmPeak | { error: string }): string {
  const head = `roofline, ${label}: ${r.gflop_per_update.toFixed(3)} GFLOP/update (matrix products) → ${r.achieved_gflops.toFixed(1)} GFLOP/s achieved`;
  if ("error" in peak || r.roofline_fraction === null)
    return `${head}; single-core sgemm peak not measured (${"error" in peak ? peak.error : "no peak"})`;
  return (
    `${head} = ${(100 * r.roofline_fraction).toFixed(1)}% of the single-core sgemm peak ${peak.gflops.toFixed(1)} GFLOP/s ` +
    `(${peak.kernel === "BLAS" ? peak.library : `our ${peak.kernel} kernels`}, 1 thread; 256³ ${peak.bySize["256"]}, 512³ ${peak.bySize["512"]}` +
    `${
      Object.keys(peak.byKernel).length > 1
        ? `; peaks: ${Object.entries(peak.byKernel)
            .map(([k, g]) => `${k} ${g}`)
            .join(", ")}`
        : ""
    }); floor ${r.floor_ms!.toFixed(2)} ms/update`
  );
}
