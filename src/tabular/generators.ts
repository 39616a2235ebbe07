/** MDP generators: seeded random MDPs, a chain, a gridworld with coordinates, and the risky-action MDP. */
import { Rng } from "../rng";
import { checkGamma, checkInt, formatValue } from "../model/validate";
import { makeMDP, type TabularMDP } from "./mdp";

function checkProb(x: number, name: string): number {
  if (typeof x !== "number" || !(x >= 0 && x <= 1)) throw new Error(`${name} must be in [0, 1], got ${formatValue(x)}`);
  return x;
}

function checkPositive(x: number, name: string): number {
  if (typeof x !== "number" || !Number.isFinite(x) || !(x > 0))
    throw new Error(`${name} must be finite and > 0, got ${formatValue(x)}`);
  return x;
}

/** Dirichlet(1, …, 1) draw over `k` entries (normalised exponentials). */
function dirichlet(rng: Rng, k: number): Float64Array {
  const out = new Float64Array(k);
  let s = 0;
  for (let i = 0; i < k; i++) {
    out[i] = -Math.log(1 - rng.uniform());
    s += out[i]!;
  }
  for (let i = 0; i < k; i++) out[i]! /= s;
  return out;
}

/** Options for {@link randomMDP}. */
export interface RandomMDPOptions {
  /** Number of states (≥ 1). */
  states: number;
  /** Number of actions (≥ 1). */
  actions: number;
  /** Discount γ ∈ [0, 1). */
  gamma: number;
  /** Seed for the project's {@link Rng}. */
  seed: number;
  /** Next states reachable from each (s, a), chosen at random; Dirichlet(1) probabilities. Default min(states, 4). */
  branching?: number;
  /** Rewards are uniform in (rewardLow, rewardHigh]. Default (0, 1]: positive, as §3.1 assumes. */
  rewardLow?: number;
  /** Upper end of the reward range. Default 1. */
  rewardHigh?: number;
}

/** Seeded random MDP: `P[s][a]` Dirichlet(1) over `branching` random next states, `R ∼ U(rewardLow, rewardHigh]`, p0 ∼ Dirichlet(1). */
export function randomMDP(options: RandomMDPOptions): TabularMDP {
  const { states, actions, gamma, seed } = options ?? ({} as RandomMDPOptions);
  checkInt(states, "states");
  checkInt(actions, "actions");
  checkGamma(gamma);
  const branching = options.branching ?? Math.min(states, 4);
  checkInt(branching, "branching");
  if (branching > states) throw new Error(`branching must be <= states (${states}), got ${branching}`);
  const lo = options.rewardLow ?? 0;
  const hi = options.rewardHigh ?? 1;
  if (typeof lo !== "number" || typeof hi !== "number" || !Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
    throw new Error(`rewardHigh must be finite and > rewardLow (${formatValue(lo)}), got ${formatValue(hi)}`);
  }
  const rng = new Rng(seed);
  const idx = Array.from({ length: states }, (_, i) => i);
  const P = Array.from({ length: states }, () =>
    Array.from({ length: actions }, () => {
      const row = new Float64Array(states);
      const next = rng.shuffle(idx.slice()).slice(0, branching);
      const w = dirichlet(rng, branching);
      next.forEach((sp, i) => (row[sp] = w[i]!));
      return row;
    }),
  );
  const R = Array.from({ length: states }, () =>
    Float64Array.from({ length: actions }, () => hi - (hi - lo) * rng.uniform()),
  );
  const p0 = dirichlet(rng, states);
  return makeMDP({ P, R, gamma, p0, name: `random(${states}x${actions}, γ=${gamma}, seed=${seed})` });
}

/** Options for {@link chainMDP}. */
export interface ChainOptions {
  /** Number of states in the chain (≥ 2). Default 5. */
  length?: number;
  /** Probability that the other action happens instead. Default 0.2. */
  slip?: number;
  /** Discount γ ∈ [0, 1). Default 0.9. */
  gamma?: number;
  /** Reward for "forward" in the last state. Default 1. */
  bigReward?: number;
  /** Reward for "back" (which returns to state 0). Default 0.2. */
  smallReward?: number;
  /** Reward for "forward" elsewhere (positive, §3.1). Default 0.01. */
  stepReward?: number;
}

/**
 * The chain (Strens' chain, positive rewards): "forward" moves one state right (staying at the end, where it
 * pays `bigReward`), "back" returns to state 0 paying `smallReward`; with probability `slip` the other action
 * happens. Starts in state 0. R[s][a] is the expected reward. Greedy-myopic agents take "back"; the optimum
 * (for γ large enough) walks forward.
 */
export function chainMDP(options: ChainOptions = {}): TabularMDP {
  const n = options.length ?? 5;
  checkInt(n, "length", 2);
  const slip = checkProb(options.slip ?? 0.2, "slip");
  const gamma = checkGamma(options.gamma ?? 0.9);
  const big = checkPositive(options.bigReward ?? 1, "bigReward");
  const small = checkPositive(options.smallReward ?? 0.2, "smallReward");
  const step = checkPositive(options.stepReward ?? 0.01, "stepReward");
  const P: Float64Array[][] = [];
  const R: Float64Array[] = [];
  for (let s = 0; s < n; s++) {
    const fwdNext = Math.min(s + 1, n - 1);
    const fwdR = s === n - 1 ? big : step;
    const fwd = new Float64Array(n);
    const back = new Float64Array(n);
    fwd[fwdNext]! += 1 - slip;
    fwd[0]! += slip;
    back[0]! += 1 - slip;
    back[fwdNext]! += slip;
    P.push([fwd, back]);
    R.push(Float64Array.of((1 - slip) * fwdR + slip * small, (1 - slip) * small + slip * fwdR));
  }
  const p0 = new Float64Array(n);
  p0[0] = 1;
  return makeMDP({
    P,
    R,
    gamma,
    p0,
    name: `chain(${n}, slip=${slip}, γ=${gamma})`,
    stateNames: Array.from({ length: n }, (_, i) => `s${i}`),
    actionNames: ["forward", "back"],
  });
}

/** Options for {@link gridworldMDP}. */
export interface GridworldOptions {
  /**
   * Rows of the grid, top row first: `S` start, `G` goal, `#` wall, `.` free. All rows the same length.
   * Default `["S...", ".#..", "...#", "#..G"]`.
   */
  layout?: readonly string[];
  /** Probability of slipping to each perpendicular direction is slip/2. Default 0.1. */
  slip?: number;
  /** Discount γ ∈ [0, 1). Default 0.95. */
  gamma?: number;
  /** Reward per step in the (absorbing) goal. Default 1. */
  goalReward?: number;
  /** Reward per step elsewhere (positive, §3.1). Default 0.01. */
  stepReward?: number;
}

/** A gridworld: a TabularMDP plus coordinates so a notebook can draw values and the policy on the grid. */
export interface GridworldMDP extends TabularMDP {
  /** Grid width (columns) and height (rows). */
  readonly width: number;
  readonly height: number;
  /** `cells[s] = { x, y }`: column x (0 = left), row y (0 = top) of state s. */
  readonly cells: readonly { readonly x: number; readonly y: number }[];
  /** Wall cells. */
  readonly walls: readonly { readonly x: number; readonly y: number }[];
  /** Start and goal state indices. */
  readonly start: number;
  readonly goal: number;
  /** The layout rows used. */
  readonly layout: readonly string[];
  /** Action a moves by `moves[a] = { dx, dy }` (up, right, down, left). */
  readonly moves: readonly { readonly dx: number; readonly dy: number }[];
  /** State index of cell (x, y), or −1 for a wall / outside the grid. */
  stateAt(x: number, y: number): number;
}

const MOVES = [
  { dx: 0, dy: -1 },
  { dx: 1, dy: 0 },
  { dx: 0, dy: 1 },
  { dx: -1, dy: 0 },
] as const;

/**
 * A gridworld with 4 actions (up, right, down, left): the intended move with probability 1 − slip, each
 * perpendicular move with slip/2; moves into walls or off the grid stay put. The goal is absorbing and pays
 * `goalReward` per step; every other step pays `stepReward`. Starts at `S`.
 */
export function gridworldMDP(options: GridworldOptions = {}): GridworldMDP {
  const layout = options.layout ?? ["S...", ".#..", "...#", "#..G"];
  if (!Array.isArray(layout) || layout.length === 0)
    throw new Error(`layout must be a non-empty array of strings, got ${formatValue(layout)}`);
  const height = layout.length;
  const width = layout[0]!.length;
  layout.forEach((row, y) => {
    if (typeof row !== "string" || row.length !== width)
      throw new Error(`layout[${y}] must be a string of length ${width}, got ${formatValue(row)}`);
    const bad = row.replace(/[SG#.]/g, "");
    if (bad.length > 0) throw new Error(`layout[${y}] may only contain S, G, # and ., got ${formatValue(row)}`);
  });
  const slip = checkProb(options.slip ?? 0.1, "slip");
  const gamma = checkGamma(options.gamma ?? 0.95);
  const goalReward = checkPositive(options.goalReward ?? 1, "goalReward");
  const stepReward = checkPositive(options.stepReward ?? 0.01, "stepReward");
  const index = new Int32Array(width * height).fill(-1);
  const cells: { x: number; y: number }[] = [];
  const walls: { x: number; y: number }[] = [];
  let start = -1;
  let goal = -1;
  let nStart = 0;
  let nGoal = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = layout[y]![x]!;
      if (c === "#") {
        walls.push({ x, y });
        continue;
      }
      index[y * width + x] = cells.length;
      if (c === "S") {
        start = cells.length;
        nStart++;
      }
      if (c === "G") {
        goal = cells.length;
        nGoal++;
      }
      cells.push({ x, y });
    }
  }
  if (nStart !== 1) throw new Error(`layout must contain exactly one S, got ${nStart}`);
  if (nGoal !== 1) throw new Error(`layout must contain exactly one G, got ${nGoal}`);
  const stateAt = (x: number, y: number): number =>
    Number.isInteger(x) && Number.isInteger(y) && x >= 0 && x < width && y >= 0 && y < height
      ? index[y * width + x]!
      : -1;
  const nS = cells.length;
  const P: Float64Array[][] = [];
  const R: Float64Array[] = [];
  for (let s = 0; s < nS; s++) {
    const { x, y } = cells[s]!;
    const rows: Float64Array[] = [];
    for (let a = 0; a < 4; a++) {
      const row = new Float64Array(nS);
      if (s === goal) {
        row[s] = 1;
      } else {
        const outcomes: [number, number][] = [
          [a, 1 - slip],
          [(a + 1) % 4, slip / 2],
          [(a + 3) % 4, slip / 2],
        ];
        for (const [d, p] of outcomes) {
          const m = MOVES[d]!;
          const t = stateAt(x + m.dx, y + m.dy);
          row[t >= 0 ? t : s]! += p;
        }
      }
      rows.push(row);
    }
    P.push(rows);
    R.push(new Float64Array(4).fill(s === goal ? goalReward : stepReward));
  }
  const p0 = new Float64Array(nS);
  p0[start] = 1;
  const mdp = makeMDP({
    P,
    R,
    gamma,
    p0,
    name: `gridworld(${width}x${height}, slip=${slip}, γ=${gamma})`,
    stateNames: cells.map(({ x, y }) => `(${x},${y})`),
    actionNames: ["up", "right", "down", "left"],
  });
  return { ...mdp, width, height, cells, walls, start, goal, layout: [...layout], moves: MOVES, stateAt };
}

/** Options for {@link riskyMDP}. */
export interface RiskyOptions {
  /** Probability that the risky action wins. Default 0.1. */
  pWin?: number;
  /** Reward in the "won" state. Default 10. */
  winReward?: number;
  /** Reward in the "lost" state. Default 0.1. */
  loseReward?: number;
  /** Reward in the "safe" state. Default 2 (> pWin·win + (1−pWin)·lose = 1.09). */
  safeReward?: number;
  /** Reward in the start and terminal states (positive, §3.1). Default 0.1. */
  baseReward?: number;
  /** Discount γ ∈ [0, 1). Default 0.9. */
  gamma?: number;
}

/**
 * The risky-action MDP: from `start` (state 0), action 0 "safe" goes to `safe` (state 3, pays safeReward),
 * action 1 "risky" goes to `won` (state 1, pays winReward) with probability pWin and to `lost` (state 2, pays
 * loseReward) otherwise; every outcome then moves to the absorbing `end` (state 4, pays baseReward). With the
 * defaults the risky action has the higher variance and the lower expected return.
 */
export function riskyMDP(options: RiskyOptions = {}): TabularMDP {
  const pWin = checkProb(options.pWin ?? 0.1, "pWin");
  const win = checkPositive(options.winReward ?? 10, "winReward");
  const lose = checkPositive(options.loseReward ?? 0.1, "loseReward");
  const safe = checkPositive(options.safeReward ?? 2, "safeReward");
  const base = checkPositive(options.baseReward ?? 0.1, "baseReward");
  const gamma = checkGamma(options.gamma ?? 0.9);
  const to = (dist: Record<number, number>) => {
    const row = new Float64Array(5);
    for (const [k, v] of Object.entries(dist)) row[Number(k)] = v;
    return row;
  };
  const P = [
    [to({ 3: 1 }), to({ 1: pWin, 2: 1 - pWin })],
    [to({ 4: 1 }), to({ 4: 1 })],
    [to({ 4: 1 }), to({ 4: 1 })],
    [to({ 4: 1 }), to({ 4: 1 })],
    [to({ 4: 1 }), to({ 4: 1 })],
  ];
  const R = [
    [base, base],
    [win, win],
    [lose, lose],
    [safe, safe],
    [base, base],
  ];
  return makeMDP({
    P,
    R,
    gamma,
    p0: to({ 0: 1 }),
    name: `risky(pWin=${pWin}, win=${win}, lose=${lose}, safe=${safe}, γ=${gamma})`,
    stateNames: ["start", "won", "lost", "safe", "end"],
    actionNames: ["safe", "risky"],
  });
}
