/**
 * A gridworld picture (a pure figure builder): state values as colours, the policy's most likely action in every
 * cell as an arrow, walls, start and goal — from a tabular gridworld MDP (`virel.tabular.gridworldMDP`).
 */
import type { Figure, Trace } from "./plotly";
import type { GridworldMDP } from "../tabular/generators";

/**
 * What the picture needs of a gridworld: the coordinates of `virel.tabular.gridworldMDP(…)` (`cells[s] = {x, y}`,
 * row 0 at the top); `moves[a]` is the arrow drawn for action a (default up, right, down, left).
 */
export type GridworldLike = Pick<GridworldMDP, "width" | "height" | "cells" | "walls" | "start" | "goal"> &
  Partial<Pick<GridworldMDP, "moves" | "nA">>;

/** Options of {@link gridworldFigure}. */
export interface GridworldFigureOptions {
  /** State values `V[s]` drawn as colours (e.g. V^π or V*); default none (a blank grid). */
  values?: ArrayLike<number>;
  /** A policy `π[s][a]`: the most likely action is drawn as an arrow, with its probability when below `sureAbove`. */
  policy?: readonly ArrayLike<number>[];
  /** Probability above which an arrow is drawn alone (default 0.995). */
  sureAbove?: number;
  title?: string;
  /** Colour-bar title (default "V(s)"). */
  zLabel?: string;
  /** Height in pixels (default 360). */
  height?: number;
  /** Two colours, low → high (default light blues, so the arrows stay readable). */
  colors?: readonly [string, string];
}

const DEFAULT_MOVES = [
  { dx: 0, dy: -1 },
  { dx: 1, dy: 0 },
  { dx: 0, dy: 1 },
  { dx: -1, dy: 0 },
] as const;

function arrowOf(m: { dx: number; dy: number }): string {
  const { dx, dy } = m;
  if (dx === 0 && dy === 0) return "•";
  const angle = Math.atan2(-dy, dx); // screen y grows downwards
  const arrows = ["→", "↗", "↑", "↖", "←", "↙", "↓", "↘"];
  return arrows[(Math.round(angle / (Math.PI / 4)) + 8) % 8]!;
}

/**
 * The picture of a gridworld as a plotly figure: a heatmap of `values` over the cells (walls dark grey), in every
 * cell the policy's most likely action as an arrow (with its probability when it is not yet deterministic), and
 * the start (S) and goal (G) marked.
 */
export function gridworldFigure(grid: GridworldLike, opts: GridworldFigureOptions = {}): Figure {
  if (
    grid === null ||
    typeof grid !== "object" ||
    !Number.isInteger(grid.width) ||
    !Number.isInteger(grid.height) ||
    !Array.isArray(grid.cells)
  ) {
    throw new Error(
      "grid must be a gridworld MDP {width, height, cells, walls, start, goal} (virel.tabular.gridworldMDP)",
    );
  }
  const nS = grid.cells.length;
  const moves = grid.moves ?? DEFAULT_MOVES;
  const values = opts.values;
  if (values !== undefined && (values === null || typeof values !== "object" || values.length !== nS)) {
    throw new Error(
      `expected values of length ${nS} (one per state), got ${values === null || typeof values !== "object" ? String(values) : values.length}`,
    );
  }
  const policy = opts.policy;
  if (policy !== undefined) {
    if (!Array.isArray(policy) || policy.length !== nS)
      throw new Error(
        `expected policy with ${nS} rows (one per state), got ${Array.isArray(policy) ? policy.length : String(policy)}`,
      );
    policy.forEach((row, s) => {
      if (row === null || typeof row !== "object" || row.length !== moves.length) {
        throw new Error(
          `expected policy[${s}] of length ${moves.length} (one per action), got ${row === null || typeof row !== "object" ? String(row) : row.length}`,
        );
      }
    });
  }
  const sureAbove = opts.sureAbove ?? 0.995;
  const [lo, hi] = opts.colors ?? ["#f7fbff", "#6baed6"];
  const stateAt = new Map<string, number>();
  grid.cells.forEach(({ x, y }, s) => stateAt.set(`${x},${y}`, s));
  const z = Array.from({ length: grid.height }, (_, y) =>
    Array.from({ length: grid.width }, (_, x) => {
      const s = stateAt.get(`${x},${y}`);
      return s === undefined || values === undefined ? NaN : values[s]!;
    }),
  );
  const heat: Trace = {
    type: "heatmap",
    z,
    colorscale: [
      [0, lo],
      [1, hi],
    ],
    showscale: values !== undefined,
    colorbar: { title: { text: opts.zLabel ?? "V(s)" } },
    hoverongaps: false,
  };
  if (values === undefined)
    heat.colorscale = [
      [0, lo],
      [1, lo],
    ];
  const annotations = grid.cells.map(({ x, y }, s) => {
    let label = "";
    if (policy !== undefined && s !== grid.goal) {
      const p: number[] = Array.from(policy[s]!);
      let a = 0;
      for (let k = 1; k < p.length; k++) if (p[k]! > p[a]!) a = k;
      label = p[a]! > sureAbove ? arrowOf(moves[a]!) : `${arrowOf(moves[a]!)} ${p[a]!.toFixed(2)}`;
    }
    if (s === grid.goal) label = "G";
    else if (s === grid.start) label = label ? `S ${label}` : "S";
    return { x, y, text: label, showarrow: false, font: { size: 18, color: "#08306b" } };
  });
  const shapes = grid.walls.map(({ x, y }) => ({
    type: "rect",
    x0: x - 0.5,
    x1: x + 0.5,
    y0: y - 0.5,
    y1: y + 0.5,
    fillcolor: "#444444",
    line: { width: 0 },
  }));
  return {
    data: [heat],
    layout: {
      ...(opts.title ? { title: { text: opts.title } } : {}),
      annotations,
      shapes,
      xaxis: { visible: false, range: [-0.5, grid.width - 0.5] },
      yaxis: { visible: false, autorange: "reversed", scaleanchor: "x" },
      height: opts.height ?? 360,
      margin: { t: opts.title ? 50 : 20, r: 20, b: 20, l: 20 },
    },
  };
}
