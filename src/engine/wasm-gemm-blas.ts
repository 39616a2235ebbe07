/**
 * The pure wasm path's GEMM (wasm-gemm.ts) behind the native addon's interface ({@link BlasAddon}): the same params
 * blocks (batches, broadcast strides, bias, activations; checked against the heap before anything runs), so the
 * BatchMatMul/_FusedMatMul kernels of native-kernels.ts and the fused update's concurrent products drive it as they
 * drive OpenBLAS. With two product lanes (`VIREL_PRODUCT_LANES`, `setLanes(2)`) the blocks of one call are split
 * between this thread and a worker (wasm-gemm-lane.ts, wasm-gemm-worker.ts): each block runs whole on one thread
 * with the same kernel, so results are bit-identical on one or two lanes.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { BlasAddon } from "./native-addon";
import { ACTIVATIONS, PARAM } from "./native-addon";
import { heapFree, heapMalloc, wasmMemory } from "./tfjs-internals";
import { compile } from "./wasm-asm";
import { DEFAULT_SHAPE, gemmModuleBytes, instantiateGemm, runProduct, scratchBytes } from "./wasm-gemm";
import type { GemmExports, GemmShape, Product } from "./wasm-gemm";
import { CTL, CTL_BYTES, LANE_MAX_PAGES, MAX_JOBS, writeJob } from "./wasm-gemm-lane";

const P = PARAM;

/** Throws when a params block does not describe products inside the heap (the checks of virel_blas.c). */
function checkBlock(p: Float64Array, o: number, heapBytes: number): void {
  const m = p[o + P.M] as number,
    n = p[o + P.N] as number,
    k = p[o + P.K] as number,
    batch = p[o + P.BATCH] as number;
  const int32 = (x: number): boolean => Number.isInteger(x) && x >= 0 && x <= 0x7fffffff;
  if (![m, n, k, batch].every(int32)) {
    throw new Error(`sgemm: m, n, k and batch must be non-negative 32-bit sizes, got ${m}, ${n}, ${k}, ${batch}`);
  }
  if (m === 0 || n === 0 || batch === 0) return;
  for (const [name, i] of [
    ["a stride", P.A_STRIDE],
    ["b stride", P.B_STRIDE],
    ["bias strides", P.BIAS_SB],
    ["bias strides", P.BIAS_SM],
    ["bias strides", P.BIAS_SN],
    ["prelu strides", P.PRELU_SB],
    ["prelu strides", P.PRELU_SM],
    ["prelu strides", P.PRELU_SN],
  ] as const) {
    if (!int32(p[o + i] as number)) {
      throw new Error(`sgemm: the ${name} must be non-negative 32-bit integers, got ${p[o + i]}`);
    }
  }
  const act = p[o + P.ACT] as number;
  if (!Number.isInteger(act) || act < 0 || act > 6) throw new Error(`sgemm: unknown activation code ${act}`);
  if (act === ACTIVATIONS["prelu"] && (p[o + P.PRELU_OFF] as number) < 0) {
    throw new Error("sgemm: prelu activation needs prelu weights");
  }
  const inHeap = (what: string, off: number, elements: number): void => {
    if (!(Number.isInteger(off) && off >= 0 && off % 4 === 0 && elements >= 0 && off + 4 * elements <= heapBytes)) {
      throw new Error(`sgemm: ${what} lies outside the wasm heap (byte offset ${off}, ${elements} floats)`);
    }
  };
  const extent = (sb: number, sm: number, sn: number): number => (batch - 1) * sb + (m - 1) * sm + (n - 1) * sn + 1;
  inHeap("the output", p[o + P.C_OFF] as number, batch * m * n);
  if (k > 0) {
    inHeap("a", p[o + P.A_OFF] as number, (batch - 1) * (p[o + P.A_STRIDE] as number) + m * k);
    inHeap("b", p[o + P.B_OFF] as number, (batch - 1) * (p[o + P.B_STRIDE] as number) + k * n);
  }
  if ((p[o + P.BIAS_OFF] as number) >= 0) {
    const sb = p[o + P.BIAS_SB] as number,
      sm = p[o + P.BIAS_SM] as number,
      sn = p[o + P.BIAS_SN] as number;
    inHeap("the bias", p[o + P.BIAS_OFF] as number, extent(sb, sm, sn));
  }
  if (act === ACTIVATIONS["prelu"]) {
    const sb = p[o + P.PRELU_SB] as number,
      sm = p[o + P.PRELU_SM] as number,
      sn = p[o + P.PRELU_SN] as number;
    inHeap("the prelu weights", p[o + P.PRELU_OFF] as number, extent(sb, sm, sn));
  }
}

const f32 = Math.fround;

/** C ← act(C + bias) for output item t of a block, in float32 (the epilogue of virel_blas.c). */
function epilogue(H: Float32Array, p: Float64Array, o: number, t: number, c: number): void {
  const M = p[o + P.M] as number,
    N = p[o + P.N] as number;
  const act = p[o + P.ACT] as number,
    alpha = f32(p[o + P.ALPHA] as number);
  if ((p[o + P.BIAS_OFF] as number) >= 0) {
    const b = (p[o + P.BIAS_OFF] as number) / 4 + t * (p[o + P.BIAS_SB] as number);
    const sm = p[o + P.BIAS_SM] as number,
      sn = p[o + P.BIAS_SN] as number;
    for (let i = 0; i < M; i++) {
      const row = c + i * N,
        brow = b + i * sm;
      for (let j = 0; j < N; j++) H[row + j] = f32((H[row + j] as number) + (H[brow + j * sn] as number));
    }
  }
  const end = c + M * N;
  switch (act) {
    case 1: // relu
      for (let e = c; e < end; e++) if (!((H[e] as number) > 0)) H[e] = 0;
      break;
    case 2: // relu6
      for (let e = c; e < end; e++) {
        const v = H[e] as number;
        H[e] = v < 0 ? 0 : v > 6 ? 6 : v;
      }
      break;
    case 4: // leakyrelu
      for (let e = c; e < end; e++) {
        const v = H[e] as number;
        if (v < 0) H[e] = f32(alpha * v);
      }
      break;
    case 5: // sigmoid
      for (let e = c; e < end; e++) H[e] = f32(1 / f32(1 + f32(Math.exp(-(H[e] as number)))));
      break;
    case 6: // elu
      for (let e = c; e < end; e++) {
        const v = H[e] as number;
        if (!(v > 0)) H[e] = f32(Math.expm1(v));
      }
      break;
    case 3: {
      // prelu
      const w = (p[o + P.PRELU_OFF] as number) / 4 + t * (p[o + P.PRELU_SB] as number);
      const sm = p[o + P.PRELU_SM] as number,
        sn = p[o + P.PRELU_SN] as number;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          const e = c + i * N + j,
            v = H[e] as number;
          if (v < 0) H[e] = f32(v * (H[w + i * sm + j * sn] as number));
        }
      }
      break;
    }
    default: // linear
      break;
  }
}

/** The epilogue of params block o over all its batch items, when it has a bias or an activation. */
function blockEpilogue(H: Float32Array, p: Float64Array, o: number): void {
  if ((p[o + P.BIAS_OFF] as number) < 0 && (p[o + P.ACT] as number) === 0) return;
  const items = (p[o + P.M] as number) * (p[o + P.N] as number);
  for (let t = 0; t < (p[o + P.BATCH] as number); t++) epilogue(H, p, o, t, (p[o + P.C_OFF] as number) / 4 + t * items);
}

/**
 * Blocks of fewer multiply-adds stay on the calling thread: handing one over costs copies and a wake-up that a
 * small product does not repay (the native path's threshold, virel_blas.c).
 */
const LANE_MIN_WORK = 2 ** 21;

/** How long the worker spins for the next job list before it sleeps (the native lane's 2 ms). */
const LANE_SPIN_MS = 2;

/** How long the caller waits for the worker's results before it gives up on the lane (a stuck or dead worker). */
const LANE_TIMEOUT_MS = 30_000;

/** The parts of the WebAssembly JavaScript API used here (the project compiles without the DOM lib). */
interface SharedMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
};

/** The second lane as the caller sees it: the shared memory, its control words, the worker. */
class Lane {
  readonly memory: SharedMemory;
  readonly ctl: Int32Array;
  private readonly worker: import("node:worker_threads").Worker;
  private seq = 0;
  broken: string | null = null;

  constructor(
    module: object,
    mr: number,
    script: string,
    private readonly timeoutMs: number,
  ) {
    this.memory = new WebAssembly.Memory({ initial: 64, maximum: LANE_MAX_PAGES, shared: true });
    this.ctl = new Int32Array(this.memory.buffer, 0, CTL_BYTES / 4);
    const { Worker } = require("node:worker_threads") as typeof import("node:worker_threads");
    this.worker = new Worker(script, {
      workerData: { module, memory: this.memory, mr, spinMs: LANE_SPIN_MS },
    });
    this.worker.unref();
    this.worker.on("error", (err: Error) => {
      this.broken = `the second product lane failed: ${err.message}`;
    });
    this.worker.on("exit", (code) => {
      this.broken ??= `the second product lane exited (code ${code})`;
    });
  }

  get ready(): boolean {
    return this.broken === null && Atomics.load(this.ctl, CTL.READY) === 1;
  }

  get run(): number {
    return Atomics.load(this.ctl, CTL.RUN);
  }

  /** Grows the memory to at least `bytes`. */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
  }

  /** Posts `count` jobs already written to the control block. */
  post(count: number, scratch: number): void {
    Atomics.store(this.ctl, CTL.COUNT, count);
    Atomics.store(this.ctl, CTL.SCRATCH, scratch);
    this.seq = (this.seq + 1) | 0;
    Atomics.store(this.ctl, CTL.SEQ, this.seq);
    Atomics.notify(this.ctl, CTL.SEQ);
  }

  /** Waits for the posted list (spinning briefly: the caller's own products usually end about when the lane's do). */
  wait(): void {
    const t0 = Date.now();
    let spins = 0;
    for (;;) {
      const done = Atomics.load(this.ctl, CTL.DONE);
      if (done === this.seq) return;
      if (++spins > 4096) Atomics.wait(this.ctl, CTL.DONE, done, 5);
      if (this.broken !== null) throw new Error(this.broken);
      if (Date.now() - t0 > this.timeoutMs) {
        // (a worker that died is noticed here too: its exit event cannot arrive while this thread waits)
        this.broken = `the second product lane did not answer in ${this.timeoutMs / 1000} s`;
        throw new Error(this.broken);
      }
    }
  }

  stop(): void {
    Atomics.store(this.ctl, CTL.STOP, 1);
    Atomics.notify(this.ctl, CTL.SEQ);
  }
}

/** The second lane's worker script and how long to wait for it (tests replace them; the defaults otherwise). */
export interface LaneOptions {
  workerScript?: string;
  timeoutMs?: number;
}

/** Multiply-adds of a params block. */
function blockWork(p: Float64Array, o: number): number {
  return (p[o + P.M] as number) * (p[o + P.N] as number) * (p[o + P.K] as number) * (p[o + P.BATCH] as number);
}

/** A params block as a {@link Product} on the tfjs heap. */
function productOf(p: Float64Array, o: number): Product {
  return {
    m: p[o + P.M] as number,
    n: p[o + P.N] as number,
    k: p[o + P.K] as number,
    transA: (p[o + P.TRANS_A] as number) !== 0,
    transB: (p[o + P.TRANS_B] as number) !== 0,
    batch: p[o + P.BATCH] as number,
    a: p[o + P.A_OFF] as number,
    b: p[o + P.B_OFF] as number,
    c: p[o + P.C_OFF] as number,
    strideA: p[o + P.A_STRIDE] as number,
    strideB: p[o + P.B_STRIDE] as number,
  };
}

/** Floats an operand spans over the batch: (batch − 1)·stride + one item. */
function span(batch: number, stride: number, item: number): number {
  return (batch - 1) * stride + item;
}

/**
 * A {@link BlasAddon} computing on `backend`'s heap with the WebAssembly SIMD GEMM, or null where this engine has no
 * WebAssembly SIMD or the backend's memory is not reachable (another tfjs version).
 */
export function makeWasmGemmBlas(
  backend: BackendWasm,
  shape: GemmShape = DEFAULT_SHAPE,
  lane2: LaneOptions = {},
): BlasAddon | null {
  const made = tryWasmGemmBlas(backend, shape, lane2);
  return "reason" in made ? null : made.blas;
}

/** {@link makeWasmGemmBlas}, saying why when it cannot (for the status line). */
export function tryWasmGemmBlas(
  backend: BackendWasm,
  shape: GemmShape = DEFAULT_SHAPE,
  lane2: LaneOptions = {},
): { blas: BlasAddon } | { reason: string } {
  const memory = wasmMemory(backend);
  if (memory === null) return { reason: "the wasm backend's memory is not reachable (another tfjs version?)" };
  let gemm: GemmExports;
  try {
    gemm = instantiateGemm(memory, shape);
  } catch (err) {
    return { reason: `our wasm GEMM did not compile here: ${(err as Error).message}` };
  }
  const MR = shape.mr;
  let lanes = 1;
  let lane: Lane | null = null;
  let laneProblem: string | null = null;
  const scratch = { ptr: 0, bytes: 0 };
  /** Byte offset of `bytes` of scratch on the tfjs heap (16-aligned), allocated once and grown by doubling. */
  const scratchFor = (bytes: number): number => {
    if (bytes > scratch.bytes) {
      if (scratch.ptr !== 0) heapFree(backend, scratch.ptr);
      const want = Math.max(bytes, 2 * scratch.bytes, 1 << 16);
      scratch.ptr = heapMalloc(backend, want);
      scratch.bytes = want;
    }
    return scratch.ptr;
  };
  const startLane = (): void => {
    if (lane !== null || laneProblem !== null) return;
    const worker = lane2.workerScript ?? join(__dirname, "wasm-gemm-worker.js");
    if (!existsSync(worker)) {
      laneProblem = `the lane's worker script is missing (${worker})`;
      return;
    }
    try {
      lane = new Lane(compile(gemmModuleBytes(shape, LANE_MAX_PAGES)), MR, worker, lane2.timeoutMs ?? LANE_TIMEOUT_MS);
    } catch (err) {
      laneProblem = `the second product lane could not start: ${(err as Error).message}`;
    }
  };
  /** Runs params block o on this thread (scratch already reserved), then its epilogue. */
  const runHere = (params: Float64Array, o: number, base: number): void => {
    const H = new Float32Array(memory.buffer);
    runProduct(gemm, MR, productOf(params, o), base, H);
    blockEpilogue(H, params, o);
  };
  const scratchOf = (params: Float64Array, o: number): number =>
    scratchBytes(MR, params[o + P.M] as number, params[o + P.N] as number, params[o + P.K] as number);
  const blas: BlasAddon = {
    rowInvariant: true, // one float32 sum in k order per element, whatever the tile (test/engine/wasm-gemm.test.ts)
    sgemm(heap: ArrayBuffer, params: Float64Array, blocks = 1): void {
      // the memory is ours (its current buffer is read after any scratch allocation); a heap from elsewhere means a
      // caller on another wasm backend instance, whose tensors this GEMM cannot see
      // (a buffer of this memory from before a growth is detached: byteLength 0)
      if (heap !== memory.buffer && heap.byteLength !== 0) {
        throw new Error(
          "sgemm: the heap passed is not the wasm backend memory this GEMM was set up on (after re-creating the wasm backend, call uninstallNativeKernels() and installNativeKernels())",
        );
      }
      if (!Number.isInteger(blocks) || blocks < 1 || params.length < blocks * P.COUNT) {
        throw new Error(`sgemm: ${blocks} blocks need ${blocks * P.COUNT} params, got ${params.length}`);
      }
      for (let b = 0; b < blocks; b++) checkBlock(params, b * P.COUNT, memory.buffer.byteLength);
      // Two lanes: the largest blocks first, each to the lane with less work so far (greedy), small ones here.
      const mine: number[] = [],
        theirs: number[] = [];
      const useLane = lanes === 2 && blocks > 1 && lane !== null && lane.ready;
      if (useLane) {
        const order = Array.from({ length: blocks }, (_, b) => b * P.COUNT);
        order.sort((x, y) => blockWork(params, y) - blockWork(params, x));
        let wMine = 0,
          wLane = 0;
        for (const o of order) {
          const w = blockWork(params, o);
          if (wMine <= wLane || w < LANE_MIN_WORK || theirs.length >= MAX_JOBS) {
            mine.push(o);
            wMine += w;
          } else {
            theirs.push(o);
            wLane += w;
          }
        }
        mine.sort((x, y) => x - y);
      } else {
        for (let b = 0; b < blocks; b++) mine.push(b * P.COUNT);
      }
      const base = scratchFor(Math.max(0, ...mine.map((o) => scratchOf(params, o))));
      if (theirs.length === 0 || lane === null) {
        for (const o of mine) runHere(params, o, base);
        return;
      }
      // Copy the lane's operands into its memory (after the scratch allocation above: the heap may have grown).
      const L = lane;
      const jobs: Product[] = [],
        operandFloats: Array<[number, number]> = [];
      let cursor = CTL_BYTES;
      const place = (floats: number): number => {
        const at = cursor;
        cursor += 4 * floats + ((16 - ((4 * floats) % 16)) % 16);
        return at;
      };
      for (const o of theirs) {
        const p = productOf(params, o);
        const aFloats = p.k === 0 ? 0 : span(p.batch, p.strideA, p.m * p.k),
          bFloats = p.k === 0 ? 0 : span(p.batch, p.strideB, p.k * p.n);
        jobs.push({ ...p, a: place(aFloats), b: place(bFloats), c: place(p.batch * p.m * p.n) });
        operandFloats.push([aFloats, bFloats]);
      }
      const laneScratch = cursor;
      try {
        L.reserve(laneScratch + Math.max(...theirs.map((o) => scratchOf(params, o))));
      } catch {
        // more than the lane's memory may hold (LANE_MAX_PAGES): this call runs whole on this thread
        const all = scratchFor(Math.max(...[...mine, ...theirs].map((o) => scratchOf(params, o))));
        for (let b = 0; b < blocks; b++) runHere(params, b * P.COUNT, all);
        return;
      }
      const H = new Float32Array(memory.buffer),
        LH = new Float32Array(L.memory.buffer);
      theirs.forEach((o, i) => {
        const p = productOf(params, o),
          j = jobs[i] as Product;
        const [aFloats, bFloats] = operandFloats[i] as [number, number];
        LH.set(H.subarray(p.a / 4, p.a / 4 + aFloats), j.a / 4);
        LH.set(H.subarray(p.b / 4, p.b / 4 + bFloats), j.b / 4);
        writeJob(L.ctl, i, j);
      });
      L.post(jobs.length, laneScratch);
      for (const o of mine) runHere(params, o, base);
      try {
        L.wait();
      } catch (err) {
        // the worker died or stopped answering: its blocks run here, and from now on every block does
        laneProblem = (err as Error).message;
        L.stop();
        lane = null;
        lanes = 1;
        process.emitWarning(`${laneProblem}; products continue on one lane`, { code: "VirelProductLane" });
        const more = scratchFor(Math.max(...theirs.map((o) => scratchOf(params, o))));
        for (const o of theirs) runHere(params, o, more);
        return;
      }
      const H2 = new Float32Array(memory.buffer);
      theirs.forEach((o, i) => {
        const p = productOf(params, o),
          j = jobs[i] as Product;
        const floats = p.batch * p.m * p.n;
        H2.set(LH.subarray(j.c / 4, j.c / 4 + floats), p.c / 4);
        blockEpilogue(H2, params, o);
      });
    },
    setLanes(n: number): void {
      if (n !== 1 && n !== 2) throw new Error(`setLanes: expected 1 or 2, got ${String(n)}`);
      lanes = n;
      if (n === 2) startLane();
    },
    setThreads: () => false,
    close(): void {
      lane?.stop();
      lane = null;
      lanes = 1;
      if (scratch.ptr !== 0) heapFree(backend, scratch.ptr);
      scratch.ptr = 0;
      scratch.bytes = 0;
    },
    info: () => ({
      library: `wasm-simd (virel ${MR}×8 micro-kernel)`,
      threads: 1,
      lanes: lanes === 2 && laneProblem === null && lane?.broken == null ? 2 : 1,
      laneBlocks: lane?.run ?? 0,
    }),
  };
  return { blas };
}
