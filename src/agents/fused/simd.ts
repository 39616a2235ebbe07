/**
 * The elementwise loops of the fast update (src/agents/fused/kernels.ts), as WebAssembly SIMD working in place on
 * the tfjs wasm heap, with plain-JavaScript versions for other memory (the cpu backend) and for the last n mod 4
 * elements.
 *
 * tfjs-wasm's own elementwise kernels take 2–4 ns per element and one kernel per op; a scalar JavaScript loop
 * 1–4 ns (Math.sqrt alone ≈2.4 ns here); these loops do 4 lanes per instruction and several ops per pass
 * (measured: Adam over 65 536 parameters ≈40 µs, against ≈260 µs in JavaScript). The module is assembled here
 * from a few instructions (no compiler, no binary file): it imports the wasm backend's `WebAssembly.Memory`, so
 * it reads and writes tensors at their heap offsets, and sees the heap grow.
 *
 * Every lane computes in float32 with one rounding per op, in the reference update's op order (adam.ts, nn.ts):
 *   relu:      x ← max(x, 0)
 *   biasRelu:  y[r, :] ← max(y[r, :] + b, 0)        (biasAdd: without the max)
 *   reluMask:  g ← g ⊙ 1[h > 0]
 *   adam:      m′ = m·β₁ + g·(1−β₁);  v′ = v·β₂ + (g·g)·(1−β₂);  w′ = w − step·(m′ / (√v′·(1/√(1−β₂ᵗ)) + ε))
 *   polyak:    t′ = s·τ + t·(1 − τ)
 * so the JavaScript versions (Math.fround after each op) give bit-identical results.
 */
import { setting } from "../../engine/settings";
import {
  at,
  F32,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_GT,
  F32X4_MAX,
  F32X4_MUL,
  F32X4_SPLAT,
  F32X4_SQRT,
  F32X4_SUB,
  get,
  I32,
  I32_ADD,
  I32_GE_U,
  i32Const,
  instantiate,
  moduleBytes,
  set,
  tee,
  V128,
  V128_AND,
  V_LOAD,
  V_STORE,
  vectorLoop,
} from "../../engine/wasm-asm";
import type { Fn, WasmMemory } from "../../engine/wasm-asm";

function functions(): Fn[] {
  // relu(p, bytes): x ← max(x, 0)
  const relu: Fn = {
    name: "relu",
    params: [I32, I32],
    locals: [I32, V128], // i = 2, zero = 3 (locals start at zero)
    body: vectorLoop(2, 1, [...at(0, 2), ...at(0, 2), ...V_LOAD, ...get(3), ...F32X4_MAX, ...V_STORE]),
  };
  // reluMask(g, h, bytes): g ← g & (h > 0)
  const reluMask: Fn = {
    name: "reluMask",
    params: [I32, I32, I32],
    locals: [I32, V128], // i = 3, zero = 4
    body: vectorLoop(3, 2, [
      ...at(0, 3),
      ...at(0, 3),
      ...V_LOAD,
      ...at(1, 3),
      ...V_LOAD,
      ...get(4),
      ...F32X4_GT,
      ...V128_AND,
      ...V_STORE,
    ]),
  };
  // adam(w, g, m, v, w2, m2, v2, bytes, β₁, 1−β₁, β₂, 1−β₂, step, 1/√(1−β₂ᵗ), ε)
  const [W, G, M, V, W2, M2, V2, BYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [I, B1, C1, B2, C2, STEP, ISB, EPS, GI, MI, VI] = [15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const splats: number[] = [];
  for (let k = 0; k < 7; k++) splats.push(...get(8 + k), ...F32X4_SPLAT, ...set(B1 + k));
  const adam: Fn = {
    name: "adam",
    params: [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32],
    locals: [I32, V128, V128, V128, V128, V128, V128, V128, V128, V128, V128],
    body: [
      ...splats,
      ...vectorLoop(I, BYTES, [
        ...at(G, I),
        ...V_LOAD,
        ...set(GI),
        // m′ = m·β₁ + g·(1−β₁)
        ...at(M2, I),
        ...at(M, I),
        ...V_LOAD,
        ...get(B1),
        ...F32X4_MUL,
        ...get(GI),
        ...get(C1),
        ...F32X4_MUL,
        ...F32X4_ADD,
        ...tee(MI),
        ...V_STORE,
        // v′ = v·β₂ + (g·g)·(1−β₂)
        ...at(V2, I),
        ...at(V, I),
        ...V_LOAD,
        ...get(B2),
        ...F32X4_MUL,
        ...get(GI),
        ...get(GI),
        ...F32X4_MUL,
        ...get(C2),
        ...F32X4_MUL,
        ...F32X4_ADD,
        ...tee(VI),
        ...V_STORE,
        // w′ = w − step·(m′ / (√v′·isb + ε))
        ...at(W2, I),
        ...at(W, I),
        ...V_LOAD,
        ...get(STEP),
        ...get(MI),
        ...get(VI),
        ...F32X4_SQRT,
        ...get(ISB),
        ...F32X4_MUL,
        ...get(EPS),
        ...F32X4_ADD,
        ...F32X4_DIV,
        ...F32X4_MUL,
        ...F32X4_SUB,
        ...V_STORE,
      ]),
    ],
  };
  // polyak(s, t, out, bytes, τ, 1−τ): out = s·τ + t·(1−τ)
  const polyak: Fn = {
    name: "polyak",
    params: [I32, I32, I32, I32, F32, F32],
    locals: [I32, V128, V128], // i = 6, τ = 7, 1−τ = 8
    body: [
      ...get(4),
      ...F32X4_SPLAT,
      ...set(7),
      ...get(5),
      ...F32X4_SPLAT,
      ...set(8),
      ...vectorLoop(6, 3, [
        ...at(2, 6),
        ...at(0, 6),
        ...V_LOAD,
        ...get(7),
        ...F32X4_MUL,
        ...at(1, 6),
        ...V_LOAD,
        ...get(8),
        ...F32X4_MUL,
        ...F32X4_ADD,
        ...V_STORE,
      ]),
    ],
  };
  return [relu, reluMask, adam, polyak, biasEpilogue("biasRelu", true), biasEpilogue("biasAdd", false)];
}

/**
 * biasRelu(y, b, rows, rowBytes) / biasAdd: for every row r, y[r, :] ← max(y[r, :] + b, 0) (or without the max);
 * rowBytes a multiple of 16.
 */
function biasEpilogue(fnName: string, relu: boolean): Fn {
  const [Y, B, ROWS, ROW_BYTES, R, C, ZERO, ROW] = [0, 1, 2, 3, 4, 5, 6, 7];
  const inner = vectorLoop(C, ROW_BYTES, [
    ...at(ROW, C),
    ...at(ROW, C),
    ...V_LOAD,
    ...at(B, C),
    ...V_LOAD,
    ...F32X4_ADD,
    ...(relu ? [...get(ZERO), ...F32X4_MAX] : []),
    ...V_STORE,
  ]);
  return {
    name: fnName,
    params: [I32, I32, I32, I32],
    locals: [I32, I32, V128, I32],
    body: [
      ...get(Y),
      ...set(ROW),
      ...i32Const(0),
      ...set(R),
      0x02,
      0x40,
      0x03,
      0x40, // block, loop over rows
      ...get(R),
      ...get(ROWS),
      ...I32_GE_U,
      0x0d,
      0x01,
      ...inner,
      ...get(ROW),
      ...get(ROW_BYTES),
      ...I32_ADD,
      ...set(ROW),
      ...get(R),
      ...i32Const(1),
      ...I32_ADD,
      ...set(R),
      0x0c,
      0x00,
      0x0b,
      0x0b,
    ],
  };
}

/** The module's bytes: imports env.memory, exports the functions above. */
export function simdModuleBytes(): Uint8Array {
  return moduleBytes(functions());
}

/** The exported SIMD functions (byte offsets and byte counts; counts are multiples of 16). */
export interface SimdLoops {
  relu(p: number, bytes: number): void;
  reluMask(g: number, h: number, bytes: number): void;
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    w2: number,
    m2: number,
    v2: number,
    bytes: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    step: number,
    isb: number,
    eps: number,
  ): void;
  polyak(s: number, t: number, out: number, bytes: number, tau: number, omt: number): void;
  biasRelu(y: number, b: number, rows: number, rowBytes: number): void;
  biasAdd(y: number, b: number, rows: number, rowBytes: number): void;
}

/** Instantiates the SIMD loops on `memory` (throws where the engine has no WebAssembly SIMD). */
export function instantiateSimdLoops(memory: WasmMemory): SimdLoops {
  return instantiate(simdModuleBytes(), memory) as unknown as SimdLoops;
}

const instances = new WeakMap<WasmMemory, SimdLoops | null>();

/**
 * The SIMD loops bound to `memory` (cached), or null when this engine has no WebAssembly SIMD or
 * `VIREL_FAST_SIMD=0` is set — then the fused kernels use the JavaScript loops below.
 */
export function simdLoops(memory: WasmMemory): SimdLoops | null {
  if (instances.has(memory)) return instances.get(memory) ?? null;
  let loops: SimdLoops | null = null;
  if (setting("fastSimd")) {
    try {
      loops = instantiateSimdLoops(memory);
    } catch {
      loops = null;
    }
  }
  instances.set(memory, loops);
  return loops;
}

// ---------------------------------------------------------------------------------------------------------------
// The same loops on Float32Arrays, in float32 arithmetic (one Math.fround per op): the cpu backend, and the tails.

const f = Math.fround;

/** x ← max(x, 0) on x[from…]. */
export function reluJs(x: Float32Array, from = 0): void {
  for (let i = from; i < x.length; i++) {
    const v = x[i]!;
    x[i] = v > 0 ? v : v !== v ? v : 0;
  }
}

/** y[r, :] ← y[r, :] + b, then max(·, 0) when relu, for y [rows, b.length]. */
export function biasReluJs(y: Float32Array, b: Float32Array, relu: boolean): void {
  const cols = b.length;
  for (let off = 0; off < y.length; off += cols) {
    for (let j = 0; j < cols; j++) {
      const v = f(y[off + j]! + b[j]!);
      y[off + j] = !relu || v > 0 || v !== v ? v : 0;
    }
  }
}

/** g ← g ⊙ 1[h > 0] on [from…]. */
export function reluMaskJs(g: Float32Array, h: Float32Array, from = 0): void {
  for (let i = from; i < g.length; i++) if (!(h[i]! > 0)) g[i] = 0;
}

/** Adam constants, as float32: β₁, 1−β₁, β₂, 1−β₂, step = lr/(1−β₁ᵗ), isb = 1/√(1−β₂ᵗ), ε. */
export interface AdamConstants {
  b1: number;
  c1: number;
  b2: number;
  c2: number;
  step: number;
  isb: number;
  eps: number;
}

/** One Adam step on [from…] (see the file comment for the formula and op order). */
export function adamJs(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  w2: Float32Array,
  m2: Float32Array,
  v2: Float32Array,
  k: AdamConstants,
  from = 0,
): void {
  for (let j = from; j < w.length; j++) {
    const gj = g[j]!;
    const mj = f(f(m[j]! * k.b1) + f(gj * k.c1));
    const vj = f(f(v[j]! * k.b2) + f(f(gj * gj) * k.c2));
    m2[j] = mj;
    v2[j] = vj;
    w2[j] = f(w[j]! - f(k.step * f(mj / f(f(f(Math.sqrt(vj)) * k.isb) + k.eps))));
  }
}

/** out = s·τ + t·(1 − τ) on [from…]. */
export function polyakJs(
  s: Float32Array,
  t: Float32Array,
  out: Float32Array,
  tau: number,
  omt: number,
  from = 0,
): void {
  for (let j = from; j < s.length; j++) out[j] = f(f(s[j]! * tau) + f(t[j]! * omt));
}
