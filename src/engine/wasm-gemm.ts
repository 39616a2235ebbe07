/**
 * The products of the pure wasm path: our own WebAssembly SIMD `sgemm`, working in place on the tfjs wasm heap.
 *
 * Why not tfjs-backend-wasm's own (XNNPACK) BatchMatMul: at the paper's shapes (256×256×256 and the thin layers
 * around it) it reached ≈25 GFLOP/s here, while 128-bit SIMD allows ≈4× the clock rate in float32 multiply-adds;
 * this one packs both operands into panels and runs a register-blocked micro-kernel (MR rows × 8 columns of
 * accumulators), the layout OpenBLAS and XNNPACK use natively. Measured numbers are in
 * docs/speed.md.
 *
 * wasm-gemm-blas.ts wraps it in the native addon's interface (the same params blocks, batches, broadcast strides,
 * bias and activations), so the BatchMatMul/_FusedMatMul kernels of native-kernels.ts drive it unchanged; this file
 * has no tfjs import, so the second lane's worker (wasm-gemm-worker.ts) loads only it. Arithmetic: every output element is one float32 sum over k in increasing k order, a multiply and an
 * add per term (two roundings; no fused multiply-add, which 128-bit WebAssembly SIMD does not have), whatever
 * tile or panel it falls in — so a row's result does not depend on the rows computed with it (row-invariant,
 * what the batched evaluation needs) and repeats bit for bit on every engine. The bias is added after the sum,
 * then the activation, in float32, as the native kernels do.
 */
import {
  block,
  I32_AND,
  I32_DIV_U,
  I32_LE_U,
  ifElse,
  minU,
  simd,
  br,
  brIf,
  countedLoop,
  F32X4_ADD,
  F32X4_MUL,
  f32Load,
  f32Store,
  get,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_MUL,
  I32_SUB,
  i32Const,
  instantiate,
  loop,
  moduleBytes,
  set,
  tee,
  V128,
  vLoad,
  vLoad32Splat,
  vStore,
} from "./wasm-asm";
import type { Fn, WasmMemory } from "./wasm-asm";

/** Columns of a micro-tile (two 4-lane vectors). */
export const NR = 8;

/** The micro-kernel's shape: rows of a tile and the unrolling of the k loop. */
export interface GemmShape {
  mr: number;
  unroll: number;
}

/**
 * What measured best here (docs/speed.md): 4 rows × 8 columns (8 accumulators, 2 vectors of B, 1 of A: 11 of the
 * 16 vector registers), k not unrolled — unrolling by 2, 4 or 8 measured slower (≈33, 34, 27 against 52 GFLOP/s
 * for the kernel at 256³), as did 5 or 6 rows (24, 28).
 */
export const DEFAULT_SHAPE: GemmShape = { mr: 4, unroll: 1 };

/**
 * The packed layout: panels of R consecutive "outer" indices (rows of op(A), or columns of op(B)), each panel
 * `inner` groups of R floats — dst[q][kk][r] = src[(qR + r)·outerStride + kk·innerStride] (strides in bytes), a
 * panel `panelStride` bytes after the one before.
 *
 * packScalar(src, outerStride, innerStride, outer, inner, dst, panelStride): any strides, one float at a time; a
 * last panel's missing outer indices repeat the last one (their results are computed and dropped).
 */
function packScalarFn(fnName: string, R: number): Fn {
  const [SRC, OS, IS, OUTER, INNER, DST, PS] = [0, 1, 2, 3, 4, 5, 6];
  const [P0, RR, S, D, KK, LAST] = [7, 8, 9, 10, 11, 12];
  const body = [
    ...get(OUTER),
    ...i32Const(1),
    ...I32_SUB,
    ...set(LAST),
    ...countedLoop(P0, i32Const(0), get(OUTER), R, [
      ...countedLoop(RR, i32Const(0), i32Const(R), 1, [
        // s = src + min(p0 + r, last)·outerStride
        ...get(SRC),
        ...minU([...get(P0), ...get(RR), ...I32_ADD], get(LAST)),
        ...get(OS),
        ...I32_MUL,
        ...I32_ADD,
        ...set(S),
        // d = dst + (p0 / R)·panelStride + r·4
        ...get(DST),
        ...get(P0),
        ...i32Const(R),
        ...I32_DIV_U,
        ...get(PS),
        ...I32_MUL,
        ...I32_ADD,
        ...get(RR),
        ...i32Const(4),
        ...I32_MUL,
        ...I32_ADD,
        ...set(D),
        ...countedLoop(KK, i32Const(0), get(INNER), 1, [
          ...get(D),
          ...get(S),
          ...f32Load(),
          ...f32Store(),
          ...get(S),
          ...get(IS),
          ...I32_ADD,
          ...set(S),
          ...get(D),
          ...i32Const(R * 4),
          ...I32_ADD,
          ...set(D),
        ]),
      ]),
    ]),
  ];
  return { name: fnName, params: new Array<number>(7).fill(I32), locals: new Array<number>(6).fill(I32), body };
}

/**
 * packCopy(src, innerStride, panels, inner, dst): full panels whose R outer indices are contiguous in memory
 * (outerStride 4: op(A) transposed, op(B) not) — R/4 vector copies per kk; panel q starts at src + q·R·4 and at
 * dst + q·inner·R·4.
 */
function packCopyFn(fnName: string, R: number): Fn {
  const [SRC, IS, PANELS, INNER, DST] = [0, 1, 2, 3, 4];
  const [Q, S, D, KK] = [5, 6, 7, 8];
  const copy: number[] = [];
  for (let g = 0; g < R / 4; g++) copy.push(...get(D), ...get(S), ...vLoad(16 * g), ...vStore(16 * g));
  const body = [
    ...get(DST),
    ...set(D),
    ...countedLoop(Q, i32Const(0), get(PANELS), 1, [
      ...get(SRC),
      ...get(Q),
      ...i32Const(R * 4),
      ...I32_MUL,
      ...I32_ADD,
      ...set(S),
      ...countedLoop(KK, i32Const(0), get(INNER), 1, [
        ...copy,
        ...get(S),
        ...get(IS),
        ...I32_ADD,
        ...set(S),
        ...get(D),
        ...i32Const(R * 4),
        ...I32_ADD,
        ...set(D),
      ]),
    ]),
  ];
  return { name: fnName, params: new Array<number>(5).fill(I32), locals: new Array<number>(4).fill(I32), body };
}

/** i8x16.shuffle picking float lanes (0–3 from the first operand, 4–7 from the second). */
function shuffle(lanes: readonly number[]): number[] {
  return [...simd(0x0d), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
}

/**
 * packT(src, outerStride, panels, inner4, dst, panelStride): full panels whose inner index is contiguous in memory
 * (innerStride 4: op(A) not transposed, op(B) transposed), 4 kk at a time — 4×4 blocks transposed with shuffles;
 * inner4 = inner − inner mod 4 (the caller packs the rest with packScalar).
 */
function packTFn(fnName: string, R: number): Fn {
  const [SRC, OS, PANELS, INNER4, DST, PS] = [0, 1, 2, 3, 4, 5];
  const [Q, ROW0, D, KK, KB] = [6, 7, 8, 9, 10];
  const [X0, X1, X2, X3, T0, T1, T2, T3] = [11, 12, 13, 14, 15, 16, 17, 18];
  const group: number[] = [];
  for (let g = 0; g < R / 4; g++) {
    // rows 4g … 4g+3 of the panel at row0 + (4g + r)·outerStride + kk·4
    const xs = [X0, X1, X2, X3];
    for (let r = 0; r < 4; r++) {
      group.push(
        ...get(ROW0),
        ...get(OS),
        ...i32Const(4 * g + r),
        ...I32_MUL,
        ...I32_ADD,
        ...get(KB),
        ...I32_ADD,
        ...vLoad(0),
        ...set(xs[r] as number),
      );
    }
    group.push(
      ...get(X0),
      ...get(X1),
      ...shuffle([0, 4, 1, 5]),
      ...set(T0),
      ...get(X0),
      ...get(X1),
      ...shuffle([2, 6, 3, 7]),
      ...set(T1),
      ...get(X2),
      ...get(X3),
      ...shuffle([0, 4, 1, 5]),
      ...set(T2),
      ...get(X2),
      ...get(X3),
      ...shuffle([2, 6, 3, 7]),
      ...set(T3),
    );
    // column c (kk + c) → dst + (kk + c)·R·4 + g·16
    const cols: Array<[number, number, number[]]> = [
      [T0, T2, [0, 1, 4, 5]],
      [T0, T2, [2, 3, 6, 7]],
      [T1, T3, [0, 1, 4, 5]],
      [T1, T3, [2, 3, 6, 7]],
    ];
    cols.forEach(([x, y, lanes], c) => {
      group.push(...get(D), ...get(x), ...get(y), ...shuffle(lanes), ...vStore(c * R * 4 + g * 16));
    });
  }
  const body = countedLoop(Q, i32Const(0), get(PANELS), 1, [
    ...get(SRC),
    ...get(Q),
    ...i32Const(R),
    ...I32_MUL,
    ...get(OS),
    ...I32_MUL,
    ...I32_ADD,
    ...set(ROW0),
    ...get(DST),
    ...get(Q),
    ...get(PS),
    ...I32_MUL,
    ...I32_ADD,
    ...set(D),
    ...countedLoop(KK, i32Const(0), get(INNER4), 4, [
      ...get(KK),
      ...i32Const(4),
      ...I32_MUL,
      ...set(KB),
      ...group,
      ...get(D),
      ...i32Const(4 * R * 4),
      ...I32_ADD,
      ...set(D),
    ]),
  ]);
  return {
    name: fnName,
    params: new Array<number>(6).fill(I32),
    locals: [...new Array<number>(5).fill(I32), ...new Array<number>(8).fill(V128)],
    body,
  };
}

/**
 * kernel(pa, pb, c, m, n, k, ldc, scratch): C[m×n] (row stride ldc bytes) = A·B from A packed in panels of MR rows
 * and B in panels of 8 columns (pack above); scratch: MR·8 floats for the edge tiles.
 */
function kernelFn(shape: GemmShape): Fn {
  const { mr: MR, unroll: U } = shape;
  const [PA, PB, C, M, N, K, LDC, SCR] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [J, I, PBQ, X, Y, END_MAIN, END, T, R, JJ, ROWS, COLS] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const [ZERO, B0, B1, A] = [20, 21, 22, 23];
  const acc = (r: number, h: number): number => 24 + 2 * r + h;
  const step = (u: number): number[] => {
    const out = [...get(Y), ...vLoad(32 * u), ...set(B0), ...get(Y), ...vLoad(32 * u + 16), ...set(B1)];
    for (let r = 0; r < MR; r++) {
      out.push(...get(X), ...vLoad32Splat((u * MR + r) * 4), ...set(A));
      for (let h = 0; h < 2; h++) {
        out.push(
          ...get(acc(r, h)),
          ...get(A),
          ...get(h === 0 ? B0 : B1),
          ...F32X4_MUL,
          ...F32X4_ADD,
          ...set(acc(r, h)),
        );
      }
    }
    return out;
  };
  const advance = (u: number): number[] => [
    ...get(X),
    ...i32Const(u * MR * 4),
    ...I32_ADD,
    ...set(X),
    ...get(Y),
    ...i32Const(u * 32),
    ...I32_ADD,
    ...set(Y),
  ];
  const mainBody: number[] = [];
  for (let u = 0; u < U; u++) mainBody.push(...step(u));
  // while (x < end) { …; x += …; y += … }
  const whileBelow = (limit: number, body: number[]): number[] =>
    block(loop([...get(X), ...get(limit), ...I32_GE_U, ...brIf(1), ...body, ...br(0)]));
  const zeroAcc: number[] = [];
  for (let r = 0; r < MR; r++) for (let h = 0; h < 2; h++) zeroAcc.push(...get(ZERO), ...set(acc(r, h)));
  // full tile: row r of the tile at t = c + (i0 + r)·ldc + j0·4
  const storeFull: number[] = [];
  for (let r = 0; r < MR; r++) {
    storeFull.push(...get(T), ...get(acc(r, 0)), ...vStore(0), ...get(T), ...get(acc(r, 1)), ...vStore(16));
    if (r + 1 < MR) storeFull.push(...get(T), ...get(LDC), ...I32_ADD, ...set(T));
  }
  // edge tile: the accumulators to scratch, then the rows < m − i0 and columns < n − j0 one float at a time
  const storeEdge: number[] = [];
  for (let r = 0; r < MR; r++) {
    storeEdge.push(
      ...get(SCR),
      ...get(acc(r, 0)),
      ...vStore(32 * r),
      ...get(SCR),
      ...get(acc(r, 1)),
      ...vStore(32 * r + 16),
    );
  }
  storeEdge.push(
    ...minU([...get(M), ...get(I), ...I32_SUB], i32Const(MR)),
    ...set(ROWS),
    ...minU([...get(N), ...get(J), ...I32_SUB], i32Const(NR)),
    ...set(COLS),
    ...countedLoop(R, i32Const(0), get(ROWS), 1, [
      ...countedLoop(JJ, i32Const(0), get(COLS), 1, [
        // c[(i0 + r)·ldc + (j0 + jj)·4] = scratch[r·8 + jj]
        ...get(T),
        ...get(R),
        ...get(LDC),
        ...I32_MUL,
        ...I32_ADD,
        ...get(JJ),
        ...i32Const(4),
        ...I32_MUL,
        ...I32_ADD,
        ...get(SCR),
        ...get(R),
        ...i32Const(NR * 4),
        ...I32_MUL,
        ...I32_ADD,
        ...get(JJ),
        ...i32Const(4),
        ...I32_MUL,
        ...I32_ADD,
        ...f32Load(),
        ...f32Store(),
      ]),
    ]),
  );
  const tile = [
    ...zeroAcc,
    // x = pa + i0·k·4; y = pbq; endMain = x + (k − k mod U)·MR·4; end = x + k·MR·4
    ...get(PA),
    ...get(I),
    ...get(K),
    ...I32_MUL,
    ...i32Const(4),
    ...I32_MUL,
    ...I32_ADD,
    ...tee(X),
    ...get(K),
    ...i32Const(-U),
    ...I32_AND,
    ...i32Const(MR * 4),
    ...I32_MUL,
    ...I32_ADD,
    ...set(END_MAIN),
    ...get(X),
    ...get(K),
    ...i32Const(MR * 4),
    ...I32_MUL,
    ...I32_ADD,
    ...set(END),
    ...get(PBQ),
    ...set(Y),
    ...whileBelow(END_MAIN, [...mainBody, ...advance(U)]),
    ...whileBelow(END, [...step(0), ...advance(1)]),
    // t = c + i0·ldc + j0·4
    ...get(C),
    ...get(I),
    ...get(LDC),
    ...I32_MUL,
    ...I32_ADD,
    ...get(J),
    ...i32Const(4),
    ...I32_MUL,
    ...I32_ADD,
    ...set(T),
    // full tile when i0 + MR ≤ m and j0 + 8 ≤ n
    ...get(I),
    ...i32Const(MR),
    ...I32_ADD,
    ...get(M),
    ...I32_LE_U,
    ...get(J),
    ...i32Const(NR),
    ...I32_ADD,
    ...get(N),
    ...I32_LE_U,
    ...I32_AND,
    ...ifElse(storeFull, storeEdge),
  ];
  const body = countedLoop(J, i32Const(0), get(N), NR, [
    // pbq = pb + j0·k·4
    ...get(PB),
    ...get(J),
    ...get(K),
    ...I32_MUL,
    ...i32Const(4),
    ...I32_MUL,
    ...I32_ADD,
    ...set(PBQ),
    ...countedLoop(I, i32Const(0), get(M), MR, tile),
  ]);
  const locals = [...new Array<number>(12).fill(I32), ...new Array<number>(4 + 2 * MR).fill(V128)];
  return { name: "kernel", params: new Array<number>(8).fill(I32), locals, body };
}

/**
 * The GEMM module's bytes for a micro-kernel shape; with `sharedMaxPages`, for a shared memory of at most that many
 * pages (the second lane's, wasm-gemm-blas.ts).
 */
export function gemmModuleBytes(shape: GemmShape = DEFAULT_SHAPE, sharedMaxPages?: number): Uint8Array {
  if (!Number.isInteger(shape.mr) || shape.mr < 1 || shape.mr > 6) {
    throw new Error(`gemm shape: mr must be an integer in 1..6, got ${String(shape.mr)}`);
  }
  if (![1, 2, 4, 8].includes(shape.unroll)) {
    throw new Error(`gemm shape: unroll must be 1, 2, 4 or 8, got ${String(shape.unroll)}`);
  }
  const packs = (suffix: string, R: number): Fn[] =>
    R % 4 === 0
      ? [packScalarFn(`packScalar${suffix}`, R), packCopyFn(`packCopy${suffix}`, R), packTFn(`packT${suffix}`, R)]
      : [packScalarFn(`packScalar${suffix}`, R)];
  return moduleBytes([...packs("A", shape.mr), ...packs("B", NR), kernelFn(shape)], sharedMaxPages);
}

type PackScalar = (src: number, os: number, is: number, outer: number, inner: number, dst: number, ps: number) => void;
type PackCopy = (src: number, is: number, panels: number, inner: number, dst: number) => void;
type PackT = (src: number, os: number, panels: number, inner4: number, dst: number, ps: number) => void;

/** The module's exports (byte offsets into the memory); packCopyA/packTA only when mr is a multiple of 4. */
export interface GemmExports {
  packScalarA: PackScalar;
  packCopyA?: PackCopy;
  packTA?: PackT;
  packScalarB: PackScalar;
  packCopyB: PackCopy;
  packTB: PackT;
  kernel(pa: number, pb: number, c: number, m: number, n: number, k: number, ldc: number, scratch: number): void;
}

/**
 * Packs op(X) (element (outer, inner) at src + outer·os + inner·is, bytes) into panels of R outer indices at dst
 * (panel stride inner·R·4): vector copies or 4×4 transposes for the full panels where one stride is 4, floats
 * for the rest.
 */
export function pack(
  fns: { scalar: PackScalar; copy?: PackCopy; t?: PackT },
  R: number,
  src: number,
  os: number,
  is: number,
  outer: number,
  inner: number,
  dst: number,
): void {
  const ps = inner * R * 4;
  const full = Math.floor(outer / R);
  let done = 0; // outer indices packed
  if (full > 0 && os === 4 && fns.copy !== undefined) {
    fns.copy(src, is, full, inner, dst);
    done = full * R;
  } else if (full > 0 && is === 4 && fns.t !== undefined) {
    const inner4 = inner - (inner % 4);
    if (inner4 > 0) fns.t(src, os, full, inner4, dst, ps);
    if (inner4 < inner) fns.scalar(src + inner4 * is, os, is, full * R, inner - inner4, dst + inner4 * R * 4, ps);
    done = full * R;
  }
  if (done < outer) fns.scalar(src + done * os, os, is, outer - done, inner, dst + (done / R) * ps, ps);
}

/** Instantiates the GEMM functions on `memory` (throws where the engine has no WebAssembly SIMD). */
export function instantiateGemm(memory: WasmMemory, shape: GemmShape = DEFAULT_SHAPE): GemmExports {
  return instantiate(gemmModuleBytes(shape), memory) as unknown as GemmExports;
}

/** Bytes of scratch {@link runProduct} needs for an m×n×k product: A and B packed, one edge tile. */
export function scratchBytes(mr: number, m: number, n: number, k: number): number {
  return Math.ceil(m / mr) * mr * k * 4 + Math.ceil(n / NR) * NR * k * 4 + mr * NR * 4;
}

/** One product's operands: byte offsets in the GEMM's memory, element strides between batch items (0: shared). */
export interface Product {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  batch: number;
  a: number;
  b: number;
  c: number;
  strideA: number;
  strideB: number;
}

/**
 * C_t = op(A_t)·op(B_t) for every batch item t (C items contiguous, m·n floats each), packing into `scratch`
 * ({@link scratchBytes}); an empty inner dimension gives zeros. A shared operand (stride 0) is packed once.
 */
export function runProduct(g: GemmExports, mr: number, p: Product, scratch: number, heap: Float32Array): void {
  const { m, n, k, batch } = p;
  if (m === 0 || n === 0 || batch === 0) return;
  const pa = scratch,
    pb = pa + Math.ceil(m / mr) * mr * k * 4,
    edge = pb + Math.ceil(n / NR) * NR * k * 4;
  const packA = { scalar: g.packScalarA, copy: g.packCopyA, t: g.packTA };
  const packB = { scalar: g.packScalarB, copy: g.packCopyB, t: g.packTB };
  for (let t = 0; t < batch; t++) {
    const c = p.c + 4 * t * m * n;
    if (k === 0) {
      heap.fill(0, c / 4, c / 4 + m * n);
      continue;
    }
    // op(A)[i, kk] at a + i·os + kk·is (bytes), op(B)[kk, j] at b + j·os + kk·is
    if (t === 0 || p.strideA !== 0) {
      pack(packA, mr, p.a + 4 * t * p.strideA, p.transA ? 4 : 4 * k, p.transA ? 4 * m : 4, m, k, pa);
    }
    if (t === 0 || p.strideB !== 0) {
      pack(packB, NR, p.b + 4 * t * p.strideB, p.transB ? 4 * k : 4, p.transB ? 4 : 4 * n, n, k, pb);
    }
    g.kernel(pa, pb, c, m, n, k, 4 * n, edge);
  }
}
