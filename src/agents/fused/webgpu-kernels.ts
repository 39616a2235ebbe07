/**
 * The fused update's kernels (src/agents/fused/kernels.ts) for the `webgpu` backend: the same ten kernels, the
 * same inputs, attributes, outputs (shapes and order) and semantics, as WGSL compute programs run through the
 * backend's public `runWebGPUProgram`, with the products in the backend's own registered `BatchMatMul` /
 * `_FusedMatMul` kernels (bias + ReLU fused into the product's epilogue), called directly.
 *
 * A WebGPU program writes one output, so a kernel with several outputs runs several small programs (Adam: m′, v′,
 * then w′ from them; the tanh-Gaussian: the action, then log π; the loss heads: the gradient, then the stats).
 * Every intermediate is released with `backend.disposeData` before the kernel returns (the backend defers the
 * release of a buffer the current command encoder still uses). The programs follow tfjs-backend-webgpu's own
 * conventions: a flat dispatch (`webgpu_util.flatDispatchLayout` / `computeDispatch`), `fn main(index : i32)` with
 * `uniforms.size`, `setOutputAtIndex`, and the input shapes as the backend's `<name>Shape` uniforms; each
 * program's own constants (learning rate, τ, γ, …) are uniforms, so one compiled pipeline serves every call.
 *
 * Numerics: everything is float32 on the GPU. The wasm/cpu kernels compute the small per-row heads (the
 * tanh-Gaussian and its gradient, the TD target, the soft minimum, the loss gradients and every mean) in float64
 * and round once on store; here those are float32 expressions (one rounding per op, a sequential float32 sum per
 * mean), so they differ from the cpu kernels by a few float32 ulps — accumulated over a batch, ≈ n·2⁻²⁴ relative
 * for a mean of n terms. tanh, log1p and expm1 are written out (Kahan's expm1 and log1p tricks) rather than
 * taken from WGSL's tanh, whose SPIR-V lowering loses relative accuracy near 0 and may overflow for large
 * arguments. The shader compiler may contract a·b + c into a fused multiply-add (Adam, Polyak), a half-ulp
 * difference from the SIMD loops' separately rounded ops. test/engine/webgpu.test.ts checks each kernel against
 * the cpu kernel (measured on lavapipe: within 8.5e-7 of the output's scale) and the parameters after 8 fused
 * updates against the cpu backend's (measured: ‖Δ‖/‖w‖ ≤ 1.0e-6 per tensor).
 *
 * The column sums ∂b = Σ_rows g run as a program (one thread per column), the M-step statistics as one thread
 * per statistic looping over the batch: sequential, but a batch is at most a few thousand rows.
 */
import type * as tf from "@tensorflow/tfjs";
import { adamConstants, bool, inputOf, num } from "./kernel-args";
import type { KernelArgs } from "./kernel-args";

type TensorInfo = tf.TensorInfo;

/** The parts of tfjs-backend-webgpu's `WebGPUProgram` (dist/webgpu_program.d.ts) used here. */
interface WebGpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode(): string;
}

/** A program-defined uniform, as `runWebGPUProgram` takes it. */
interface ProgramUniform {
  type: "float32" | "int32";
  data: number[];
}

/** The public parts of tfjs-backend-webgpu's `WebGPUBackend` used here. */
interface WebGpuBackendLike {
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: ProgramUniform[],
  ): TensorInfo;
  disposeData(dataId: object): boolean;
}

/** tfjs-backend-webgpu's exported `webgpu_util` helpers used here. */
interface WebGpuUtil {
  flatDispatchLayout(shape: number[]): { x: number[] };
  computeDispatch(
    layout: { x: number[]; y?: number[]; z?: number[] },
    outputShape: number[],
    workgroupSize?: [number, number, number],
  ): [number, number, number];
}

let webgpuUtil: WebGpuUtil | null = null;

/** tfjs-backend-webgpu's `webgpu_util` (the package is an optional dependency: loaded on first use). */
function util(): WebGpuUtil {
  webgpuUtil ??= (require("@tensorflow/tfjs-backend-webgpu") as { webgpu_util: WebGpuUtil }).webgpu_util;
  return webgpuUtil;
}

/** The backend a kernel runs on, with the two helpers every kernel needs. */
class Gpu {
  constructor(readonly backend: WebGpuBackendLike) {}

  /**
   * Runs `body` once per output element (`index` < `uniforms.size`) of a float32 output of `outputShape`.
   * `inputs` bind to `names` (each read as `array<f32>`; every name must be read by `body`, since the pipeline's
   * layout is derived from the shader); `uniforms` are `name : f32` / `name : i32` fields with their values.
   */
  run(
    key: string,
    names: string[],
    inputs: TensorInfo[],
    outputShape: number[],
    body: string,
    uniforms: [string, "f32" | "i32", number][] = [],
  ): TensorInfo {
    const workgroupSize: [number, number, number] = [64, 1, 1];
    const dispatchLayout = util().flatDispatchLayout(outputShape);
    const program: WebGpuProgram = {
      variableNames: names,
      outputShape,
      shaderKey: `virel_${key}`,
      dispatchLayout,
      dispatch: util().computeDispatch(dispatchLayout, outputShape, workgroupSize),
      workgroupSize,
      size: true,
      getUserCode: () => `${WGSL_HELPERS}
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
    };
    if (uniforms.length > 0) program.uniforms = uniforms.map(([n, t]) => `${n} : ${t},`).join(" ");
    const data = uniforms.map(([, t, v]): ProgramUniform => ({ type: t === "f32" ? "float32" : "int32", data: [v] }));
    return this.backend.runWebGPUProgram(program, inputs, "float32", data.length > 0 ? data : undefined);
  }

  free(t: TensorInfo): void {
    this.backend.disposeData(t.dataId);
  }
}

/**
 * Float32 helpers shared by the programs: expm1 and log1p by Kahan's and Goldberg's tricks (accurate to a few
 * ulps given exp and log to a few ulps), tanh and softplus from them, and the log σ clip (NaN passes, as the
 * JavaScript `raw < lo ? lo : raw > hi ? hi : raw`).
 */
const WGSL_HELPERS = `
  fn virelExpm1(x : f32) -> f32 {
    let u = exp(x);
    if (u == 1.0) { return x; }
    let um1 = u - 1.0;
    if (um1 == -1.0) { return -1.0; }
    return um1 * x / log(u);
  }
  // log(1 + x) for x in [0, 1]
  fn virelLog1p(x : f32) -> f32 {
    let u = 1.0 + x;
    if (u == 1.0) { return x; }
    return log(u) * x / (u - 1.0);
  }
  // tanh x = −expm1(−2|x|) / (2 + expm1(−2|x|)), with the sign of x
  fn virelTanh(x : f32) -> f32 {
    let e = virelExpm1(-2.0 * abs(x));
    return sign(x) * (-e / (2.0 + e));
  }
  fn virelSoftplus(x : f32) -> f32 {
    if (x > 0.0) { return x + virelLog1p(exp(-x)); }
    return virelLog1p(exp(x));
  }
  fn virelClip(raw : f32, lo : f32, hi : f32) -> f32 {
    return select(select(raw, hi, raw > hi), lo, raw < lo);
  }
`;

function rowsOf(t: TensorInfo): number {
  return t.shape[0] as number;
}

function colsOf(t: TensorInfo): number {
  return t.shape[1] as number;
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A 3-D view [1, r, c] of a 2-D tensor (same data; what the stock matmul kernels expect). */
function as3d(t: TensorInfo): TensorInfo {
  return { dataId: t.dataId, shape: [1, rowsOf(t), colsOf(t)], dtype: t.dtype };
}

/**
 * `op(a)·op(b) [+ bias, ReLU]` through the webgpu backend's registered BatchMatMul / _FusedMatMul kernels.
 * @param a shape [m, k] (or [k, m] when transA); @param b shape [k, n] (or [n, k] when transB) → [m, n].
 */
function gemm(
  gpu: Gpu,
  kernels: MatMulKernels,
  a: TensorInfo,
  b: TensorInfo,
  transA: boolean,
  transB: boolean,
  bias?: TensorInfo,
  relu = false,
): TensorInfo {
  const m = (transA ? a.shape[1] : a.shape[0]) as number;
  const n = (transB ? b.shape[0] : b.shape[1]) as number;
  const fused = bias !== undefined || relu;
  const inputs: Record<string, TensorInfo> = { a: as3d(a), b: as3d(b) };
  if (bias !== undefined) inputs["bias"] = bias;
  const attrs: tf.NamedAttrMap = fused
    ? { transposeA: transA, transposeB: transB, activation: relu ? "relu" : "linear", leakyreluAlpha: 0 }
    : { transposeA: transA, transposeB: transB };
  const r = (fused ? kernels.fusedMatMul : kernels.batchMatMul)({
    inputs,
    backend: gpu.backend as unknown as tf.KernelBackend,
    attrs,
  });
  const out = Array.isArray(r) ? (r[0] as TensorInfo) : r;
  return { dataId: out.dataId, shape: [m, n], dtype: "float32" };
}

/** The webgpu backend's own product kernels (looked up at registration). */
interface MatMulKernels {
  batchMatMul: tf.KernelFunc;
  fusedMatMul: tf.KernelFunc;
}

// ---------------------------------------------------------------------------------------------------------------
// MLPs

/** `VirelMlpForward` — see kernels.ts: per net [h₁ … h_{L−1}, y] when `keep`, else [y]. */
function mlpForward(gpu: Gpu, mm: MatMulKernels, args: KernelArgs): TensorInfo[] {
  const nets = num(args, "nets"),
    layers = num(args, "layers"),
    keep = bool(args, "keep");
  const x = inputOf(args, "x");
  const out: TensorInfo[] = [];
  for (let n = 0; n < nets; n++) {
    let h = x;
    for (let l = 0; l < layers; l++) {
      const last = l + 1 === layers;
      const y = gemm(gpu, mm, h, inputOf(args, `w${n}_${l}`), false, false, inputOf(args, `b${n}_${l}`), !last);
      if (h !== x && !keep) gpu.free(h);
      if (keep || last) out.push(y);
      h = y;
    }
  }
  return out;
}

/** g ⊙ 1[h > 0] (a NaN h masks, as the JavaScript `!(h > 0)`). */
function reluMask(gpu: Gpu, g: TensorInfo, h: TensorInfo): TensorInfo {
  return gpu.run(
    "relu_mask",
    ["G", "H"],
    [g, h],
    [...g.shape],
    "setOutputAtIndex(index, select(0.0, G[index], H[index] > 0.0));",
  );
}

/** Σ_rows g for g [rows, cols] → [cols]: one thread per column, rows summed in order. */
function columnSum(gpu: Gpu, g: TensorInfo): TensorInfo {
  return gpu.run(
    "column_sum",
    ["G"],
    [g],
    [colsOf(g)],
    `let rows = uniforms.gShape.x;
     let cols = uniforms.gShape.y;
     var s = 0.0;
     for (var r = 0; r < rows; r++) { s = s + G[r * cols + index]; }
     setOutputAtIndex(index, s);`,
  );
}

/**
 * Σ_n d_n[:, c₀:c₀+width] over the [rows, in] tensors `ds` (summed in order), plus `acc` [rows, width] first when
 * given. At most 6 tensors per program (a stage binds at most 8 storage buffers); more are chained through acc.
 */
function sliceSum(gpu: Gpu, ds: TensorInfo[], c0: number, width: number, acc: TensorInfo | null): TensorInfo {
  const room = 6;
  const now = ds.slice(0, room);
  const names = now.map((_, i) => `X${i}`);
  const inputs = [...now];
  let first = `var v = X0[src];`;
  let rest = names.slice(1);
  if (acc !== null) {
    names.unshift("ACC");
    inputs.unshift(acc);
    first = `var v = ACC[index];`;
    rest = names.slice(1);
  }
  const rows = rowsOf(now[0]!);
  const out = gpu.run(
    `slice_sum_${acc !== null ? "acc_" : ""}${now.length}`,
    names,
    inputs,
    [rows, width],
    `let width = uniforms.outShape.y;
     let r = index / width;
     let j = index - r * width;
     let src = r * uniforms.x0Shape.y + uniforms.c0 + j;
     ${first}
     ${rest.map((nm) => `v = v + ${nm}[src];`).join("\n")}
     setOutputAtIndex(index, v);`,
    [["c0", "i32", c0]],
  );
  if (acc !== null) gpu.free(acc);
  return ds.length > room ? sliceSum(gpu, ds.slice(room), c0, width, out) : out;
}

/** `VirelMlpBackward` — see kernels.ts: per net [∂W₀, ∂b₀, …] (paramGrads), then Σ_n ∂x[:, c₀:c₁] (inputCols). */
function mlpBackward(gpu: Gpu, mm: MatMulKernels, args: KernelArgs): TensorInfo[] {
  const nets = num(args, "nets"),
    layers = num(args, "layers"),
    paramGrads = bool(args, "paramGrads");
  const cols = args.attrs?.["inputCols"];
  const inputCols = Array.isArray(cols) && cols.length === 2 ? (cols as [number, number]) : null;
  const x = inputOf(args, "x");
  const outs: TensorInfo[] = [];
  const dxs: TensorInfo[] = [];
  for (let n = 0; n < nets; n++) {
    const dy = inputOf(args, `dy${n}`);
    const dW: TensorInfo[] = [],
      dB: TensorInfo[] = [];
    let g = dy;
    for (let l = layers - 1; l >= 0; l--) {
      const w = inputOf(args, `w${n}_${l}`);
      const hIn = l === 0 ? x : inputOf(args, `h${n}_${l}`);
      if (paramGrads) {
        dW[l] = gemm(gpu, mm, hIn, g, true, false); // ∂W_l = h_lᵀ g_l
        dB[l] = columnSum(gpu, g); // ∂b_l = Σ_rows g_l
      }
      if (l > 0) {
        // g_{l−1} = (g_l W_lᵀ) ⊙ 1[h_l > 0]
        const dh = gemm(gpu, mm, g, w, false, true);
        const masked = reluMask(gpu, dh, hIn);
        gpu.free(dh);
        if (g !== dy) gpu.free(g);
        g = masked;
      } else {
        // ∂x = g₀ W₀ᵀ, its columns c₀:c₁ summed over the nets below
        if (inputCols !== null) dxs.push(gemm(gpu, mm, g, w, false, true));
        if (g !== dy) gpu.free(g);
      }
    }
    if (paramGrads) for (let l = 0; l < layers; l++) outs.push(dW[l]!, dB[l]!);
  }
  if (inputCols !== null && dxs.length > 0) {
    const [c0, c1] = inputCols;
    outs.push(sliceSum(gpu, dxs, c0, c1 - c0, null));
    for (const d of dxs) gpu.free(d);
  }
  return outs;
}

// ---------------------------------------------------------------------------------------------------------------
// The tanh-Gaussian policy head

/** The policy output P [B, 2A] = [μ, raw log σ], the noise E [B, A+1]; row r, action i: u and log σ. */
const TANH_GAUSSIAN_ROW = `
  let nA = uniforms.pShape.y / 2;
  let base = r * 2 * nA;
`;
function uOf(i: string): string {
  return `let mu = P[base + ${i}];
     let raw = P[base + nA + ${i}];
     let logStd = virelClip(raw, uniforms.lo, uniforms.hi);
     let sigma = exp(logStd);
     let eps = E[r * (nA + 1) + ${i}];
     let u = mu + sigma * eps;`;
}

/** `VirelTanhGaussian` — see kernels.ts: [a ([B, A], or [B, O+A] = [obs, a] with obs), log π [B, 1]]. */
function tanhGaussian(gpu: Gpu, args: KernelArgs): TensorInfo[] {
  const out = inputOf(args, "out"),
    noise = inputOf(args, "noise"),
    obs = args.inputs["obs"];
  const lim: [string, "f32", number][] = [
    ["lo", "f32", num(args, "logStdMin")],
    ["hi", "f32", num(args, "logStdMax")],
  ];
  const rows = rowsOf(out),
    A = colsOf(out) / 2;
  const O = obs ? colsOf(obs) : 0;
  const act = gpu.run(
    obs ? "tanh_gaussian_obs" : "tanh_gaussian",
    obs ? ["P", "E", "S"] : ["P", "E"],
    obs ? [out, noise, obs] : [out, noise],
    [rows, O + A],
    `let width = uniforms.outShape.y;
     let r = index / width;
     let j = index - r * width;
     ${TANH_GAUSSIAN_ROW}
     let nO = width - nA;
     ${
       obs
         ? `if (j < nO) {
       setOutputAtIndex(index, S[r * nO + j]);
       return;
     }`
         : ""
     }
     let i = j - nO;
     ${uOf("i")}
     setOutputAtIndex(index, virelTanh(u));`,
    lim,
  );
  const logPi = gpu.run(
    "tanh_gaussian_log_pi",
    ["P", "E"],
    [out, noise],
    [rows, 1],
    `let r = index;
     ${TANH_GAUSSIAN_ROW}
     var s = 0.0;
     for (var i = 0; i < nA; i++) {
       ${uOf("i")}
       s = s + (logStd + 2.0 * (${Math.fround(Math.LN2)} - u - virelSoftplus(-2.0 * u)));
     }
     setOutputAtIndex(index, E[r * (nA + 1) + nA] - s);`,
    lim,
  );
  return [act, logPi];
}

/** `VirelTanhGaussianGrad` — see kernels.ts: [∂out [B, 2A], [mean μ² + mean log σ²] shape [1]]. */
function tanhGaussianGrad(gpu: Gpu, args: KernelArgs): TensorInfo[] {
  const out = inputOf(args, "out"),
    noise = inputOf(args, "noise"),
    dAction = inputOf(args, "dAction");
  const lo = num(args, "logStdMin"),
    hi = num(args, "logStdMax"),
    c = num(args, "dLogPi"),
    reg = num(args, "reg");
  const rows = rowsOf(out),
    A = colsOf(out) / 2;
  const dOut = gpu.run(
    "tanh_gaussian_grad",
    ["P", "E", "D"],
    [out, noise, dAction],
    [rows, 2 * A],
    `let width = uniforms.outShape.y;
     let r = index / width;
     let j = index - r * width;
     ${TANH_GAUSSIAN_ROW}
     let i = select(j, j - nA, j >= nA);
     ${uOf("i")}
     let a = virelTanh(u);
     let du = D[r * nA + i] * (1.0 - a * a) + uniforms.c * 2.0 * a;
     if (j < nA) {
       setOutputAtIndex(index, du + uniforms.k * mu);
     } else if (raw >= uniforms.lo && raw <= uniforms.hi) {
       setOutputAtIndex(index, du * sigma * eps - uniforms.c + uniforms.k * logStd);
     } else {
       setOutputAtIndex(index, 0.0);
     }`,
    [
      ["lo", "f32", lo],
      ["hi", "f32", hi],
      ["c", "f32", c],
      ["k", "f32", (2 * reg) / (rows * A)],
    ],
  );
  const regValue = gpu.run(
    "tanh_gaussian_reg",
    ["P"],
    [out],
    [1],
    `let rows = uniforms.pShape.x;
     let nA = uniforms.pShape.y / 2;
     var sumMu2 = 0.0;
     var sumLs2 = 0.0;
     for (var r = 0; r < rows; r++) {
       for (var i = 0; i < nA; i++) {
         let mu = P[r * 2 * nA + i];
         let logStd = virelClip(P[r * 2 * nA + nA + i], uniforms.lo, uniforms.hi);
         sumMu2 = sumMu2 + mu * mu;
         sumLs2 = sumLs2 + logStd * logStd;
       }
     }
     setOutputAtIndex(index, (sumMu2 + sumLs2) / f32(rows * nA));`,
    [
      ["lo", "f32", lo],
      ["hi", "f32", hi],
    ],
  );
  return [dOut, regValue];
}

// ---------------------------------------------------------------------------------------------------------------
// Optimiser and target networks

/**
 * `VirelAdam` — see kernels.ts: per variable m′ = m·β₁ + g·(1−β₁), v′ = v·β₂ + (g·g)·(1−β₂), then
 * w′ = w − step·(m′ / (√v′·isb + ε)) from m′ and v′, with the float32 constants of kernels.ts. Outputs
 * [w₀′, m₀′, v₀′, w₁′, …].
 */
function adam(gpu: Gpu, args: KernelArgs): TensorInfo[] {
  const count = num(args, "count");
  // the same float32 constants as kernels.ts (kernel-args.ts)
  const { b1, c1, b2, c2, step, isb, eps } = adamConstants(args);
  const outs: TensorInfo[] = [];
  for (let i = 0; i < count; i++) {
    const w = inputOf(args, `w${i}`),
      g = inputOf(args, `g${i}`),
      m = inputOf(args, `m${i}`),
      v = inputOf(args, `v${i}`);
    const shape = [...w.shape];
    const m2 = gpu.run(
      "adam_m",
      ["G", "M"],
      [g, m],
      shape,
      "setOutputAtIndex(index, M[index] * uniforms.b1 + G[index] * uniforms.c1);",
      [
        ["b1", "f32", b1],
        ["c1", "f32", c1],
      ],
    );
    const v2 = gpu.run(
      "adam_v",
      ["G", "V"],
      [g, v],
      shape,
      "let g = G[index]; setOutputAtIndex(index, V[index] * uniforms.b2 + (g * g) * uniforms.c2);",
      [
        ["b2", "f32", b2],
        ["c2", "f32", c2],
      ],
    );
    const w2 = gpu.run(
      "adam_w",
      ["W", "MN", "VN"],
      [w, m2, v2],
      shape,
      "setOutputAtIndex(index, W[index] - uniforms.lrStep * (MN[index] / (sqrt(VN[index]) * uniforms.isb + uniforms.eps)));",
      [
        ["lrStep", "f32", step],
        ["isb", "f32", isb],
        ["eps", "f32", eps],
      ],
    );
    outs.push(w2, m2, v2);
  }
  return outs;
}

/** `VirelPolyak` — inputs `src{i}`, `tgt{i}` for i < `count`, attr tau: outputs tgt′ = τ·src + (1 − τ)·tgt. */
function polyak(gpu: Gpu, args: KernelArgs): TensorInfo[] {
  const count = num(args, "count"),
    tau = num(args, "tau");
  const outs: TensorInfo[] = [];
  for (let i = 0; i < count; i++) {
    const s = inputOf(args, `src${i}`),
      t = inputOf(args, `tgt${i}`);
    outs.push(
      gpu.run(
        "polyak",
        ["S", "T"],
        [s, t],
        [...t.shape],
        "setOutputAtIndex(index, S[index] * uniforms.tau + T[index] * uniforms.omt);",
        [
          ["tau", "f32", tau],
          ["omt", "f32", 1 - tau],
        ],
      ),
    );
  }
  return outs;
}

// ---------------------------------------------------------------------------------------------------------------
// Loss heads (shape [B, 1] columns)

/** `VirelSoftMin` — inputs `a`, optional `b`, optional `logPi` (all [B, 1]), attr temp: min(a, b) − temp·log π. */
function softMin(gpu: Gpu, args: KernelArgs): TensorInfo[] {
  const a = inputOf(args, "a"),
    b = args.inputs["b"],
    lp = args.inputs["logPi"];
  const names = ["A"],
    inputs = [a];
  if (b) {
    names.push("B");
    inputs.push(b);
  }
  if (lp) {
    names.push("L");
    inputs.push(lp);
  }
  return [
    gpu.run(
      `soft_min${b ? "_b" : ""}${lp ? "_l" : ""}`,
      names,
      inputs,
      [...a.shape],
      `var v = A[index];
       ${b ? "if (B[index] < v) { v = B[index]; }" : ""}
       ${lp ? "v = v - uniforms.temp * L[index];" : ""}
       setOutputAtIndex(index, v);`,
      [["temp", "f32", num(args, "temp")]],
    ),
  ];
}

/** `VirelTdTarget` — see kernels.ts: ψ = r + γ(1 − d)·next, and with log π also ψ′ = ψ − γ(1 − d)·temp·log π. */
function tdTarget(gpu: Gpu, args: KernelArgs): TensorInfo[] {
  const rd = inputOf(args, "rd"),
    next = inputOf(args, "next"),
    lp = args.inputs["logPi"];
  const uniforms: [string, "f32", number][] = [
    ["gamma", "f32", num(args, "gamma")],
    ["temp", "f32", num(args, "temp")],
  ];
  const rows = rowsOf(next);
  const hard = `let gd = uniforms.gamma * (1.0 - RD[2 * index + 1]);
     let hard = RD[2 * index] + gd * N[index];`;
  const y = gpu.run(
    "td_target",
    ["RD", "N"],
    [rd, next],
    [rows, 1],
    `${hard} setOutputAtIndex(index, hard);`,
    uniforms,
  );
  if (!lp) return [y];
  const ySoft = gpu.run(
    "td_target_soft",
    ["RD", "N", "L"],
    [rd, next, lp],
    [rows, 1],
    `${hard} setOutputAtIndex(index, hard - gd * uniforms.temp * L[index]);`,
    uniforms,
  );
  return [y, ySoft];
}

/** `VirelMseGrad` — see kernels.ts: [2(pred − target)/B, [mean((pred − target)²), mean(pred)] shape [2]]. */
function mseGrad(gpu: Gpu, args: KernelArgs): TensorInfo[] {
  const p = inputOf(args, "pred"),
    t = inputOf(args, "target");
  const grad = gpu.run(
    "mse_grad",
    ["P", "T"],
    [p, t],
    [...p.shape],
    "setOutputAtIndex(index, 2.0 * (P[index] - T[index]) / f32(uniforms.size));",
  );
  const stats = gpu.run(
    "mse_stats",
    ["P", "T"],
    [p, t],
    [2],
    `let n = uniforms.n;
     var s = 0.0;
     if (index == 0) {
       for (var i = 0; i < n; i++) { let d = P[i] - T[i]; s = s + d * d; }
     } else {
       for (var i = 0; i < n; i++) { s = s + P[i]; }
     }
     setOutputAtIndex(index, s / f32(n));`,
    [["n", "i32", size(p.shape)]],
  );
  return [grad, stats];
}

/** `VirelMinGrad` — see kernels.ts: [scale·1[q1 ≤ q2], scale·1[q1 > q2], [mean min(q1, q2), mean log π]]. */
function minGrad(gpu: Gpu, args: KernelArgs): TensorInfo[] {
  const q1 = inputOf(args, "q1"),
    q2 = inputOf(args, "q2"),
    lp = inputOf(args, "logPi");
  const scale: [string, "f32", number][] = [["scale", "f32", num(args, "scale")]];
  const shape = [...q1.shape];
  const d1 = gpu.run(
    "min_grad_1",
    ["Q1", "Q2"],
    [q1, q2],
    shape,
    "setOutputAtIndex(index, select(0.0, uniforms.scale, Q1[index] <= Q2[index]));",
    scale,
  );
  const d2 = gpu.run(
    "min_grad_2",
    ["Q1", "Q2"],
    [q1, q2],
    shape,
    "setOutputAtIndex(index, select(uniforms.scale, 0.0, Q1[index] <= Q2[index]));",
    scale,
  );
  const stats = gpu.run(
    "min_stats",
    ["Q1", "Q2", "L"],
    [q1, q2, lp],
    [2],
    `let n = uniforms.n;
     var s = 0.0;
     if (index == 0) {
       for (var i = 0; i < n; i++) { s = s + select(Q2[i], Q1[i], Q1[i] <= Q2[i]); }
     } else {
       for (var i = 0; i < n; i++) { s = s + L[i]; }
     }
     setOutputAtIndex(index, s / f32(n));`,
    [["n", "i32", size(q1.shape)]],
  );
  return [d1, d2, stats];
}

// ---------------------------------------------------------------------------------------------------------------
// Registration

type Impl = (gpu: Gpu, mm: MatMulKernels, args: KernelArgs) => TensorInfo[];

/** Keyed by the names of kernels.ts's FAST_KERNELS (kernels.ts checks that every one is here). */
const IMPLS = {
  VirelMlpForward: mlpForward,
  VirelMlpBackward: mlpBackward,
  VirelTanhGaussian: (gpu, _mm, args) => tanhGaussian(gpu, args),
  VirelTanhGaussianGrad: (gpu, _mm, args) => tanhGaussianGrad(gpu, args),
  VirelAdam: (gpu, _mm, args) => adam(gpu, args),
  VirelPolyak: (gpu, _mm, args) => polyak(gpu, args),
  VirelSoftMin: (gpu, _mm, args) => softMin(gpu, args),
  VirelTdTarget: (gpu, _mm, args) => tdTarget(gpu, args),
  VirelMseGrad: (gpu, _mm, args) => mseGrad(gpu, args),
  VirelMinGrad: (gpu, _mm, args) => minGrad(gpu, args),
} as const satisfies Record<string, Impl>;

/** The kernels' names. */
export type WebGpuKernelName = keyof typeof IMPLS;

/**
 * The ten kernel functions for the webgpu backend, given the backend's BatchMatMul and _FusedMatMul kernel
 * functions (looked up by the caller when it registers them).
 */
export function webGpuKernelImpls(
  batchMatMul: tf.KernelFunc,
  fusedMatMul: tf.KernelFunc,
): Readonly<Record<WebGpuKernelName, tf.KernelFunc>> {
  const mm: MatMulKernels = { batchMatMul, fusedMatMul };
  const gpus = new WeakMap<object, Gpu>();
  const gpuFor = (backend: object): Gpu => {
    let g = gpus.get(backend);
    if (g === undefined) {
      g = new Gpu(backend as WebGpuBackendLike);
      gpus.set(backend, g);
    }
    return g;
  };
  const out = {} as Record<WebGpuKernelName, tf.KernelFunc>;
  for (const [name, impl] of Object.entries(IMPLS) as [WebGpuKernelName, Impl][]) {
    out[name] = (args: KernelArgs) => impl(gpuFor(args.backend), mm, args);
  }
  return out;
}
