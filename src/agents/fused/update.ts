/**
 * The fused update rule: the same Algorithm 1 step as the reference update (reference-update.ts: `criticStep`,
 * `actorStep`, `betaResidual`, `act`), on the same LearnerState, with the same noise draws — computed
 * with a handful of fused kernels (src/agents/fused/kernels.ts) and gradients written out by hand instead of
 * tfjs's autodiff tape:
 *
 *   - every MLP pass is one kernel (the twin Qs share one call: both read the same (s, a));
 *   - backprop through an MLP is explicit: g_{l−1} = (g_l W_lᵀ) ⊙ 1[h_l > 0], ∂W_l = h_lᵀ g_l, ∂b_l = Σ g_l;
 *   - the tanh-Gaussian sample, log π, and their gradient (Eq. 9 through the reparametrisation) are one kernel each;
 *   - Adam is one kernel per optimiser (all its variables), the Polyak average one kernel;
 *   - the V algorithms' M-step runs the policy on the minibatch's s (for ã in V̂(s)); the E-step that follows on the
 *     same minibatch, with θ unchanged in between, reuses that pass instead of repeating it;
 *   - the minibatch goes to the backend as four uploads (s, [s, a], s′, [r, d]), the noise as one per sample,
 *     from staging buffers reused across updates.
 *
 * The numbers agree with the reference update to float32 rounding (test/agents/fast.test.ts checks parameters
 * after several updates, for every algorithm and β rule). Available where the fused kernels are registered: the
 * wasm backend (with or without the native BLAS kernels), the cpu backend, and the webgpu backend (WGSL programs,
 * fused/webgpu-kernels.ts; test/engine/webgpu.test.ts checks it against the cpu backend); elsewhere (tfjs-node)
 * the Learner runs the reference update. What differs between the algorithms is read from the algorithm table
 * (algorithms.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { Mlp } from "../nn";
import type { Adam } from "../adam";
import type { Batch, ReplayBuffer } from "../replay";
import type { Rng } from "../../rng";
import { HALF_LOG_2PI } from "../tanh-gaussian";
import { needsNextAction } from "../algorithms";
import type { ActorStepResult, CriticStepResult, LearnerState, UpdateRule } from "../learner-state";
import { adamInPlace, installFastKernels, fastKernelsAvailable, polyakInPlace } from "./kernels";
import { adamConstantsOf } from "./kernel-args";
import { setting } from "../../engine/settings";

/** Whether learners use the fused update by default: yes, unless the environment sets `VIREL_FAST_UPDATE=0`. */
export function fusedUpdateDefault(): boolean {
  return setting("fastUpdate");
}

/** Whether the fused update can run on the active tfjs backend (wasm, cpu or webgpu); installs its kernels. */
export function fusedUpdateSupported(): boolean {
  installFastKernels();
  return fastKernelsAvailable();
}

/**
 * ε ~ N(0, I) for `rows` × `actDim` into `out` laid out [rows, actDim + 1]: ε, then Σ_i(−ε_i²/2) − actDim·log√2π.
 * Draws exactly what policy.ts's `drawNoise(rng, rows, actDim)` draws, in the same order.
 */
export function drawNoiseInto(rng: Rng, rows: number, actDim: number, out: Float32Array): Float32Array {
  const w = actDim + 1;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < actDim; i++) {
      const e = Math.fround(rng.normal());
      out[r * w + i] = e;
      s += -0.5 * e * e - HALF_LOG_2PI;
    }
    out[r * w + actDim] = s;
  }
  return out;
}

type Kernel = (typeof import("./kernels").FAST_KERNELS)[number];

function run(name: Kernel, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor[];
}

const W_KEYS: string[][] = [];
const B_KEYS: string[][] = [];
const H_KEYS: string[][] = [];
function key(table: string[][], prefix: string, n: number, l: number): string {
  const row = (table[n] ??= []);
  return (row[l] ??= `${prefix}${n}_${l}`);
}

/** One pass of `nets` MLPs (same depth) over the same x. Returns per net [h₁ … h_{L−1}, y] (keep) or [y]. */
function forward(nets: readonly Mlp[], x: tf.Tensor, keep: boolean): tf.Tensor2D[][] {
  const inputs: tf.NamedTensorMap = { x };
  const layers = nets[0]!.layers.length;
  nets.forEach((net, n) =>
    net.layers.forEach((l, i) => {
      inputs[key(W_KEYS, "w", n, i)] = l.w;
      inputs[key(B_KEYS, "b", n, i)] = l.b;
    }),
  );
  const outs = run("VirelMlpForward", inputs, { nets: nets.length, layers, keep }) as tf.Tensor2D[];
  const per = keep ? layers : 1;
  return nets.map((_, n) => outs.slice(n * per, (n + 1) * per));
}

/** The last element of a forward pass (the network output y). */
function out(acts: tf.Tensor2D[]): tf.Tensor2D {
  return acts[acts.length - 1]!;
}

/**
 * Explicit backprop through `nets` (kept activations `acts` from {@link forward} on x) for output gradients `dys`.
 * Returns per net [∂W₀, ∂b₀, …] (paramGrads) and, with inputCols, Σ_nets ∂x[:, c₀:c₁] as the last element.
 */
function backward(
  nets: readonly Mlp[],
  x: tf.Tensor,
  acts: tf.Tensor2D[][],
  dys: tf.Tensor[],
  paramGrads: boolean,
  inputCols?: [number, number],
): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = { x };
  const layers = nets[0]!.layers.length;
  nets.forEach((net, n) => {
    net.layers.forEach((l, i) => {
      inputs[key(W_KEYS, "w", n, i)] = l.w;
      if (i > 0) inputs[key(H_KEYS, "h", n, i)] = acts[n]![i - 1]!;
    });
    inputs[`dy${n}`] = dys[n]!;
  });
  const attrs: tf.NamedAttrMap = { nets: nets.length, layers, paramGrads };
  if (inputCols) attrs["inputCols"] = inputCols;
  return run("VirelMlpBackward", inputs, attrs);
}

/**
 * Whether Adam and Polyak steps write into the variables' own memory where they can (kernels.ts: adamInPlace,
 * polyakInPlace; wasm backend, unshared data) instead of making new tensors and assigning them: the same numbers,
 * 0.1–0.2 ms less bookkeeping per SAC-v1 update at the paper's shapes (medians, measured 2026-12-06). On by
 * default; tests and benchmarks switch it off to compare.
 */
let inPlaceSteps = true;

/** Switches in-place Adam / Polyak steps on or off (see {@link inPlaceSteps}); returns the previous value. */
export function setInPlaceSteps(on: boolean): boolean {
  const was = inPlaceSteps;
  inPlaceSteps = on;
  return was;
}

/** One Adam step (PyTorch's form, as adam.ts) on every variable of `opt` with gradients in the same order. */
function adamStep(opt: Adam, grads: readonly tf.Tensor[]): void {
  if (grads.length !== opt.vars.length)
    throw new Error(`${opt.name}: expected ${opt.vars.length} gradients, got ${grads.length}`);
  opt.t += 1;
  const { m, v } = opt.moments();
  if (inPlaceSteps && adamInPlace(opt.vars, grads, m, v, adamConstantsOf(opt.lr, opt.beta1, opt.beta2, opt.eps, opt.t)))
    return;
  const inputs: tf.NamedTensorMap = {};
  opt.vars.forEach((w, i) => {
    inputs[`w${i}`] = w;
    inputs[`g${i}`] = grads[i]!;
    inputs[`m${i}`] = m[i]!;
    inputs[`v${i}`] = v[i]!;
  });
  const outs = run("VirelAdam", inputs, {
    count: opt.vars.length,
    lr: opt.lr,
    beta1: opt.beta1,
    beta2: opt.beta2,
    eps: opt.eps,
    t: opt.t,
  });
  opt.vars.forEach((w, i) => {
    w.assign(outs[3 * i]!);
    m[i]!.assign(outs[3 * i + 1]!);
    v[i]!.assign(outs[3 * i + 2]!);
  });
}

/** φ̄ ← τφ + (1 − τ)φ̄ for every (source, target) pair of MLPs, in one kernel (Algorithm 1, last line). */
function polyakStep(pairs: readonly [Mlp, Mlp][], tau: number): void {
  const sources = pairs.flatMap(([src]) => src.variables());
  const targets = pairs.flatMap(([, tgt]) => tgt.variables());
  if (inPlaceSteps && polyakInPlace(sources, targets, tau)) return;
  const inputs: tf.NamedTensorMap = {};
  targets.forEach((t, i) => {
    inputs[`src${i}`] = sources[i]!;
    inputs[`tgt${i}`] = t;
  });
  const outs = run("VirelPolyak", inputs, { count: targets.length, tau });
  targets.forEach((t, i) => t.assign(outs[i]!));
}

/** dst[d·w + o + j] = src[s·w′ + j] for j < n: copies one row without a subarray view (no allocation). */
function copyRow(dst: Float32Array, dstOff: number, src: Float32Array, srcOff: number, n: number): void {
  for (let j = 0; j < n; j++) dst[dstOff + j] = src[srcOff + j]!;
}

function read(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Reusable upload buffers, one per role (a tensor made from one may still be alive when another is filled). */
class Staging {
  private readonly bufs = new Map<string, Float32Array>();
  get(role: string, length: number): Float32Array {
    let b = this.bufs.get(role);
    if (b === undefined || b.length !== length) {
      b = new Float32Array(length);
      this.bufs.set(role, b);
    }
    return b;
  }
}

/** The M-step's policy pass π(s) on its minibatch, kept for the E-step on the same batch. */
interface PolicyPass {
  batch: Batch;
  s: tf.Tensor2D;
  acts: tf.Tensor2D[];
  /** θ's data ids when the pass ran: any assign (a checkpoint load, an Adam step not in place) changes them. */
  theta: readonly object[];
  /** The E-step count when the pass ran: an in-place Adam step keeps the data ids. */
  piSteps: number;
}

export class FusedUpdate implements UpdateRule {
  readonly name = "fused";
  private readonly staging = new Staging();
  private piPass: PolicyPass | null = null;
  /** E-steps (Adam steps on θ) this rule has taken: what a kept policy pass is checked against, with the ids. */
  private piSteps = 0;
  /**
   * The cpu backend keeps the array a tensor is made from, and the webgpu backend keeps it until a program first
   * reads the tensor (its upload is lazy): copy staging buffers there, so refilling one never changes a tensor.
   */
  private readonly copyUploads: boolean;

  constructor(private readonly L: LearnerState) {
    installFastKernels();
    this.copyUploads = ["cpu", "webgpu"].includes(tf.getBackend());
  }

  private upload(data: Float32Array, shape: [number, number]): tf.Tensor2D {
    return tf.tensor2d(this.copyUploads ? data.slice() : data, shape);
  }

  /** ε for `rows` rows, drawn from the learner's noise Rng exactly as drawNoise does, as a [rows, A+1] tensor. */
  private noise(rows: number, role: string): tf.Tensor2D {
    const A = this.L.actDim;
    const buf = drawNoiseInto(this.L.noiseRng, rows, A, this.staging.get(`noise/${role}`, rows * (A + 1)));
    return this.upload(buf, [rows, A + 1]);
  }

  /** [s, a] rows [n, O+A] and [r, d] rows [n, 2] of a batch, from staging buffers. */
  private packBatch(b: Batch, role: string): { sa: tf.Tensor2D; rd: tf.Tensor2D } {
    const { size: n, obsDim: O, actDim: A } = b;
    const sa = this.staging.get(`sa/${role}`, n * (O + A));
    const rd = this.staging.get(`rd/${role}`, n * 2);
    for (let r = 0; r < n; r++) {
      copyRow(sa, r * (O + A), b.obs, r * O, O);
      copyRow(sa, r * (O + A) + O, b.act, r * A, A);
      rd[2 * r] = b.rew[r]!;
      rd[2 * r + 1] = b.done[r]!;
    }
    return { sa: this.upload(sa, [n, O + A]), rd: this.upload(rd, [n, 2]) };
  }

  private thetaIds(): object[] {
    return this.L.pi.net.variables().map((v) => v.dataId);
  }

  /** Frees a kept policy pass. */
  private dropPolicyPass(): void {
    if (this.piPass !== null) {
      tf.dispose([this.piPass.s, ...this.piPass.acts]);
      this.piPass = null;
    }
  }

  /** The kept policy pass when it is for this batch and θ has not changed since, else null. */
  private policyPassFor(batch: Batch): PolicyPass | null {
    const p = this.piPass;
    if (p === null || p.batch !== batch || p.piSteps !== this.piSteps) return null;
    const ids = this.thetaIds();
    return ids.every((id, i) => id === p.theta[i]) ? p : null;
  }

  /**
   * ã ∼ π(·|s) with its log-density: one policy pass (or its given output) and one tanh-Gaussian kernel. With
   * `withObs` the action comes back as [s, ã] (the critics' input) instead of ã.
   */
  private sample(
    s: tf.Tensor2D,
    noise: tf.Tensor2D,
    withObs: boolean,
    piOutput?: tf.Tensor2D,
  ): { action: tf.Tensor2D; logPi: tf.Tensor2D } {
    const L = this.L;
    const piOut = piOutput ?? out(forward([L.pi.net], s, false)[0]!);
    const inputs: tf.NamedTensorMap = { out: piOut, noise };
    if (withObs) inputs["obs"] = s;
    const [action, logPi] = run("VirelTanhGaussian", inputs, {
      logStdMin: L.pi.logStdMin,
      logStdMax: L.pi.logStdMax,
    }) as [tf.Tensor2D, tf.Tensor2D];
    return { action, logPi };
  }

  /** The fused M-step: same targets, order and noise draws as the reference `criticStep`. */
  criticStep(batch: Batch, temp: number, residual = false): CriticStepResult {
    const L = this.L;
    const { cfg, spec } = L;
    const B = batch.size,
      O = L.obsDim;
    const v = L.v,
      vTarget = L.vTarget;
    // ε for ã ∼ π(·|s) is drawn first, then ε for a′ ∼ π(·|s′) — as the reference does
    const needNow = spec.vTarget !== null;
    const needNext = needsNextAction(spec);
    this.dropPolicyPass();
    const result = tf.tidy(() => {
      const eNow = needNow ? this.noise(B, "now") : null;
      const eNext = needNext ? this.noise(B, "next") : null;
      const s = this.upload(batch.obs, [B, O]);
      const s2 = this.upload(batch.nextObs, [B, O]);
      const { sa, rd } = this.packBatch(batch, "m");
      const kept: tf.Tensor[] = [];
      // betaSource minibatch: ψ = r + γ(1−d) V(s′) with the online V before its step (beta.py's target); the
      // residual is read from the Q pass below, which also runs before the Q step
      // (V̄(s′) for ψ₁ below reads the same s′ and is not changed until the Polyak step: one pass for both)
      const hardV = spec.qTargets[0] === "hard-v";
      const nextPass = residual ? forward(hardV ? [v!, vTarget!] : [v!], s2, false).map(out) : null;
      const yBeta =
        nextPass !== null ? run("VirelTdTarget", { rd, next: nextPass[0]! }, { gamma: cfg.gamma, temp: 0 })[0]! : null;
      const vNextEarly = nextPass !== null && hardV ? nextPass[1]! : null;
      // φ ← φ − λ_V ∇J^V(φ),  J^V = E[(V(s) − V̂(s))²],  V̂(s) = min_i Q_i(s, ã)  [soft: − T log π(ã|s)]
      if (v !== null && eNow !== null) {
        // π(s), kept for the E-step on this minibatch, and V(s) in the same pass (both read s; V's pass does not
        // depend on π's sample): the two nets' products run side by side (VIREL_PRODUCT_LANES=2)
        const samePass = L.pi.net.layers.length === v.layers.length;
        const [piActs, vPass] = samePass
          ? (forward([L.pi.net, v], s, true) as [tf.Tensor2D[], tf.Tensor2D[]])
          : [forward([L.pi.net], s, true)[0]!, null];
        this.piPass = {
          batch,
          s: tf.keep(s),
          acts: piActs.map((t) => tf.keep(t)),
          theta: this.thetaIds(),
          piSteps: this.piSteps,
        };
        const now = this.sample(s, eNow, true, out(piActs));
        const [q1n, q2n] = forward([L.q1, L.q2], now.action, false).map(out) as [tf.Tensor2D, tf.Tensor2D];
        const vHatInputs: tf.NamedTensorMap = { a: q1n, b: q2n };
        if (spec.vTarget === "soft") vHatInputs["logPi"] = now.logPi;
        const [vHat] = run("VirelSoftMin", vHatInputs, { temp });
        const vActs = vPass !== null ? [vPass] : forward([v], s, true);
        const [dV, statsV] = run("VirelMseGrad", { pred: out(vActs[0]!), target: vHat! });
        adamStep(L.optV!, backward([v], s, vActs, [dV!], true));
        kept.push(statsV!);
      }
      // ψ_i, the TD(0) targets of Q₁ and Q₂ (§4.1), from the table's target kinds
      const [k1, k2] = spec.qTargets;
      let y1: tf.Tensor;
      let y2: tf.Tensor;
      if (k1 === "soft-min-target") {
        // ψ = r + γ(1−d)(min_j Q̄_j(s′, a′) − T log π(a′|s′))
        if (k2 !== k1) throw new Error(`fused update: target pair ${k1}/${k2} is not implemented`);
        const next = this.sample(s2, eNext!, true);
        const [t1, t2] = forward([L.q1Target!, L.q2Target!], next.action, false).map(out) as [tf.Tensor2D, tf.Tensor2D];
        const [soft] = run("VirelSoftMin", { a: t1, b: t2, logPi: next.logPi }, { temp });
        [y1] = run("VirelTdTarget", { rd, next: soft! }, { gamma: cfg.gamma, temp });
        y2 = y1!;
      } else {
        // ψ₁ = r + γ(1−d) V̄(s′)
        if (k1 !== "hard-v" || (k2 !== "hard-v" && k2 !== "soft-own-target"))
          throw new Error(`fused update: target pair ${k1}/${k2} is not implemented`);
        const vNext = vNextEarly ?? out(forward([vTarget!], s2, false)[0]!);
        [y1] = run("VirelTdTarget", { rd, next: vNext }, { gamma: cfg.gamma, temp });
        if (k2 === "soft-own-target") {
          // VIREL2's soft Q₂, its own soft bootstrap: ψ₂ = r + γ(1−d)(Q̄₂(s′, a′) − T log π(a′|s′))
          const next = this.sample(s2, eNext!, true);
          const t2 = out(forward([L.q2Target!], next.action, false)[0]!);
          const [soft] = run("VirelSoftMin", { a: t2, logPi: next.logPi }, { temp });
          [y2] = run("VirelTdTarget", { rd, next: soft! }, { gamma: cfg.gamma, temp }) as [tf.Tensor];
        } else {
          y2 = y1!;
        }
      }
      // ω_i ← ω_i − λ_Q ∇J^Q(ω_i),  J^Q = E[(Q_i(s,a) − ψ_i)²]  (both Qs in one pass)
      const qActs = forward([L.q1, L.q2], sa, true);
      const [dQ1, stats1] = run("VirelMseGrad", { pred: out(qActs[0]!), target: y1! });
      const [dQ2, stats2] = run("VirelMseGrad", { pred: out(qActs[1]!), target: y2 });
      const residualStats =
        yBeta === null
          ? []
          : qActs
              .slice(0, L.spec.betaCritics)
              .map((acts) => run("VirelMseGrad", { pred: out(acts), target: yBeta })[1]!);
      adamStep(L.optQ, backward([L.q1, L.q2], sa, qActs, [dQ1!, dQ2!], true));
      kept.push(stats1!, stats2!);
      // φ̄ ← τφ + (1 − τ)φ̄ (SAC-v2: Q̄_i ← τQ_i + (1 − τ)Q̄_i)
      if (vTarget !== null && v !== null) polyakStep([[v, vTarget]], cfg.tau);
      const targetPairs: [Mlp, Mlp][] = [];
      if (L.q1Target !== null) targetPairs.push([L.q1, L.q1Target]);
      if (L.q2Target !== null) targetPairs.push([L.q2, L.q2Target]);
      if (targetPairs.length > 0) polyakStep(targetPairs, cfg.tau);
      return { kept: kept.map((t) => Array.from(read(t))), residuals: residualStats.map((t) => read(t)[0]!) };
    });
    const { kept: stats, residuals } = result;
    const off = v !== null ? 1 : 0;
    const lossV = v !== null ? stats[0]![0]! : null;
    const [lossQ1, q1Mean] = stats[off]! as [number, number];
    const [lossQ2, q2Mean] = stats[off + 1]! as [number, number];
    const res = residual ? residuals.reduce((a, b) => a + b, 0) / residuals.length : null;
    return { lossV, lossQ1, lossQ2, q1Mean, q2Mean, residual: res };
  }

  /**
   * The fused E-step, Eq. 9 (App. B.1): minimise J^π(θ) = E[T log π(ã|s) − min_i Q_i(s, ã)] (+ the regulariser),
   * ã = tanh(μ + σε), with the gradient taken by hand: ∂/∂ã through both Qs' input layers, then through the
   * tanh-Gaussian and the policy MLP. Same noise draw and numbers as the reference `actorStep`.
   */
  actorStep(batch: Batch, temp: number): ActorStepResult {
    const L = this.L;
    const cfg = L.cfg;
    const B = batch.size,
      O = L.obsDim,
      A = L.actDim;
    const kept = this.policyPassFor(batch);
    const [qHat, logPi, reg] = tf.tidy(() => {
      const noise = this.noise(B, "e");
      const s = kept !== null ? kept.s : this.upload(batch.obs, [B, O]);
      const piActs = kept !== null ? [kept.acts] : forward([L.pi.net], s, true);
      const piOut = out(piActs[0]!);
      const lim = { logStdMin: L.pi.logStdMin, logStdMax: L.pi.logStdMax };
      const [sa, logPiT] = run("VirelTanhGaussian", { out: piOut, noise, obs: s }, lim);
      const qActs = forward([L.q1, L.q2], sa!, true);
      // ∂J/∂Q_i = −(1/B)·1[Q_i is the minimum]  (Q̂ = min_i Q_i; ties go to Q₁ as in tfjs). Q̂ = Q₁: the same
      // kernel with Q₁ in both slots (Q₁ ≤ Q₁ always: ∂J/∂Q₁ = −1/B, ∂J/∂Q₂ = 0, mean Q̂ = mean Q₁)
      const q1Out = out(qActs[0]!);
      const q2Out = L.actorCritic === "q1" ? q1Out : out(qActs[1]!);
      const [dQ1, dQ2, qStats] = run("VirelMinGrad", { q1: q1Out, q2: q2Out, logPi: logPiT! }, { scale: -1 / B });
      const [dAction] = backward([L.q1, L.q2], sa!, qActs, [dQ1!, dQ2!], false, [O, O + A]);
      // ∂J/∂(μ, log σ): through ã = tanh(μ + σε) and T·mean log π (∂/∂ log π = T/B), plus the regulariser
      const [dOut, regValue] = run(
        "VirelTanhGaussianGrad",
        { out: piOut, noise, dAction: dAction! },
        { ...lim, dLogPi: temp / B, reg: cfg.policyReg },
      );
      adamStep(L.optPi, backward([L.pi.net], s, piActs, [dOut!], true));
      this.piSteps += 1;
      const q = read(qStats!);
      return [q[0]!, q[1]!, read(regValue!)[0]!];
    });
    this.dropPolicyPass();
    return { qHat, logPi, reg: cfg.policyReg > 0 ? reg : 0 };
  }

  /**
   * The β rule's Bellman residual as the reference `betaResidual` computes it (the same replay draws, noise and
   * rule), with one forward kernel per network pass over the `n` samples and no gradient.
   */
  betaResidual(buffer: ReplayBuffer, sampleRng: Rng, n: number, kind: "td" | "twin-q"): number {
    const L = this.L;
    const O = L.obsDim,
      A = L.actDim;
    // the same draws as buffer.sample(n, sampleRng), gathered straight into the upload layouts
    const sa = this.staging.get("sa/beta", n * (O + A));
    const s2 = this.staging.get("s2/beta", n * O);
    const rd = this.staging.get("rd/beta", n * 2);
    for (let k = 0; k < n; k++) {
      const i = sampleRng.int(buffer.size);
      copyRow(sa, k * (O + A), buffer.obs, i * O, O);
      copyRow(sa, k * (O + A) + O, buffer.act, i * A, A);
      copyRow(s2, k * O, buffer.nextObs, i * O, O);
      rd[2 * k] = buffer.rew[i]!;
      rd[2 * k + 1] = buffer.done[i]!;
    }
    const twinQ = kind === "twin-q";
    const qs = L.spec.betaCritics === 1 ? [L.q1] : [L.q1, L.q2];
    const gamma = L.cfg.gamma;
    return tf.tidy(() => {
      const noise = twinQ ? this.noise(n, "beta") : null;
      const saT = this.upload(sa, [n, O + A]);
      const s2T = this.upload(s2, [n, O]);
      const rdT = this.upload(rd, [n, 2]);
      let y: tf.Tensor;
      if (noise === null) {
        // official beta.py: ψ = r + γ(1−d) V(s′) with the online V
        [y] = run("VirelTdTarget", { rd: rdT, next: out(forward([L.v!], s2T, false)[0]!) }, { gamma, temp: 0 }) as [
          tf.Tensor,
        ];
      } else {
        // softlearning: ψ = r + γ(1−d) min_j Q_j(s′, a′∼π)
        const next = this.sample(s2T, noise, true);
        const [n1, n2] = forward([L.q1, L.q2], next.action, false).map(out) as [tf.Tensor2D, tf.Tensor2D];
        const [qMin] = run("VirelSoftMin", { a: n1, b: n2 }, { temp: 0 });
        [y] = run("VirelTdTarget", { rd: rdT, next: qMin! }, { gamma, temp: 0 }) as [tf.Tensor];
      }
      const preds = forward(qs, saT, false).map(out);
      const losses = preds.map((p) => read(run("VirelMseGrad", { pred: p, target: y })[1]!)[0]! * (twinQ ? 0.5 : 1));
      return losses.length === 1 ? losses[0]! : (losses[0]! + losses[1]!) / 2;
    });
  }

  /** Frees what the fast path keeps between calls (the M-step's policy pass). */
  dispose(): void {
    this.dropPolicyPass();
  }

  /** Actions as the reference `act`: tanh(μ) when deterministic, else tanh(μ + σε) with the same noise draw. */
  act(obs: ArrayLike<number>, deterministic: boolean): Float32Array {
    const L = this.L;
    const n = obs.length / L.obsDim;
    const A = L.actDim;
    const a = tf.tidy(() => {
      let noise: tf.Tensor2D;
      if (deterministic) {
        noise = this.upload(this.staging.get(`zero/${n}`, n * (A + 1)).fill(0), [n, A + 1]); // tanh(μ + σ·0) = tanh μ
      } else {
        noise = this.noise(n, "act");
      }
      const buf = this.staging.get("obs/act", n * L.obsDim);
      buf.set(obs);
      const s = this.upload(buf, [n, L.obsDim]);
      return this.sample(s, noise, false).action;
    });
    const values = Float32Array.from(a.dataSync() as Float32Array);
    a.dispose();
    return values;
  }
}
