/**
 * Fused tfjs kernels for the fast update (src/agents/fused/update.ts), registered for the `wasm` and `cpu` backends.
 *
 * Each kernel does in ONE engine call what the reference update does with tens of tfjs ops (and an autodiff
 * tape): a whole MLP forward pass (every layer, twin networks together), the explicit backward pass of an MLP
 * (ReLU masks, bias sums and the weight products), the tanh-Gaussian sample and its gradient, one Adam step over
 * every variable of an optimiser, one Polyak step over every target variable, and the small loss heads. The
 * products inside run through whatever BatchMatMul / _FusedMatMul kernels are registered for the backend (the
 * native CBLAS kernels of src/engine/native.ts, or the pure wasm ones), called directly; the elementwise work
 * runs on the backend's memory: Adam, Polyak, bias + ReLU and ReLU masks as WebAssembly SIMD on the wasm heap
 * (simd.ts; float32, one rounding per op, bit-identical JavaScript versions for the cpu backend), the small
 * per-row heads (tanh-Gaussian, losses, targets) as JavaScript loops in float64 rounded to float32 on store.
 *
 * Why: at the paper's shapes a reference update is ≈900 tfjs kernels of ≈3–5 µs of JavaScript bookkeeping
 * each, and tfjs-wasm's elementwise kernels run at 2–4 ns per element (one pass per op); here an update is
 * 20–30 engine calls and each elementwise pass does several ops.
 *
 * Kernel outputs are fresh tensors (tfjs semantics: inputs are never written). Shapes are checked by the
 * callers in update.ts; the kernels assume float32 inputs of the documented shapes.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  isOurNativeGemm,
  nativeElementwise,
  nativeStatus,
  productLanes,
  withConcurrentProducts,
} from "../../engine/native";
import { heapOffset, wasmMemory } from "../../engine/tfjs-internals";
import { adamJs, biasReluJs, polyakJs, reluJs, reluMaskJs, simdLoops } from "./simd";
import type { AdamConstants } from "./simd";
import { adamConstants, bool, inputOf, num } from "./kernel-args";
import type { KernelArgs } from "./kernel-args";

type TensorInfo = tf.TensorInfo;

/**
 * The backends the fused kernels are registered for: wasm and cpu always (this file), webgpu once that backend is
 * registered with tfjs (WGSL programs: webgpu-kernels.ts).
 */
export const FAST_BACKENDS = ["wasm", "cpu", "webgpu"] as const;

/** Names of the fused kernels (all prefixed `Virel`). */
export const FAST_KERNELS = [
  "VirelMlpForward",
  "VirelMlpBackward",
  "VirelTanhGaussian",
  "VirelTanhGaussianGrad",
  "VirelAdam",
  "VirelPolyak",
  "VirelSoftMin",
  "VirelTdTarget",
  "VirelMseGrad",
  "VirelMinGrad",
] as const;

const LOG2 = Math.log(2);

/** Memory access for one backend: float32 views of tensor data, allocation and release. */
interface Heap {
  readonly backend: tf.KernelBackend;
  readonly name: string;
  /**
   * Where a product's bias + ReLU runs ({@link epilogueMode}): "outside" with the native BLAS or our wasm SIMD
   * GEMM — their fused epilogue (a strided bias copy before the product, a scalar ReLU loop after it: ≈0.2 ms per
   * 256×256 output here) is replaced by a plain product and {@link Heap.biasAct} (one SIMD pass, ≈0.01 ms);
   * "fused" with our native kernels (native/src/virel_gemm.c), which add the bias to the finished sum and apply
   * ReLU in registers — the same arithmetic as {@link Heap.biasAct}, without the pass: products go to
   * `_FusedMatMul` with their bias and ReLU; "stock" in the backend's own _FusedMatMul.
   */
  readonly epilogue: EpilogueMode;
  /** True when Adam, Polyak and the ReLU mask run in the native addon (virel_elementwise.c; the same bits). */
  readonly nativeLoops: boolean;
  /** A float32 view of t's data. On wasm, take views only after the last allocation (the heap may grow). */
  f32(t: TensorInfo): Float32Array;
  /** A new float32 tensor of `shape` (contents undefined on wasm; zero on cpu). */
  alloc(shape: number[]): TensorInfo;
  free(t: TensorInfo): void;
  /** y ← y + bias (row-wise), then max(·, 0) when relu, in place (y [rows, cols] a tensor this kernel allocated). */
  biasAct(y: TensorInfo, bias: TensorInfo | undefined, relu: boolean): void;
  /** g ← g ⊙ 1[h > 0] in place (g a tensor this kernel allocated). */
  reluMask(g: TensorInfo, h: TensorInfo): void;
  /** One Adam step into fresh outputs w2, m2, v2 (see simd.ts). */
  adam(
    w: TensorInfo,
    g: TensorInfo,
    m: TensorInfo,
    v: TensorInfo,
    w2: TensorInfo,
    m2: TensorInfo,
    v2: TensorInfo,
    k: AdamConstants,
  ): void;
  /** out = s·τ + t·(1 − τ). */
  polyak(s: TensorInfo, t: TensorInfo, out: TensorInfo, tau: number, omt: number): void;
}

/**
 * Where the bias + ReLU of a product runs on the wasm backend: "fused" in our native kernels' epilogue,
 * "outside" (a plain product, then {@link Heap.biasAct}) with the native BLAS or our wasm SIMD GEMM, "stock"
 * in tfjs-backend-wasm's own _FusedMatMul (XNNPACK).
 */
type EpilogueMode = "fused" | "outside" | "stock";

function epilogueMode(): EpilogueMode {
  const status = nativeStatus();
  if (status.loaded) return isOurNativeGemm(status.gemm) ? "fused" : "outside";
  return status.wasmGemm === true ? "outside" : "stock";
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Elementwise loops on Float32Array views (the cpu backend; wasm without SIMD). */
function jsLoops(f32: (t: TensorInfo) => Float32Array): Pick<Heap, "biasAct" | "reluMask" | "adam" | "polyak"> {
  return {
    biasAct: (y, bias, relu) => {
      if (bias !== undefined) biasReluJs(f32(y), f32(bias), relu);
      else if (relu) reluJs(f32(y));
    },
    reluMask: (g, h) => reluMaskJs(f32(g), f32(h)),
    adam: (w, g, m, v, w2, m2, v2, k) => adamJs(f32(w), f32(g), f32(m), f32(v), f32(w2), f32(m2), f32(v2), k),
    polyak: (s, t, out, tau, omt) => polyakJs(f32(s), f32(t), f32(out), tau, omt),
  };
}

function wasmHeap(backend: BackendWasm): Heap {
  const f32 = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
  const memory = wasmMemory(backend);
  const simd = memory !== null ? simdLoops(memory) : null;
  const base = {
    backend: backend as unknown as tf.KernelBackend,
    name: "wasm",
    epilogue: epilogueMode(),
    nativeLoops: nativeElementwise() !== null,
    f32,
    alloc: (shape: number[]) => backend.makeOutput(shape, "float32"),
    free: (t: TensorInfo) => void backend.disposeData(t.dataId),
  };
  if (simd === null) return { ...base, ...jsLoops(f32) };
  const ptr = (t: TensorInfo): number => heapOffset(backend, t);
  /** The SIMD part covers the first ⌊n/4⌋·4 elements; JavaScript does the rest (bit-identical arithmetic). */
  const bulk = (t: TensorInfo): number => size(t.shape) & ~3;
  const loops: Heap = {
    ...base,
    biasAct: (y, bias, relu) => {
      const rows = y.shape[0] as number,
        cols = y.shape[1] as number;
      if (bias !== undefined && cols % 4 === 0) {
        (relu ? simd.biasRelu : simd.biasAdd)(ptr(y), ptr(bias), rows, 4 * cols);
      } else if (bias !== undefined) {
        biasReluJs(f32(y), f32(bias), relu);
      } else if (relu) {
        const n = bulk(y);
        simd.relu(ptr(y), 4 * n);
        reluJs(f32(y), n);
      }
    },
    reluMask: (g, h) => {
      const n = bulk(g);
      simd.reluMask(ptr(g), ptr(h), 4 * n);
      reluMaskJs(f32(g), f32(h), n);
    },
    adam: (w, g, m, v, w2, m2, v2, k) => {
      const n = bulk(w);
      simd.adam(
        ptr(w),
        ptr(g),
        ptr(m),
        ptr(v),
        ptr(w2),
        ptr(m2),
        ptr(v2),
        4 * n,
        k.b1,
        k.c1,
        k.b2,
        k.c2,
        k.step,
        k.isb,
        k.eps,
      );
      adamJs(f32(w), f32(g), f32(m), f32(v), f32(w2), f32(m2), f32(v2), k, n);
    },
    polyak: (s, t, out, tau, omt) => {
      const n = bulk(s);
      simd.polyak(ptr(s), ptr(t), ptr(out), 4 * n, tau, omt);
      polyakJs(f32(s), f32(t), f32(out), tau, omt, n);
    },
  };
  // on the native path: Adam, Polyak and the ReLU mask in the addon (AVX-512: 16 floats a step; the same bits)
  const nat = base.nativeLoops ? nativeElementwise() : null;
  if (nat === null || memory === null) return loops;
  const pAdam = new Float64Array(15),
    pPolyak = new Float64Array(6),
    pMask = new Float64Array(3);
  return {
    ...loops,
    reluMask: (g, h) => {
      pMask[0] = size(g.shape);
      pMask[1] = ptr(g);
      pMask[2] = ptr(h);
      nat.reluMask(memory.buffer, pMask);
    },
    adam: (w, g, m, v, w2, m2, v2, k) => {
      pAdam.set([size(w.shape), ptr(w), ptr(g), ptr(m), ptr(v), ptr(w2), ptr(m2), ptr(v2)]);
      pAdam.set([k.b1, k.c1, k.b2, k.c2, k.step, k.isb, k.eps], 8);
      nat.adam(memory.buffer, pAdam);
    },
    polyak: (s, t, out, tau, omt) => {
      pPolyak.set([size(s.shape), ptr(s), ptr(t), ptr(out), tau, omt]);
      nat.polyak(memory.buffer, pPolyak);
    },
  };
}

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): TensorInfo;
  disposeData(dataId: object): boolean;
}

function cpuHeap(backend: CpuBackendLike): Heap {
  const f32 = (t: TensorInfo): Float32Array => {
    const v = backend.data.get(t.dataId)?.values;
    if (!(v instanceof Float32Array)) throw new Error(`fast kernels need float32 data, got ${t.dtype}`);
    return v;
  };
  return {
    backend: backend as unknown as tf.KernelBackend,
    name: "cpu",
    epilogue: "stock",
    nativeLoops: false,
    f32,
    alloc: (shape) => backend.makeTensorInfo(shape, "float32", new Float32Array(size(shape))),
    free: (t) => void backend.disposeData(t.dataId),
    ...jsLoops(f32),
  };
}

/** A 3-D view [1, r, c] of a 2-D tensor (same data; what the stock matmul kernels expect). */
function as3d(t: TensorInfo): TensorInfo {
  return { dataId: t.dataId, shape: [1, t.shape[0] as number, t.shape[1] as number], dtype: t.dtype };
}

function single(r: TensorInfo | TensorInfo[]): TensorInfo {
  return Array.isArray(r) ? (r[0] as TensorInfo) : r;
}

/**
 * `op(a)·op(b) [+ bias, ReLU]` through the backend's registered (possibly native) matmul kernels.
 * @param a shape [m, k] (or [k, m] when transA); @param b shape [k, n] (or [n, k] when transB) → [m, n].
 */
function gemm(
  heap: Heap,
  a: TensorInfo,
  b: TensorInfo,
  transA: boolean,
  transB: boolean,
  bias?: TensorInfo,
  relu = false,
): TensorInfo {
  if ((bias !== undefined || relu) && heap.epilogue === "outside") {
    const y = gemm(heap, a, b, transA, transB);
    heap.biasAct(y, bias, relu);
    return y;
  }
  const m = (transA ? a.shape[1] : a.shape[0]) as number;
  const n = (transB ? b.shape[0] : b.shape[1]) as number;
  const fused = bias !== undefined || relu;
  const config = tf.getKernel(fused ? "_FusedMatMul" : "BatchMatMul", heap.name);
  if (!config) throw new Error(`the ${heap.name} backend has no ${fused ? "_FusedMatMul" : "BatchMatMul"} kernel`);
  const inputs: Record<string, TensorInfo> = { a: as3d(a), b: as3d(b) };
  if (bias !== undefined) inputs["bias"] = bias;
  const attrs: tf.NamedAttrMap = fused
    ? { transposeA: transA, transposeB: transB, activation: relu ? "relu" : "linear", leakyreluAlpha: 0 }
    : { transposeA: transA, transposeB: transB };
  const out = single(config.kernelFunc({ inputs, backend: heap.backend, attrs }));
  return { dataId: out.dataId, shape: [m, n], dtype: "float32" };
}

// ---------------------------------------------------------------------------------------------------------------
// MLPs

/**
 * `VirelMlpForward` — inputs `x` [B, in] and, for nets n < `nets`, layers l < `layers`: `w{n}_{l}` [in_l, out_l],
 * `b{n}_{l}` [out_l]. Every net reads the same x: h₀ = x, h_{l+1} = ReLU(h_l W_l + b_l), the last layer linear.
 * Outputs per net: [h₁ … h_{L−1}, y] when `keep` (the activations the backward pass needs), else [y].
 */
function mlpForward(heap: Heap, args: KernelArgs): TensorInfo[] {
  const nets = num(args, "nets"),
    layers = num(args, "layers"),
    keep = bool(args, "keep");
  const x = inputOf(args, "x");
  const perNet: TensorInfo[][] = Array.from({ length: nets }, () => []);
  const h: TensorInfo[] = new Array<TensorInfo>(nets).fill(x);
  // layer by layer, the nets side by side: their products are independent (see gemms)
  for (let l = 0; l < layers; l++) {
    const last = l + 1 === layers;
    const ys = gemms(
      heap,
      h.map((hn, n) => ({
        a: hn,
        b: inputOf(args, `w${n}_${l}`),
        bias: inputOf(args, `b${n}_${l}`),
        relu: !last,
      })),
    );
    for (let n = 0; n < nets; n++) {
      if (h[n] !== x && !keep) heap.free(h[n]!);
      if (keep || last) perNet[n]!.push(ys[n]!);
      h[n] = ys[n]!;
    }
  }
  return perNet.flat();
}

/** One product of {@link gemms}: op(a)·op(b) [+ bias] [then ReLU]. */
interface GemmSpec {
  a: TensorInfo;
  b: TensorInfo;
  transA?: boolean;
  transB?: boolean;
  bias?: TensorInfo;
  relu?: boolean;
}

/**
 * Products that are independent of each other (none reads another's output), with the same results as
 * {@link gemm} on each in turn. On the native path with two product lanes (`VIREL_PRODUCT_LANES=2`) the products
 * go to the addon in one call and run on two threads, each single-threaded — bit-identical to one at a time —
 * and the bias + ReLU epilogues follow on this thread.
 */
function gemms(heap: Heap, specs: readonly GemmSpec[]): TensorInfo[] {
  const one = (s: GemmSpec) => gemm(heap, s.a, s.b, s.transA ?? false, s.transB ?? false, s.bias, s.relu ?? false);
  if (specs.length < 2 || productLanes() < 2 || heap.epilogue === "stock") return specs.map(one);
  // our native kernels: each product with its own bias and ReLU, queued together
  if (heap.epilogue === "fused") return withConcurrentProducts(() => specs.map(one));
  const ys = withConcurrentProducts(() => specs.map((s) => gemm(heap, s.a, s.b, s.transA ?? false, s.transB ?? false)));
  specs.forEach((s, i) => {
    if (s.bias !== undefined || s.relu === true) heap.biasAct(ys[i]!, s.bias, s.relu === true);
  });
  return ys;
}

/** The [1, cols] product 1ᵀg seen as the bias gradient's shape [cols]. */
function asColumnSum(s: TensorInfo, g: TensorInfo): TensorInfo {
  return { dataId: s.dataId, shape: [g.shape[1] as number], dtype: "float32" };
}

/**
 * `VirelMlpBackward` — the explicit backward pass of {@link mlpForward} (kept activations), for `nets` networks
 * that read the same x. Inputs: `x`, per net `h{n}_{l}` (l = 1 … L−1), `w{n}_{l}`, and `dy{n}` = ∂loss/∂y_n.
 * With g_{L−1} = dy and g_{l−1} = (g_l W_lᵀ) ⊙ 1[h_l > 0]:  ∂W_l = h_lᵀ g_l, ∂b_l = Σ_rows g_l (a product 1ᵀg
 * through the BLAS: a JavaScript column loop is ≈3 ns per element).
 * Outputs: when `paramGrads`, per net [∂W₀, ∂b₀, ∂W₁, ∂b₁, …]; then, when `inputCols` = [c₀, c₁] is given,
 * Σ_n (g₀ W₀ᵀ)[:, c₀:c₁] — the gradient with respect to those input columns summed over the nets (in net order).
 * Layer by layer, the nets' products (and a layer's ∂W, ∂b and g products) are independent: they go through
 * {@link gemms} together.
 */
function mlpBackward(heap: Heap, args: KernelArgs): TensorInfo[] {
  const nets = num(args, "nets"),
    layers = num(args, "layers"),
    paramGrads = bool(args, "paramGrads");
  const cols = args.attrs?.["inputCols"];
  const inputCols = Array.isArray(cols) && cols.length === 2 ? (cols as [number, number]) : null;
  const x = inputOf(args, "x");
  const rows = x.shape[0] as number;
  let dxSum: TensorInfo | null = null;
  const ones = paramGrads ? heap.alloc([1, rows]) : null;
  if (ones !== null) heap.f32(ones).fill(1);
  const dW: TensorInfo[][] = Array.from({ length: nets }, () => []),
    dB: TensorInfo[][] = Array.from({ length: nets }, () => []);
  const dy = Array.from({ length: nets }, (_, n) => inputOf(args, `dy${n}`));
  const g = [...dy];
  for (let l = layers - 1; l >= 0; l--) {
    const specs: GemmSpec[] = [];
    for (let n = 0; n < nets; n++) {
      const w = inputOf(args, `w${n}_${l}`);
      const hIn = l === 0 ? x : inputOf(args, `h${n}_${l}`);
      if (ones !== null) specs.push({ a: hIn, b: g[n]!, transA: true }, { a: ones, b: g[n]! }); // ∂W_l = h_lᵀ g_l, ∂b_l = 1ᵀ g_l
      if (l > 0 || inputCols !== null) specs.push({ a: g[n]!, b: w, transB: true }); // g_l W_lᵀ
    }
    const ys = gemms(heap, specs);
    let i = 0;
    for (let n = 0; n < nets; n++) {
      if (ones !== null) {
        dW[n]![l] = ys[i++]!;
        dB[n]![l] = asColumnSum(ys[i++]!, g[n]!);
      }
      if (l > 0) {
        // g_{l−1} = (g_l W_lᵀ) ⊙ 1[h_l > 0]
        const dh = ys[i++]!;
        heap.reluMask(dh, inputOf(args, `h${n}_${l}`));
        if (g[n] !== dy[n]) heap.free(g[n]!);
        g[n] = dh;
      } else {
        if (inputCols !== null) {
          // ∂x[:, c₀:c₁] = (g₀ W₀ᵀ)[:, c₀:c₁], summed over the nets
          const [c0, c1] = inputCols;
          const dx = ys[i++]!;
          const inDim = inputOf(args, `w${n}_0`).shape[0] as number,
            width = c1 - c0;
          if (dxSum === null) dxSum = heap.alloc([rows, width]);
          const src = heap.f32(dx),
            dst = heap.f32(dxSum);
          for (let r = 0; r < rows; r++) {
            for (let j = 0; j < width; j++) {
              const v = src[r * inDim + c0 + j]!;
              dst[r * width + j] = n === 0 ? v : dst[r * width + j]! + v;
            }
          }
          heap.free(dx);
        }
        if (g[n] !== dy[n]) heap.free(g[n]!);
      }
    }
  }
  const outs: TensorInfo[] = [];
  if (ones !== null) {
    for (let n = 0; n < nets; n++) for (let l = 0; l < layers; l++) outs.push(dW[n]![l]!, dB[n]![l]!);
    heap.free(ones);
  }
  if (dxSum !== null) outs.push(dxSum);
  return outs;
}

// ---------------------------------------------------------------------------------------------------------------
// The tanh-Gaussian policy head

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * `VirelTanhGaussian` — inputs `out` [B, 2A] = [μ, raw log σ], `noise` [B, A+1] = [ε, Σ_i(−ε_i²/2) − A·log√2π],
 * optional `obs` [B, O]. log σ = clip(raw, logStdMin, logStdMax), u = μ + σε, a = tanh u,
 * log π(a|s) = noise[:, A] − Σ_i [log σ_i + 2(log 2 − u_i − softplus(−2u_i))].
 * Outputs [a, log π]: a of shape [B, A], or [B, O+A] = [obs, a] when obs is given; log π of shape [B, 1].
 */
function tanhGaussian(heap: Heap, args: KernelArgs): TensorInfo[] {
  const out = inputOf(args, "out"),
    noise = inputOf(args, "noise"),
    obs = args.inputs["obs"];
  const lo = num(args, "logStdMin"),
    hi = num(args, "logStdMax");
  const rows = out.shape[0] as number,
    A = (out.shape[1] as number) / 2;
  const O = obs ? (obs.shape[1] as number) : 0;
  const act = heap.alloc([rows, O + A]);
  const logPi = heap.alloc([rows, 1]);
  const o = heap.f32(out),
    e = heap.f32(noise),
    a = heap.f32(act),
    lp = heap.f32(logPi);
  const s = obs ? heap.f32(obs) : null;
  const W = O + A;
  const memo = headMemo.fill(out, noise, lo, hi, rows * A);
  for (let r = 0; r < rows; r++) {
    if (s !== null) for (let j = 0; j < O; j++) a[r * W + j] = s[r * O + j]!;
    let sum = 0;
    for (let i = 0; i < A; i++) {
      const mu = o[r * 2 * A + i]!,
        raw = o[r * 2 * A + A + i]!;
      const logStd = raw < lo ? lo : raw > hi ? hi : raw;
      const sigma = Math.exp(logStd);
      const u = mu + sigma * e[r * (A + 1) + i]!;
      const t = Math.tanh(u);
      a[r * W + O + i] = t;
      memo.sigma[r * A + i] = sigma;
      memo.tanh[r * A + i] = t;
      sum += logStd + 2 * (LOG2 - u - softplus(-2 * u));
    }
    lp[r] = e[r * (A + 1) + A]! - sum;
  }
  return [act, logPi];
}

/**
 * σ = exp(log σ) and tanh(u) of the last {@link tanhGaussian} call, in float64, for the gradient kernel that
 * follows it on the same (out, noise) — the E-step's pair — so that it does not call Math.exp and Math.tanh again
 * (≈ 50 µs per SAC-v1 update at the paper's shapes): the same values it would compute. Keyed by the inputs' data
 * ids (tensors are immutable, so the same ids mean the same values and shapes; this cache holds the id objects, so
 * a later tensor cannot have the same ones) and the clip bounds.
 */
class HeadMemo {
  out: object | null = null;
  noise: object | null = null;
  lo = 0;
  hi = 0;
  sigma = new Float64Array(0);
  tanh = new Float64Array(0);

  /** Takes the memo for (out, noise, lo, hi), with room for n values. */
  fill(out: TensorInfo, noise: TensorInfo, lo: number, hi: number, n: number): this {
    if (this.sigma.length < n) {
      this.sigma = new Float64Array(n);
      this.tanh = new Float64Array(n);
    }
    this.out = out.dataId;
    this.noise = noise.dataId;
    this.lo = lo;
    this.hi = hi;
    return this;
  }

  has(out: TensorInfo, noise: TensorInfo, lo: number, hi: number): boolean {
    return this.out === out.dataId && this.noise === noise.dataId && this.lo === lo && this.hi === hi;
  }
}

const headMemo = new HeadMemo();

/**
 * `VirelTanhGaussianGrad` — ∂loss/∂out for loss = Σ_b [c·log π(a_b|s_b)] + ⟨∂loss/∂a, a⟩
 * + reg·(mean μ² + mean log σ²), with c = attr `dLogPi` (the same for every row), inputs `out`, `noise` as in
 * {@link tanhGaussian} and `dAction` [B, A]:
 *   ∂u = ∂a·(1 − a²) + c·2a,  ∂μ = ∂u + (2·reg/(B·A))·μ,
 *   ∂ log σ = ∂u·σε − c + (2·reg/(B·A))·log σ, passed to raw only where logStdMin ≤ raw ≤ logStdMax.
 * Outputs [∂out [B, 2A], [mean μ² + mean log σ²] shape [1]].
 */
function tanhGaussianGrad(heap: Heap, args: KernelArgs): TensorInfo[] {
  const out = inputOf(args, "out"),
    noise = inputOf(args, "noise"),
    dAction = inputOf(args, "dAction");
  const lo = num(args, "logStdMin"),
    hi = num(args, "logStdMax"),
    c = num(args, "dLogPi"),
    reg = num(args, "reg");
  const rows = out.shape[0] as number,
    A = (out.shape[1] as number) / 2;
  const dOut = heap.alloc([rows, 2 * A]);
  const regValue = heap.alloc([1]);
  const o = heap.f32(out),
    e = heap.f32(noise),
    da = heap.f32(dAction),
    d = heap.f32(dOut);
  const k = (2 * reg) / (rows * A);
  const memo = headMemo.has(out, noise, lo, hi) ? headMemo : null;
  let sumMu2 = 0,
    sumLs2 = 0;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < A; i++) {
      const mu = o[r * 2 * A + i]!,
        raw = o[r * 2 * A + A + i]!;
      const logStd = raw < lo ? lo : raw > hi ? hi : raw;
      const eps = e[r * (A + 1) + i]!;
      const sigma = memo !== null ? memo.sigma[r * A + i]! : Math.exp(logStd);
      const a = memo !== null ? memo.tanh[r * A + i]! : Math.tanh(mu + sigma * eps);
      const du = da[r * A + i]! * (1 - a * a) + c * 2 * a;
      d[r * 2 * A + i] = du + k * mu;
      d[r * 2 * A + A + i] = raw >= lo && raw <= hi ? du * sigma * eps - c + k * logStd : 0;
      sumMu2 += mu * mu;
      sumLs2 += logStd * logStd;
    }
  }
  heap.f32(regValue)[0] = (sumMu2 + sumLs2) / (rows * A);
  return [dOut, regValue];
}

// ---------------------------------------------------------------------------------------------------------------
// Optimiser and target networks

/**
 * `VirelAdam` — one Adam step (PyTorch's form) on `count` variables: inputs `w{i}`, `g{i}`, `m{i}`, `v{i}`;
 * attrs lr, beta1, beta2, eps, t (the step number after this step):
 *   m′ = β₁m + (1 − β₁)g,  v′ = β₂v + (1 − β₂)g²,  w′ = w − (lr/(1 − β₁ᵗ))·m′/(√v′/√(1 − β₂ᵗ) + ε).
 * Outputs [w₀′, m₀′, v₀′, w₁′, …].
 */
function adam(heap: Heap, args: KernelArgs): TensorInfo[] {
  const count = num(args, "count");
  const k: AdamConstants = adamConstants(args);
  const outs: TensorInfo[] = [];
  for (let i = 0; i < count; i++) {
    const w = inputOf(args, `w${i}`);
    outs.push(heap.alloc(w.shape), heap.alloc(w.shape), heap.alloc(w.shape));
  }
  for (let i = 0; i < count; i++) {
    heap.adam(
      inputOf(args, `w${i}`),
      inputOf(args, `g${i}`),
      inputOf(args, `m${i}`),
      inputOf(args, `v${i}`),
      outs[3 * i]!,
      outs[3 * i + 1]!,
      outs[3 * i + 2]!,
      k,
    );
  }
  return outs;
}

/** `VirelPolyak` — inputs `src{i}`, `tgt{i}` for i < `count`, attr tau: outputs tgt′ = τ·src + (1 − τ)·tgt. */
function polyak(heap: Heap, args: KernelArgs): TensorInfo[] {
  const count = num(args, "count");
  const [tau, omt] = polyakConstants(num(args, "tau"));
  const outs: TensorInfo[] = [];
  for (let i = 0; i < count; i++) outs.push(heap.alloc(inputOf(args, `tgt${i}`).shape));
  for (let i = 0; i < count; i++) heap.polyak(inputOf(args, `src${i}`), inputOf(args, `tgt${i}`), outs[i]!, tau, omt);
  return outs;
}

/** τ and 1 − τ as the float32 scalars every Polyak loop multiplies by (the kernel and the in-place step alike). */
function polyakConstants(tau: number): [number, number] {
  return [Math.fround(tau), Math.fround(1 - tau)];
}

/** The wasm backend when it is the active one (the in-place steps below run there only), else null. */
function activeWasm(): (BackendWasm & { refCount(dataId: object): number }) | null {
  if (tf.getBackend() !== "wasm") return null;
  const backend = tf.backend() as unknown as BackendWasm & { refCount?: (dataId: object) => number };
  return typeof backend.refCount === "function"
    ? (backend as BackendWasm & { refCount(dataId: object): number })
    : null;
}

/** True when no tensor but `t` itself refers to its data (no clone, reshape or live initial value shares it). */
function sole(backend: { refCount(dataId: object): number }, ts: readonly TensorInfo[]): boolean {
  for (const t of ts) if (backend.refCount(t.dataId) !== 1) return false;
  return true;
}

/**
 * One Adam step written into the variables' own memory: w, m and v updated in place, with the same loops and
 * arithmetic as `VirelAdam` (outputs = inputs; every element is read before it is written), but no new tensors,
 * no `assign` and no frees — on the wasm backend only. The variables keep their data ids, so a caller that
 * tracks "θ changed" by data id must count these steps itself (update.ts does).
 * Returns false, doing nothing, where it does not apply — another backend, or data shared with another tensor
 * (writing it would change that tensor too) — and the caller runs `VirelAdam` instead.
 */
export function adamInPlace(
  ws: readonly TensorInfo[],
  gs: readonly TensorInfo[],
  ms: readonly TensorInfo[],
  vs: readonly TensorInfo[],
  k: AdamConstants,
): boolean {
  const backend = activeWasm();
  if (backend === null || !sole(backend, ws) || !sole(backend, ms) || !sole(backend, vs)) return false;
  const heap = heapFor("wasm", backend);
  for (let i = 0; i < ws.length; i++) heap.adam(ws[i]!, gs[i]!, ms[i]!, vs[i]!, ws[i]!, ms[i]!, vs[i]!, k);
  return true;
}

/**
 * tgt ← τ·src + (1 − τ)·tgt written into the targets' own memory (as {@link adamInPlace}: wasm only, false when a
 * target's data is shared; then `VirelPolyak`).
 */
export function polyakInPlace(srcs: readonly TensorInfo[], tgts: readonly TensorInfo[], tau: number): boolean {
  const backend = activeWasm();
  if (backend === null || !sole(backend, tgts)) return false;
  const heap = heapFor("wasm", backend);
  const [t, omt] = polyakConstants(tau);
  for (let i = 0; i < tgts.length; i++) heap.polyak(srcs[i]!, tgts[i]!, tgts[i]!, t, omt);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Loss heads (shape [B, 1] columns)

/** `VirelSoftMin` — inputs `a`, optional `b`, optional `logPi` (all [B, 1]), attr temp: min(a, b) − temp·log π. */
function softMin(heap: Heap, args: KernelArgs): TensorInfo[] {
  const aT = inputOf(args, "a"),
    bT = args.inputs["b"],
    lT = args.inputs["logPi"];
  const temp = num(args, "temp");
  const out = heap.alloc(aT.shape);
  const a = heap.f32(aT),
    b = bT ? heap.f32(bT) : null,
    lp = lT ? heap.f32(lT) : null,
    o = heap.f32(out);
  for (let i = 0; i < a.length; i++) {
    let v = b !== null && b[i]! < a[i]! ? b[i]! : a[i]!;
    if (lp !== null) v -= temp * lp[i]!;
    o[i] = v;
  }
  return [out];
}

/**
 * `VirelTdTarget` — inputs `rd` [B, 2] = [r, d], `next` [B, 1], optional `logPi` [B, 1]; attrs gamma, temp:
 * ψ = r + γ(1 − d)·next, and with log π also the soft ψ′ = ψ − γ(1 − d)·temp·log π. Outputs [ψ] or [ψ, ψ′].
 */
function tdTarget(heap: Heap, args: KernelArgs): TensorInfo[] {
  const rdT = inputOf(args, "rd"),
    nextT = inputOf(args, "next"),
    lT = args.inputs["logPi"];
  const gamma = num(args, "gamma"),
    temp = num(args, "temp");
  const rows = nextT.shape[0] as number;
  const y = heap.alloc([rows, 1]);
  const ySoft = lT ? heap.alloc([rows, 1]) : null;
  const rd = heap.f32(rdT),
    next = heap.f32(nextT),
    yv = heap.f32(y);
  const lp = lT ? heap.f32(lT) : null,
    ys = ySoft ? heap.f32(ySoft) : null;
  for (let i = 0; i < rows; i++) {
    const gd = gamma * (1 - rd[2 * i + 1]!);
    const hard = rd[2 * i]! + gd * next[i]!;
    yv[i] = hard;
    if (lp !== null && ys !== null) ys[i] = hard - gd * temp * lp[i]!;
  }
  return ySoft ? [y, ySoft] : [y];
}

/**
 * `VirelMseGrad` — inputs `pred`, `target` [B, 1]: outputs [∂/∂pred of mean((pred − target)²) = 2(pred − target)/B,
 * [mean((pred − target)²), mean(pred)] shape [2]].
 */
function mseGrad(heap: Heap, args: KernelArgs): TensorInfo[] {
  const pT = inputOf(args, "pred"),
    tT = inputOf(args, "target");
  const grad = heap.alloc(pT.shape);
  const stats = heap.alloc([2]);
  const p = heap.f32(pT),
    t = heap.f32(tT),
    g = heap.f32(grad);
  const n = p.length;
  let se = 0,
    sp = 0;
  for (let i = 0; i < n; i++) {
    const diff = p[i]! - t[i]!;
    g[i] = (2 * diff) / n;
    se += diff * diff;
    sp += p[i]!;
  }
  const s = heap.f32(stats);
  s[0] = se / n;
  s[1] = sp / n;
  return [grad, stats];
}

/**
 * `VirelMinGrad` — inputs `q1`, `q2`, `logPi` [B, 1], attr scale: for loss = scale·Σ min(q1, q2), the gradients
 * scale·1[q1 ≤ q2] and scale·1[q1 > q2] (tfjs's convention at ties), and [mean min(q1, q2), mean log π] shape [2].
 */
function minGrad(heap: Heap, args: KernelArgs): TensorInfo[] {
  const aT = inputOf(args, "q1"),
    bT = inputOf(args, "q2"),
    lT = inputOf(args, "logPi");
  const scale = num(args, "scale");
  const d1 = heap.alloc(aT.shape),
    d2 = heap.alloc(aT.shape),
    stats = heap.alloc([2]);
  const a = heap.f32(aT),
    b = heap.f32(bT),
    lp = heap.f32(lT),
    g1 = heap.f32(d1),
    g2 = heap.f32(d2);
  let sum = 0,
    sumLp = 0;
  for (let i = 0; i < a.length; i++) {
    const first = a[i]! <= b[i]!;
    g1[i] = first ? scale : 0;
    g2[i] = first ? 0 : scale;
    sum += first ? a[i]! : b[i]!;
    sumLp += lp[i]!;
  }
  const s = heap.f32(stats);
  s[0] = sum / a.length;
  s[1] = sumLp / a.length;
  return [d1, d2, stats];
}

// ---------------------------------------------------------------------------------------------------------------
// Registration

const IMPLS: Readonly<Record<(typeof FAST_KERNELS)[number], (heap: Heap, args: KernelArgs) => TensorInfo[]>> = {
  VirelMlpForward: mlpForward,
  VirelMlpBackward: mlpBackward,
  VirelTanhGaussian: tanhGaussian,
  VirelTanhGaussianGrad: tanhGaussianGrad,
  VirelAdam: adam,
  VirelPolyak: polyak,
  VirelSoftMin: softMin,
  VirelTdTarget: tdTarget,
  VirelMseGrad: mseGrad,
  VirelMinGrad: minGrad,
};

const heaps = new WeakMap<object, Heap>();

/** The Heap of a backend instance (cached; rebuilt when the native kernels are switched on or off). */
function heapFor(backendName: string, backend: object): Heap {
  const cached = heaps.get(backend);
  if (
    cached !== undefined &&
    (backendName !== "wasm" ||
      (cached.epilogue === epilogueMode() && cached.nativeLoops === (nativeElementwise() !== null)))
  )
    return cached;
  const heap = backendName === "wasm" ? wasmHeap(backend as BackendWasm) : cpuHeap(backend as CpuBackendLike);
  heaps.set(backend, heap);
  return heap;
}

let registered = false;
let registeredWebGpu = false;

/**
 * Registers the webgpu versions (webgpu-kernels.ts) once the webgpu backend is registered with tfjs (it is an
 * optional dependency, registered by src/engine/webgpu.ts when asked for); they call its own BatchMatMul and
 * _FusedMatMul kernels, looked up here.
 */
function installWebGpuKernels(): void {
  if (registeredWebGpu || tf.findBackendFactory("webgpu") === null) return;
  const batchMatMul = tf.getKernel("BatchMatMul", "webgpu"),
    fusedMatMul = tf.getKernel("_FusedMatMul", "webgpu");
  if (batchMatMul === undefined || fusedMatMul === undefined) return;
  const { webGpuKernelImpls } = require("./webgpu-kernels") as typeof import("./webgpu-kernels");
  // typed by FAST_KERNELS: a kernel missing from webgpu-kernels.ts fails to compile
  const impls: Readonly<Record<(typeof FAST_KERNELS)[number], tf.KernelFunc>> = webGpuKernelImpls(
    batchMatMul.kernelFunc,
    fusedMatMul.kernelFunc,
  );
  for (const name of FAST_KERNELS) {
    if (tf.getKernel(name, "webgpu")) tf.unregisterKernel(name, "webgpu");
    tf.registerKernel({ kernelName: name, backendName: "webgpu", kernelFunc: impls[name] });
  }
  registeredWebGpu = true;
}

/**
 * Registers the fused kernels for the wasm and cpu backends, and for webgpu when that backend is registered
 * (idempotent; cheap to call again: a later call picks up a webgpu backend registered since).
 */
export function installFastKernels(): void {
  installWebGpuKernels();
  if (registered) return;
  for (const backendName of ["wasm", "cpu"] as const) {
    for (const name of FAST_KERNELS) {
      if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
      const impl = IMPLS[name];
      tf.registerKernel({
        kernelName: name,
        backendName,
        kernelFunc: (args: KernelArgs) => impl(heapFor(backendName, args.backend), args),
      });
    }
  }
  registered = true;
}

/** Whether the fused kernels can run on the active backend (wasm, cpu or webgpu, kernels installed). */
export function fastKernelsAvailable(): boolean {
  const name = tf.getBackend();
  return (
    registered &&
    (FAST_BACKENDS as readonly string[]).includes(name) &&
    tf.getKernel("VirelMlpForward", name) !== undefined
  );
}
