/**
 * Our native GEMM kernels (native/src/virel_gemm.c through the addon's sgemm; VIREL_NATIVE_GEMM): every output
 * element is checked bit for bit against a JavaScript emulation of what the kernels promise — one float32
 * fused-multiply-add chain in k order (the wide and the columns-in-lanes kernels), or, for narrow outputs with A
 * untransposed, 16 fma chains over p ≡ l (mod 16) added pairwise — and against a float64 reference; the AVX-512
 * and AVX2 kernels give the same bits; a row multiplied alone equals the same row in a batch (row invariance,
 * every path); the epilogue adds the bias to the finished sum and applies ReLU as a separate pass would; and
 * setGemm refuses bad modes; and the addon's Adam, Polyak and ReLU mask (native/src/virel_elementwise.c) equal the
 * fused update's JavaScript loops bit for bit. Skipped where the addon is not built or the CPU has neither kernel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { loadAddon, nativeGemmMode } from "../../src/engine/native";
import type { BlasAddon } from "../../src/engine/native-addon";
import { PARAM } from "../../src/engine/native-addon";
import { Rng } from "../../src/rng";
import { adamJs, polyakJs, reluMaskJs } from "../../src/agents/fused/simd";

const loaded = loadAddon();
const addon: BlasAddon | null = "addon" in loaded && loaded.addon.setGemm !== undefined ? loaded.addon : null;
const best = addon?.info().gemmBest ?? "none";
const KERNELS: ("avx512" | "avx2")[] = best.startsWith("AVX-512")
  ? ["avx512", "avx2"]
  : best.startsWith("AVX2")
    ? ["avx2"]
    : [];
const skip =
  addon === null
    ? "the native addon with our kernels is not built"
    : KERNELS.length === 0
      ? "this CPU has neither AVX-512F nor AVX2+FMA"
      : false;

// ---- float32 fma, exactly: a·b is exact in float64; the sum's float64 rounding error is recovered (TwoSum) and
// decides float32 ties that the float64 rounding created

const F32_EPS_HALF = 2 ** -24;

function nextAfter32(x: number, up: boolean): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (x === 0) {
    u[0] = up ? 1 : 0x80000001;
  } else if (x > 0 === up) u[0]! += 1;
  else u[0]! -= 1;
  return f[0]!;
}

/**
 * Round-to-nearest-even float32 of the exact value s + e (|e| ≤ ulp64(s)/2): only when s is exactly halfway
 * between two float32s can e move the result (a midpoint is a float64, so anything else is ≥ one ulp64 away).
 */
function round32(s: number, e: number): number {
  const r = Math.fround(s);
  // e = 0: s is exact; r = s: s is a float32 and |e| is far below its ulp
  if (e === 0 || r === s) return r;
  const other = nextAfter32(r, s > r);
  if ((r + other) / 2 !== s) return r; // s not a float32 midpoint: the float64 rounding did not matter
  // s is exactly the midpoint: the exact value lies on e's side of it
  return e > 0 === other > r ? other : r;
}

function fma32(a: number, b: number, c: number): number {
  const p = a * b; // exact: 24 + 24 significant bits
  const s = p + c;
  const bb = s - p;
  const e = p - (s - bb) + (c - bb);
  return round32(s, e);
}

/** One chain c ← fma(a_p, b_p, c), p ascending, from c0. */
function chain(a: (p: number) => number, b: (p: number) => number, K: number, c0 = 0): number {
  let c = c0;
  for (let p = 0; p < K; p++) c = fma32(a(p), b(p), c);
  return c;
}

/** The narrow-dot kernels: 16 lanes of fma chains over p ≡ l (mod 16), then l + (l+8), + 4, then (0+2) + (1+3). */
function dot16(a: (p: number) => number, b: (p: number) => number, K: number): number {
  const lane = new Array<number>(16).fill(0);
  for (let p = 0; p < K; p++) lane[p % 16] = fma32(a(p), b(p), lane[p % 16]!);
  const f = Math.fround;
  const h8 = Array.from({ length: 8 }, (_, i) => f(lane[i]! + lane[i + 8]!));
  const h4 = Array.from({ length: 4 }, (_, i) => f(h8[i]! + h8[i + 4]!));
  return f(f(h4[0]! + h4[2]!) + f(h4[1]! + h4[3]!));
}

interface Product {
  M: number;
  N: number;
  K: number;
  tA: boolean;
  tB: boolean;
  A: Float32Array;
  B: Float32Array;
}

function product(rng: Rng, M: number, N: number, K: number, tA: boolean, tB: boolean): Product {
  const A = new Float32Array(M * K).map(() => rng.normal());
  const B = new Float32Array(K * N).map(() => rng.normal());
  return { M, N, K, tA, tB, A, B };
}

const aAt = (q: Product, i: number, p: number): number => (q.tA ? q.A[p * q.M + i]! : q.A[i * q.K + p]!);
const bAt = (q: Product, p: number, j: number): number => (q.tB ? q.B[j * q.K + p]! : q.B[p * q.N + j]!);

/** What the kernels promise for element (i, j): the dot form for N ≤ 4 with A untransposed, else one chain. */
function promised(q: Product, i: number, j: number): number {
  const a = (p: number) => aAt(q, i, p),
    b = (p: number) => bAt(q, p, j);
  return q.N <= 4 && !q.tA ? dot16(a, b, q.K) : chain(a, b, q.K);
}

interface Epilogue {
  bias?: Float32Array;
  bsm?: number;
  bsn?: number;
  relu?: boolean;
}

/** C = op(A)·op(B) [+ bias, ReLU] through addon.sgemm on a fresh heap. */
function run(q: Product, ep: Epilogue = {}): Float32Array {
  const { M, N, K } = q;
  const biasLen = ep.bias?.length ?? 0;
  const heap = new ArrayBuffer(4 * (M * K + K * N + M * N + biasLen));
  const f = new Float32Array(heap);
  f.set(q.A, 0);
  f.set(q.B, M * K);
  if (ep.bias) f.set(ep.bias, M * K + K * N + M * N);
  const p = new Float64Array(PARAM.COUNT);
  p[PARAM.M] = M;
  p[PARAM.N] = N;
  p[PARAM.K] = K;
  p[PARAM.TRANS_A] = q.tA ? 1 : 0;
  p[PARAM.TRANS_B] = q.tB ? 1 : 0;
  p[PARAM.A_OFF] = 0;
  p[PARAM.B_OFF] = 4 * M * K;
  p[PARAM.C_OFF] = 4 * (M * K + K * N);
  p[PARAM.BATCH] = 1;
  p[PARAM.BIAS_OFF] = ep.bias ? 4 * (M * K + K * N + M * N) : -1;
  p[PARAM.BIAS_SM] = ep.bsm ?? 0;
  p[PARAM.BIAS_SN] = ep.bsn ?? 1;
  p[PARAM.ACT] = ep.relu ? 1 : 0;
  p[PARAM.PRELU_OFF] = -1;
  f.fill(Number.NaN, M * K + K * N, M * K + K * N + M * N); // every output must be written
  addon!.sgemm(heap, p);
  return f.slice(M * K + K * N, M * K + K * N + M * N);
}

function withGemm<T>(mode: "auto" | "avx512" | "avx2" | "blas", f: () => T): T {
  const before = addon!.info().gemm;
  addon!.setGemm!(mode);
  try {
    return f();
  } finally {
    addon!.setGemm!(nativeGemmMode(before));
  }
}

/**
 * Shapes that reach every path (MR 8/6, NR 32/16, KC 256): wide tiles with and without edges, K over one KC block,
 * narrow outputs (N ≤ 4: dot; N < NR/2 with A transposed: rows in lanes), short outputs (M < MR with B
 * untransposed: columns in lanes), one-element products and K = 0.
 */
const SHAPES: [number, number, number][] = [
  [64, 64, 64],
  [37, 45, 300],
  [9, 33, 520],
  [17, 3, 40],
  [40, 1, 35],
  [33, 12, 21],
  [1, 70, 50],
  [5, 40, 1],
  [1, 1, 1],
  [3, 2, 0],
];

test(
  "our kernels: every element is the promised float32 fma chain, bit for bit, and near the float64 product",
  { skip },
  () => {
    const rng = new Rng(11);
    for (const kernel of KERNELS) {
      withGemm(kernel, () => {
        for (const [M, N, K] of SHAPES) {
          for (const tA of [false, true]) {
            for (const tB of [false, true]) {
              const q = product(rng, M, N, K, tA, tB);
              const c = run(q);
              for (let i = 0; i < M; i++) {
                for (let j = 0; j < N; j++) {
                  const where = `${kernel} ${M}×${N}×${K} tA=${tA} tB=${tB} (${i}, ${j})`;
                  assert.equal(c[i * N + j], promised(q, i, j), where);
                  let exact = 0,
                    mag = 0;
                  for (let p = 0; p < K; p++) {
                    exact += aAt(q, i, p) * bAt(q, p, j);
                    mag += Math.abs(aAt(q, i, p) * bAt(q, p, j));
                  }
                  assert.ok(Math.abs(c[i * N + j]! - exact) <= 2 * K * F32_EPS_HALF * mag + 1e-30, where);
                }
              }
            }
          }
        }
      });
    }
  },
);

test(
  "our kernels: AVX-512 and AVX2 give the same bits",
  { skip: skip || (KERNELS.length < 2 ? "only one kernel on this CPU" : false) },
  () => {
    const rng = new Rng(12);
    for (const [M, N, K] of [
      ...SHAPES,
      [256, 256, 256] as [number, number, number],
      [200, 7, 300] as [number, number, number],
    ]) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const q = product(rng, M, N, K, tA, tB);
          const ep = { bias: new Float32Array(N).map(() => rng.normal()), relu: true };
          assert.deepEqual(
            withGemm("avx512", () => run(q, ep)),
            withGemm("avx2", () => run(q, ep)),
            `${M}×${N}×${K} ${tA} ${tB}`,
          );
        }
      }
    }
  },
);

test(
  "our kernels are row-invariant: each row multiplied alone equals the same row of the batch (every path)",
  { skip },
  () => {
    const rng = new Rng(13);
    for (const kernel of KERNELS) {
      withGemm(kernel, () => {
        assert.equal((addon as unknown as { rowInvariant: boolean }).rowInvariant, true);
        for (const [M, N, K] of [
          [256, 256, 23],
          [70, 12, 256],
          [40, 1, 64],
          [64, 3, 17],
        ] as [number, number, number][]) {
          for (const tA of [false, true]) {
            for (const tB of [false, true]) {
              const q = product(rng, M, N, K, tA, tB);
              const all = run(q);
              for (const i of [0, 1, M - 1]) {
                const row = new Float32Array(K).map((_, p) => aAt(q, i, p));
                const one = run({ ...q, M: 1, A: row }); // a one-row op(A) has the same storage either way
                assert.deepEqual(
                  one,
                  all.slice(i * N, (i + 1) * N),
                  `${kernel} ${M}×${N}×${K} tA=${tA} tB=${tB} row ${i}`,
                );
              }
            }
          }
        }
      });
    }
    withGemm("blas", () => assert.equal((addon as unknown as { rowInvariant: boolean }).rowInvariant, false));
  },
);

test(
  "our kernels' epilogue: the bias added to the finished sum, then ReLU (row, column and full bias strides)",
  { skip },
  () => {
    const rng = new Rng(14);
    const f = Math.fround;
    for (const kernel of KERNELS) {
      withGemm(kernel, () => {
        for (const [M, N, K] of [
          [37, 45, 300],
          [20, 2, 30],
          [3, 40, 9],
          [16, 64, 0],
        ] as [number, number, number][]) {
          for (const [bsm, bsn, len] of [
            [0, 1, N],
            [1, 0, M],
            [N, 1, M * N],
          ]) {
            for (const relu of [false, true]) {
              const q = product(rng, M, N, K, false, false);
              const bias = new Float32Array(len).map(() => rng.normal());
              const c = run(q, { bias, bsm, bsn, relu });
              for (let i = 0; i < M; i++) {
                for (let j = 0; j < N; j++) {
                  const v = f(promised(q, i, j) + bias[i * bsm + j * bsn]!);
                  assert.equal(
                    c[i * N + j],
                    relu ? (v > 0 ? v : 0) : v,
                    `${kernel} ${M}×${N}×${K} bias (${bsm}, ${bsn}) relu ${relu}`,
                  );
                }
              }
            }
          }
        }
        // ReLU of NaN is 0, as the JavaScript epilogue (v > 0 ? v : 0)
        const q = product(rng, 8, 32, 4, false, false);
        q.A[0] = Number.NaN;
        const c = run(q, { relu: true });
        assert.deepEqual(Array.from(c.slice(0, 32)), new Array(32).fill(0));
      });
    }
  },
);

test(
  "setGemm: names the kernel, refuses bad modes; info() reports it",
  { skip: addon === null ? "the native addon with our kernels is not built" : false },
  () => {
    const before = addon!.info().gemm;
    try {
      assert.equal(addon!.setGemm!("blas"), "BLAS");
      assert.equal(addon!.info().gemm, "BLAS");
      assert.throws(() => addon!.setGemm!("sse" as "blas"), /setGemm: expected "auto", "avx512", "avx2" or "blas"/);
      const auto = addon!.setGemm!("auto");
      assert.equal(auto, best === "none" ? "BLAS" : best);
      if (!best.startsWith("AVX-512")) assert.throws(() => addon!.setGemm!("avx512"), /does not support that kernel/);
    } finally {
      addon!.setGemm!(nativeGemmMode(before));
    }
  },
);

test(
  "VIREL_NATIVE_GEMM picks the kernel (doctor shows it); a bad value is an error naming it",
  { skip: addon === null ? "the native addon is not built" : false },
  () => {
    const bin = join(__dirname, "..", "..", "..", "bin", "virel.js");
    const script =
      "const n=require(process.argv[1]);require('@tensorflow/tfjs-backend-wasm');const tf=require('@tensorflow/tfjs');" +
      "tf.setBackend('wasm').then(()=>{console.log(JSON.stringify(n.installNativeKernels()))})";
    const native = join(__dirname, "..", "..", "src", "engine", "native.js");
    const status = (value: string) => {
      const r = spawnSync(process.execPath, ["-e", script, native], {
        encoding: "utf8",
        env: { ...process.env, VIREL_NATIVE_GEMM: value },
      });
      return r;
    };
    const blas = status("blas");
    assert.equal(blas.status, 0, blas.stderr);
    assert.equal((JSON.parse(blas.stdout.trim().split("\n").pop()!) as { gemm: string }).gemm, "BLAS");
    if (KERNELS.length > 0) {
      const auto = status("auto");
      assert.equal((JSON.parse(auto.stdout.trim().split("\n").pop()!) as { gemm: string }).gemm, best);
    }
    const bad = spawnSync(process.execPath, [bin, "doctor"], {
      encoding: "utf8",
      env: { ...process.env, VIREL_NATIVE_GEMM: "fast" },
    });
    assert.match(bad.stdout + bad.stderr, /VIREL_NATIVE_GEMM must be auto, avx512, avx2 or blas, got "fast"/);
  },
);

test(
  "the addon's Adam, Polyak and ReLU mask are bit-identical to the fused update's JavaScript loops",
  { skip: addon === null || addon.adam === undefined ? "the native addon is not built" : false },
  () => {
    const rng = new Rng(15);
    for (const n of [1, 15, 16, 17, 1000]) {
      // ten slots of n floats: w g m v w2 m2 v2, then a mask pair
      const heap = new ArrayBuffer(4 * 10 * n);
      const at = (k: number): Float32Array => new Float32Array(heap, 4 * k * n, n);
      const [w, g, m, v] = [0, 1, 2, 3].map(at) as [Float32Array, Float32Array, Float32Array, Float32Array];
      rng.fillNormal(w);
      rng.fillNormal(g, 0, 0.1);
      rng.fillNormal(m, 0, 0.01);
      for (let i = 0; i < n; i++) v[i] = Math.fround(Math.abs(rng.normal()) * 1e-4);
      g[0] = 0; // with v = 0: the ε branch
      v[0] = 0;
      const k = {
        b1: Math.fround(0.9),
        c1: Math.fround(0.1),
        b2: Math.fround(0.999),
        c2: Math.fround(0.001),
        step: Math.fround(3e-4 / 0.19),
        isb: Math.fround(1 / Math.sqrt(0.003)),
        eps: Math.fround(1e-8),
      };
      const off = (slot: number) => 4 * slot * n;
      addon!.adam!(
        heap,
        Float64Array.from([
          n,
          off(0),
          off(1),
          off(2),
          off(3),
          off(4),
          off(5),
          off(6),
          k.b1,
          k.c1,
          k.b2,
          k.c2,
          k.step,
          k.isb,
          k.eps,
        ]),
      );
      const [jw, jm, jv] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      adamJs(w, g, m, v, jw, jm, jv, k);
      assert.deepEqual(
        [at(4), at(5), at(6)].map((x) => Array.from(x)),
        [jw, jm, jv].map((x) => Array.from(x)),
        `adam n=${n}`,
      );
      addon!.polyak!(heap, Float64Array.from([n, off(0), off(1), off(4), Math.fround(0.005), Math.fround(0.995)]));
      const jp = new Float32Array(n);
      polyakJs(w, g, jp, Math.fround(0.005), Math.fround(0.995));
      assert.deepEqual(Array.from(at(4)), Array.from(jp), `polyak n=${n}`);
      const gm = Float32Array.from(m);
      const h = Float32Array.from(w);
      h[0] = Number.NaN; // NaN > 0 is false: masked
      if (n > 1) h[1] = -0;
      at(7).set(gm);
      at(8).set(h);
      addon!.reluMask!(heap, Float64Array.from([n, off(7), off(8)]));
      reluMaskJs(gm, h);
      assert.deepEqual(Array.from(at(7)), Array.from(gm), `reluMask n=${n}`);
    }
    // ranges are checked before anything is written
    const heap = new ArrayBuffer(64);
    assert.throws(
      () => addon!.polyak!(heap, Float64Array.from([8, 0, 32, 40, 0.5, 0.5])),
      /polyak: operand 2 lies outside the wasm heap/,
    );
    assert.throws(
      () => addon!.reluMask!(heap, Float64Array.from([2, 2, 8])),
      /reluMask: operand 0 lies outside the wasm heap or is not 4-byte aligned/,
    );
    assert.throws(
      () => addon!.adam!(heap, new Float64Array(3)),
      /adam: expected \(heap: ArrayBuffer, params: Float64Array of length 15\)/,
    );
  },
);
