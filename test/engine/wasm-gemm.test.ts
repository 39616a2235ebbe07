/**
 * The pure wasm path's own SIMD GEMM (src/engine/wasm-gemm.ts): bit-exact against a float32 sum in k order for
 * every transpose mode, odd shapes (edge tiles, k not a multiple of 4) and every micro-kernel shape the generator
 * accepts; row invariance (a row alone gives the bits it gets inside a batch); the params checks of its
 * BlasAddon face; and no heap growth from repeated products.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { Rng } from "../../src/rng";
import { DEFAULT_SHAPE, gemmModuleBytes, instantiateGemm, NR, pack } from "../../src/engine/wasm-gemm";
import { makeWasmGemmBlas } from "../../src/engine/wasm-gemm-blas";
import type { GemmExports, GemmShape } from "../../src/engine/wasm-gemm";
import { PARAM } from "../../src/engine/native-addon";
import { CTL } from "../../src/engine/wasm-gemm-lane";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { heapOffset } from "../../src/engine/tfjs-internals";

/** A WebAssembly.Memory (the project compiles without the DOM lib, which declares the constructor). */
interface Memory {
  readonly buffer: ArrayBuffer;
}
function newMemory(pages: number): Memory {
  const { WebAssembly: W } = globalThis as unknown as {
    WebAssembly: { Memory: new (d: { initial: number }) => Memory };
  };
  return new W.Memory({ initial: pages });
}

before(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
});

/** op(A)·op(B) as float32 sums in increasing k, one rounding per multiply and per add. */
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean) {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let kk = 0; kk < k; kk++) {
        const x = ta ? a[kk * m + i]! : a[i * k + kk]!;
        const y = tb ? b[j * k + kk]! : b[kk * n + j]!;
        s = Math.fround(s + Math.fround(x * y));
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

/** Runs the module's packs and kernel on its own memory; returns C. */
function product(
  g: GemmExports,
  shape: GemmShape,
  memory: Memory,
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
): Float32Array {
  const mr = shape.mr;
  const A = 64,
    B = A + 4 * a.length + 4, // B and C deliberately not 16-aligned
    C = B + 4 * b.length + 8,
    PA = C + 4 * m * n + 16,
    PB = PA + Math.ceil(m / mr) * mr * k * 4,
    EDGE = PB + Math.ceil(n / NR) * NR * k * 4;
  const heap = new Float32Array(memory.buffer);
  heap.fill(Number.NaN); // anything the kernel fails to write stays NaN
  heap.set(a, A / 4);
  heap.set(b, B / 4);
  pack({ scalar: g.packScalarA, copy: g.packCopyA, t: g.packTA }, mr, A, ta ? 4 : 4 * k, ta ? 4 * m : 4, m, k, PA);
  pack({ scalar: g.packScalarB, copy: g.packCopyB, t: g.packTB }, NR, B, tb ? 4 * k : 4, tb ? 4 : 4 * n, n, k, PB);
  g.kernel(PA, PB, C, m, n, k, 4 * n, EDGE);
  return new Float32Array(memory.buffer, C, m * n).slice();
}

function bitsEqual(got: Float32Array, want: Float32Array, label: string): void {
  assert.equal(got.length, want.length, `${label}: length`);
  const gi = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const wi = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let e = 0; e < got.length; e++) {
    if (gi[e] !== wi[e]) assert.fail(`${label}: element ${e} is ${got[e]}, the k-order float32 sum is ${want[e]}`);
  }
}

test("the GEMM gives the bits of a float32 sum in k order: every transpose mode, edge tiles, odd k", () => {
  const rng = new Rng("wasm-gemm-exact");
  const memory = newMemory(64);
  const g = instantiateGemm(memory);
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1],
    [4, 8, 4],
    [5, 9, 3],
    [7, 13, 23],
    [17, 6, 256],
    [64, 12, 17],
    [33, 1, 40],
    [256, 256, 32],
  ];
  for (const [m, n, k] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = rng.fillNormal(new Float32Array(m * k)),
          b = rng.fillNormal(new Float32Array(k * n));
        const label = `${m}×${n}×${k} ta=${ta} tb=${tb}`;
        bitsEqual(product(g, DEFAULT_SHAPE, memory, a, b, m, n, k, ta, tb), reference(a, b, m, n, k, ta, tb), label);
      }
    }
  }
});

test("every micro-kernel shape the generator accepts gives the same bits; it refuses the others", () => {
  const rng = new Rng("wasm-gemm-shapes");
  const memory = newMemory(16);
  const [m, n, k] = [11, 19, 29];
  const a = rng.fillNormal(new Float32Array(m * k)),
    b = rng.fillNormal(new Float32Array(k * n));
  const want = reference(a, b, m, n, k, false, true);
  for (const mr of [1, 2, 3, 4, 5, 6]) {
    for (const unroll of [1, 2, 4, 8]) {
      const shape = { mr, unroll };
      bitsEqual(
        product(instantiateGemm(memory, shape), shape, memory, a, b, m, n, k, false, true),
        want,
        `mr ${mr} unroll ${unroll}`,
      );
    }
  }
  assert.throws(() => gemmModuleBytes({ mr: 7, unroll: 1 }), /mr must be an integer in 1\.\.6, got 7/);
  assert.throws(() => gemmModuleBytes({ mr: 4, unroll: 3 }), /unroll must be 1, 2, 4 or 8, got 3/);
});

test("row invariance: each row multiplied alone gives the bits it gets inside the batch", () => {
  const rng = new Rng("wasm-gemm-rows");
  const memory = newMemory(64);
  const g = instantiateGemm(memory);
  const [m, n, k] = [13, 24, 37];
  const a = rng.fillNormal(new Float32Array(m * k)),
    b = rng.fillNormal(new Float32Array(k * n));
  const all = product(g, DEFAULT_SHAPE, memory, a, b, m, n, k, false, false);
  for (let i = 0; i < m; i++) {
    const row = product(g, DEFAULT_SHAPE, memory, a.slice(i * k, (i + 1) * k), b, 1, n, k, false, false);
    bitsEqual(row, all.slice(i * n, (i + 1) * n), `row ${i}`);
  }
});

test("as a BlasAddon: a batched product with bias and relu on the tfjs heap, params checked, no heap growth", () => {
  const backend = tf.backend() as BackendWasm;
  const blas = makeWasmGemmBlas(backend);
  assert.ok(blas !== null, "WebAssembly SIMD is available in this Node");
  const rng = new Rng("wasm-gemm-addon");
  const [batch, m, n, k] = [2, 5, 6, 7];
  const aData = rng.fillNormal(new Float32Array(batch * m * k)),
    bData = rng.fillNormal(new Float32Array(k * n)),
    biasData = rng.fillNormal(new Float32Array(n));
  const a = tf.tensor3d(aData, [batch, m, k]),
    b = tf.tensor2d(bData, [k, n]),
    bias = tf.tensor1d(biasData),
    c = tf.zeros([batch, m, n]);
  const params = new Float64Array(PARAM.COUNT);
  const fill = (): void => {
    params.fill(0);
    params[PARAM.M] = m;
    params[PARAM.N] = n;
    params[PARAM.K] = k;
    params[PARAM.A_OFF] = heapOffset(backend, a);
    params[PARAM.B_OFF] = heapOffset(backend, b);
    params[PARAM.C_OFF] = heapOffset(backend, c);
    params[PARAM.BATCH] = batch;
    params[PARAM.A_STRIDE] = m * k;
    params[PARAM.B_STRIDE] = 0; // b broadcast over the batch
    params[PARAM.BIAS_OFF] = heapOffset(backend, bias);
    params[PARAM.BIAS_SN] = 1;
    params[PARAM.ACT] = 1; // relu
    params[PARAM.PRELU_OFF] = -1;
  };
  fill();
  const heap = (): ArrayBuffer =>
    (backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer as ArrayBuffer;
  blas!.sgemm(heap(), params);
  const got = (c.dataSync() as Float32Array).slice();
  for (let t = 0; t < batch; t++) {
    const prod = reference(aData.subarray(t * m * k, (t + 1) * m * k), bData, m, n, k, false, false);
    const want = prod.map((x, e) => Math.max(Math.fround(x + biasData[e % n]!), 0));
    bitsEqual(got.slice(t * m * n, (t + 1) * m * n), want, `item ${t}`);
  }
  const bytes = heap().byteLength;
  for (let r = 0; r < 50; r++) blas!.sgemm(heap(), params);
  assert.equal(heap().byteLength, bytes, "repeated products do not grow the heap");
  // bad params: refused before anything is written
  params[PARAM.C_OFF] = bytes - 8;
  assert.throws(() => blas!.sgemm(heap(), params), /sgemm: the output lies outside the wasm heap/);
  fill();
  params[PARAM.ACT] = 9;
  assert.throws(() => blas!.sgemm(heap(), params), /unknown activation code 9/);
  fill();
  params[PARAM.K] = -1;
  assert.throws(() => blas!.sgemm(heap(), params), /non-negative 32-bit sizes/);
  assert.throws(() => blas!.sgemm(heap(), params, 2), /2 blocks need 42 params, got 21/);
  fill();
  assert.throws(() => blas!.sgemm(new ArrayBuffer(64), params), /not the wasm backend memory this GEMM was set up on/);
  fill();
  params[PARAM.A_STRIDE] = -1;
  assert.throws(() => blas!.sgemm(heap(), params), /the a stride must be non-negative 32-bit integers, got -1/);
  // a buffer of this heap from before it grew (detached) is accepted: the GEMM reads the memory's current one
  fill();
  const stale = heap();
  const ballast: tf.Tensor[] = [];
  while (stale.byteLength !== 0 && ballast.length < 64) ballast.push(tf.zeros([1 << 20]));
  assert.equal(stale.byteLength, 0, "the heap grew");
  (c.dataSync() as Float32Array).fill(Number.NaN);
  blas!.sgemm(stale, params);
  bitsEqual((c.dataSync() as Float32Array).slice(), got, "after the heap grew");
  for (const t of ballast) t.dispose();
  for (const x of [a, b, bias, c]) x.dispose();
});

/** Five params blocks (four of 2^21+ multiply-adds, which may leave this thread, one small one) and their outputs. */
function laneBlocks(backend: BackendWasm, seed: string) {
  const rng = new Rng(seed);
  const shapes: Array<[number, number, number, number]> = [
    [1, 160, 128, 128],
    [1, 128, 144, 128],
    [2, 96, 128, 96], // a batch of 2 with b shared (stride 0)
    [1, 136, 128, 128],
    [1, 8, 8, 8],
  ];
  const tensors: tf.Tensor[] = [];
  const params = new Float64Array(shapes.length * PARAM.COUNT);
  const outs: tf.Tensor[] = [];
  shapes.forEach(([batch, m, n, k], i) => {
    const a = tf.tensor(rng.fillNormal(new Float32Array(batch * m * k)), [batch, k, m]); // transposed A
    const b = tf.tensor(rng.fillNormal(new Float32Array(n * k)), [n, k]); // transposed B
    const bias = tf.tensor(rng.fillNormal(new Float32Array(n)), [n]);
    const c = tf.zeros([batch, m, n]);
    tensors.push(a, b, bias);
    outs.push(c);
    const o = i * PARAM.COUNT;
    params[o + PARAM.M] = m;
    params[o + PARAM.N] = n;
    params[o + PARAM.K] = k;
    params[o + PARAM.TRANS_A] = 1;
    params[o + PARAM.TRANS_B] = 1;
    params[o + PARAM.A_OFF] = heapOffset(backend, a);
    params[o + PARAM.B_OFF] = heapOffset(backend, b);
    params[o + PARAM.C_OFF] = heapOffset(backend, c);
    params[o + PARAM.BATCH] = batch;
    params[o + PARAM.A_STRIDE] = m * k;
    params[o + PARAM.B_STRIDE] = 0;
    params[o + PARAM.BIAS_OFF] = i % 2 === 0 ? heapOffset(backend, bias) : -1;
    params[o + PARAM.BIAS_SN] = 1;
    params[o + PARAM.ACT] = i % 2 === 0 ? 1 : 0;
    params[o + PARAM.PRELU_OFF] = -1;
  });
  const heap = (): ArrayBuffer =>
    (backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer as ArrayBuffer;
  const dispose = (): void => {
    for (const t of [...tensors, ...outs]) t.dispose();
  };
  return { params, outs, count: shapes.length, heap, dispose };
}

test("two lanes: the worker runs some blocks of one call, every block's bits equal the one-lane run's", async () => {
  const backend = tf.backend() as BackendWasm;
  const blas = makeWasmGemmBlas(backend)!;
  const { params, outs, count, heap, dispose } = laneBlocks(backend, "wasm-gemm-lanes");
  blas.setLanes!(1);
  blas.sgemm(heap(), params, count);
  const one = outs.map((c) => (c.dataSync() as Float32Array).slice());
  blas.setLanes!(2);
  assert.equal(blas.info().lanes, 2);
  // the worker starts in the background: until it is ready every block runs here
  const deadline = Date.now() + 20_000;
  while ((blas.info().laneBlocks ?? 0) === 0 && Date.now() < deadline) {
    for (const c of outs) (c.dataSync() as Float32Array).fill(Number.NaN);
    blas.sgemm(heap(), params, count);
    if ((blas.info().laneBlocks ?? 0) === 0) await new Promise((r) => setTimeout(r, 20));
  }
  const ran = blas.info().laneBlocks ?? 0;
  assert.ok(ran >= 1 && ran <= 4, `the worker ran ${ran} of the 4 large blocks (the small one stays)`);
  outs.forEach((c, i) => bitsEqual(c.dataSync() as Float32Array, one[i]!, `block ${i} on two lanes`));
  blas.close!();
  assert.equal(blas.info().lanes, 1);
  dispose();
});

test("a second lane that stops answering: its blocks run here after the timeout, with a warning; one lane after", async () => {
  const backend = tf.backend() as BackendWasm;
  const dir = mkdtempSync(join(tmpdir(), "virel-lane-"));
  // a worker that says it is ready, then hangs (5 s) without running anything
  const script = join(dir, "stuck-lane.js");
  writeFileSync(
    script,
    'const { workerData } = require("node:worker_threads");\n' +
      "const ctl = new Int32Array(workerData.memory.buffer, 0, 16);\n" +
      `Atomics.store(ctl, ${CTL.READY}, 1);\n` +
      "Atomics.wait(ctl, 15, 0, 5000);\n",
  );
  const blas = makeWasmGemmBlas(backend, undefined, { workerScript: script, timeoutMs: 300 })!;
  const good = makeWasmGemmBlas(backend)!;
  const { params, outs, count, heap, dispose } = laneBlocks(backend, "wasm-gemm-dead-lane");
  good.sgemm(heap(), params, count);
  const want = outs.map((c) => (c.dataSync() as Float32Array).slice());
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on("warning", onWarning);
  blas.setLanes!(2);
  await new Promise((r) => setTimeout(r, 500)); // the fake worker starts, marks itself ready and hangs
  for (const c of outs) (c.dataSync() as Float32Array).fill(Number.NaN);
  blas.sgemm(heap(), params, count);
  outs.forEach((c, i) => bitsEqual(c.dataSync() as Float32Array, want[i]!, `block ${i} after the lane failed`));
  assert.equal(blas.info().lanes, 1, "back to one lane");
  await new Promise((r) => setImmediate(r));
  process.off("warning", onWarning);
  assert.ok(
    warnings.some((w) => /did not answer in 0\.3 s; products continue on one lane/.test(w)),
    warnings.join("\n"),
  );
  blas.close!();
  good.close!();
  dispose();
  rmSync(dir, { recursive: true, force: true });
});
