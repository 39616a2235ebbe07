/**
 * What differs between the four algorithms, as data: which critics they keep, the target each critic regresses
 * to, the temperature rule, and which critic the actor maximises. Both update rules (the reference autodiff one,
 * reference-update.ts, and the fused one, fused/update.ts) read this table instead of comparing algorithm names.
 *
 * Notation (App. C, Algorithm 1): s, a, r, s′, d = terminated from the minibatch; ã ∼ π(·|s), a′ ∼ π(·|s′)
 * reparametrised; T = the temperature (β(ω) for VIREL, α for SAC); V̄ the target V (φ̄); Q̄_j the target Qs.
 *
 * | algo    | networks beside Q₁, Q₂, π | V̂(s)                   | ψ₁ (Q₁'s target)   | ψ₂ (Q₂'s target)          | T       | actor's Q̂ |
 * |---------|---------------------------|------------------------|--------------------|---------------------------|---------|-----------|
 * | virel1  | V, V̄                      | min_i Q_i(s,ã)          | r + γ(1−d)V̄(s′)    | r + γ(1−d)V̄(s′)           | β rule  | min_i Q_i |
 * | virel2  | V, V̄, Q̄₂                  | min_i Q_i(s,ã)          | r + γ(1−d)V̄(s′)    | r + γ(1−d)(Q̄₂(s′,a′) − T log π(a′|s′)) | β rule | min_i Q_i |
 * | sac-v1  | V, V̄                      | min_i Q_i(s,ã) − T log π(ã|s) | r + γ(1−d)V̄(s′) | r + γ(1−d)V̄(s′)      | fixed α | Q₁ (min: option) |
 * | sac     | Q̄₁, Q̄₂                    | —                      | r + γ(1−d)(min_j Q̄_j(s′,a′) − T log π(a′|s′)) | = ψ₁ | learned α | min_i Q_i |
 *
 * VIREL2 (§5: "one hard and one soft Q-function"): Q₁ is the hard critic (bootstrapped from the hard V̄); Q₂ is a
 * soft Q-function with its own soft bootstrap from its target copy Q̄₂, so the entropy bonus accumulates over
 * the horizon through Q₂'s own target: at a fixed point Q₂ − Q₁ ≈ −T·E[Σ_k γ^k log π] (the logged
 * `virel/q_gap`). The actor maximises min(Q₁, Q₂) (§5: "the minimum of the two in the forward pass"); the
 * rewards are scaled (`rewardScale`) so that the two means are close (§5).
 * SAC-v1 (haarnoja/sac): the actor maximises Q₁ (`actorCritic: "q1"`); "min" is an option.
 *
 * This module is tfjs-free and cheap to import.
 */

/** The algorithms: `virel1`, `virel2` (§5), `sac-v1` (haarnoja/sac: V network, fixed α), `sac` (SAC-v2: auto α). */
export const ALGOS = ["virel1", "virel2", "sac-v1", "sac"] as const;
export type Algo = (typeof ALGOS)[number];

/**
 * The target ψ a critic regresses to (§4.1: ψ is a TD(0) estimate):
 *   `hard-v`          ψ = r + γ(1−d) V̄(s′)
 *   `soft-own-target` ψ = r + γ(1−d) (Q̄₂(s′, a′) − T log π(a′|s′))      (VIREL2's soft Q₂)
 *   `soft-min-target` ψ = r + γ(1−d) (min_j Q̄_j(s′, a′) − T log π(a′|s′)) (SAC-v2)
 */
export type TargetKind = "hard-v" | "soft-own-target" | "soft-min-target";

/** How the temperature T of the E-step (Eq. 9) is set. */
export type TemperatureRule =
  /** VIREL: β(ω) from config.betaRule (fixed, or a scaled Bellman residual on replay samples). */
  | "beta"
  /** SAC-v1: a fixed α (config.alpha). */
  | "fixed-alpha"
  /** SAC-v2: log α learned so that E[−log π] tracks the target entropy. */
  | "learned-alpha";

/** One row of the algorithm table. */
export interface AlgorithmSpec {
  /** `v`: a value network V (φ) and its target V̄ (φ̄); `target-q`: target copies Q̄₁, Q̄₂ of the twin critics. */
  readonly critics: "v" | "target-q";
  /** Target copies of the critics: none, Q̄₂ only (VIREL2's soft critic), or both (SAC-v2). */
  readonly targetQs: "none" | "q2" | "both";
  /** V's target V̂(s): `hard` = min_i Q_i(s, ã); `soft` = min_i Q_i(s, ã) − T log π(ã|s); null without V. */
  readonly vTarget: "hard" | "soft" | null;
  /** The targets ψ₁, ψ₂ of Q₁ and Q₂. */
  readonly qTargets: readonly [TargetKind, TargetKind];
  readonly temperature: TemperatureRule;
  /** The critics whose residual the β rule averages (VIREL2: only its hard critic Q₁). */
  readonly betaCritics: 1 | 2;
  /** The critic the actor maximises by default: Q̂ = min_i Q_i, or Q₁ (haarnoja/sac's SAC-v1; config.actorCritic). */
  readonly actorCritic: "min" | "q1";
}

/** The algorithm table (see the module comment for the equations). */
export const ALGORITHMS: Readonly<Record<Algo, AlgorithmSpec>> = Object.freeze({
  virel1: {
    critics: "v",
    targetQs: "none",
    vTarget: "hard",
    qTargets: ["hard-v", "hard-v"],
    temperature: "beta",
    betaCritics: 2,
    actorCritic: "min",
  },
  virel2: {
    critics: "v",
    targetQs: "q2",
    vTarget: "hard",
    qTargets: ["hard-v", "soft-own-target"],
    temperature: "beta",
    betaCritics: 1,
    actorCritic: "min",
  },
  "sac-v1": {
    critics: "v",
    targetQs: "none",
    vTarget: "soft",
    qTargets: ["hard-v", "hard-v"],
    temperature: "fixed-alpha",
    betaCritics: 2,
    actorCritic: "q1",
  },
  sac: {
    critics: "target-q",
    targetQs: "both",
    vTarget: null,
    qTargets: ["soft-min-target", "soft-min-target"],
    temperature: "learned-alpha",
    betaCritics: 2,
    actorCritic: "min",
  },
} satisfies Record<Algo, AlgorithmSpec>);

/** Whether the critics' targets need a′ ∼ π(·|s′) (any soft target). */
export function needsNextAction(spec: AlgorithmSpec): boolean {
  return spec.qTargets.some((k) => k !== "hard-v");
}
