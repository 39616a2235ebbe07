/**
 * Notebook display helpers (`import * as display from "virel/display"`; preloaded as `display` in the VIREL
 * kernel). The library core never imports this module.
 *
 * Every function sends ONE output (a mime bundle) through the kernel and returns a `DisplayHandle` whose
 * `update(…)` replaces that output in place. In plain Node (no kernel) nothing is sent: the text/plain form is
 * printed to stdout and the handle says `shown: false`.
 */
import { randomBytes } from "node:crypto";
import type { Frame } from "../envs/types";
import { animationHtml, checkFrames, type AnimationOptions } from "./animation";
import { currentBridge, MIME_BUNDLE, SILENT_RESULT, type KernelBridge, type MimeBundle } from "./bridge";
import {
  bandsFigure,
  barsFigure,
  heatmapFigure,
  histogramFigure,
  linesFigure,
  sliderFigure,
  type AxesOptions,
  type BandKind,
  type BarGroup,
  type LineSeries,
  type SeedSeries,
  type SliderOptions,
  type SliderStep,
} from "./figures";
import { gridworldFigure, type GridworldFigureOptions, type GridworldLike } from "./gridworld";
import {
  FIG1_VI,
  FIG2_MERLIN,
  FIG2_VIREL,
  graphicalModelSvg,
  graphicalModelsSvg,
  type GraphicalModel,
} from "./graphical-model";
import { checkFigure, figureSummary, plainFigure, plotHtml, PLOTLY_MIME, type Figure } from "./plotly";

export type { MimeBundle, KernelBridge, DisplayOptions } from "./bridge";
export { MIME_BUNDLE, SILENT_RESULT, installBridge, currentBridge } from "./bridge";
export * from "./figures";
export * from "./graphical-model";
export { gridworldFigure, type GridworldFigureOptions, type GridworldLike } from "./gridworld";
export type { Figure, Trace } from "./plotly";
export { PLOTLY_MIME, plotlyJs, plotlyVersion, plotHtml, figureSummary, scriptJson } from "./plotly";
export { animationHtml, type AnimationOptions } from "./animation";

/** The handle of one output. */
export interface DisplayHandle {
  /** `transient.display_id` of the output. */
  readonly displayId: string;
  /** True when a kernel received the output; false in plain Node (the text was printed instead). */
  readonly shown: boolean;
  /** Replace the output with a new bundle (`update_display_data`). */
  update(bundle: MimeBundle): void;
  /** Marks the handle so a cell ending with `display.plot(…)` shows no extra `execute_result`. */
  readonly [SILENT_RESULT]: true;
}

function newId(): string {
  return "virel-" + randomBytes(6).toString("hex");
}

class Handle implements DisplayHandle {
  readonly [SILENT_RESULT] = true as const;
  constructor(
    readonly displayId: string,
    readonly shown: boolean,
  ) {}
  update(bundle: MimeBundle): void {
    send(bundle, this.displayId, true);
  }
}

/** Send a bundle; in plain Node print its text/plain. Returns whether a kernel took it. */
function send(bundle: MimeBundle, displayId: string, update: boolean, metadata?: Record<string, unknown>): boolean {
  if (typeof bundle["text/plain"] !== "string") throw new Error("a mime bundle needs a text/plain entry");
  const bridge = currentBridge();
  if (!bridge) {
    if (!update) process.stdout.write(String(bundle["text/plain"]) + "\n");
    return false;
  }
  bridge.display(bundle, { displayId, update, metadata });
  return true;
}

/** Display any mime bundle (it must have `text/plain`). */
export function show(bundle: MimeBundle, metadata?: Record<string, unknown>): DisplayHandle {
  const id = newId();
  return new Handle(id, send(bundle, id, false, metadata));
}

/** Display SVG markup. */
export function svg(markup: string): DisplayHandle {
  if (typeof markup !== "string" || !markup.includes("<svg"))
    throw new Error("svg(markup) expects SVG markup containing <svg");
  return show({ "image/svg+xml": markup, "text/plain": `<SVG image, ${markup.length} characters>` });
}

/** Display Markdown text. */
export function markdown(text: string): DisplayHandle {
  return show({ "text/markdown": String(text), "text/plain": String(text) });
}

/** Display LaTeX math (wrapped in `$$…$$` unless it already has delimiters). */
export function latex(tex: string): DisplayHandle {
  const t = String(tex).trim();
  const wrapped = /^(\$|\\\[|\\begin)/.test(t) ? t : `$$${t}$$`;
  return show({ "text/latex": wrapped, "text/plain": t });
}

/** Display raw HTML (shown only in trusted notebooks). */
export function html(markup: string, plain = "<HTML>"): DisplayHandle {
  return show({ "text/html": String(markup), "text/plain": plain });
}

/** Display plain text. */
export function text(s: string): DisplayHandle {
  return show({ "text/plain": String(s) });
}

/** Clear the cell's output (`wait`: when the next output arrives). */
export function clear(wait = false): void {
  currentBridge()?.clearOutput(wait);
}

const NEVER = new AbortController().signal;

/**
 * The running cell's interrupt signal: aborted when the user interrupts the kernel (Jupyter's ■ button).
 * Pass it to long loops, e.g. `await agent.train(5000, { signal: display.interruptSignal() })`. Outside a kernel a
 * signal that never aborts.
 */
export function interruptSignal(): AbortSignal {
  return currentBridge()?.interruptSignal() ?? NEVER;
}

// ---- plotly ------------------------------------------------------------------------------------------------------

/** Kernel session → display id of the output that carries plotly.js (once per page). */
const libraryCarrier = new Map<string, string>();

function carriesLibrary(bridge: KernelBridge | null, displayId: string): boolean {
  if (!bridge) return false;
  const carrier = libraryCarrier.get(bridge.sessionId);
  if (carrier === undefined) {
    libraryCarrier.set(bridge.sessionId, displayId);
    return true;
  }
  return carrier === displayId;
}

/** The bundle of a figure: plotly JSON + HTML (+ the library when `includeLibrary`) + text. */
export function figureBundle(fig: Figure, displayId: string, includeLibrary: boolean): MimeBundle {
  const f = plainFigure(checkFigure(fig));
  return {
    [PLOTLY_MIME]: { data: f.data, layout: f.layout ?? {}, config: f.config ?? {} },
    "text/html": plotHtml(f, displayId, { includeLibrary }),
    "text/plain": figureSummary(f),
  };
}

/** The handle of a plot: `update(figure)` redraws it in place. */
export interface PlotHandle extends DisplayHandle {
  updateFigure(fig: Figure): void;
}

class PlotHandleImpl extends Handle implements PlotHandle {
  updateFigure(fig: Figure): void {
    const bridge = currentBridge();
    send(figureBundle(fig, this.displayId, carriesLibrary(bridge, this.displayId)), this.displayId, true);
  }
}

/** Display a plotly figure as ONE output (plotly JSON + HTML with plotly.js inlined once per page + text). */
export function plot(fig: Figure): PlotHandle {
  const id = newId();
  const bridge = currentBridge();
  const bundle = figureBundle(fig, id, carriesLibrary(bridge, id));
  return new PlotHandleImpl(id, send(bundle, id, false));
}

/** A figure that renders itself when it is a cell's last expression. */
export function figure(fig: Figure): Figure & { [MIME_BUNDLE](): MimeBundle } {
  const f = checkFigure(fig);
  return Object.assign(
    Object.create({
      [MIME_BUNDLE](this: Figure): MimeBundle {
        const id = newId();
        return figureBundle(
          { data: this.data, layout: this.layout, config: this.config },
          id,
          carriesLibrary(currentBridge(), id),
        );
      },
    }) as { [MIME_BUNDLE](): MimeBundle },
    f,
  );
}

/** Plot lines (see `linesFigure`). */
export function lines(series: readonly LineSeries[], opts: AxesOptions = {}): PlotHandle {
  return plot(linesFigure(series, opts));
}
/** Plot mean ± band over seeds (see `bandsFigure`). */
export function bands(series: readonly SeedSeries[], opts: AxesOptions & { band?: BandKind } = {}): PlotHandle {
  return plot(bandsFigure(series, opts));
}
/** Plot a heatmap (see `heatmapFigure`). */
export function heatmap(z: readonly ArrayLike<number>[], opts: Parameters<typeof heatmapFigure>[1] = {}): PlotHandle {
  return plot(heatmapFigure(z, opts));
}
/** Plot a figure with a slider, one position per step (see `sliderFigure`). */
export function slider(steps: readonly SliderStep[], opts: SliderOptions = {}): PlotHandle {
  return plot(sliderFigure(steps, opts));
}
/** Draw a gridworld: values as colours, the policy as arrows, walls, start and goal (see `gridworldFigure`). */
export function gridworld(grid: GridworldLike, opts: GridworldFigureOptions = {}): PlotHandle {
  return plot(gridworldFigure(grid, opts));
}
/** Plot bars (see `barsFigure`). */
export function bars(
  categories: readonly string[],
  groups: readonly BarGroup[] | ArrayLike<number>,
  opts: AxesOptions = {},
): PlotHandle {
  return plot(barsFigure(categories, groups, opts));
}
/** Plot a histogram (see `histogramFigure`). */
export function histogram(
  samples: Parameters<typeof histogramFigure>[0],
  opts: Parameters<typeof histogramFigure>[1] = {},
): PlotHandle {
  return plot(histogramFigure(samples, opts));
}

// ---- live charts -----------------------------------------------------------------------------------------------

/** Options of a live chart. */
export interface LiveOptions extends AxesOptions {
  /** Minimum time between two updates sent to the frontend (default 500 ms; the last points are flushed when the cell ends). */
  throttleMs?: number;
  /** Keep at most this many points per series (default 100000). */
  maxPoints?: number;
}

/** A chart that grows while a cell runs (training curves): `push({return: r, beta: b}, step)`. */
export interface LiveChart extends DisplayHandle {
  /** Append one point to each named series (x defaults to the number of points pushed so far). */
  push(values: Record<string, number>, x?: number): void;
  /** Send pending points now. */
  flush(): void;
  /** Final update (and stop listening to cell ends). */
  close(): void;
  /** The current figure. */
  figure(): Figure;
}

const liveCharts = new Set<LiveChartImpl>();
const hookedBridges = new WeakSet<KernelBridge>();

function hookCellEnd(bridge: KernelBridge | null): void {
  if (!bridge || hookedBridges.has(bridge)) return;
  hookedBridges.add(bridge);
  bridge.onCellEnd(() => {
    for (const c of liveCharts) c.cellEnded();
  });
}

class LiveChartImpl extends Handle implements LiveChart {
  private readonly series = new Map<string, { x: number[]; y: number[] }>();
  private count = 0;
  private lastSent = 0;
  private pending = false;
  private lastHadLibrary = false;
  constructor(
    id: string,
    shown: boolean,
    private readonly opts: LiveOptions,
    private readonly carrier: boolean,
  ) {
    super(id, shown);
  }
  figure(): Figure {
    const list = [...this.series.entries()].map(([name, s]) => ({ name, x: s.x, y: s.y }));
    if (list.length === 0) return { data: [], layout: linesFigure([{ name: "", y: [] }], this.opts).layout };
    return linesFigure(list, this.opts);
  }
  push(values: Record<string, number>, x?: number): void {
    if (typeof values !== "object" || values === null)
      throw new Error(`push(values) expects {name: number}, got ${String(values)}`);
    const px = x ?? this.count;
    if (!Number.isFinite(px)) throw new Error(`x must be a finite number, got ${px}`);
    this.count++;
    const max = this.opts.maxPoints ?? 100_000;
    for (const [name, v] of Object.entries(values)) {
      if (typeof v !== "number") throw new Error(`values.${name} must be a number, got ${typeof v}`);
      let s = this.series.get(name);
      if (!s) this.series.set(name, (s = { x: [], y: [] }));
      s.x.push(px);
      s.y.push(v);
      if (s.x.length > max) {
        s.x.shift();
        s.y.shift();
      }
    }
    this.pending = true;
    if (Date.now() - this.lastSent >= (this.opts.throttleMs ?? 500)) this.send(false);
  }
  private send(withLibrary: boolean): void {
    this.pending = false;
    this.lastSent = Date.now();
    this.lastHadLibrary = withLibrary;
    send(figureBundle(this.figure(), this.displayId, withLibrary), this.displayId, true);
  }
  flush(): void {
    if (this.pending) this.send(false);
  }
  /** At the end of a cell the output is final: carry the library again if this chart is the page's carrier. */
  cellEnded(): void {
    if (this.pending || (this.carrier && !this.lastHadLibrary)) this.send(this.carrier);
  }
  close(): void {
    this.send(this.carrier);
    liveCharts.delete(this);
  }
}

/** Start a live chart: one output that `push(…)` updates in place (`update_display_data`). */
export function live(opts: LiveOptions = {}): LiveChart {
  if (opts.throttleMs !== undefined && !(opts.throttleMs >= 0))
    throw new Error(`throttleMs must be ≥ 0, got ${opts.throttleMs}`);
  const id = newId();
  const bridge = currentBridge();
  const carrier = carriesLibrary(bridge, id);
  const empty: Figure = { data: [], layout: linesFigure([{ name: "", y: [] }], opts).layout };
  const shown = send(figureBundle(empty, id, carrier), id, false);
  const chart = new LiveChartImpl(id, shown, opts, carrier);
  if (shown) {
    liveCharts.add(chart);
    hookCellEnd(bridge);
  }
  return chart;
}

// ---- animations and graphical models -----------------------------------------------------------------------------

/** Play environment frames (`env.render()` results) as an animation; the first frame is the SVG fallback. */
export function animation(frames: readonly Frame[], opts: AnimationOptions = {}): DisplayHandle {
  checkFrames(frames);
  const id = newId();
  return new Handle(
    id,
    send(
      {
        "text/html": animationHtml(frames, id, opts),
        "image/svg+xml": frames[0]!.data,
        "text/plain": `<Animation: ${frames.length} frames at ${opts.fps ?? 30} fps>`,
      },
      id,
      false,
    ),
  );
}

/** Draw a graphical model (or several side by side) as SVG. */
export function graphicalModel(model: GraphicalModel | readonly GraphicalModel[]): DisplayHandle {
  const markup = Array.isArray(model) ? graphicalModelsSvg(model) : graphicalModelSvg(model as GraphicalModel);
  const names = (Array.isArray(model) ? model : [model as GraphicalModel]).map((m) => m.title ?? "model").join(" | ");
  return show({ "image/svg+xml": markup, "text/plain": `<Graphical model: ${names}>` });
}

/** The paper's Fig. 1 (generic VI) and Fig. 2 (MERLIN vs VIREL), drawn. */
export function paperFigure(which: 1 | 2): DisplayHandle {
  if (which !== 1 && which !== 2) throw new Error(`paperFigure expects 1 or 2, got ${String(which)}`);
  return graphicalModel(which === 1 ? FIG1_VI : [FIG2_MERLIN, FIG2_VIREL]);
}
