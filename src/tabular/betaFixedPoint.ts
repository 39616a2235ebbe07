/**
 * Table 1's β(ω) as its own fixed point, on a tabular MDP.
 *
 * Table 1 defines β(ω) = E_{h∼d}[(Q^{p_ω}(h) − Q̂(h;ω))²], where p_ω is the action-posterior of the model,
 * p(a|s,O;ω) = softmax(Q̂(s,·)/β(ω)) — so β appears on both sides. For a fixed critic Q̂ define
 *
 *     g(β) = E_{h∼d}[(Q^{π_β}(h) − Q̂(h))²],   π_β = softmax(Q̂/β),   f(β) = g(β) − β,
 *
 * and β(ω) is a root of f. Facts the solver relies on:
 * - g(0) is the MSBE of the greedy policy's Q against Q̂ (Lemma 1's β → 0 limit), finite and ≥ 0, so f(0) ≥ 0;
 *   f(0) = 0 exactly when Q̂ = Q^{greedy(Q̂)}, i.e. Q̂ solves the Bellman optimality equation (Q̂ = Q*): then β = 0.
 * - Every Q^π lies in [R_min, R_max]/(1 − γ), so g(β) ≤ B = max_h max(Q̂(h) − V_lo, V_hi − Q̂(h))² for all β, and
 *   every root lies in [0, B]; f(B') < 0 for B' > B. A root therefore always exists.
 * - f can have several roots (g is not monotone in β). The smallest root is the branch that vanishes as
 *   Q̂ → Q* (there g(0) → 0 and the smallest root follows it down); the larger roots are high-temperature
 *   self-consistent solutions that stay away from 0 at Q* — §4.2 and Theorem 1 need β(ω) → 0 at the fixed
 *   point, so EM uses the smallest root (the test shows the largest root stalling below J*).
 *
 * Solver: compute g(0); if it is 0, β = 0. Otherwise scan β upward on the geometric grid
 * β_i = g(0)·2^{−10}·√2^i until f(β_i) ≤ 0 (at the latest past B); the bracket is [β_{i−1}, β_i] (or [0, β_0]),
 * with f > 0 at its left end. Then bisect to a relative width of 1e-13. "Smallest" means the smallest root the
 * grid resolves: two roots closer than a factor √2 with f < 0 between them would be stepped over.
 * `root: "largest"` scans down from B instead (a teaching option, to show that the root choice matters).
 */
import { actionPosterior } from "../model/actionPosterior";
import { posterior } from "../model/likelihood";
import { msbe } from "../model/msbe";
import { checkTable, formatValue, type Table } from "../model/validate";
import { evaluatePolicyUnchecked, flattenTable } from "./evaluation";
import { validateMDP, type TabularMDP } from "./mdp";

function checkArgs(mdp: TabularMDP, qHat: Table, options: PosteriorMsbeOptions): void {
  validateMDP(mdp);
  checkTable(qHat, "qHat", mdp.nS, mdp.nA);
  if (options.weights !== undefined && options.weights !== "uniform" && options.weights !== "posterior") {
    throw new Error(`weights must be "uniform" or "posterior", got ${formatValue(options.weights)}`);
  }
  if (options.root !== undefined && options.root !== "smallest" && options.root !== "largest") {
    throw new Error(`root must be "smallest" or "largest", got ${formatValue(options.root)}`);
  }
}

/** Which root of f(β) = g(β) − β to take. */
export type BetaRoot = "smallest" | "largest";

/** Options of {@link posteriorMsbe} and {@link posteriorMsbeFixedPoint}. */
export interface PosteriorMsbeOptions {
  /** Weighting d(h): "uniform" (default) or "posterior" p(h|O;ω) at the same β, with `prior`. */
  weights?: "uniform" | "posterior";
  /** Prior p(h) for the posterior weighting (U(h) when omitted). */
  prior?: Table;
  /** Root of f to return (default "smallest", the one EM needs; see the module doc). */
  root?: BetaRoot;
}

/** Result of {@link posteriorMsbeFixedPoint}. */
export interface BetaFixedPoint {
  /** The root β of f(β) = g(β) − β. */
  beta: number;
  /** g(0): the MSBE of the greedy policy of Q̂ (β = 0 iff this is 0). */
  g0: number;
  /** The upper bound B on every root. */
  bound: number;
  /** g(β) − β at the returned β (round-off size). */
  residual: number;
  /** The final bracket [lo, hi] (f(lo) > 0 ≥ f(hi)). */
  bracket: [number, number];
  /** Evaluations of g (each a policy evaluation). */
  evaluations: number;
}

function gUnchecked(mdp: TabularMDP, qHat: Table, beta: number, o: PosteriorMsbeOptions): number {
  const pi = qHat.map((row) => actionPosterior(row, beta));
  const qPi = evaluatePolicyUnchecked(mdp, pi).Q;
  const d = o.weights === "posterior" ? flattenTable(posterior(qHat, beta, o.prior)) : undefined;
  return msbe(flattenTable(qHat), flattenTable(qPi), d);
}

/** Table 1's MSBE at temperature β: `g(β) = E_{h∼d}[(Q^{π_β}(h) − Q̂(h))²]`, `π_β = softmax(Q̂/β)` (β = 0 greedy). */
export function posteriorMsbe(mdp: TabularMDP, qHat: Table, beta: number, options: PosteriorMsbeOptions = {}): number {
  if (typeof beta !== "number" || !(beta >= 0)) throw new Error(`beta must be a number >= 0, got ${formatValue(beta)}`);
  checkArgs(mdp, qHat, options);
  return gUnchecked(mdp, qHat, beta, options);
}

/** Upper bound on g: `B = max_h max(Q̂(h) − R_min/(1−γ), R_max/(1−γ) − Q̂(h))²`. */
function rootBound(mdp: TabularMDP, qHat: Table): number {
  let rMin = Infinity;
  let rMax = -Infinity;
  for (const row of mdp.R) {
    for (let a = 0; a < row.length; a++) {
      rMin = Math.min(rMin, row[a]!);
      rMax = Math.max(rMax, row[a]!);
    }
  }
  const lo = rMin / (1 - mdp.gamma);
  const hi = rMax / (1 - mdp.gamma);
  let b = 0;
  for (const row of qHat) for (let a = 0; a < row.length; a++) b = Math.max(b, row[a]! - lo, hi - row[a]!);
  return b * b;
}

/**
 * Table 1's β(ω) for the critic Q̂: a root of `g(β) − β` with `g(β) = E_d[(Q^{softmax(Q̂/β)} − Q̂)²]` — by
 * default the smallest (see the module doc for the bracket-and-bisect solver and why the smallest root).
 */
export function posteriorMsbeFixedPoint(
  mdp: TabularMDP,
  qHat: Table,
  options: PosteriorMsbeOptions = {},
): BetaFixedPoint {
  checkArgs(mdp, qHat, options);
  let evaluations = 0;
  const f = (beta: number): number => {
    evaluations++;
    return gUnchecked(mdp, qHat, beta, options) - beta;
  };
  const g0 = f(0);
  const bound = rootBound(mdp, qHat);
  if (!(g0 > 0)) return { beta: 0, g0: 0, bound, residual: 0, bracket: [0, 0], evaluations };
  const step = Math.SQRT2;
  const top = bound * (1 + 1e-9) + Number.MIN_VALUE;
  const start = g0 * 2 ** -10;
  let lo: number;
  let hi: number;
  if ((options.root ?? "smallest") === "smallest") {
    // scan upward: f(lo) > 0 holds for lo = 0 and every grid point passed
    lo = 0;
    hi = start;
    while (hi < top && f(hi) > 0) {
      lo = hi;
      hi *= step;
    }
    if (hi >= top) hi = top; // f(top) < 0 by the bound
  } else {
    // scan downward from the bound: f(hi) ≤ 0 for every grid point passed
    hi = top;
    lo = top / step;
    while (lo > start && !(f(lo) > 0)) {
      hi = lo;
      lo /= step;
    }
    if (lo <= start) lo = f(start) > 0 ? start : 0;
  }
  // bisection: keep f(lo) > 0 ≥ f(hi)
  while (hi - lo > 1e-13 * hi) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  const beta = 0.5 * (lo + hi);
  const residual = gUnchecked(mdp, qHat, beta, options) - beta;
  return { beta, g0, bound, residual, bracket: [lo, hi], evaluations: evaluations + 1 };
}
