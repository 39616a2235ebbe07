/**
 * Exact variational EM on a tabular MDP (§3.1, §4, App. B): the E-step is policy improvement (closed form:
 * q ← the action-posterior of Q̂ at temperature β; or gradient ascent on softmax logits with the exact ELBO
 * gradient of Eq. 9), the M-step is policy evaluation (Q̂ ← Q^{π_q} exactly, or a step towards an estimate ψ:
 * TD(0), Monte Carlo or the Q-learning target, §4.1), and β is recomputed by an explicit rule.
 *
 * A notebook can run it one step at a time — `let st = emInit(mdp); st = eStep(st); st = mStep(st);` — or all
 * at once with {@link variationalEM}, which is exactly that loop. States are immutable: each step returns a
 * new state, so earlier ones can be kept for plotting.
 *
 * β rules (option `betaRule`):
 * - `"posterior-msbe"`: Table 1's β(ω) = E_{h∼d}[(Q^{p_ω}(h) − Q̂(h;ω))²] with p_ω = softmax(Q̂/β(ω)),
 *   solved as a scalar fixed-point equation after every M-step ({@link posteriorMsbeFixedPoint}: scan β upward,
 *   bisect, take the smallest root). The E-step then uses that self-consistent β. With the exact M-step this
 *   reaches J* (Theorem 1) on random MDPs when the rewards are on the scale it needs: β is in units of Q², the
 *   temperature in units of Q, and Q ∼ 1/(1 − γ), so with rewards in (0, 1] it stalls at γ = 0.98–0.99;
 *   rewards scaled by c ≤ 100(1 − γ)² reached J* everywhere measured (docs/tabular.md; tests).
 * - `"bellman-residual"` (default, chosen from the measurements in docs/tabular.md: it reached J* on every
 *   random MDP measured with rewards in (0, 3], γ up to 0.99, in ≤ 5 iterations): β(ω) =
 *   E_{h∼d}[(T*Q̂(h) − Q̂(h))²], the mean squared Bellman-optimality residual of the critic — zero only at
 *   Q̂ = Q*, close to the later paper's ε_ω. Not Table 1's β; §4.2 only asks for a β that vanishes at the fixed
 *   point, which this one does.
 * - `"lagged-msbe"`: a teaching option, NOT the paper's rule — the one-step-lag trap. β_k = E_d[(Q^{π_k} −
 *   Q̂_{k−1})²] is computed from the previous critic and used one iteration late as the temperature of the new
 *   one (under exact M-steps: the mean squared change between successive critics). It is not self-consistent
 *   and cycles instead of converging (missed J* on 30 of 40 random 12×4, γ = 0.95 MDPs, docs/tabular.md; a
 *   period-3 cycle on seed 0, test/tabular/em.test.ts).
 * - `"fixed"`: a constant β (option `beta`), as in the paper's experiments (§5, β(ω) = α).
 */
import { z } from "zod";
import { actionPosterior, logActionPosterior } from "../model/actionPosterior";
import { lmlDecomposition } from "../model/elbo";
import { p0UniformPrior, posterior, uniformPrior } from "../model/likelihood";
import { logSoftmax, softmax } from "../model/math";
import { msbe } from "../model/msbe";
import { checkTable, type Table } from "../model/validate";
import { Rng, isSeed, type RngState } from "../rng";
import {
  bellmanOptimalityUnchecked,
  evaluatePolicyUnchecked,
  flattenTable,
  rolloutUnchecked,
  stateVisitationUnchecked,
  uniformPolicy,
} from "./evaluation";
import { posteriorMsbeFixedPoint, type BetaFixedPoint, type BetaRoot } from "./betaFixedPoint";
import { checkPositiveRewards, validateMDP, type TabularMDP } from "./mdp";
import { parseOptions } from "./options";

/** How β is recomputed after each M-step (see the module doc). */
export type BetaRule = "posterior-msbe" | "bellman-residual" | "lagged-msbe" | "fixed";
/** E-step kind: closed form q ← p(a|s,O;ω), or gradient ascent on softmax logits (Eq. 9). */
export type EStepKind = "closed-form" | "gradient";
/** M-step kind: exact Q̂ ← Q^{π_q}, or steps towards ψ = TD(0) / Monte Carlo / Q-learning target (§4.1). */
export type MStepKind = "exact" | "td0" | "monte-carlo" | "q-learning";

/** Options of tabular variational EM (one documented config; defaults in {@link EM_DEFAULTS}). */
export interface EMOptions {
  /** Maximum number of EM iterations (E-step + M-step), ≥ 0. Default 100. */
  iterations?: number;
  /** Seed of the {@link Rng} used by sampled targets (mStepSamples > 0). Default 0. */
  seed?: number;
  /**
   * β rule: "bellman-residual" (default; mean squared Bellman-optimality residual), "posterior-msbe" (Table 1's
   * fixed point, smallest root; needs rewards scaled to c ≲ 100(1−γ)², docs/tabular.md), "lagged-msbe"
   * (teaching: the one-step-lag trap, cycles), "fixed".
   */
  betaRule?: BetaRule;
  /** "posterior-msbe": which root of β = g(β) to take — "smallest" (default, what Theorem 1 needs) or "largest" (teaching). */
  betaRoot?: BetaRoot;
  /** β for betaRule "fixed" (≥ 0; 0 = greedy, Infinity = uniform). Default 1. */
  beta?: number;
  /** Weighting d(h) of the β rules: "uniform" over h (default) or "posterior" p(h|O;ω) of the E-step's model (Table 1). */
  betaWeights?: "uniform" | "posterior";
  /** E-step: "closed-form" (default) or "gradient" (Eq. 9 on softmax logits). */
  eStep?: EStepKind;
  /** Gradient E-step: ascent steps per E-step (warm-started from the previous logits). Default 50. */
  eStepSteps?: number;
  /** Gradient E-step: step size on the per-state normalised Eq. 9 direction, > 0. Default 1. */
  eStepLr?: number;
  /**
   * Gradient E-step: state weighting w(s) of the ELBO. "p0" is Eq. 4 exactly (states with p0(s) = 0 get no
   * gradient); "visitation" the discounted on-policy visitation (how App. B.1 estimates it); "uniform" (default)
   * reaches every state. All have the same per-state maximiser softmax(Q̂/β).
   */
  eStepStateWeights?: "uniform" | "p0" | "visitation";
  /** M-step: "exact" (default), "td0", "monte-carlo" or "q-learning" (§4.1). */
  mStep?: MStepKind;
  /** Non-exact M-steps: sweeps of Q̂ ← Q̂ + α(ψ − Q̂) per M-step (ψ recomputed each sweep). Default 1. */
  mStepSweeps?: number;
  /** Non-exact M-steps: step size α ∈ (0, 1]. Default 1. */
  mStepAlpha?: number;
  /** Non-exact M-steps: samples per h for ψ (0 = exact expectation of ψ; for "monte-carlo" 0 gives Q^π). Default 0. */
  mStepSamples?: number;
  /** Monte Carlo rollout length (default ⌈log(1e-6)/log γ⌉, at least 1). */
  mcHorizon?: number;
  /** Prior p(h): "uniform" U(h) (Table 1, default) or "p0-uniform" p0(s)U(a) (Table 2). */
  prior?: "uniform" | "p0-uniform";
  /** Initial critic Q̂_0: "zeros" (default), "uniform-policy" (Q of the uniform policy) or a table [s][a]. */
  qInit?: "zeros" | "uniform-policy" | Table;
  /** Stop early when Q̂ and β change by ≤ tol·(1 + scale) in an iteration (0 disables). Default 1e-12. */
  tol?: number;
}

/** Options after defaults (what an {@link EMState} carries). */
export type ResolvedEMOptions = Readonly<Required<Omit<EMOptions, "qInit" | "mcHorizon">>> & {
  readonly qInit: "zeros" | "uniform-policy" | Table;
  readonly mcHorizon: number | undefined;
};

/** Defaults of {@link EMOptions}. */
export const EM_DEFAULTS = Object.freeze({
  iterations: 100,
  seed: 0,
  betaRule: "bellman-residual",
  betaRoot: "smallest",
  beta: 1,
  betaWeights: "uniform",
  eStep: "closed-form",
  eStepSteps: 50,
  eStepLr: 1,
  eStepStateWeights: "uniform",
  mStep: "exact",
  mStepSweeps: 1,
  mStepAlpha: 1,
  mStepSamples: 0,
  prior: "uniform",
  qInit: "zeros",
  tol: 1e-12,
} as const);

const nonNegNumber = z.custom<number>((v) => typeof v === "number" && v >= 0, {
  message: "must be a number >= 0 (Infinity allowed)",
});
const emSchema = z.strictObject({
  iterations: z.number().int().min(0).optional(),
  seed: z.custom<number>(isSeed, { message: "must be an integer in [0, 2^32 - 1]" }).optional(),
  betaRule: z.enum(["posterior-msbe", "bellman-residual", "lagged-msbe", "fixed"]).optional(),
  betaRoot: z.enum(["smallest", "largest"]).optional(),
  beta: nonNegNumber.optional(),
  betaWeights: z.enum(["uniform", "posterior"]).optional(),
  eStep: z.enum(["closed-form", "gradient"]).optional(),
  eStepSteps: z.number().int().min(1).optional(),
  eStepLr: z.number().positive().optional(),
  eStepStateWeights: z.enum(["uniform", "p0", "visitation"]).optional(),
  mStep: z.enum(["exact", "td0", "monte-carlo", "q-learning"]).optional(),
  mStepSweeps: z.number().int().min(1).optional(),
  mStepAlpha: z.number().positive().max(1).optional(),
  mStepSamples: z.number().int().min(0).optional(),
  mcHorizon: z.number().int().min(1).optional(),
  prior: z.enum(["uniform", "p0-uniform"]).optional(),
  qInit: z
    .union([
      z.enum(["zeros", "uniform-policy"]),
      z.array(z.custom<ArrayLike<number>>((v) => typeof v === "object" && v !== null)),
    ])
    .optional(),
  tol: z.number().min(0).optional(),
});

/** One EM iteration k (after its M-step), everything a notebook plots. */
export interface EMTraceEntry {
  /** k = 1, 2, … */
  iteration: number;
  /** β_{k−1}: the temperature the E-step of this iteration used. */
  betaE: number;
  /** β_k = β(ω_k) after the M-step (the next E-step's temperature). */
  beta: number;
  /** ELBO(q_k, ω_k) (Eq. 4) with Q̂_k and β_k (NaN when β_k = 0). */
  elbo: number;
  /** log p(O; ω_k) = ELBO + KL (Eq. 3) (NaN when β_k = 0). */
  lml: number;
  /** KL(q_k ‖ p(h|O; ω_k)) (Eq. 3) (NaN when β_k = 0). */
  kl: number;
  /** J^{π_k} (Eq. 1), exact. */
  J: number;
  /** E_h[(Q^{π_k}(h) − Q̂_k(h))²] (uniform d): how well the M-step evaluated π_k (0 for the exact M-step). */
  msbe: number;
  /** E_h[(T*Q̂_k − Q̂_k)²] (uniform d): the Bellman-optimality residual of the critic. */
  residual: number;
  /** Mean over states of KL(π_k(·|s) ‖ p(·|s,O;ω_{k−1})): 0 for the closed-form E-step. */
  eStepKL: number;
  /** "posterior-msbe": the fixed-point solve that produced β_k (bracket, evaluations, g(0)); null otherwise. */
  betaSolve: BetaFixedPoint | null;
  /** π_k (the E-step's policy), `[s][a]`. */
  policy: Float64Array[];
  /** Q̂_k (the M-step's critic), `[s][a]`. */
  qHat: Float64Array[];
}

/** The state of tabular variational EM between steps (immutable: steps return new states). */
export interface EMState {
  readonly mdp: TabularMDP;
  readonly options: ResolvedEMOptions;
  /** Completed iterations (M-steps). */
  readonly iteration: number;
  /** The critic Q̂(·;ω) (the model parameters ω). */
  readonly qHat: Float64Array[];
  /** β(ω) for the next E-step. */
  readonly beta: number;
  /** The variational policy π^q(a|s) (uniform before the first E-step). */
  readonly policy: Float64Array[];
  /** Softmax logits θ of π^q (for the gradient E-step). */
  readonly theta: Float64Array[];
  /** Critic and β the last E-step used (null before the first E-step). */
  readonly eStepQHat: Float64Array[] | null;
  readonly eStepBeta: number | null;
  /** KL of the last E-step's policy to its closed-form target (see {@link EMTraceEntry.eStepKL}). */
  readonly eStepKL: number;
  /** The RNG state (sampled targets). */
  readonly rngState: RngState;
  readonly trace: readonly EMTraceEntry[];
  /** True once Q̂ and β stopped changing (within tol). */
  readonly converged: boolean;
}

const copyTable = (t: Table): Float64Array[] => t.map((row) => Float64Array.from(row));

function priorTable(mdp: TabularMDP, kind: "uniform" | "p0-uniform"): Float64Array[] {
  return kind === "uniform" ? uniformPrior(mdp.nS, mdp.nA) : p0UniformPrior(mdp.p0, mdp.nA);
}

function betaWeightsFlat(mdp: TabularMDP, o: ResolvedEMOptions, q: Table, beta: number): Float64Array | undefined {
  if (o.betaWeights === "uniform") return undefined;
  return flattenTable(posterior(q, beta, priorTable(mdp, o.prior)));
}

/**
 * Initialise EM: Q̂_0 from `qInit`, π uniform, β_0 = the fixed β, Table 1's fixed point of Q̂_0 ("posterior-msbe"),
 * or the Bellman-optimality residual of Q̂_0 ("bellman-residual", "lagged-msbe").
 */
export function emInit(mdp: TabularMDP, options: EMOptions = {}): EMState {
  validateMDP(mdp);
  const parsed = Object.fromEntries(
    Object.entries(parseOptions(emSchema, options, "variationalEM")).filter(([, v]) => v !== undefined),
  );
  const o = Object.freeze({ ...EM_DEFAULTS, mcHorizon: undefined, ...parsed }) as ResolvedEMOptions;
  checkPositiveRewards(mdp, "variationalEM");
  let qHat: Float64Array[];
  if (o.qInit === "zeros") qHat = Array.from({ length: mdp.nS }, () => new Float64Array(mdp.nA));
  else if (o.qInit === "uniform-policy") qHat = evaluatePolicyUnchecked(mdp, uniformPolicy(mdp)).Q;
  else qHat = copyTable(checkTable(o.qInit, "qInit", mdp.nS, mdp.nA));
  // β_0: the fixed point of Q̂_0 for "posterior-msbe"; the lagged rule has no previous critic, so it starts
  // from the Bellman-optimality residual of Q̂_0 (as "bellman-residual" does).
  const beta =
    o.betaRule === "fixed"
      ? o.beta
      : o.betaRule === "posterior-msbe"
        ? fixedPoint(mdp, o, qHat).beta
        : msbe(flattenTable(qHat), flattenTable(bellmanOptimalityUnchecked(mdp, qHat)));
  return {
    mdp,
    options: o,
    iteration: 0,
    qHat,
    beta,
    policy: uniformPolicy(mdp),
    theta: Array.from({ length: mdp.nS }, () => new Float64Array(mdp.nA)),
    eStepQHat: null,
    eStepBeta: null,
    eStepKL: 0,
    rngState: new Rng(o.seed).getState(),
    trace: [],
    converged: false,
  };
}

function fixedPoint(mdp: TabularMDP, o: ResolvedEMOptions, qHat: Table): BetaFixedPoint {
  return posteriorMsbeFixedPoint(mdp, qHat, {
    weights: o.betaWeights,
    prior: priorTable(mdp, o.prior),
    root: o.betaRoot,
  });
}

function klRow(p: ArrayLike<number>, logQ: ArrayLike<number>): number {
  let kl = 0;
  for (let a = 0; a < p.length; a++) {
    const pa = p[a]!;
    if (pa > 0) kl += pa * (Math.log(pa) - logQ[a]!);
  }
  return Math.max(0, kl);
}

/**
 * Variational E-step (policy improvement, §4.1): maximise ELBO(q, ω) over π^q with ω fixed. Closed form:
 * `π(a|s) = p(a|s,O;ω) = softmax(Q̂(s,·)/β)` (Eq. 6). Gradient: `θ ← θ + lr · ∇θ`, the exact Eq. 9 direction
 * `β∇θELBO = ∇θ E[Q̂] + β∇θ H`, i.e. `w(s) π(a|s)(Q̂ − β log π − E_π[Q̂ − β log π])`, normalised per state by
 * max(range_a Q̂(s,·), β) (a positive per-state scale, so still ascent on each state's term).
 */
export function eStep(state: EMState): EMState {
  const { mdp, options: o, qHat, beta } = state;
  const { nS, nA } = mdp;
  let policy: Float64Array[];
  let theta: Float64Array[];
  if (o.eStep === "closed-form") {
    policy = qHat.map((row) => actionPosterior(row, beta));
    // log π as logits, clamped so that zero-probability actions stay representable
    theta = qHat.map((row) => logActionPosterior(row, beta).map((l) => Math.max(l, -700)));
  } else {
    theta = copyTable(state.theta);
    let w: ArrayLike<number>;
    if (o.eStepStateWeights === "uniform") w = new Float64Array(nS).fill(1);
    else if (o.eStepStateWeights === "p0") w = mdp.p0;
    else w = stateVisitationUnchecked(mdp, state.policy);
    const wMax = Math.max(...Array.from(w));
    for (let s = 0; s < nS; s++) {
      const ws = w[s]! / wMax;
      if (!(ws > 0)) continue;
      const q = qHat[s]!;
      const range = Math.max(...Array.from(q)) - Math.min(...Array.from(q));
      const scale = beta === Infinity ? 1 : Math.max(range, beta, 1e-300);
      const th = theta[s]!;
      const x = new Float64Array(nA);
      for (let k = 0; k < o.eStepSteps; k++) {
        const pi = softmax(th);
        const logPi = logSoftmax(th);
        let mean = 0;
        for (let a = 0; a < nA; a++) {
          // Eq. 9: β ∂ELBO/∂θ ∝ π (Q̂ − β log π − E_π[·]); at β = ∞ only the entropy term is left
          x[a] = beta === Infinity ? -logPi[a]! : (q[a]! - beta * logPi[a]!) / scale;
          mean += pi[a]! * x[a]!;
        }
        for (let a = 0; a < nA; a++) th[a]! += o.eStepLr * ws * pi[a]! * (x[a]! - mean);
      }
    }
    policy = theta.map((row) => softmax(row));
  }
  let kl = 0;
  for (let s = 0; s < nS; s++) kl += klRow(policy[s]!, logActionPosterior(qHat[s]!, beta)) / nS;
  return { ...state, policy, theta, eStepQHat: qHat, eStepBeta: beta, eStepKL: kl };
}

/** One sweep's estimate ψ(h) of Q^π (§4.1). */
function targets(
  mdp: TabularMDP,
  o: ResolvedEMOptions,
  q: Float64Array[],
  pi: Float64Array[],
  rng: Rng,
  qPi: Float64Array[],
): Float64Array[] {
  const { nS, nA, gamma } = mdp;
  const n = o.mStepSamples;
  const vPi = Float64Array.from({ length: nS }, (_, s) => {
    let v = 0;
    for (let a = 0; a < nA; a++) v += pi[s]![a]! * q[s]![a]!;
    return v;
  });
  const vMax = Float64Array.from(q, (row) => Math.max(...Array.from(row)));
  const horizon =
    o.mcHorizon ?? (gamma === 0 ? 1 : Math.max(1, Math.min(10000, Math.ceil(Math.log(1e-6) / Math.log(gamma)))));
  return Array.from({ length: nS }, (_, s) =>
    Float64Array.from({ length: nA }, (_, a) => {
      const r = mdp.R[s]![a]!;
      const Psa = mdp.P[s]![a]!;
      switch (o.mStep) {
        case "td0": // ψ = r + γ Q̂(s', a'), a' ∼ π  (expected: r + γ Σ P Σ π Q̂)
        case "q-learning": {
          // ψ = r + γ max_a' Q̂(s', a')
          const v = o.mStep === "td0" ? vPi : vMax;
          if (n === 0) {
            let e = 0;
            for (let t = 0; t < nS; t++) e += Psa[t]! * v[t]!;
            return r + gamma * e;
          }
          let e = 0;
          for (let i = 0; i < n; i++) {
            const sp = rng.categorical(Psa);
            e += o.mStep === "td0" ? q[sp]![rng.categorical(pi[sp]!)]! : vMax[sp]!;
          }
          return r + gamma * (e / n);
        }
        case "monte-carlo": {
          // ψ(h0) = Σ_i γ^i r(h_i) from rollouts under π (its expectation is Q^π)
          if (n === 0) return qPi[s]![a]!;
          let g = 0;
          for (let i = 0; i < n; i++) g += rolloutUnchecked(mdp, pi, horizon, rng, s, a).discountedReturn;
          return g / n;
        }
        default:
          return qPi[s]![a]!;
      }
    }),
  );
}

function maxAbsDiff(a: Table, b: Table): { diff: number; mag: number } {
  let diff = 0;
  let mag = 0;
  a.forEach((row, s) => {
    for (let i = 0; i < row.length; i++) {
      diff = Math.max(diff, Math.abs(row[i]! - b[s]![i]!));
      mag = Math.max(mag, Math.abs(row[i]!));
    }
  });
  return { diff, mag };
}

/**
 * Variational M-step (policy evaluation, §4.1, App. B.2): maximise the ELBO over ω, i.e. minimise the MSBE
 * towards Q^{π_q}: exact `Q̂ ← Q^{π_q}`, or sweeps of `Q̂ ← Q̂ + α(ψ − Q̂)` (gradient descent on
 * β̂ = E[(ψ − Q̂)²] for a tabular critic); then β ← the β rule; appends a trace entry.
 */
export function mStep(state: EMState): EMState {
  const { mdp, options: o } = state;
  const rng = new Rng(0).setState(state.rngState);
  const pi = state.policy;
  const qOld = state.qHat;
  const vfPi = evaluatePolicyUnchecked(mdp, pi); // Q^{π_q}: the M-step's target, and J^{π_q}
  let qNew: Float64Array[];
  if (o.mStep === "exact") {
    qNew = copyTable(vfPi.Q);
  } else {
    qNew = copyTable(qOld);
    for (let k = 0; k < o.mStepSweeps; k++) {
      const psi = targets(mdp, o, qNew, pi, rng, vfPi.Q);
      for (let s = 0; s < mdp.nS; s++)
        for (let a = 0; a < mdp.nA; a++) qNew[s]![a]! += o.mStepAlpha * (psi[s]![a]! - qNew[s]![a]!);
    }
  }
  const eQ = state.eStepQHat ?? qOld;
  const eBeta = state.eStepBeta ?? state.beta;
  const d = betaWeightsFlat(mdp, o, eQ, eBeta);
  let beta: number;
  let betaSolve: BetaFixedPoint | null = null;
  if (o.betaRule === "fixed") beta = o.beta;
  else if (o.betaRule === "posterior-msbe") {
    // Table 1: β(ω) = E_d[(Q^{p_ω} − Q̂)²] with p_ω = softmax(Q̂/β(ω)) — solved for the new critic
    betaSolve = fixedPoint(mdp, o, qNew);
    beta = betaSolve.beta;
  } else if (o.betaRule === "bellman-residual")
    beta = msbe(flattenTable(qNew), flattenTable(bellmanOptimalityUnchecked(mdp, qNew)), d);
  else beta = msbe(flattenTable(eQ), flattenTable(vfPi.Q), d); // lagged (teaching): E[(Q^{π_k} − Q̂_{k−1})²], used one step late
  const prior = priorTable(mdp, o.prior);
  const dec = beta > 0 ? lmlDecomposition(qNew, beta, pi, mdp.p0, prior) : { lml: NaN, elbo: NaN, kl: NaN };
  const entry: EMTraceEntry = {
    iteration: state.iteration + 1,
    betaE: eBeta,
    beta,
    elbo: dec.elbo,
    lml: dec.lml,
    kl: dec.kl,
    J: vfPi.J,
    msbe: msbe(flattenTable(qNew), flattenTable(vfPi.Q)),
    residual: msbe(flattenTable(qNew), flattenTable(bellmanOptimalityUnchecked(mdp, qNew))),
    eStepKL: state.eStepKL,
    betaSolve,
    policy: copyTable(pi),
    qHat: copyTable(qNew),
  };
  const { diff, mag } = maxAbsDiff(qNew, qOld);
  const betaStill = beta === state.beta || Math.abs(beta - state.beta) <= o.tol * (1 + Math.abs(state.beta));
  const converged = o.tol > 0 && diff <= o.tol * (1 + mag) && betaStill;
  return {
    ...state,
    iteration: state.iteration + 1,
    qHat: qNew,
    beta,
    rngState: rng.getState(),
    trace: [...state.trace, entry],
    converged,
  };
}

/** One EM iteration: `mStep(eStep(state))`. */
export function emStep(state: EMState): EMState {
  return mStep(eStep(state));
}

/** Result of {@link variationalEM}. */
export interface EMResult {
  /** The action-posterior of the final model, p(a|s,O;ω_K) = softmax(Q̂_K/β_K) (Theorem 1's policy). */
  policy: Float64Array[];
  /** The final critic Q̂_K, `[s][a]`. */
  Q: Float64Array[];
  /** J of `policy` (Eq. 1), exact. */
  J: number;
  /** β_K. */
  beta: number;
  /** Iterations run. */
  iterations: number;
  /** True if it stopped because Q̂ and β stopped changing. */
  converged: boolean;
  /** One entry per iteration. */
  trace: EMTraceEntry[];
  /** The final state (continue with eStep / mStep). */
  state: EMState;
}

/** Variational EM (§4): `emInit`, then `mStep(eStep(·))` up to `iterations` times (stopping early once converged). */
export function variationalEM(mdp: TabularMDP, options: EMOptions = {}): EMResult {
  let st = emInit(mdp, options);
  while (st.iteration < st.options.iterations && !st.converged) st = emStep(st);
  const policy = st.qHat.map((row) => actionPosterior(row, st.beta));
  return {
    policy,
    Q: copyTable(st.qHat),
    J: evaluatePolicyUnchecked(mdp, policy).J,
    beta: st.beta,
    iterations: st.iteration,
    converged: st.converged,
    trace: [...st.trace],
    state: st,
  };
}
