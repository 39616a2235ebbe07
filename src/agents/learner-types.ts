/**
 * The learner's public, tensor-free types: what an update returns, the scalar state in checkpoints, and
 * {@link LearnerApi}, the view of a learner that `Agent.learner` and `agents.createLearner` give users.
 *
 * Kept free of `@tensorflow/*` imports on purpose: this file is part of the declaration graph every notebook
 * cell type-checks against, and tfjs's 600 declaration files would cost the kernel ≈ 0.45 s at startup. The
 * tensor-typed `Learner` class (src/agents/learner.ts) implements this interface and stays internal.
 */
import type { AgentConfig } from "./config";
import type { Batch, ReplayBuffer } from "./replay";
import type { Rng } from "../rng";

/** What an M-step (critic update) returns — plain numbers. */
export interface MStepResult {
  /** The M-step objective β̂(ω) on this minibatch: mean_i MSE(Q_i(s,a), ψ) (§4.1, App. B.2 Eq. 10). */
  msbe: number;
  /** MSE of Q₁ against its target. */
  lossQ1: number;
  /** MSE of Q₂ against its target. */
  lossQ2: number;
  /** MSE of V against its target (null for SAC-v2, which has no V). */
  lossV: number | null;
  /** mean Q₁(s, a) on the batch. */
  q1Mean: number;
  /** mean Q₂(s, a) on the batch (VIREL2: the soft Q). */
  q2Mean: number;
  /** The temperature in use (β for VIREL, α for SAC). */
  beta: number;
}

/** What an E-step (actor update) returns — plain numbers. */
export interface EStepResult {
  /** The actor loss J^π = E[β log π(ã|s) − min_i Q_i(s, ã)] (+ the policy regulariser). */
  loss: number;
  /** E[Q̂(s, ã)] = E[min_i Q_i(s, ã)], the ELBO's first term times β (Eq. 4). */
  qHat: number;
  /** Entropy estimate H(π) ≈ −E[log π(ã|s)]. */
  entropy: number;
  /** The temperature used (β for VIREL, α for SAC). */
  beta: number;
  /** ELBO estimate up to constants, E[Q̂]/β + H(π) (Eq. 4 with p(h) uniform). */
  elbo: number;
  /** SAC-v2: the temperature after its update, and the α loss −log α·(E log π + H̄). */
  alpha?: number;
  alphaLoss?: number;
}

/** The JSON part of a learner's state. */
export interface LearnerScalarState {
  gradSteps: number;
  beta: number;
  /** VIREL with betaSource `minibatch`: the last minibatches' td residuals (absent otherwise and in older checkpoints). */
  betaWindow?: number[];
  logAlpha: number;
  alphaAdam: { m: number; v: number; t: number } | null;
  adamT: { pi: number; q: number; v: number | null };
}

/** The shape of one network (`[in, h1, …, out]`). */
export interface NetworkInfo {
  readonly sizes: readonly number[];
}

/** A learner as users see it: the update steps of Algorithm 1 on plain numbers, network shapes, β/α state. */
export interface LearnerApi {
  readonly cfg: AgentConfig;
  readonly obsDim: number;
  readonly actDim: number;
  /** The twin critics Q₁, Q₂ and the value network V (null for SAC-v2). */
  readonly q1: NetworkInfo;
  readonly q2: NetworkInfo;
  readonly v: NetworkInfo | null;
  /** The temperature state: β (VIREL) and log α (SAC). */
  beta: number;
  logAlpha: number;
  /** Gradient steps taken so far. */
  gradSteps: number;
  /** Use the fused fast update when supported (default true); false runs the reference update. */
  useFastPath: boolean;
  /** Whether the fast update runs for this learner now. */
  readonly fastPathActive: boolean;
  /** β (VIREL) or α (SAC): the weight of the entropy term. */
  temperature(): number;
  /** SAC-v2's target entropy H̄ = −|A|. */
  targetEntropy(): number;
  /** Re-estimate β(ω) from replay samples (VIREL's `td-residual` or `twin-q-residual` rule; `fixed` sets β = beta); returns the new β. */
  refreshBeta(buffer: ReplayBuffer, sampleRng: Rng): number;
  /** VIREL: the β rule's residual on `n` replay samples, β unchanged (compare estimators). */
  replayResidual(buffer: ReplayBuffer, sampleRng: Rng, n: number, kind?: "td" | "twin-q"): number;
  /** VIREL, betaSource `minibatch`: the last minibatches' td residuals, oldest first. */
  readonly betaWindow: readonly number[];
  /** M-step (critics, Eq. 10). */
  mStep(batch: Batch): MStepResult;
  /** E-step (actor, Eq. 9). */
  eStep(batch: Batch): EStepResult;
  /** One whole gradient step: M-step then E-step. */
  update(batch: Batch): { m: MStepResult; e: EStepResult };
  /** The policy's action(s) for flat observations, in the squashed [−1, 1] space. */
  act(obs: ArrayLike<number>, deterministic: boolean): Float32Array;
  scalarState(): LearnerScalarState;
  setScalarState(s: LearnerScalarState): void;
  /** Free the networks' and optimisers' tensors. */
  dispose(): void;
}

/** Observations (or actions): one row per point (`[[cos θ, sin θ, θ̇], …]`), or one row-major flat array of n·dim numbers. */
export type Rows = readonly ArrayLike<number>[] | ArrayLike<number>;
/** Which critic `qValues` reads: Q̂ = min(Q₁, Q₂) (what the actor maximises, Eq. 9), or one of the twins. */
export type Critic = "min" | "q1" | "q2";
