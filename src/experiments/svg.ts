/**
 * A small, dependency-free SVG writer for Fig. 3-style panels: one panel per task, a mean line and a ±std
 * band per algorithm against env steps. The output is deterministic (fixed number formatting, no dates), so
 * regenerating it from the same results gives the same bytes. No tfjs here.
 */
import { ALGO_LABELS, fmtSteps } from "./gather";
import type { AlgoCurve } from "./gather";

/** Line colours per algorithm (the same as `virel report`). */
export const ALGO_COLORS: Readonly<Record<string, string>> = {
  virel1: "#1f77b4",
  virel2: "#2ca02c",
  "sac-v1": "#9467bd",
  sac: "#d62728",
};

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const f1 = (x: number) => (Math.round(x * 10) / 10).toFixed(1);

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`niceTicks needs finite bounds, got ${lo}, ${hi}`);
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return out;
}

function fmtTick(v: number, span: number, steps = false): string {
  if (steps && v > 0 && v % 1000 === 0) return fmtSteps(v);
  if (Number.isInteger(v)) return v.toLocaleString("en-US").replace(/^-/, "−");
  const s = Number.isInteger(v) ? String(v) : v.toFixed(Math.max(0, 2 - Math.floor(Math.log10(Math.abs(span) || 1))));
  return s.replace(/^-/, "−");
}

/** Options of {@link curvesSvg}. */
export interface SvgOptions {
  title?: string;
  panelWidth?: number;
  panelHeight?: number;
  /** Panels per row (default: all in one row, at most 3). */
  columns?: number;
}

/** Render the panels (tasks in `tasks` order, algorithms in `algos` order) as one SVG document. */
export function curvesSvg(
  curves: readonly AlgoCurve[],
  tasks: readonly string[],
  algos: readonly string[],
  o: SvgOptions = {},
): string {
  const W = o.panelWidth ?? 380;
  const H = o.panelHeight ?? 280;
  const shown = tasks.filter((t) => curves.some((c) => c.task === t && c.steps.length > 0));
  if (shown.length === 0) throw new Error("no curves to draw (no run has an evaluation)");
  const cols = o.columns ?? Math.min(3, shown.length);
  const rows = Math.ceil(shown.length / cols);
  const top = o.title ? 30 : 0;
  const legendH = 28;
  const present = algos.filter((a) => curves.some((c) => c.algo === a && c.steps.length > 0));
  const legend = present.map((a) => {
    const n = Math.max(...curves.filter((c) => c.algo === a).map((c) => c.seeds.length));
    return { algo: a, label: `${ALGO_LABELS[a] ?? a} (mean ± std, ${n} seed${n === 1 ? "" : "s"})` };
  });
  const legendW = legend.reduce((s, l) => s + 40 + l.label.length * 6.2, 20);
  const width = Math.ceil(Math.max(cols * W, legendW, (o.title?.length ?? 0) * 7.6 + 20));
  const height = top + rows * H + legendH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (o.title) parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`);
  const m = { l: 62, r: 14, t: 26, b: 40 };
  shown.forEach((task, idx) => {
    const ox = (idx % cols) * W;
    const oy = top + Math.floor(idx / cols) * H;
    const cs = algos
      .map((a) => curves.find((c) => c.task === task && c.algo === a))
      .filter((c): c is AlgoCurve => c !== undefined && c.steps.length > 0);
    const xMax = Math.max(...cs.map((c) => c.steps[c.steps.length - 1]!));
    const ys = cs.flatMap((c) => c.mean.flatMap((mu, i) => [mu - c.std[i]!, mu + c.std[i]!]));
    let yLo = Math.min(...ys);
    let yHi = Math.max(...ys);
    if (yHi - yLo < 1e-9) {
      yLo -= 1;
      yHi += 1;
    }
    const pad = 0.04 * (yHi - yLo);
    yLo -= pad;
    yHi += pad;
    const yt = niceTicks(yLo, yHi, 5);
    yLo = Math.min(yLo, yt[0]!);
    yHi = Math.max(yHi, yt[yt.length - 1]!);
    const xt = niceTicks(0, xMax, 4);
    const x0 = ox + m.l;
    const x1 = ox + W - m.r;
    const y0 = oy + H - m.b;
    const y1 = oy + m.t;
    const sx = (s: number) => x0 + ((x1 - x0) * s) / xMax;
    const sy = (v: number) => y0 - ((y0 - y1) * (v - yLo)) / (yHi - yLo);
    parts.push(`<g>`);
    parts.push(`<text x="${f1((x0 + x1) / 2)}" y="${oy + 16}" text-anchor="middle" font-size="13">${esc(task)}</text>`);
    for (const t of yt)
      parts.push(
        `<line x1="${f1(x0)}" x2="${f1(x1)}" y1="${f1(sy(t))}" y2="${f1(sy(t))}" stroke="#e6e6e6"/><text x="${f1(x0 - 4)}" y="${f1(sy(t) + 4)}" text-anchor="end">${fmtTick(t, yHi - yLo)}</text>`,
      );
    for (const t of xt)
      parts.push(
        `<line x1="${f1(sx(t))}" x2="${f1(sx(t))}" y1="${f1(y0)}" y2="${f1(y0 + 4)}" stroke="#444"/><text x="${f1(sx(t))}" y="${f1(y0 + 16)}" text-anchor="middle">${fmtTick(t, xMax, true)}</text>`,
      );
    parts.push(
      `<rect x="${f1(x0)}" y="${f1(y1)}" width="${f1(x1 - x0)}" height="${f1(y0 - y1)}" fill="none" stroke="#444"/>`,
    );
    parts.push(`<text x="${f1((x0 + x1) / 2)}" y="${f1(y0 + 32)}" text-anchor="middle">environment steps</text>`);
    parts.push(
      `<text transform="translate(${f1(ox + 14)},${f1((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle">average return</text>`,
    );
    for (const c of cs) {
      const color = ALGO_COLORS[c.algo] ?? "#333333";
      const upper = c.steps.map((s, i) => `${f1(sx(s))},${f1(sy(c.mean[i]! + c.std[i]!))}`);
      const lower = c.steps.map((s, i) => `${f1(sx(s))},${f1(sy(c.mean[i]! - c.std[i]!))}`).reverse();
      parts.push(
        `<polygon class="band" data-algo="${esc(c.algo)}" points="${[...upper, ...lower].join(" ")}" fill="${color}" fill-opacity="0.2" stroke="none"/>`,
      );
      parts.push(
        `<polyline class="mean" data-algo="${esc(c.algo)}" points="${c.steps.map((s, i) => `${f1(sx(s))},${f1(sy(c.mean[i]!))}`).join(" ")}" fill="none" stroke="${color}" stroke-width="2"/>`,
      );
    }
    parts.push(`</g>`);
  });
  const ly = top + rows * H + 16;
  let lx = 20;
  for (const { algo: a, label } of legend) {
    parts.push(
      `<line x1="${f1(lx)}" x2="${f1(lx + 24)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${ALGO_COLORS[a] ?? "#333333"}" stroke-width="3"/><text x="${f1(lx + 30)}" y="${ly}">${esc(label)}</text>`,
    );
    lx += 40 + label.length * 6.2;
  }
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}
