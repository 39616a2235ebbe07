/**
 * `evaluateGrid`: the learnt critic, value and policy over a 2-D grid of states, as plain nested arrays ready for
 * a heatmap (e.g. Pendulum's (θ, θ̇) plane). Uses only the agent's plain-array methods, so importing it is cheap.
 */
import type { Agent } from "./agent";

/** A 2-D grid of states: `obs(x[i], y[j])` is the observation at column i, row j. */
export interface GridSpec {
  /** Column coordinates (e.g. θ). */
  x: readonly number[];
  /** Row coordinates (e.g. θ̇). */
  y: readonly number[];
  /** The observation at a grid point, e.g. `(θ, w) => [Math.cos(θ), Math.sin(θ), w]` for Pendulum. */
  obs: (x: number, y: number) => ArrayLike<number>;
  /** The action (env units) at which Q̂ is evaluated; default the policy's mean action at that state. */
  action?: (x: number, y: number) => ArrayLike<number>;
}

/** What {@link evaluateGrid} returns; every grid is indexed `[j][i]` (row j ↔ y[j], column i ↔ x[i]), as heatmaps take it. */
export interface GridValues {
  x: number[];
  y: number[];
  /** Q̂(s, a) = min(Q₁, Q₂) at a = the policy's mean action (or `spec.action`). */
  qHat: number[][];
  /** V(s) of the value network, or null when the algorithm has none (SAC-v2). */
  v: number[][] | null;
  /** The policy's mean action u(s) = low + (tanh(μ(s)) + 1)/2 · (high − low), one grid per action dimension: `action[k][j][i]`. */
  action: number[][][];
}

function checkAxis(v: readonly number[], name: string): void {
  if (!Array.isArray(v) || v.length === 0)
    throw new Error(`${name} must be a non-empty array of numbers, got ${String(v)}`);
  v.forEach((t, i) => {
    if (typeof t !== "number" || !Number.isFinite(t))
      throw new Error(`${name}[${i}] must be a finite number, got ${String(t)}`);
  });
}

/**
 * Evaluate the agent's policy mean u(s), critic Q̂(s, u(s)) = min_i Q_i(s, u(s)) and value V(s) at every point of a
 * grid, in one batch per network (no tensor is left behind).
 *
 * ```ts
 * const thetas = Array.from({ length: 41 }, (_, i) => -Math.PI + (2 * Math.PI * i) / 40);
 * const g = virel.agents.evaluateGrid(agent, { x: thetas, y: [-8, -4, 0, 4, 8], obs: (th, w) => [Math.cos(th), Math.sin(th), w] });
 * display.heatmap(g.qHat, { x: g.x, y: g.y });   // Q̂ over (θ, θ̇)
 * ```
 */
export function evaluateGrid(agent: Agent, spec: GridSpec): GridValues {
  if (spec === null || typeof spec !== "object")
    throw new Error(`spec must be an object {x, y, obs}, got ${String(spec)}`);
  checkAxis(spec.x, "x");
  checkAxis(spec.y, "y");
  if (typeof spec.obs !== "function")
    throw new Error(`obs must be a function (x, y) => observation, got ${typeof spec.obs}`);
  if (spec.action !== undefined && typeof spec.action !== "function")
    throw new Error(`action must be a function (x, y) => action, got ${typeof spec.action}`);
  const X = spec.x.length;
  const Y = spec.y.length;
  const obs: ArrayLike<number>[] = [];
  for (const yv of spec.y) for (const xv of spec.x) obs.push(spec.obs(xv, yv));
  const mean = agent.actions(obs, { deterministic: true });
  const at = spec.action;
  const acts: ArrayLike<number>[] = at === undefined ? mean : spec.y.flatMap((yv) => spec.x.map((xv) => at(xv, yv)));
  const q = agent.qValues(obs, acts);
  const v = agent.learner.v === null ? null : agent.values(obs);
  const grid = (f: (p: number) => number): number[][] =>
    Array.from({ length: Y }, (_, j) => Array.from({ length: X }, (_, i) => f(j * X + i)));
  return {
    x: [...spec.x],
    y: [...spec.y],
    qHat: grid((p) => q[p]!),
    v: v === null ? null : grid((p) => v[p]!),
    action: Array.from({ length: agent.actDim }, (_, k) => grid((p) => mean[p]![k]!)),
  };
}
