/**
 * The learner's state — the one set of networks and optimisers both update rules read and write:
 * φ (V), φ̄ (target V), ω₁, ω₂ (twin Q), Q̄₁, Q̄₂ (target Qs: both for SAC-v2, Q̄₂ for VIREL2's soft critic), θ (the variational policy π^q), their
 * Adam optimisers, and the noise stream of every reparametrisation ε. Which networks exist is read from the
 * algorithm table ({@link ALGORITHMS}).
 *
 * The scalar state of Algorithm 1 (β or log α, the α optimiser, the gradient-step count) is kept by the
 * {@link Learner} alone; an {@link UpdateRule} gets the temperature as an argument and never writes it.
 */
import type { AgentConfig } from "./config";
import { Mlp } from "./nn";
import { TanhGaussianPolicy } from "./policy";
import { Adam } from "./adam";
import type { Rng } from "../rng";
import { ALGORITHMS } from "./algorithms";
import type { AlgorithmSpec } from "./algorithms";
import type { Batch, ReplayBuffer } from "./replay";

let stateCount = 0;

/** Networks, optimisers and the noise stream of one learner. */
export class LearnerState {
  readonly spec: AlgorithmSpec;
  /** The critic the actor maximises: the table's, or config.actorCritic where the algorithm has it (SAC-v1). */
  readonly actorCritic: "min" | "q1";
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
  readonly scope: string;

  /** @param initRng draws the initial weights; @param noiseRng draws every reparametrisation ε. */
  constructor(
    readonly cfg: AgentConfig,
    readonly obsDim: number,
    readonly actDim: number,
    initRng: Rng,
    readonly noiseRng: Rng,
  ) {
    this.spec = ALGORITHMS[cfg.algo];
    this.actorCritic = "actorCritic" in cfg ? cfg.actorCritic : this.spec.actorCritic;
    this.scope = `virel${stateCount++}/`;
    const h = cfg.hidden;
    const sc = this.scope;
    this.pi = new TanhGaussianPolicy(obsDim, actDim, h, initRng, cfg.logStdMin, cfg.logStdMax, sc);
    this.q1 = new Mlp("q1", [obsDim + actDim, ...h, 1], initRng, 3e-3, sc);
    this.q2 = new Mlp("q2", [obsDim + actDim, ...h, 1], initRng, 3e-3, sc);
    const targetOf = (q: Mlp, name: string): Mlp => {
      const t = new Mlp(name, q.sizes, initRng, 3e-3, sc);
      t.copyFrom(q);
      return t;
    };
    // SAC-v2's target Qs are created before the networks V would be (the same init draws as before VIREL2 had Q̄₂)
    this.q1Target = this.spec.targetQs === "both" ? targetOf(this.q1, "q1Target") : null;
    this.q2Target = this.spec.targetQs === "both" ? targetOf(this.q2, "q2Target") : null;
    if (this.spec.critics === "v") {
      this.v = new Mlp("v", [obsDim, ...h, 1], initRng, 3e-3, sc);
      this.vTarget = new Mlp("vTarget", this.v.sizes, initRng, 3e-3, sc);
      this.vTarget.copyFrom(this.v);
    } else {
      this.v = this.vTarget = null;
    }
    if (this.spec.targetQs === "q2") this.q2Target = targetOf(this.q2, "q2Target");
    this.optPi = new Adam("pi", this.pi.net.variables(), cfg.lr, sc);
    this.optQ = new Adam("q", [...this.q1.variables(), ...this.q2.variables()], cfg.lr, sc);
    this.optV = this.v ? new Adam("v", this.v.variables(), cfg.lr, sc) : null;
  }

  /** Every network, in checkpoint order (absent ones as null). */
  networks(): (Mlp | null)[] {
    return [this.pi.net, this.q1, this.q2, this.v, this.vTarget, this.q1Target, this.q2Target];
  }

  /** Every optimiser, in checkpoint order. */
  optimisers(): (Adam | null)[] {
    return [this.optPi, this.optQ, this.optV];
  }

  dispose(): void {
    for (const n of this.networks()) n?.dispose();
    for (const o of this.optimisers()) o?.dispose();
  }
}

/** What a critic step (the M-step's V, Q and Polyak updates) measured, before the step. */
export interface CriticStepResult {
  /** MSE of V against V̂ (null without V). */
  lossV: number | null;
  lossQ1: number;
  lossQ2: number;
  q1Mean: number;
  q2Mean: number;
  /**
   * With `residual` asked for: the td residual of the β rule on this minibatch, before the step — mean over the
   * spec's betaCritics of MSE(Q_i(s,a), r + γ(1−d) V(s′)) with the online V, as `betaResidual(…, "td")` computes
   * it on its own draws (betaSource `minibatch`); else null.
   */
  residual: number | null;
}

/** What an actor step (the E-step's θ update) measured, before the step. */
export interface ActorStepResult {
  /** E[Q̂(s, ã)] with the actor's critic. */
  qHat: number;
  /** E[log π(ã|s)]. */
  logPi: number;
  /** The policy regulariser mean(μ²) + mean(log σ²) (0 when policyReg is 0). */
  reg: number;
}

/**
 * One implementation of Algorithm 1's gradient steps over a {@link LearnerState}. Two exist: the reference
 * (autodiff, reference-update.ts) and the fused one (fused/update.ts); they take the same noise draws in the same
 * order and agree to float32 rounding (test/agents/fast.test.ts). A rule writes only the networks and
 * optimisers of the state; the temperature, the gradient-step count and the E-step's scalar ending (the actor
 * loss, the ELBO, the α step) belong to the Learner.
 */
export interface UpdateRule {
  readonly name: "reference" | "fused";
  /**
   * M-step: V (if any), Q₁ and Q₂, then Polyak; `temp` is T in the soft targets. With `residual` (VIREL, betaSource
   * `minibatch`) it also scores the minibatch's td residual with the parameters before the step (one more V pass).
   */
  criticStep(batch: Batch, temp: number, residual?: boolean): CriticStepResult;
  /** E-step: one Adam step on θ for J^π = E[T log π(ã|s) − Q̂(s, ã)] + policyReg·reg (Eq. 9). */
  actorStep(batch: Batch, temp: number): ActorStepResult;
  /**
   * The Bellman residual the β rule scales, on `n` transitions drawn from `buffer` with `sampleRng` exactly as
   * `buffer.sample(n, sampleRng)` draws them, no gradients:
   *   `td`     mean over the spec's betaCritics of MSE(Q_i(s,a), r + γ(1−d) V(s′)) with the online V (beta.py);
   *   `twin-q` mean over betaCritics of 0.5·MSE(Q_i(s,a), r + γ(1−d) min_j Q_j(s′, a′∼π)) (softlearning).
   */
  betaResidual(buffer: ReplayBuffer, sampleRng: Rng, n: number, kind: "td" | "twin-q"): number;
  /** Actions in (−1, 1)^|A| for flat observations: tanh(μ) when deterministic, else tanh(μ + σε). */
  act(obs: ArrayLike<number>, deterministic: boolean): Float32Array;
  /** Frees what the rule keeps between calls. */
  dispose(): void;
}
