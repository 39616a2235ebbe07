/**
 * Figure builders for the plots the tutorials need (pure functions: they return a plotly `Figure` and display
 * nothing): lines, lines with ± bands over seeds, heatmaps, bars, histograms.
 */
import type { Figure, Trace } from "./plotly";

/** Plotly's default colour cycle (D3 category10). */
export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** Axis titles and the figure title shared by the builders. */
export interface AxesOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Height in pixels (default 420). */
  height?: number;
  /** Logarithmic x / y axis (tick labels as powers of ten). */
  logX?: boolean;
  logY?: boolean;
  /** Axis ranges `[from, to]`; on a log axis in powers of ten (plotly's convention: `[-18, 0]` is 1e-18 … 1). */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
}

function checkRange(r: readonly [number, number] | undefined, name: string): void {
  if (r === undefined) return;
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new Error(`${name} must be [from, to] with two finite numbers, got ${JSON.stringify(r)}`);
  }
}

/** One axis: title, and log type / range when asked. */
function axisOf(
  label: string | undefined,
  log: boolean | undefined,
  range: readonly [number, number] | undefined,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    title: { text: label ?? "" },
    ...(log ? { type: "log", exponentformat: "power" } : {}),
    ...(range ? { range: [...range] } : {}),
    ...extra,
  };
}

function layoutOf(
  o: AxesOptions,
  extra: Record<string, unknown> = {},
  yExtra: Record<string, unknown> = {},
): Record<string, unknown> {
  checkRange(o.xRange, "xRange");
  checkRange(o.yRange, "yRange");
  return {
    ...(o.title ? { title: { text: o.title } } : {}),
    xaxis: axisOf(o.xLabel, o.logX, o.xRange),
    yaxis: axisOf(o.yLabel, o.logY, o.yRange, yExtra),
    height: o.height ?? 420,
    margin: { t: o.title ? 50 : 20, r: 20, b: 50, l: 60 },
    ...extra,
  };
}

function toArray(v: ArrayLike<number>, what: string): number[] {
  if (v === null || typeof v !== "object" || typeof v.length !== "number")
    throw new Error(`${what} must be an array of numbers, got ${String(v)}`);
  return Array.from(v);
}

function rgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** One line: `y` against `x` (default 0, 1, 2, …). */
export interface LineSeries {
  name: string;
  y: ArrayLike<number>;
  x?: ArrayLike<number>;
  color?: string;
  dash?: "solid" | "dash" | "dot";
}

/** Line plot of several series. */
export function linesFigure(series: readonly LineSeries[], opts: AxesOptions = {}): Figure {
  if (!Array.isArray(series) || series.length === 0) throw new Error("series must be a non-empty array of {name, y}");
  const data: Trace[] = series.map((s, i) => {
    const y = toArray(s.y, `series[${i}].y`);
    const x = s.x ? toArray(s.x, `series[${i}].x`) : y.map((_, j) => j);
    if (x.length !== y.length) throw new Error(`series[${i}]: x has ${x.length} points but y has ${y.length}`);
    return {
      type: "scatter",
      mode: "lines",
      name: s.name,
      x,
      y,
      line: { color: s.color ?? PALETTE[i % PALETTE.length], dash: s.dash ?? "solid" },
    };
  });
  return { data, layout: layoutOf(opts) };
}

/** Runs of one method over several seeds: `runs[seed][t]`, all of the same length. */
export interface SeedSeries {
  name: string;
  runs: readonly ArrayLike<number>[];
  x?: ArrayLike<number>;
  color?: string;
}

/** Which band to draw around the mean. */
export type BandKind = "std" | "sem" | "minmax";

/**
 * Mean over seeds and its band at every t: `mean_t = (1/n) Σ_s runs[s][t]`, band `mean_t ± sd_t` (sample
 * standard deviation, n − 1), `± sd_t/√n` (standard error) or `[min_t, max_t]`.
 */
export function seedStats(
  runs: readonly ArrayLike<number>[],
  band: BandKind = "std",
): { mean: number[]; lower: number[]; upper: number[] } {
  if (!Array.isArray(runs) || runs.length === 0) throw new Error("runs must be a non-empty array (one run per seed)");
  const rows = runs.map((r, i) => toArray(r, `runs[${i}]`));
  const T = rows[0]!.length;
  rows.forEach((r, i) => {
    if (r.length !== T) throw new Error(`runs[${i}] has ${r.length} points, expected ${T} like runs[0]`);
  });
  const n = rows.length;
  const mean: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let t = 0; t < T; t++) {
    let m = 0;
    for (const r of rows) m += r[t]!;
    m /= n;
    let lo: number;
    let hi: number;
    if (band === "minmax") {
      lo = Infinity;
      hi = -Infinity;
      for (const r of rows) {
        lo = Math.min(lo, r[t]!);
        hi = Math.max(hi, r[t]!);
      }
    } else {
      let ss = 0;
      for (const r of rows) ss += (r[t]! - m) ** 2;
      const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
      const w = band === "sem" ? sd / Math.sqrt(n) : sd;
      lo = m - w;
      hi = m + w;
    }
    mean.push(m);
    lower.push(lo);
    upper.push(hi);
  }
  return { mean, lower, upper };
}

/** Lines with shaded ± bands over seeds (learning curves: mean return ± one standard deviation). */
export function bandsFigure(series: readonly SeedSeries[], opts: AxesOptions & { band?: BandKind } = {}): Figure {
  if (!Array.isArray(series) || series.length === 0)
    throw new Error("series must be a non-empty array of {name, runs}");
  const band = opts.band ?? "std";
  if (!["std", "sem", "minmax"].includes(band))
    throw new Error(`band must be "std", "sem" or "minmax", got ${JSON.stringify(band)}`);
  const data: Trace[] = [];
  series.forEach((s, i) => {
    const { mean, lower, upper } = seedStats(s.runs, band);
    const x = s.x ? toArray(s.x, `series[${i}].x`) : mean.map((_, j) => j);
    if (x.length !== mean.length)
      throw new Error(`series[${i}]: x has ${x.length} points but runs have ${mean.length}`);
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const group = `${s.name}-${i}`;
    data.push({
      type: "scatter",
      mode: "lines",
      x,
      y: upper,
      line: { width: 0, color },
      showlegend: false,
      hoverinfo: "skip",
      legendgroup: group,
      name: `${s.name} upper`,
    });
    data.push({
      type: "scatter",
      mode: "lines",
      x,
      y: lower,
      line: { width: 0, color },
      fill: "tonexty",
      fillcolor: rgba(color, 0.2),
      showlegend: false,
      hoverinfo: "skip",
      legendgroup: group,
      name: `${s.name} lower`,
    });
    data.push({
      type: "scatter",
      mode: "lines",
      x,
      y: mean,
      line: { color, width: 2 },
      name: `${s.name} (n=${s.runs.length})`,
      legendgroup: group,
    });
  });
  return { data, layout: layoutOf(opts) };
}

/** Options of {@link heatmapFigure}. */
export interface HeatmapOptions extends AxesOptions {
  /** Column labels / coordinates (length = columns of z). */
  x?: readonly (string | number)[];
  /** Row labels / coordinates (length = rows of z). */
  y?: readonly (string | number)[];
  /** A plotly colorscale name (default "Viridis"). */
  colorscale?: string;
  /** Title of the colour bar. */
  zLabel?: string;
  /**
   * Draw row 0 at the top, as a matrix is read (default true: states × actions tables). Set false for a function
   * over a plane, so that y grows upwards (e.g. Q̂ over (θ, θ̇)).
   */
  reverseY?: boolean;
}

/** Heatmap of `z[row][col]` (e.g. a tabular Q-function: states × actions; or a function over a grid). */
export function heatmapFigure(z: readonly ArrayLike<number>[], opts: HeatmapOptions = {}): Figure {
  if (!Array.isArray(z) || z.length === 0) throw new Error("z must be a non-empty array of rows");
  const rows = z.map((r, i) => toArray(r, `z[${i}]`));
  const W = rows[0]!.length;
  rows.forEach((r, i) => {
    if (r.length !== W) throw new Error(`z[${i}] has ${r.length} columns, expected ${W}`);
  });
  if (opts.x && opts.x.length !== W) throw new Error(`x has ${opts.x.length} labels but z has ${W} columns`);
  if (opts.y && opts.y.length !== rows.length)
    throw new Error(`y has ${opts.y.length} labels but z has ${rows.length} rows`);
  const trace: Trace = {
    type: "heatmap",
    z: rows,
    colorscale: opts.colorscale ?? "Viridis",
    colorbar: { title: { text: opts.zLabel ?? "" } },
  };
  if (opts.x) trace.x = [...opts.x];
  if (opts.y) trace.y = [...opts.y];
  if (opts.reverseY !== undefined && typeof opts.reverseY !== "boolean")
    throw new Error(`reverseY must be a boolean, got ${String(opts.reverseY)}`);
  return { data: [trace], layout: layoutOf(opts, {}, opts.reverseY === false ? {} : { autorange: "reversed" }) };
}

/** One group of bars (one value per category), with optional error bars. */
export interface BarGroup {
  name: string;
  values: ArrayLike<number>;
  errors?: ArrayLike<number>;
  color?: string;
}

/** Grouped bar chart: one bar per category per group. */
export function barsFigure(
  categories: readonly string[],
  groups: readonly BarGroup[] | ArrayLike<number>,
  opts: AxesOptions = {},
): Figure {
  if (!Array.isArray(categories) || categories.length === 0)
    throw new Error("categories must be a non-empty array of labels");
  const gs: BarGroup[] =
    Array.isArray(groups) && groups.length > 0 && typeof groups[0] === "object"
      ? (groups as BarGroup[])
      : [{ name: "", values: groups as ArrayLike<number> }];
  const data: Trace[] = gs.map((g, i) => {
    const v = toArray(g.values, `groups[${i}].values`);
    if (v.length !== categories.length)
      throw new Error(`groups[${i}].values has ${v.length} values for ${categories.length} categories`);
    const t: Trace = {
      type: "bar",
      name: g.name,
      x: [...categories],
      y: v,
      marker: { color: g.color ?? PALETTE[i % PALETTE.length] },
    };
    if (g.errors) {
      const e = toArray(g.errors, `groups[${i}].errors`);
      if (e.length !== v.length) throw new Error(`groups[${i}].errors has ${e.length} values for ${v.length} bars`);
      t.error_y = { type: "data", array: e, visible: true };
    }
    return t;
  });
  return { data, layout: layoutOf(opts, { barmode: "group", showlegend: gs.length > 1 }) };
}

/** Histogram of one or more samples (plotly bins them; `nbins` is the target bin count). */
export function histogramFigure(
  samples: ArrayLike<number> | readonly { name: string; values: ArrayLike<number> }[],
  opts: AxesOptions & { nbins?: number; normalize?: boolean } = {},
): Figure {
  const list: { name: string; values: ArrayLike<number> }[] =
    Array.isArray(samples) && samples.length > 0 && typeof samples[0] === "object"
      ? (samples as { name: string; values: ArrayLike<number> }[])
      : [{ name: "", values: samples as ArrayLike<number> }];
  if (opts.nbins !== undefined && (!Number.isInteger(opts.nbins) || opts.nbins < 1))
    throw new Error(`nbins must be a positive integer, got ${opts.nbins}`);
  const data: Trace[] = list.map((s, i) => ({
    type: "histogram",
    name: s.name,
    x: toArray(s.values, `samples[${i}].values`),
    opacity: list.length > 1 ? 0.6 : 1,
    marker: { color: PALETTE[i % PALETTE.length] },
    ...(opts.nbins ? { nbinsx: opts.nbins } : {}),
    ...(opts.normalize ? { histnorm: "probability density" } : {}),
  }));
  return { data, layout: layoutOf(opts, { barmode: "overlay", showlegend: list.length > 1 }) };
}

/** One position of a slider figure: its label and the traces shown there. */
export interface SliderStep {
  label: string;
  data: readonly Trace[];
}

/** Options of {@link sliderFigure}. */
export interface SliderOptions extends AxesOptions {
  /** Text before the current label (default ""), e.g. "β = ". */
  prefix?: string;
  /** The step shown first (default 0). */
  active?: number;
}

/**
 * A figure with a slider: every step's traces are in the figure, the slider shows one step at a time (plotly
 * `restyle` of `visible`), so it works without a kernel (exported HTML, a saved notebook).
 */
export function sliderFigure(steps: readonly SliderStep[], opts: SliderOptions = {}): Figure {
  if (!Array.isArray(steps) || steps.length === 0) throw new Error("steps must be a non-empty array of {label, data}");
  const active = opts.active ?? 0;
  if (!Number.isInteger(active) || active < 0 || active >= steps.length)
    throw new Error(`active must be an integer in [0, ${steps.length - 1}], got ${active}`);
  const owner: number[] = [];
  const data: Trace[] = [];
  steps.forEach((st, i) => {
    if (st === null || typeof st !== "object" || typeof st.label !== "string")
      throw new Error(`steps[${i}] must be {label: string, data: Trace[]}, got ${JSON.stringify(st)}`);
    if (!Array.isArray(st.data) || st.data.length === 0)
      throw new Error(`steps[${i}].data must be a non-empty array of traces`);
    for (const t of st.data) {
      data.push({ ...t, visible: i === active });
      owner.push(i);
    }
  });
  const sliderSteps = steps.map((st, i) => ({
    label: st.label,
    method: "restyle",
    args: [{ visible: owner.map((o) => o === i) }],
  }));
  return {
    data,
    layout: layoutOf(opts, {
      height: opts.height ?? 460,
      sliders: [{ active, steps: sliderSteps, currentvalue: { prefix: opts.prefix ?? "" }, pad: { t: 50 } }],
    }),
  };
}
