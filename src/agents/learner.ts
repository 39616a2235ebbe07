/**
 * The networks and the reference update of Algorithm 1 (App. C): φ (V), φ̄ (target V), ω₁, ω₂ (twin Q),
 * θ (the variational policy π^q), their Adam optimisers, and the temperature (β for VIREL, α for SAC).
 *
 *   M-step (critic, §4.1 / App. B.2): φ ← φ − λ_V ∇J^V(φ);  ω_i ← ω_i − λ_Q ∇J^Q(ω_i);  φ̄ ← τφ + (1 − τ)φ̄
 *   E-step (actor,  §4.1 / App. B.1): θ ← θ − λ_π ∇J^π(θ),  J^π = E[β log π(ã|s) − min_i Q_i(s, ã)]  (Eq. 9)
 *
 * Targets per algorithm (ã ∼ π(·|s), a′ ∼ π(·|s′), d = terminated):
 *   VIREL1:  V(s) ← min_i Q_i(s, ã)                       Q_i(s,a) ← r + γ(1−d) V̄(s′)          (hard, §5)
 *   VIREL2:  V(s) ← min_i Q_i(s, ã)                       Q₁ ← r + γ(1−d) V̄(s′)               (hard)
 *                                                         Q₂ ← r + γ(1−d) (V̄(s′) − β log π(a′|s′)) (soft)
 *   SAC-v1:  V(s) ← min_i Q_i(s, ã) − α log π(ã|s)        Q_i(s,a) ← r + γ(1−d) V̄(s′)
 *   SAC-v2:  (no V)  Q_i(s,a) ← r + γ(1−d) (min_j Q̄_j(s′, a′) − α log π(a′|s′)),  α learned (target −|A|)
 *
 * This is the straightforward reference update: one tf.variableGrads per loss, Adam per network, numbers
 * read back once per step. The fused fast path (src/agents/fast.ts: explicit backprop, fused kernels) computes
 * the same numbers on the same variables and runs instead where the backend supports it (`useFastPath`).
 */
import * as tf from "@tensorflow/tfjs";
import type { AgentConfig, SacConfig, VirelConfig } from "./config";
import { Mlp, mse } from "./nn";
import { TanhGaussianPolicy, drawNoise } from "./policy";
import { Adam, ScalarAdam } from "./adam";
import type { Batch, ReplayBuffer } from "./replay";
import type { Rng } from "../rng";
import { FastUpdate, fastUpdateDefault, fastUpdateSupported } from "./fast";
import type { MStepResult, EStepResult, LearnerScalarState, LearnerApi } from "./learner-types";

export type { MStepResult, EStepResult, LearnerScalarState, LearnerApi } from "./learner-types";



/** Options of the {@link Learner} constructor. */
export interface LearnerOptions {
  /** Use the fused fast path where the backend supports it (default: true unless VIREL_FAST_UPDATE=0). */
  fastUpdate?: boolean;
}

let learnerCount = 0;

/** Batch tensors (created inside a tidy). */
function batchTensors(b: Batch) {
  return {
    s: tf.tensor2d(b.obs, [b.size, b.obsDim]),
    a: tf.tensor2d(b.act, [b.size, b.actDim]),
    r: tf.tensor2d(b.rew, [b.size, 1]),
    s2: tf.tensor2d(b.nextObs, [b.size, b.obsDim]),
    d: tf.tensor2d(b.done, [b.size, 1]),
  };
}

function readScalars(ts: tf.Tensor[]): number[] {
  if (ts.length === 0) return [];
  const stacked = tf.tidy(() => tf.stack(ts.map((t) => tf.reshape(t, []))));
  const out = Array.from(stacked.dataSync());
  stacked.dispose();
  for (const t of ts) t.dispose();
  return out;
}

export class Learner implements LearnerApi {
  readonly pi: TanhGaussianPolicy;
  readonly q1: Mlp;
  readonly q2: Mlp;
  readonly v: Mlp | null;
  readonly vTarget: Mlp | null;
  readonly q1Target: Mlp | null;
  readonly q2Target: Mlp | null;
  readonly optPi: Adam;
  readonly optQ: Adam;
  readonly optV: Adam | null;
  /** SAC-v2: log α and its Adam state. */
  logAlpha: number;
  readonly alphaAdam: ScalarAdam | null;
  /** VIREL: the current β(ω). */
  beta: number;
  /** Gradient steps taken (counts M-steps). */
  gradSteps = 0;
  readonly scope: string;
  /**
   * Run mStep / eStep / refreshBeta / act through the fused fast path (src/agents/fast.ts) when the backend
   * supports it (wasm, cpu), else through the reference code of this file. Both read and write the same
   * variables and draw the same noise, so this can be switched at any time.
   */
  useFastPath: boolean;
  private fastPath: FastUpdate | null = null;
  private disposed = false;

  /**
   * @param initRng draws the initial weights; @param noiseRng draws every reparametrisation ε.
   */
  constructor(readonly cfg: AgentConfig, readonly obsDim: number, readonly actDim: number, initRng: Rng, readonly noiseRng: Rng,
              options: LearnerOptions = {}) {
    for (const [k, v] of [["obsDim", obsDim], ["actDim", actDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
    }
    this.scope = `virel${learnerCount++}/`;
    const h = cfg.hidden;
    const sc = this.scope;
    this.pi = new TanhGaussianPolicy(obsDim, actDim, h, initRng, cfg.logStdMin, cfg.logStdMax, sc);
    this.q1 = new Mlp("q1", [obsDim + actDim, ...h, 1], initRng, 3e-3, sc);
    this.q2 = new Mlp("q2", [obsDim + actDim, ...h, 1], initRng, 3e-3, sc);
    if (cfg.algo === "sac") {
      this.v = this.vTarget = null;
      this.q1Target = new Mlp("q1Target", this.q1.sizes, initRng, 3e-3, sc);
      this.q2Target = new Mlp("q2Target", this.q2.sizes, initRng, 3e-3, sc);
      this.q1Target.copyFrom(this.q1);
      this.q2Target.copyFrom(this.q2);
    } else {
      this.q1Target = this.q2Target = null;
      this.v = new Mlp("v", [obsDim, ...h, 1], initRng, 3e-3, sc);
      this.vTarget = new Mlp("vTarget", this.v.sizes, initRng, 3e-3, sc);
      this.vTarget.copyFrom(this.v);
    }
    this.optPi = new Adam("pi", this.pi.net.variables(), cfg.lr, sc);
    this.optQ = new Adam("q", [...this.q1.variables(), ...this.q2.variables()], cfg.lr, sc);
    this.optV = this.v ? new Adam("v", this.v.variables(), cfg.lr, sc) : null;
    if (cfg.algo === "sac") {
      this.logAlpha = Math.log(cfg.alphaInit);
      this.alphaAdam = new ScalarAdam(cfg.alphaLr);
    } else {
      this.logAlpha = cfg.algo === "sac-v1" ? Math.log(cfg.alpha) : 0;
      this.alphaAdam = null;
    }
    this.beta = cfg.algo === "virel1" || cfg.algo === "virel2" ? cfg.beta : 0;
    this.useFastPath = options.fastUpdate ?? fastUpdateDefault();
  }

  /** The fast path when it is selected and the backend supports it, else null (the reference code runs). */
  private fast(): FastUpdate | null {
    if (!this.useFastPath || !fastUpdateSupported()) return null;
    return (this.fastPath ??= new FastUpdate(this));
  }

  /** Whether the next update runs the fused fast path (selected by {@link useFastPath} and supported here). */
  get fastPathActive(): boolean {
    return this.useFastPath && fastUpdateSupported();
  }

  /** The entropy weight of the E-step: β(ω) for VIREL, α for SAC. */
  temperature(): number {
    return this.cfg.algo === "virel1" || this.cfg.algo === "virel2" ? this.beta : Math.exp(this.logAlpha);
  }

  /** SAC-v2's target entropy H̄ (−|A| for "auto"). */
  targetEntropy(): number {
    const c = this.cfg as SacConfig;
    return c.targetEntropy === "auto" ? -this.actDim : c.targetEntropy;
  }

  private checkBatch(b: Batch): void {
    if (this.disposed) throw new Error("this learner has been disposed");
    if (b.obsDim !== this.obsDim) throw new Error(`expected batch obsDim ${this.obsDim}, got ${b.obsDim}`);
    if (b.actDim !== this.actDim) throw new Error(`expected batch actDim ${this.actDim}, got ${b.actDim}`);
  }

  /**
   * β(ω) from the Bellman error on `betaBatch` replay samples, no gradients (VIREL only; a no-op otherwise):
   *   msbe rule   (official beta.py):  β = betaScale · mean_i MSE(Q_i(s,a), r + γ(1−d) V(s′))   [online V]
   *   twin-q rule (softlearning):      β = betaScale · mean_i 0.5·MSE(Q_i(s,a), r + γ(1−d) min_j Q_j(s′, a′∼π))
   *   fixed rule  (§5, β(ω) = α):      β = beta
   * Before the buffer holds betaBatch transitions β = beta (official). VIREL2 uses its hard Q₁ only.
   * VIREL keeps no target Q networks, so the twin-q rule uses the online Q_j.
   */
  refreshBeta(buffer: ReplayBuffer, sampleRng: Rng): number {
    const cfg = this.cfg;
    if (cfg.algo !== "virel1" && cfg.algo !== "virel2") return this.temperature();
    const c = cfg as VirelConfig;
    if (c.betaRule === "fixed" || buffer.size < c.betaBatch) {
      this.beta = c.beta;
      return this.beta;
    }
    const fast = this.fast();
    if (fast !== null) return fast.refreshBeta(buffer, sampleRng);
    const b = buffer.sample(c.betaBatch, sampleRng);
    const noise = c.betaRule === "twin-q" ? drawNoise(this.noiseRng, b.size, this.actDim) : null;
    const onlyQ1 = cfg.algo === "virel2";
    const msbe = tf.tidy(() => {
      const { s, a, r, s2, d } = batchTensors(b);
      const gd = tf.mul(tf.sub(1, d), c.gamma);
      const sa = tf.concat([s, a], 1);
      if (noise === null) {
        const y = tf.add(r, tf.mul(gd, this.v!.apply(s2)));
        const l1 = mse(this.q1.apply(sa), y);
        return onlyQ1 ? l1 : tf.div(tf.add(l1, mse(this.q2.apply(sa), y)), 2);
      }
      const next = this.pi.sample(s2, noise);
      const sa2 = tf.concat([s2, next.action], 1);
      const y = tf.add(r, tf.mul(gd, tf.minimum(this.q1.apply(sa2), this.q2.apply(sa2))));
      const l1 = tf.mul(mse(this.q1.apply(sa), y), 0.5);
      return onlyQ1 ? l1 : tf.div(tf.add(l1, tf.mul(mse(this.q2.apply(sa), y), 0.5)), 2);
    });
    const m = msbe.dataSync()[0]!;
    msbe.dispose();
    if (!Number.isFinite(m)) throw new Error(`non-finite MSBE estimate for β: ${m}`);
    this.beta = c.betaScale * m;
    return this.beta;
  }

  /**
   * Variational M-step (critic): the V step, the twin-Q step and the Polyak step of Algorithm 1, on one
   * minibatch. Returns the losses and the M-step objective β̂(ω) (the minibatch MSBE).
   */
  mStep(batch: Batch): MStepResult {
    this.checkBatch(batch);
    const fast = this.fast();
    if (fast !== null) return fast.mStep(batch);
    const cfg = this.cfg;
    const B = batch.size;
    const A = this.actDim;
    const temp = this.temperature();
    const needNow = this.v !== null;
    const needNext = cfg.algo === "sac" || cfg.algo === "virel2";
    const noiseNow = needNow ? drawNoise(this.noiseRng, B, A) : null;
    const noiseNext = needNext ? drawNoise(this.noiseRng, B, A) : null;
    const kept: tf.Tensor[] = [];
    tf.tidy(() => {
      const { s, a, r, s2, d } = batchTensors(batch);
      const gd = tf.mul(tf.sub(1, d), cfg.gamma); // γ(1 − d)
      // φ ← φ − λ_V ∇J^V(φ),  J^V = E[(V(s) − V̂(s))²],  V̂(s) = min_i Q_i(s, ã) [− α log π(ã|s) for SAC-v1]
      if (this.v !== null && noiseNow !== null) {
        const now = this.pi.sample(s, noiseNow);
        const saNow = tf.concat([s, now.action], 1);
        let vHat: tf.Tensor = tf.minimum(this.q1.apply(saNow), this.q2.apply(saNow));
        if (cfg.algo === "sac-v1") vHat = tf.sub(vHat, tf.mul(now.logPi, temp));
        const v = this.v;
        const { value, grads } = tf.variableGrads(() => mse(v.apply(s), vHat), v.variables());
        this.optV!.apply(grads);
        kept.push(tf.keep(value));
      }
      // ω_i ← ω_i − λ_Q ∇J^Q(ω_i),  J^Q = E[(Q_i(s,a) − ψ)²]  (§4.1: ψ is the TD(0) estimate)
      let y1: tf.Tensor;
      let y2: tf.Tensor;
      if (cfg.algo === "sac") {
        const next = this.pi.sample(s2, noiseNext!);
        const sa2 = tf.concat([s2, next.action], 1);
        const qNext = tf.sub(tf.minimum(this.q1Target!.apply(sa2), this.q2Target!.apply(sa2)), tf.mul(next.logPi, temp));
        y1 = y2 = tf.add(r, tf.mul(gd, qNext));
      } else {
        const vNext = this.vTarget!.apply(s2);
        y1 = y2 = tf.add(r, tf.mul(gd, vNext));
        if (cfg.algo === "virel2") {
          // the soft Q₂ also credits the next state's entropy: ψ₂ = r + γ(1−d)(V̄(s′) − β log π(a′|s′))
          const next = this.pi.sample(s2, noiseNext!);
          y2 = tf.sub(y1, tf.mul(gd, tf.mul(next.logPi, temp)));
        }
      }
      const sa = tf.concat([s, a], 1);
      const { grads } = tf.variableGrads(() => {
        const p1 = this.q1.apply(sa);
        const p2 = this.q2.apply(sa);
        const l1 = mse(p1, y1);
        const l2 = mse(p2, y2);
        kept.push(tf.keep(l1), tf.keep(l2), tf.keep(tf.mean(p1)), tf.keep(tf.mean(p2)));
        return tf.add(l1, l2);
      }, [...this.q1.variables(), ...this.q2.variables()]);
      this.optQ.apply(grads);
      // φ̄ ← τφ + (1 − τ)φ̄  (Algorithm 1, last line; the actor step does not read φ̄ or Q̄, so doing it here is
      // the same as doing it after the E-step)
      const tau = tf.scalar(cfg.tau);
      const omt = tf.scalar(1 - cfg.tau);
      if (this.vTarget !== null) this.vTarget.polyakFrom(this.v!, tau, omt);
      if (this.q1Target !== null) {
        this.q1Target.polyakFrom(this.q1, tau, omt);
        this.q2Target!.polyakFrom(this.q2, tau, omt);
      }
    });
    const vals = readScalars(kept);
    this.gradSteps += 1;
    const off = this.v !== null ? 1 : 0;
    const lossV = this.v !== null ? vals[0]! : null;
    const [lossQ1, lossQ2, q1Mean, q2Mean] = vals.slice(off) as [number, number, number, number];
    return { msbe: (lossQ1 + lossQ2) / 2, lossQ1, lossQ2, lossV, q1Mean, q2Mean, beta: temp };
  }

  /**
   * Variational E-step (actor), Eq. 9 (App. B.1): ∇θ ELBO ∝ ∇θ E[Q̂(s, ã)] + β ∇θ H(π), i.e. minimise
   * J^π(θ) = E[β log π(ã|s) − min_i Q_i(s, ã)] with ã = tanh(μ + σε) (reparametrised). SAC-v2 then takes
   * one Adam step on log α with J(α) = −log α · E[log π(ã|s) + H̄].
   */
  eStep(batch: Batch): EStepResult {
    this.checkBatch(batch);
    const fast = this.fast();
    if (fast !== null) return fast.eStep(batch);
    const cfg = this.cfg;
    const temp = this.temperature();
    const noise = drawNoise(this.noiseRng, batch.size, this.actDim);
    const kept: tf.Tensor[] = [];
    tf.tidy(() => {
      const s = tf.tensor2d(batch.obs, [batch.size, batch.obsDim]);
      const { value, grads } = tf.variableGrads(() => {
        const smp = this.pi.sample(s, noise);
        const sa = tf.concat([s, smp.action], 1);
        const qHat = tf.minimum(this.q1.apply(sa, true, false), this.q2.apply(sa, true, false));
        const logPiMean = tf.mean(smp.logPi);
        const qHatMean = tf.mean(qHat);
        kept.push(tf.keep(qHatMean), tf.keep(logPiMean));
        let loss: tf.Scalar = tf.sub(tf.mul(logPiMean, temp), qHatMean);
        if (cfg.policyReg > 0) {
          const reg = tf.add(tf.mean(tf.square(smp.mean)), tf.mean(tf.square(smp.logStd)));
          loss = tf.add(loss, tf.mul(reg, cfg.policyReg));
        }
        return loss;
      }, this.pi.net.variables());
      this.optPi.apply(grads);
      kept.unshift(tf.keep(value));
    });
    const [loss, qHat, logPi] = readScalars(kept) as [number, number, number];
    const entropy = -logPi;
    const out: EStepResult = { loss, qHat, entropy, beta: temp, elbo: qHat / temp + entropy };
    if (cfg.algo === "sac" && this.alphaAdam !== null) {
      const h = this.targetEntropy();
      out.alphaLoss = -this.logAlpha * (logPi + h);
      // ∂J(α)/∂ log α = −(E[log π] + H̄)
      this.logAlpha = this.alphaAdam.step(this.logAlpha, -(logPi + h));
      out.alpha = Math.exp(this.logAlpha);
    }
    return out;
  }

  /** One full gradient step in the order of Algorithm 1: M-step (V, Q, φ̄) then E-step (θ). */
  update(batch: Batch): { m: MStepResult; e: EStepResult } {
    const m = this.mStep(batch);
    const e = this.eStep(batch);
    return { m, e };
  }

  /**
   * Actions for a batch of observations in (−1, 1)^|A|: tanh(μ) when deterministic, else a ∼ π(·|s) with ε
   * from the learner's noise Rng. @param obs row-major [n, obsDim].
   */
  act(obs: ArrayLike<number>, deterministic: boolean): Float32Array {
    if (obs.length % this.obsDim !== 0 || obs.length === 0) {
      throw new Error(`expected obs of length ${this.obsDim} (or a multiple), got ${obs.length}`);
    }
    const fast = this.fast();
    if (fast !== null) return fast.act(obs, deterministic);
    const n = obs.length / this.obsDim;
    const noise = deterministic ? null : drawNoise(this.noiseRng, n, this.actDim);
    const a = tf.tidy(() => {
      const s = tf.tensor2d(Float32Array.from(obs), [n, this.obsDim]);
      return noise === null ? this.pi.deterministic(s) : this.pi.sample(s, noise).action;
    });
    const out = a.dataSync() as Float32Array;
    a.dispose();
    return Float32Array.from(out);
  }

  /** Every tensor of the learner state under a logical name (weights, targets, Adam moments). */
  named(): [string, tf.Variable][] {
    const nets = [this.pi.net, this.q1, this.q2, this.v, this.vTarget, this.q1Target, this.q2Target];
    const opts = [this.optPi, this.optQ, this.optV];
    return [...nets.flatMap((n) => (n ? n.named() : [])), ...opts.flatMap((o) => (o ? o.named() : []))];
  }

  /** The JSON part of the state (Adam step counts, β, log α, the α optimiser, counters). */
  scalarState(): LearnerScalarState {
    return {
      gradSteps: this.gradSteps,
      beta: this.beta,
      logAlpha: this.logAlpha,
      alphaAdam: this.alphaAdam ? { m: this.alphaAdam.m, v: this.alphaAdam.v, t: this.alphaAdam.t } : null,
      adamT: { pi: this.optPi.t, q: this.optQ.t, v: this.optV ? this.optV.t : null },
    };
  }

  /** Restore {@link scalarState}. */
  setScalarState(s: LearnerScalarState): void {
    this.gradSteps = s.gradSteps;
    this.beta = s.beta;
    this.logAlpha = s.logAlpha;
    if (this.alphaAdam && s.alphaAdam) Object.assign(this.alphaAdam, s.alphaAdam);
    this.optPi.t = s.adamT.pi;
    this.optQ.t = s.adamT.q;
    if (this.optV && s.adamT.v !== null) this.optV.t = s.adamT.v;
  }

  /** Free every tensor. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.fastPath?.dispose();
    for (const n of [this.pi.net, this.q1, this.q2, this.v, this.vTarget, this.q1Target, this.q2Target]) n?.dispose();
    for (const o of [this.optPi, this.optQ, this.optV]) o?.dispose();
  }
}

