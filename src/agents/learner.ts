/**
 * The learner of Algorithm 1 (App. C): one {@link LearnerState} (networks, optimisers, noise stream), the scalar
 * state of the algorithm (β for VIREL, log α for SAC, the α optimiser, the gradient-step count), and the update
 * rule that runs the gradient steps — the reference one (reference-update.ts, autodiff) or the fused one
 * (fused/update.ts, hand-written backprop in fused kernels) where the backend supports it. Both compute the same
 * numbers on the same state from the same noise draws, so the rule can be switched at any time.
 *
 * What belongs to Algorithm 1 rather than to a way of computing gradients is written here, once:
 *   the β rule (§4.2, official beta.py), the E-step's scalar ending (the actor loss, the entropy and ELBO
 *   estimates, Eq. 4 and Eq. 9) and SAC-v2's α step.
 * What differs between the algorithms is read from the algorithm table (algorithms.ts).
 */
import type { AgentConfig, SacConfig, SacV1Config, VirelConfig } from "./config";
import type { Mlp } from "./nn";
import type { TanhGaussianPolicy } from "./policy";
import { ScalarAdam } from "./adam";
import type { Adam } from "./adam";
import type { Batch, ReplayBuffer } from "./replay";
import type { Rng } from "../rng";
import type * as tf from "@tensorflow/tfjs";
import { LearnerState } from "./learner-state";
import type { UpdateRule } from "./learner-state";
import type { AlgorithmSpec } from "./algorithms";
import { ReferenceUpdate } from "./reference-update";
import { FusedUpdate, fusedUpdateDefault, fusedUpdateSupported } from "./fused/update";
import type { MStepResult, EStepResult, LearnerScalarState, LearnerApi } from "./learner-types";

export type { MStepResult, EStepResult, LearnerScalarState, LearnerApi } from "./learner-types";

/** Options of the {@link Learner} constructor. */
export interface LearnerOptions {
  /** Use the fused update where the backend supports it (default: true unless VIREL_FAST_UPDATE=0). */
  fastUpdate?: boolean;
}

/**
 * β before the first residual estimate: `beta` for the fixed and twin-q-residual rules; betaScale·beta for
 * td-residual (official beta.py: β = 1 until 4096 transitions, and the actor's weight is β × beta_scale).
 */
export function initialBeta(c: VirelConfig): number {
  return c.betaRule === "td-residual" ? c.betaScale * c.beta : c.beta;
}

/** betaSource `minibatch`: how many minibatches make one β estimate (⌈betaBatch/batchSize⌉, as many samples as beta.py). */
export function betaWindowSize(c: VirelConfig): number {
  return Math.ceil(c.betaBatch / c.batchSize);
}

export class Learner implements LearnerApi {
  /** Networks, optimisers and the noise stream, shared by both update rules. */
  readonly state: LearnerState;
  readonly spec: AlgorithmSpec;
  /** SAC: log α (SAC-v1: fixed; SAC-v2: learned by {@link alphaAdam}). */
  logAlpha: number;
  readonly alphaAdam: ScalarAdam | null;
  /** VIREL: the current β(ω). */
  beta: number;
  /**
   * VIREL with betaSource `minibatch`: the td residuals of the last ⌈betaBatch/batchSize⌉ minibatches, oldest
   * first, each scored by its M-step before the step.
   */
  betaWindow: number[] = [];
  /** Gradient steps taken (counts M-steps). */
  gradSteps = 0;
  /** Run the fused update when the backend supports it, else the reference update. Switchable at any time. */
  useFastPath: boolean;
  private readonly reference: ReferenceUpdate;
  private fused: FusedUpdate | null = null;
  private disposed = false;

  /** @param initRng draws the initial weights; @param noiseRng draws every reparametrisation ε. */
  constructor(
    readonly cfg: AgentConfig,
    readonly obsDim: number,
    readonly actDim: number,
    initRng: Rng,
    readonly noiseRng: Rng,
    options: LearnerOptions = {},
  ) {
    for (const [k, v] of [
      ["obsDim", obsDim],
      ["actDim", actDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
    }
    this.state = new LearnerState(cfg, obsDim, actDim, initRng, noiseRng);
    this.spec = this.state.spec;
    const t = this.spec.temperature;
    this.beta = t === "beta" ? initialBeta(cfg as VirelConfig) : 0;
    this.logAlpha =
      t === "fixed-alpha"
        ? Math.log((cfg as SacV1Config).alpha)
        : t === "learned-alpha"
          ? Math.log((cfg as SacConfig).alphaInit)
          : 0;
    this.alphaAdam = t === "learned-alpha" ? new ScalarAdam((cfg as SacConfig).alphaLr) : null;
    this.reference = new ReferenceUpdate(this.state);
    this.useFastPath = options.fastUpdate ?? fusedUpdateDefault();
  }

  get pi(): TanhGaussianPolicy {
    return this.state.pi;
  }
  get q1(): Mlp {
    return this.state.q1;
  }
  get q2(): Mlp {
    return this.state.q2;
  }
  get v(): Mlp | null {
    return this.state.v;
  }
  get vTarget(): Mlp | null {
    return this.state.vTarget;
  }
  get q1Target(): Mlp | null {
    return this.state.q1Target;
  }
  get q2Target(): Mlp | null {
    return this.state.q2Target;
  }
  get optPi(): Adam {
    return this.state.optPi;
  }
  get optQ(): Adam {
    return this.state.optQ;
  }
  get optV(): Adam | null {
    return this.state.optV;
  }
  get scope(): string {
    return this.state.scope;
  }

  /** Whether the next update runs the fused update (selected by {@link useFastPath} and supported here). */
  get fastPathActive(): boolean {
    return this.useFastPath && fusedUpdateSupported();
  }

  /** The update rule the next call runs (the one place the choice is made). */
  private rule(): UpdateRule {
    if (this.disposed) throw new Error("this learner has been disposed");
    if (!this.fastPathActive) return this.reference;
    return (this.fused ??= new FusedUpdate(this.state));
  }

  /** The entropy weight T of the E-step: β(ω) for VIREL, α for SAC. */
  temperature(): number {
    return this.spec.temperature === "beta" ? this.beta : Math.exp(this.logAlpha);
  }

  /** SAC-v2's target entropy H̄ (−|A| for "auto"). */
  targetEntropy(): number {
    const c = this.cfg as SacConfig;
    return c.targetEntropy === "auto" ? -this.actDim : c.targetEntropy;
  }

  private checkBatch(b: Batch): void {
    if (b.obsDim !== this.obsDim) throw new Error(`expected batch obsDim ${this.obsDim}, got ${b.obsDim}`);
    if (b.actDim !== this.actDim) throw new Error(`expected batch actDim ${this.actDim}, got ${b.actDim}`);
  }

  /**
   * β(ω) from a Bellman residual on `betaBatch` replay samples, no gradients (VIREL only; otherwise returns T):
   *   td-residual rule (beta.py):       β = betaScale · mean_i MSE(Q_i(s,a), r + γ(1−d) V(s′))   [online V]
   *   twin-q-residual (softlearning):    β = betaScale · mean_i 0.5·MSE(Q_i(s,a), r + γ(1−d) min_j Q_j(s′, a′∼π))
   *   fixed rule  (§5, β(ω) = α):      β = beta
   * Before the buffer holds betaBatch transitions: β = betaScale·beta for td-residual (official beta.py starts
   * its β at 1 and the actor uses β·beta_scale), β = beta for twin-q-residual (softlearning). VIREL2 averages over its hard Q₁ only (the table's
   * betaCritics). VIREL keeps no target Q networks, so the twin-q rule uses the online Q_j.
   */
  refreshBeta(buffer: ReplayBuffer, sampleRng: Rng): number {
    const rule = this.rule();
    if (this.spec.temperature !== "beta") return this.temperature();
    const c = this.cfg as VirelConfig;
    if (c.betaRule === "fixed" || buffer.size < c.betaBatch) {
      this.beta = initialBeta(c);
      return this.beta;
    }
    if (c.betaSource === "minibatch") {
      // the same number of samples as beta.py's estimate, from the last M-steps' own minibatches (their Q and V
      // before each step): until the window is full, β stays where it is
      if (this.betaWindow.length < betaWindowSize(c)) {
        this.beta = initialBeta(c);
        return this.beta;
      }
      const m = this.betaWindow.reduce((a, b) => a + b, 0) / this.betaWindow.length;
      if (!Number.isFinite(m)) throw new Error(`non-finite MSBE estimate for β: ${m}`);
      this.beta = c.betaScale * m;
      return this.beta;
    }
    const m = rule.betaResidual(buffer, sampleRng, c.betaBatch, c.betaRule === "twin-q-residual" ? "twin-q" : "td");
    if (!Number.isFinite(m)) throw new Error(`non-finite MSBE estimate for β: ${m}`);
    this.beta = c.betaScale * m;
    return this.beta;
  }

  /** The β window's size when the M-step scores its minibatch for β (td-residual, betaSource minibatch), else 0. */
  private scoresMinibatch(): number {
    if (this.spec.temperature !== "beta") return 0;
    const c = this.cfg as VirelConfig;
    return c.betaRule === "td-residual" && c.betaSource === "minibatch" ? betaWindowSize(c) : 0;
  }

  /**
   * The β rule's Bellman residual on `n` replay samples drawn with `sampleRng`, as beta.py computes it (td) or
   * softlearning (twin-q), without changing β: to compare estimators (bench/beta-trace.ts) or to inspect β in a
   * notebook. The twin-q residual draws a′'s noise from the learner's noise stream.
   */
  replayResidual(buffer: ReplayBuffer, sampleRng: Rng, n: number, kind: "td" | "twin-q" = "td"): number {
    if (this.spec.temperature !== "beta")
      throw new Error(`replayResidual is VIREL's β rule; this learner is ${this.cfg.algo}`);
    if (!Number.isInteger(n) || n < 1 || n > buffer.size)
      throw new Error(`n must be an integer in [1, ${buffer.size}] (the buffer's size), got ${n}`);
    return this.rule().betaResidual(buffer, sampleRng, n, kind);
  }

  /**
   * Variational M-step (critic): the V step, the twin-Q step and the Polyak step of Algorithm 1, on one
   * minibatch. Returns the losses and the M-step objective β̂(ω) (the minibatch MSBE, Eq. 10).
   */
  mStep(batch: Batch): MStepResult {
    const rule = this.rule();
    this.checkBatch(batch);
    const temp = this.temperature();
    const windowSize = this.scoresMinibatch();
    const { residual, ...c } = rule.criticStep(batch, temp, windowSize > 0);
    if (residual !== null) {
      this.betaWindow.push(residual);
      if (this.betaWindow.length > windowSize) this.betaWindow.shift();
    }
    this.gradSteps += 1;
    return { msbe: (c.lossQ1 + c.lossQ2) / 2, ...c, beta: temp };
  }

  /**
   * Variational E-step (actor), Eq. 9 (App. B.1): ∇θ ELBO ∝ ∇θ E[Q̂(s, ã)] + β ∇θ H(π), i.e. minimise
   * J^π(θ) = E[T log π(ã|s) − Q̂(s, ã)] with ã = tanh(μ + σε) (reparametrised). SAC-v2 then takes one Adam step
   * on log α with J(α) = −log α · E[log π(ã|s) + H̄].
   */
  eStep(batch: Batch): EStepResult {
    const rule = this.rule();
    this.checkBatch(batch);
    const temp = this.temperature();
    const { qHat, logPi, reg } = rule.actorStep(batch, temp);
    let loss = temp * logPi - qHat; // Eq. 9
    if (this.cfg.policyReg > 0) loss += this.cfg.policyReg * reg;
    const entropy = -logPi; // H(π) ≈ −E[log π(ã|s)]
    // Eq. 4 up to constants (p(h) uniform): ELBO = E[Q̂]/β + H(π)
    const out: EStepResult = { loss, qHat, entropy, beta: temp, elbo: qHat / temp + entropy };
    if (this.alphaAdam !== null) {
      // SAC-v2: J(α) = −log α · (E[log π] + H̄);  ∂J/∂ log α = −(E[log π] + H̄)
      const h = this.targetEntropy();
      out.alphaLoss = -this.logAlpha * (logPi + h);
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
    const rule = this.rule();
    if (obs.length % this.obsDim !== 0 || obs.length === 0) {
      throw new Error(`expected obs of length ${this.obsDim} (or a multiple), got ${obs.length}`);
    }
    return rule.act(obs, deterministic);
  }

  /** Every tensor of the learner state under a logical name (weights, targets, Adam moments). */
  named(): [string, tf.Variable][] {
    return [
      ...this.state.networks().flatMap((n) => (n ? n.named() : [])),
      ...this.state.optimisers().flatMap((o) => (o ? o.named() : [])),
    ];
  }

  /** The JSON part of the state (Adam step counts, β, log α, the α optimiser, counters). */
  scalarState(): LearnerScalarState {
    return {
      gradSteps: this.gradSteps,
      beta: this.beta,
      ...(this.betaWindow.length > 0 ? { betaWindow: [...this.betaWindow] } : {}),
      logAlpha: this.logAlpha,
      alphaAdam: this.alphaAdam ? { m: this.alphaAdam.m, v: this.alphaAdam.v, t: this.alphaAdam.t } : null,
      adamT: { pi: this.optPi.t, q: this.optQ.t, v: this.optV ? this.optV.t : null },
    };
  }

  /** Restore {@link scalarState}. */
  setScalarState(s: LearnerScalarState): void {
    this.gradSteps = s.gradSteps;
    this.beta = s.beta;
    this.betaWindow = [...(s.betaWindow ?? [])];
    this.logAlpha = s.logAlpha;
    if (this.alphaAdam && s.alphaAdam) Object.assign(this.alphaAdam, s.alphaAdam);
    this.optPi.t = s.adamT.pi;
    this.optQ.t = s.adamT.q;
    if (this.optV && s.adamT.v !== null) this.optV.t = s.adamT.v;
  }

  /** Whether {@link dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Free every tensor. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.fused?.dispose();
    this.reference.dispose();
    this.state.dispose();
  }
}
