/**
 * Metric names (grouped like CleanRL's) and the windowed averaging written to metrics.jsonl.
 * No tfjs here.
 */
import type { AgentConfig } from "./config";
import { ALGORITHMS } from "./algorithms";
import type { EStepResult, MStepResult } from "./learner-types";

/** One line of metrics.jsonl: always `step` (env steps), then grouped names. */
export type MetricRecord = { step: number } & Record<string, number>;

/** Every metric name, what it is and the equation it comes from (the README table). */
export const METRIC_DOCS: Readonly<Record<string, { meaning: string; equation: string }>> = {
  "charts/episodic_return": {
    meaning: "return of a finished training episode (unscaled env reward)",
    equation: "J^π = E[Σ_t γ^t r_t] estimate, γ = 1 (Eq. 1)",
  },
  "charts/episodic_length": { meaning: "length of that episode", equation: "—" },
  "eval/return_mean": {
    meaning: "mean return of `evalEpisodes` deterministic episodes a = tanh(μ_θ(s)) on the evaluation env",
    equation: "Fig. 3's y-axis",
  },
  "eval/return_std": { meaning: "standard deviation of those returns", equation: "—" },
  "eval/episodes": { meaning: "number of evaluation episodes", equation: "—" },
  "losses/q1": { meaning: "MSE of Q₁(s,a) against its target ψ", equation: "M-step, β̂(ω) (§4.1, App. B.2 Eq. 10)" },
  "losses/q2": {
    meaning: "MSE of Q₂(s,a) against its target ψ (VIREL2: the soft target)",
    equation: "M-step, β̂(ω) (§4.1)",
  },
  "losses/v": { meaning: "MSE of V(s) against min_i Q_i(s, ã) (SAC-v1: − α log π)", equation: "J^V(φ), Algorithm 1" },
  "losses/pi": {
    meaning: "actor loss E[T log π(ã|s) − Q̂(s, ã)] (+ regulariser); Q̂ = min_i Q_i, SAC-v1: Q₁",
    equation: "E-step, −ELBO gradient of Eq. 9 (App. B.1)",
  },
  "losses/alpha": {
    meaning: "SAC-v2 temperature loss −log α·(E log π + H̄)",
    equation: "SAC-v2 (Haarnoja et al. 2018b)",
  },
  "virel/beta": {
    meaning: "the E-step's entropy weight: β(ω) for VIREL, α for SAC",
    equation: "Table 1 β(ω); §5 β(ω) = α",
  },
  "virel/msbe": { meaning: "the M-step objective on the minibatch, mean_i MSE(Q_i, ψ)", equation: "β̂(ω) (§4.1)" },
  "virel/elbo": { meaning: "ELBO estimate up to constants, E[Q̂(s,ã)]/β + H(π)", equation: "Eq. 4" },
  "virel/q_hat": { meaning: "E[min_i Q_i(s, ã)], ã ∼ π", equation: "Eq. 9's first term" },
  "virel/q_gap": {
    meaning: "VIREL2: mean Q₂ (soft) − mean Q₁ (hard), the entropy the soft critic has accumulated",
    equation: "§5",
  },
  "policy/entropy": { meaning: "entropy estimate −E[log π(ã|s)]", equation: "H(π^q) in Eq. 4 / Eq. 9" },
  "policy/alpha": { meaning: "SAC-v2's learned α", equation: "—" },
  "perf/updates_per_s": { meaning: "gradient steps per second over the window", equation: "—" },
  "perf/env_steps_per_s": { meaning: "env steps per second over the window (env time only)", equation: "—" },
  "perf/ms_per_update": { meaning: "milliseconds per gradient step (M-step + E-step)", equation: "—" },
};

/** The numbers of one gradient step under their metric names. */
export function metricsFromUpdate(cfg: AgentConfig, m: MStepResult, e: EStepResult): Record<string, number> {
  const out: Record<string, number> = {
    "losses/q1": m.lossQ1,
    "losses/q2": m.lossQ2,
    "losses/pi": e.loss,
    "virel/beta": e.beta,
    "virel/msbe": m.msbe,
    "virel/elbo": e.elbo,
    "virel/q_hat": e.qHat,
    "policy/entropy": e.entropy,
  };
  if (m.lossV !== null) out["losses/v"] = m.lossV;
  // VIREL2 (a hard and a soft critic): the soft critic's mean minus the hard one's
  if (ALGORITHMS[cfg.algo].qTargets[1] !== ALGORITHMS[cfg.algo].qTargets[0]) out["virel/q_gap"] = m.q2Mean - m.q1Mean;
  if (e.alpha !== undefined) out["policy/alpha"] = e.alpha;
  if (e.alphaLoss !== undefined) out["losses/alpha"] = e.alphaLoss;
  return out;
}

/** Sums over a logging window; its state is part of a checkpoint so a resumed run logs the same numbers. */
export class MetricWindow {
  private sums: Record<string, number> = {};
  private count = 0;
  private updateMs = 0;
  private envMs = 0;
  private envSteps = 0;

  addUpdate(nums: Record<string, number>, ms: number): void {
    for (const [k, v] of Object.entries(nums)) this.sums[k] = (this.sums[k] ?? 0) + v;
    this.count += 1;
    this.updateMs += ms;
  }

  addEnvTime(ms: number): void {
    this.envMs += ms;
    this.envSteps += 1;
  }

  /** The window's means at `step` (null when no gradient step happened), then reset. */
  flush(step: number): MetricRecord | null {
    let rec: MetricRecord | null = null;
    if (this.count > 0) {
      rec = { step };
      for (const [k, v] of Object.entries(this.sums)) rec[k] = v / this.count;
      rec["perf/updates_per_s"] = this.updateMs > 0 ? (1000 * this.count) / this.updateMs : 0;
      rec["perf/ms_per_update"] = this.updateMs / this.count;
      rec["perf/env_steps_per_s"] = this.envMs > 0 ? (1000 * this.envSteps) / this.envMs : 0;
    }
    this.sums = {};
    this.count = 0;
    this.updateMs = 0;
    this.envMs = 0;
    this.envSteps = 0;
    return rec;
  }

  getState(): { sums: Record<string, number>; count: number; updateMs: number; envMs: number; envSteps: number } {
    return {
      sums: { ...this.sums },
      count: this.count,
      updateMs: this.updateMs,
      envMs: this.envMs,
      envSteps: this.envSteps,
    };
  }

  setState(s: ReturnType<MetricWindow["getState"]>): void {
    this.sums = { ...s.sums };
    this.count = s.count;
    this.updateMs = s.updateMs;
    this.envMs = s.envMs;
    this.envSteps = s.envSteps;
  }
}
