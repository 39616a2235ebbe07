/**
 * The second product lane of the pure wasm path: the protocol between the main thread (wasm-gemm-blas.ts) and the
 * worker (wasm-gemm-worker.ts), kept free of tfjs imports so the worker loads only the GEMM.
 *
 * The tfjs wasm heap is an ordinary (unshared) memory that no other thread can see, so the lane has its own shared
 * `WebAssembly.Memory`: the main thread copies a product's operands into it, posts the job, computes its own
 * products meanwhile, waits, and copies the result back (≈ 0.03 ms of copies for a 256×256×256 product of
 * ≈ 0.6 ms). Its first 4 KiB are the control block (Int32 words below); operands and the worker's packing scratch
 * follow. Each product runs whole on one thread with the same kernel, so its bits do not depend on the lane.
 */
import { runProduct } from "./wasm-gemm";
import type { GemmExports, Product } from "./wasm-gemm";

/** Int32 words of the control block. */
export const CTL = {
  /** Sequence number of the last job list posted (main writes, worker waits on it). */
  SEQ: 0,
  /** Sequence number of the last job list finished (worker writes, main waits on it). */
  DONE: 1,
  /** Products in the posted list. */
  COUNT: 2,
  /** 1 once the worker has instantiated the GEMM and waits for jobs. */
  READY: 3,
  /** 1: the worker returns. */
  STOP: 4,
  /** Byte offset of the worker's packing scratch. */
  SCRATCH: 5,
  /** Products the worker has run since it started (info().laneBlocks). */
  RUN: 6,
  /** First word of the job list. */
  JOBS: 16,
} as const;

/** Bytes of the control block (data starts here). */
export const CTL_BYTES = 4096;
/** Int32 words per job: m, n, k, transA, transB, batch, a, b, c, strideA, strideB. */
export const JOB_WORDS = 11;
/** The most jobs one list holds (what fits in the control block). */
export const MAX_JOBS = Math.floor((CTL_BYTES / 4 - CTL.JOBS) / JOB_WORDS);
/** The largest the lane's memory may grow: 1 GiB (64 KiB pages). */
export const LANE_MAX_PAGES = 16384;

export function writeJob(ctl: Int32Array, i: number, p: Product): void {
  const o = CTL.JOBS + i * JOB_WORDS;
  ctl[o] = p.m;
  ctl[o + 1] = p.n;
  ctl[o + 2] = p.k;
  ctl[o + 3] = p.transA ? 1 : 0;
  ctl[o + 4] = p.transB ? 1 : 0;
  ctl[o + 5] = p.batch;
  ctl[o + 6] = p.a;
  ctl[o + 7] = p.b;
  ctl[o + 8] = p.c;
  ctl[o + 9] = p.strideA;
  ctl[o + 10] = p.strideB;
}

export function readJob(ctl: Int32Array, i: number): Product {
  const o = CTL.JOBS + i * JOB_WORDS;
  const w = (j: number): number => ctl[o + j] as number;
  return {
    m: w(0),
    n: w(1),
    k: w(2),
    transA: w(3) !== 0,
    transB: w(4) !== 0,
    batch: w(5),
    a: w(6),
    b: w(7),
    c: w(8),
    strideA: w(9),
    strideB: w(10),
  };
}

/**
 * The worker's loop: wait for a job list (spinning up to `spinMs`, then sleeping on the SEQ word), run it, publish
 * DONE; until STOP. `now` is a millisecond clock.
 */
export function laneLoop(
  g: GemmExports,
  mr: number,
  memory: { readonly buffer: ArrayBuffer },
  spinMs: number,
  now: () => number,
): void {
  const ctl = new Int32Array(memory.buffer, 0, CTL_BYTES / 4);
  let seen = Atomics.load(ctl, CTL.SEQ);
  Atomics.store(ctl, CTL.READY, 1);
  for (;;) {
    const t0 = now();
    let spins = 0;
    while (Atomics.load(ctl, CTL.SEQ) === seen && Atomics.load(ctl, CTL.STOP) === 0) {
      if ((++spins & 255) === 0 && now() - t0 > spinMs) Atomics.wait(ctl, CTL.SEQ, seen, 1000);
    }
    if (Atomics.load(ctl, CTL.STOP) !== 0) return;
    seen = Atomics.load(ctl, CTL.SEQ);
    // the memory may have grown since the last list: views of its current buffer
    const heap = new Float32Array(memory.buffer);
    const count = Atomics.load(ctl, CTL.COUNT),
      scratch = Atomics.load(ctl, CTL.SCRATCH);
    for (let i = 0; i < count; i++) runProduct(g, mr, readJob(ctl, i), scratch, heap);
    Atomics.add(ctl, CTL.RUN, count);
    Atomics.store(ctl, CTL.DONE, seen);
    Atomics.notify(ctl, CTL.DONE);
  }
}
