/**
 * The native CBLAS matmul kernels (src/engine/native*.ts, native/): equivalence with the stock wasm kernels and
 * with a float64 reference on random shapes, all transpose modes, broadcast batches, fused bias/activations and
 * gradients; heap growth; no leaks; bounds checks in the addon; and the pure wasm path (VIREL_NATIVE=0) in a
 * child process.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { Rng } from "../../src/rng";
import {
  addonPath,
  installNativeKernels,
  missingBuildPrerequisite,
  loadAddon,
  nativeCounters,
  nativeStatus,
  uninstallNativeKernels,
  wasmGemmCounters,
} from "../../src/engine/native";
import { stockFusedBiasIsWrong } from "../../src/engine/wasm-fused-matmul-fix";
import { MIN_SIDE, transposeCounters } from "../../src/engine/wasm-explicit-transpose";

const RTOL = 1e-4;
let nativeLoaded = false;
let nativeReason = "";

before(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
  const status = installNativeKernels();
  nativeLoaded = status.loaded;
  nativeReason = status.reason ?? "";
});

interface Result {
  shape: number[];
  data: Float32Array;
}

/**
 * Runs `f` on another kernel set, then puts the native kernels back: "stock" = tfjs-backend-wasm's own kernels,
 * untouched; "wasm" = the pure wasm path as installNativeKernels({ native: false }) sets it up (products in our
 * wasm SIMD GEMM); "xnnpack" = the pure wasm path with XNNPACK's products (`wasmGemm: false`).
 */
function withKernels<T>(kind: "stock" | "wasm" | "xnnpack", f: () => T): T {
  if (kind === "stock") uninstallNativeKernels();
  else if (kind === "wasm") assert.equal(installNativeKernels({ native: false }).wasmGemm, true, "our wasm GEMM is on");
  else assert.equal(installNativeKernels({ native: false, wasmGemm: false }).wasmGemm, false);
  try {
    return f();
  } finally {
    uninstallNativeKernels();
    assert.equal(installNativeKernels().loaded, nativeLoaded);
  }
}

/** Runs `f` and returns how many products the native kernels served meanwhile. */
function countNative(f: () => void): number {
  const before = nativeCounters.native;
  f();
  return nativeCounters.native - before;
}

function run(f: () => tf.Tensor): Result {
  return tf.tidy(() => {
    const t = f();
    return { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
  });
}

function assertClose(got: Result, want: Result | { shape: number[]; data: ArrayLike<number> }, label: string): void {
  assert.deepEqual(got.shape, want.shape, `${label}: shape`);
  assert.equal(got.data.length, want.data.length, `${label}: size`);
  for (let i = 0; i < got.data.length; i++) {
    const g = got.data[i] as number,
      w = want.data[i] as number;
    if (!(Math.abs(g - w) <= RTOL * (1 + Math.abs(w)))) {
      assert.fail(`${label}: element ${i} is ${g}, expected ${w}`);
    }
  }
}

/** Float64 reference of tfjs matMul semantics (broadcast batch dims, row-major). */
function refMatMul(
  a: ArrayLike<number>,
  aShape: number[],
  b: ArrayLike<number>,
  bShape: number[],
  ta: boolean,
  tb: boolean,
): { shape: number[]; data: Float64Array } {
  const ra = aShape.length,
    rb = bShape.length;
  const m = (ta ? aShape[ra - 1] : aShape[ra - 2]) as number,
    k = (ta ? aShape[ra - 2] : aShape[ra - 1]) as number;
  const n = (tb ? bShape[rb - 2] : bShape[rb - 1]) as number;
  const oa = aShape.slice(0, -2),
    ob = bShape.slice(0, -2);
  const rank = Math.max(oa.length, ob.length);
  const pa = new Array<number>(rank - oa.length).fill(1).concat(oa);
  const pb = new Array<number>(rank - ob.length).fill(1).concat(ob);
  const outDims = pa.map((d, i) => Math.max(d, pb[i] as number));
  const batch = outDims.reduce((x, y) => x * y, 1);
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    let rem = t,
      ia = 0,
      ib = 0,
      sa = 1,
      sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % (outDims[d] as number);
      rem = Math.floor(rem / (outDims[d] as number));
      ia += (pa[d] === 1 ? 0 : idx) * sa;
      ib += (pb[d] === 1 ? 0 : idx) * sb;
      sa *= pa[d] as number;
      sb *= pb[d] as number;
    }
    const A = ia * m * k,
      B = ib * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          const av = a[A + (ta ? q * m + i : i * k + q)] as number;
          const bv = b[B + (tb ? j * k + q : q * n + j)] as number;
          s += av * bv;
        }
        out[t * m * n + i * n + j] = s;
      }
    }
  }
  return { shape: [...outDims, m, n], data: out };
}

function randomTensor(rng: Rng, shape: number[]): { t: tf.Tensor; data: Float32Array } {
  const data = rng.fillNormal(new Float32Array(shape.reduce((x, y) => x * y, 1)));
  return { t: tf.tensor(data, shape), data };
}

function matShape(rows: number, cols: number, transposed: boolean): number[] {
  return transposed ? [cols, rows] : [rows, cols];
}

test("native kernels load where a CBLAS and build tools are installed, and report the library", () => {
  const missing = missingBuildPrerequisite();
  if (missing === null) {
    assert.equal(
      nativeLoaded,
      true,
      `native kernels did not load: ${nativeReason} (run node scripts/build-native.mjs)`,
    );
    assert.match(nativeStatus().library ?? "", /blas|accelerate/i);
    assert.equal(existsSync(addonPath()), true);
  } else {
    assert.equal(nativeLoaded, false);
    assert.match(nativeReason, /not built|does not load/);
  }
});

test("BatchMatMul: random shapes, all transpose modes and broadcast batches match the stock kernel and float64 (native and pure wasm path)", () => {
  const rng = new Rng("native-batchmatmul");
  const batchPairs: Array<[number[], number[]]> = [
    [[], []],
    [[3], [3]],
    [[4], []],
    [[], [2]],
    [[1], [5]],
    [
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [3]],
    [
      [2, 1],
      [1, 3],
    ],
  ];
  for (const [batchA, batchB] of batchPairs) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const m = 1 + rng.int(33),
          n = 1 + rng.int(33),
          k = 1 + rng.int(40);
        const A = randomTensor(rng, [...batchA, ...matShape(m, k, ta)]);
        const B = randomTensor(rng, [...batchB, ...matShape(k, n, tb)]);
        const label = `a ${A.t.shape} b ${B.t.shape} ta=${ta} tb=${tb}`;
        let got: Result | undefined;
        const calls = countNative(() => (got = run(() => tf.matMul(A.t, B.t, ta, tb))));
        if (nativeLoaded) assert.equal(calls, 1, `${label}: ran natively`);
        assertClose(got as Result, refMatMul(A.data, A.t.shape, B.data, B.t.shape, ta, tb), `${label} vs float64`);
        // The stock kernel mis-sizes its output for mixed broadcasts like [2,1] × [1,3]; compare the rest.
        const mixed =
          batchA.length > 0 &&
          batchB.length > 0 &&
          batchA.some((d, i) => d !== batchB[i] && d !== 1) &&
          batchB.some((d, i) => d !== batchA[i] && d !== 1);
        if (!mixed) {
          const stock = withKernels("stock", () => run(() => tf.matMul(A.t, B.t, ta, tb)));
          assertClose(got as Result, stock, `${label} vs stock`);
          const explicit = transposeCounters.explicit;
          const xnnpack = withKernels("xnnpack", () => run(() => tf.matMul(A.t, B.t, ta, tb)));
          assertClose(xnnpack, stock, `${label}: pure wasm path (XNNPACK) vs stock`);
          const explicitWanted = (ta || tb) && Math.min(m, n) >= MIN_SIDE ? 1 : 0;
          assert.equal(transposeCounters.explicit - explicit, explicitWanted, `${label}: explicit transposes`);
          let served = 0;
          const pure = withKernels("wasm", () => {
            const before = wasmGemmCounters.native;
            const r = run(() => tf.matMul(A.t, B.t, ta, tb));
            served = wasmGemmCounters.native - before;
            return r;
          });
          assert.equal(served, 1, `${label}: our wasm GEMM served it`);
          assertClose(pure, stock, `${label}: pure wasm path (our GEMM) vs stock`);
        }
        A.t.dispose();
        B.t.dispose();
      }
    }
  }
});

test("a 256×256 product agrees with float64 to 1e-4 relative in every transpose mode", () => {
  const rng = new Rng("native-256");
  const A = randomTensor(rng, [256, 256]),
    B = randomTensor(rng, [256, 256]);
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const got = run(() => tf.matMul(A.t, B.t, ta, tb));
      assertClose(got, refMatMul(A.data, [256, 256], B.data, [256, 256], ta, tb), `256³ ta=${ta} tb=${tb}`);
    }
  }
  A.t.dispose();
  B.t.dispose();
});

/** Float64 reference of act(x) as tfjs defines it. */
function refActivation(x: number, act: string, alpha: number, w: number): number {
  switch (act) {
    case "linear":
      return x;
    case "relu":
      return Math.max(0, x);
    case "relu6":
      return Math.min(6, Math.max(0, x));
    case "leakyrelu":
      return x < 0 ? alpha * x : x;
    case "prelu":
      return x < 0 ? w * x : x;
    case "sigmoid":
      return 1 / (1 + Math.exp(-x));
    case "elu":
      return x > 0 ? x : Math.expm1(x);
    default:
      throw new Error(`unknown activation ${act}`);
  }
}

/** Broadcast read of `data` (shape `shape`) at output index [t, i, j] of a [batch, m, n] result. */
function at(data: ArrayLike<number>, shape: number[], t: number, i: number, j: number): number {
  const s = new Array<number>(3 - shape.length).fill(1).concat(shape);
  const [sb, sm, sn] = s as [number, number, number];
  return data[((sb === 1 ? 0 : t) * sm + (sm === 1 ? 0 : i)) * sn + (sn === 1 ? 0 : j)] as number;
}

test("_FusedMatMul: bias shapes and every fused activation match float64 (native, the pure wasm path's own GEMM; XNNPACK for rank-1 bias)", () => {
  const rng = new Rng("native-fused");
  const batch = 3,
    m = 7,
    n = 5,
    k = 6;
  const biasShapes = [[n], [1], [m, n], [1, n], [m, 1], [batch, 1, n]];
  const activations = ["linear", "relu", "relu6", "leakyrelu", "prelu", "sigmoid", "elu"];
  for (const act of activations) {
    for (const biasShape of biasShapes) {
      const ta = rng.uniform() < 0.5,
        tb = rng.uniform() < 0.5;
      const A = randomTensor(rng, [batch, ...matShape(m, k, ta)]);
      const B = randomTensor(rng, [batch, ...matShape(k, n, tb)]);
      const bias = randomTensor(rng, biasShape);
      const preluShape = biasShape.length === 3 ? [m, n] : [n];
      const w = randomTensor(rng, preluShape);
      const alpha = 0.3;
      const fused = (): tf.Tensor =>
        tf.fused.matMul({
          a: A.t as tf.Tensor3D,
          b: B.t as tf.Tensor3D,
          transposeA: ta,
          transposeB: tb,
          bias: bias.t,
          activation: act as tf.fused.Activation,
          leakyreluAlpha: alpha,
          preluActivationWeights: act === "prelu" ? w.t : undefined,
        });
      const label = `${act} bias ${biasShape} ta=${ta} tb=${tb}`;
      let got: Result | undefined;
      const calls = countNative(() => (got = run(fused)));
      if (nativeLoaded) assert.equal(calls, 1, `${label}: ran natively`);
      const prod = refMatMul(A.data, A.t.shape, B.data, B.t.shape, ta, tb);
      const want = new Float64Array(prod.data.length);
      for (let t = 0; t < batch; t++) {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const e = (t * m + i) * n + j;
            const x = (prod.data[e] as number) + at(bias.data, biasShape, t, i, j);
            want[e] = refActivation(x, act, alpha, at(w.data, preluShape, t, i, j));
          }
        }
      }
      assertClose(got as Result, { shape: prod.shape, data: want }, `${label} vs float64`);
      // our wasm GEMM takes every bias broadcast; the XNNPACK path only a rank-1 bias
      const pure = withKernels("wasm", () => run(fused));
      assertClose(pure, { shape: prod.shape, data: want }, `${label}: pure wasm path (our GEMM) vs float64`);
      if (biasShape.length === 1) {
        const xnnpack = withKernels("xnnpack", () => run(fused));
        assertClose(xnnpack, { shape: prod.shape, data: want }, `${label}: pure wasm path (XNNPACK) vs float64`);
      }
      for (const x of [A, B, bias, w]) x.t.dispose();
    }
  }
});

test("the stock _FusedMatMul is wrong exactly where stockFusedBiasIsWrong says (bias + transpose or batch)", () => {
  const rng = new Rng("native-stock-bug");
  const m = 4,
    n = 5,
    k = 3;
  for (const batch of [1, 2]) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const withBias of [false, true]) {
          const A = randomTensor(rng, [batch, ...matShape(m, k, ta)]),
            B = randomTensor(rng, [batch, ...matShape(k, n, tb)]);
          const bias = randomTensor(rng, [n]);
          const prod = refMatMul(A.data, A.t.shape, B.data, B.t.shape, ta, tb);
          const want = prod.data.map((x, e) => x + (withBias ? (bias.data[e % n] as number) : 0));
          const args = { a: A.t as tf.Tensor3D, b: B.t as tf.Tensor3D, transposeA: ta, transposeB: tb };
          const stock = withKernels("stock", () =>
            run(() => tf.fused.matMul({ ...args, bias: withBias ? bias.t : undefined })),
          );
          let worst = 0;
          stock.data.forEach((g, i) => (worst = Math.max(worst, Math.abs(g - (want[i] as number)))));
          const predicted = stockFusedBiasIsWrong({
            inputs: { a: A.t, b: B.t, ...(withBias ? { bias: bias.t } : {}) },
            backend: tf.backend(),
            attrs: { transposeA: ta, transposeB: tb },
          });
          assert.equal(
            worst > 1e-3,
            predicted,
            `batch ${batch} ta=${ta} tb=${tb} bias=${withBias}: stock error ${worst}`,
          );
          for (const x of [A, B, bias]) x.t.dispose();
        }
      }
    }
  }
});

test("empty products: zero rows give an empty result, an empty inner dimension gives zeros (plus the bias)", () => {
  const empty = run(() => tf.matMul(tf.zeros([0, 3]), tf.zeros([3, 4])));
  assert.deepEqual(empty.shape, [0, 4]);
  if (!nativeLoaded) return; // the stock kernel leaves the k = 0 output uninitialised
  const zeros = run(() => tf.matMul(tf.ones([2, 0]), tf.ones([0, 3]), false, false));
  assert.deepEqual(Array.from(zeros.data), [0, 0, 0, 0, 0, 0]);
  const biased = run(() =>
    tf.fused.matMul({
      a: tf.ones([2, 0]) as tf.Tensor2D,
      b: tf.ones([0, 3]) as tf.Tensor2D,
      bias: tf.tensor1d([1, -2, 3]),
      activation: "relu",
    }),
  );
  assert.deepEqual(Array.from(biased.data), [1, 0, 3, 1, 0, 3]);
});

test("unsupported fused inputs go to the stock kernel, which raises its own error", () => {
  // a [2,3,4,5] · b [5,6] with bias [3,1,6]: valid for tfjs, but the kernel sees a 3-D a [6,4,5], where that bias
  // no longer broadcasts; the native path hands it on, and the stock kernel rejects a rank-3 bias.
  const a = tf.ones([2, 3, 4, 5]),
    b = tf.ones([5, 6]),
    bias = tf.ones([3, 1, 6]);
  const fallbacks = nativeCounters.fallback;
  assert.throws(() => tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor2D, bias }), /rank-1 bias/);
  if (nativeLoaded) assert.equal(nativeCounters.fallback - fallbacks, 1);
  tf.dispose([a, b, bias]);
});

test("gradients through tf.matMul and tf.fused.matMul equal the stock kernels' in every transpose mode", () => {
  const rng = new Rng("native-grads");
  const m = 9,
    n = 4,
    k = 11;
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const A = randomTensor(rng, matShape(m, k, ta)),
        B = randomTensor(rng, matShape(k, n, tb));
      const W = randomTensor(rng, [m, n]),
        bias = randomTensor(rng, [n]);
      for (const act of ["linear", "relu"] as const) {
        const grads = (): Result[] =>
          tf.tidy(() => {
            const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Scalar =>
              tf.add(
                tf.sum(tf.mul(tf.matMul(a, b, ta, tb), W.t)),
                tf.sum(
                  tf.mul(
                    tf.fused.matMul({
                      a: a as tf.Tensor2D,
                      b: b as tf.Tensor2D,
                      transposeA: ta,
                      transposeB: tb,
                      bias: c,
                      activation: act,
                    }),
                    W.t,
                  ),
                ),
              ) as tf.Scalar;
            return tf
              .grads(f)([A.t, B.t, bias.t])
              .map((g) => ({ shape: g.shape.slice(), data: g.dataSync() as Float32Array }));
          });
        const got = grads(),
          want = withKernels("wasm", grads);
        got.forEach((g, i) => assertClose(g, want[i] as Result, `grad ${i} ${act} ta=${ta} tb=${tb}`));
      }
      for (const x of [A, B, W, bias]) x.t.dispose();
    }
  }
});

test("products stay correct when the wasm heap grows (before a call, and inside makeOutput)", () => {
  const backend = tf.backend() as BackendWasm;
  const heapOf = (): ArrayBuffer => (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer as ArrayBuffer;
  const rng = new Rng("native-heap");
  const A = randomTensor(rng, [33, 17]),
    B = randomTensor(rng, [17, 29]);
  const want = refMatMul(A.data, [33, 17], B.data, [17, 29], false, false);
  const heap0 = heapOf();
  // Grow the heap between calls: a tensor larger than the whole current heap.
  const big = tf.zeros([heap0.byteLength / 4 + (1 << 20)]);
  assert.notEqual(heapOf(), heap0, "the heap grew");
  assertClose(
    run(() => tf.matMul(A.t, B.t)),
    want,
    "after growth",
  );
  // Grow it inside the kernel: the output allocation itself exceeds the free heap.
  const heap1 = heapOf();
  const rows = Math.ceil(Math.sqrt(heap1.byteLength / 4)) + 64;
  const u = tf.ones([rows, 1]),
    v = tf.fill([1, rows], 2);
  const outer = tf.matMul(u, v);
  assert.notEqual(heapOf(), heap1, "the output allocation grew the heap");
  const s = outer.sum().dataSync()[0] as number;
  assert.ok(Math.abs(s - 2 * rows * rows) <= 1e-6 * 2 * rows * rows, `sum of the outer product is ${s}`);
  assertClose(
    run(() => tf.matMul(A.t, B.t)),
    want,
    "after in-kernel growth",
  );
  tf.dispose([big, u, v, outer, A.t, B.t]);
});

test("no tensors or heap bytes leak across native products", () => {
  const a = tf.randomNormal([16, 8]),
    b = tf.randomNormal([16, 12]),
    bias = tf.randomNormal([12]);
  const x = (): void => {
    tf.tidy(() => {
      tf.matMul(a, b, true, false);
      tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: true, bias, activation: "relu" });
    });
  };
  x();
  const before = tf.memory();
  for (let i = 0; i < 20; i++) x();
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
  tf.dispose([a, b, bias]);
});

test("the addon refuses operands outside the heap instead of touching memory", () => {
  const loaded = loadAddon();
  if (!("addon" in loaded)) {
    assert.equal(nativeLoaded, false, `addon does not load: ${loaded.reason}`);
    return;
  }
  const heap = new ArrayBuffer(64); // 16 floats
  const p = new Float64Array(21);
  p.set([2, 2, 2, 0, 0, 0, 16, 32, 1, 0, 0, -1, 0, 0, 0, 0, 0, -1, 0, 0, 0]); // a@0, b@16, c@32: fits
  loaded.addon.sgemm(heap, p);
  p[7] = 56; // c would end at byte 72 > 64
  assert.throws(() => loaded.addon.sgemm(heap, p), /output lies outside the wasm heap/);
  p[7] = 32;
  p[8] = 3; // three batch items of a with stride 4 run past the end
  p[9] = 4;
  assert.throws(() => loaded.addon.sgemm(heap, p), /outside the wasm heap/);
  assert.throws(() => loaded.addon.sgemm(heap, new Float64Array(3)), /Float64Array of length/);
});

test("the addon's blocks: several products in one call, all checked first, the same results on one or two lanes", () => {
  const loaded = loadAddon();
  if (!("addon" in loaded)) {
    assert.equal(nativeLoaded, false, `addon does not load: ${loaded.reason}`);
    return;
  }
  const { addon } = loaded;
  if (!addon.setLanes)
    return assert.fail("the built addon has no setLanes: rebuild it (node scripts/build-native.mjs)");
  // four 128×128×128 products (2·2²¹ multiply-adds each, above the hand-off threshold) on one heap
  const n = 128,
    sz = n * n;
  const heap = new ArrayBuffer(4 * 12 * sz);
  const f = new Float32Array(heap);
  const rng = new Rng(7);
  for (let i = 0; i < 8 * sz; i++) f[i] = rng.normal();
  const params = new Float64Array(4 * 21);
  for (let b = 0; b < 4; b++) {
    // C_b = A_b · B_b (A_b transposed for odd b), A_b at 2b·sz, B_b at (2b+1)·sz, C_b at (8+b)·sz
    params.set(
      [
        n,
        n,
        n,
        b % 2,
        0,
        4 * 2 * b * sz,
        4 * (2 * b + 1) * sz,
        4 * (8 + b) * sz,
        1,
        0,
        0,
        -1,
        0,
        0,
        0,
        0,
        0,
        -1,
        0,
        0,
        0,
      ],
      21 * b,
    );
  }
  const results: Float32Array[] = [];
  for (const lanes of [1, 2]) {
    addon.setLanes(lanes);
    f.fill(0, 8 * sz);
    const ran = addon.info().laneBlocks ?? 0;
    addon.sgemm(heap, params, 4);
    if (lanes === 2) assert.ok((addon.info().laneBlocks ?? 0) > ran, "two lanes: the worker thread ran blocks");
    results.push(f.slice(8 * sz));
  }
  addon.setLanes(1);
  assert.deepEqual(results[1], results[0], "two lanes give the one-lane results bit for bit");
  // and they are the products: C_3 = A_3ᵀ · B_3 against float64 at a few entries
  for (const [i, j] of [
    [0, 0],
    [5, 77],
    [127, 127],
  ] as const) {
    let ref = 0;
    for (let k = 0; k < n; k++) ref += f[6 * sz + k * n + i]! * f[7 * sz + k * n + j]!;
    assert.ok(Math.abs(results[0]![3 * sz + i * n + j]! - ref) <= 1e-4 * Math.max(1, Math.abs(ref)));
  }
  // every block is checked before any runs: a bad fourth block leaves the outputs untouched
  f.fill(0, 8 * sz);
  params[21 * 3 + 7] = 4 * 12 * sz; // C_3 past the end
  assert.throws(() => addon.sgemm(heap, params, 4), /output lies outside the wasm heap/);
  assert.ok(
    f.subarray(8 * sz).every((x) => x === 0),
    "no block ran",
  );
  assert.throws(() => addon.sgemm(heap, params, 65), /blocks must be an integer from 1 to 64/);
  assert.throws(() => addon.sgemm(heap, params, 5), /shorter than blocks/);
  assert.throws(() => addon.setLanes!(3), /expected 1 or 2/);
});

test("VIREL_NATIVE=0 keeps the pure wasm path (child process)", () => {
  const fixture = join(__dirname, "fixtures", "pure-wasm.js");
  const r = spawnSync(process.execPath, [fixture], {
    env: { ...process.env, VIREL_NATIVE: "0" },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() as string) as {
    backend: string;
    status: { loaded: boolean; reason?: string; wasmGemm?: boolean };
    counters: { native: number; fallback: number };
    gemmCounters: { native: number; fallback: number };
    plain: number[];
    transposed: number[];
    fused: number[];
  };
  assert.equal(out.backend, "wasm");
  assert.equal(out.status.loaded, false);
  assert.match(out.status.reason ?? "", /VIREL_NATIVE=0/);
  assert.deepEqual(out.counters, { native: 0, fallback: 0 });
  // the self-check and the three products ran in our wasm SIMD GEMM
  assert.equal(out.status.wasmGemm, true);
  assert.deepEqual(out.gemmCounters, { native: 4, fallback: 0 });
  assert.deepEqual(out.plain, [22, 28, 49, 64]);
  assert.deepEqual(out.transposed, [9, 19, 29, 12, 26, 40, 15, 33, 51]);
  assert.deepEqual(out.fused, [0, 28, 19, 64]);
});
