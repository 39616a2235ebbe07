/**
 * A few WebAssembly instructions and a module writer, enough to assemble the small SIMD modules of this project
 * (the fused update's elementwise loops, src/agents/fused/simd.ts, and the products of the pure wasm path,
 * wasm-gemm.ts) at run time: no compiler, no binary file in the repository. Opcodes are the WebAssembly 2.0
 * spec's (core and 128-bit SIMD). Every module imports one memory, `env.memory` (the tfjs wasm backend's), so its
 * functions read and write tensors in place at their heap offsets.
 */

/** The parts of the WebAssembly JavaScript API used here (the project compiles without the DOM lib). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
};

export const I32 = 0x7f,
  F32 = 0x7d,
  V128 = 0x7b;

export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = Array.from(Buffer.from(s, "utf8"));
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

// Core instructions.
export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32Const = (n: number): number[] => [0x41, ...sleb(n)];
export const I32_LT_U = [0x49],
  I32_LE_U = [0x4d],
  I32_GE_U = [0x4f],
  I32_ADD = [0x6a],
  I32_SUB = [0x6b],
  I32_MUL = [0x6c],
  I32_DIV_U = [0x6e],
  I32_AND = [0x71],
  SELECT = [0x1b];
/** f32.load / f32.store with a constant byte offset (alignment hint 2^2). */
export const f32Load = (offset = 0): number[] => [0x2a, 2, ...uleb(offset)];
export const f32Store = (offset = 0): number[] => [0x38, 2, ...uleb(offset)];
/** `block … end` and `loop … end` with no result; `br_if depth`, `br depth`. */
export const block = (body: number[]): number[] => [0x02, 0x40, ...body, 0x0b];
export const loop = (body: number[]): number[] => [0x03, 0x40, ...body, 0x0b];
export const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];
export const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
/** `if … else … end` (no result) on the i32 on the stack. */
export const ifElse = (then: number[], otherwise: number[]): number[] => [
  0x04,
  0x40,
  ...then,
  0x05,
  ...otherwise,
  0x0b,
];
/** min(x, y) of two unsigned i32 (x and y instruction sequences, each evaluated twice). */
export const minU = (x: number[], y: number[]): number[] => [...x, ...y, ...x, ...y, ...I32_LT_U, ...SELECT];

// SIMD instructions.
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** v128.load / v128.store with a constant byte offset (alignment hint 2^0: tensors need not be 16-aligned). */
export const vLoad = (offset = 0): number[] => [...simd(0x00), 0, ...uleb(offset)];
export const vStore = (offset = 0): number[] => [...simd(0x0b), 0, ...uleb(offset)];
/** v128.load32_splat: one float from memory into all four lanes. */
export const vLoad32Splat = (offset = 0): number[] => [...simd(0x09), 2, ...uleb(offset)];
export const V_LOAD = vLoad(0);
export const V_STORE = vStore(0);
export const F32X4_SPLAT = simd(0x13),
  F32X4_GT = simd(0x44),
  V128_AND = simd(0x4e);
export const F32X4_SQRT = simd(0xe3),
  F32X4_ADD = simd(0xe4),
  F32X4_SUB = simd(0xe5),
  F32X4_MUL = simd(0xe6);
export const F32X4_DIV = simd(0xe7),
  F32X4_MAX = simd(0xe9);

/** A function: i32/f32/v128 parameters, extra locals (numbered after the parameters), and a body. */
export interface Fn {
  name: string;
  params: number[];
  locals: number[];
  body: number[];
}

/** `for (i = 0; i < bytes; i += 16) body` with i in local `i` and the byte count in local `bytes`. */
export function vectorLoop(i: number, bytes: number, body: number[]): number[] {
  return countedLoop(i, [...i32Const(0)], get(bytes), 16, body);
}

/**
 * `for (i = from; i < limit; i += step) body`: `from` and `limit` are instruction sequences that leave an i32
 * (evaluated once and every iteration respectively), i an i32 local, step a constant.
 */
export function countedLoop(i: number, from: number[], limit: number[], step: number, body: number[]): number[] {
  return [
    ...from,
    ...set(i),
    ...block(
      loop([
        ...get(i),
        ...limit,
        ...I32_GE_U,
        ...brIf(1),
        ...body,
        ...get(i),
        ...i32Const(step),
        ...I32_ADD,
        ...set(i),
        ...br(0),
      ]),
    ),
  ];
}

/** The address `p + i` (both i32 locals). */
export const at = (p: number, i: number): number[] => [...get(p), ...get(i), ...I32_ADD];

/**
 * The bytes of a module that imports env.memory and exports `fns` (no results: every function returns nothing).
 * With `sharedMaxPages` the import is a shared memory of at most that many 64 KiB pages (what a
 * `WebAssembly.Memory({ shared: true, maximum })` — a SharedArrayBuffer other threads see — needs).
 */
export function moduleBytes(fns: readonly Fn[], sharedMaxPages?: number): Uint8Array {
  const types = fns.map((f) => [0x60, ...uleb(f.params.length), ...f.params, 0x00]);
  const typeSec = section(1, [...uleb(types.length), ...types.flat()]);
  const limits = sharedMaxPages === undefined ? [0x00, ...uleb(0)] : [0x03, ...uleb(0), ...uleb(sharedMaxPages)];
  const importSec = section(2, [...uleb(1), ...name("env"), ...name("memory"), 0x02, ...limits]);
  const funcSec = section(3, [...uleb(fns.length), ...fns.flatMap((_, i) => uleb(i))]);
  const exportSec = section(7, [...uleb(fns.length), ...fns.flatMap((f, i) => [...name(f.name), 0x00, ...uleb(i)])]);
  const bodies = fns.map((f) => {
    const locals = [...uleb(f.locals.length), ...f.locals.flatMap((t) => [1, t])];
    const code = [...locals, ...f.body, 0x0b];
    return [...uleb(code.length), ...code];
  });
  const codeSec = section(10, [...uleb(bodies.length), ...bodies.flat()]);
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...typeSec,
    ...importSec,
    ...funcSec,
    ...exportSec,
    ...codeSec,
  ]);
}

/** Compiles `bytes` and instantiates it on `memory`; returns its exports (throws where the engine lacks SIMD). */
export function instantiate(bytes: Uint8Array, memory: WasmMemory): Record<string, unknown> {
  return instantiateModule(new WebAssembly.Module(bytes), memory);
}

/** Compiles `bytes` (a `WebAssembly.Module`, which can be posted to a worker). */
export function compile(bytes: Uint8Array): object {
  return new WebAssembly.Module(bytes);
}

/** Instantiates a compiled module on `memory`; returns its exports. */
export function instantiateModule(module: object, memory: WasmMemory): Record<string, unknown> {
  return new WebAssembly.Instance(module, { env: { memory } }).exports;
}
