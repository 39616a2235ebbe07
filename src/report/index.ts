/**
 * `virel report`: a self-contained HTML report of training runs in the style of the paper's Fig. 3 —
 * evaluation return (mean ± std over seeds) against env steps, one panel per environment, one curve per
 * algorithm — with a table of final returns. plotly.js is inlined (no network); every `</` inside the inlined
 * scripts and data is escaped. No tfjs here.
 *
 * Nothing is dropped silently: skipped (torn or corrupt) metrics lines, duplicate evaluation steps (the last one
 * is kept), runs shorter than others of their group and runs that cannot be read (named by path, then skipped)
 * are reported as warnings. Final returns are compared at a common step: the last evaluation step every seed of
 * the group reached.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RUN_FILES, readMetricsChecked, readSpec } from "../agents/run";
import { TMP_PATTERN, writeFileAtomic } from "../agents/checkpoint";
import { pidAlive } from "../runs/lock";
import type { RunSpec } from "../agents/run";

/** One run found on disk. */
export interface RunData {
  dir: string;
  spec: RunSpec;
  /** (step, eval/return_mean) pairs in step order, one per step. */
  evals: { step: number; mean: number }[];
}

/** Where the report's warnings go (default: collected into the result of {@link writeReport}). */
export type Warn = (message: string) => void;

/** Mean ± std over seeds per evaluation step for one (env, algo). */
export interface CurveGroup {
  env: string;
  algo: string;
  seeds: number[];
  steps: number[];
  mean: number[];
  std: number[];
  /** Number of seeds contributing at each step. */
  n: number[];
  /** The final evaluation of each seed: its evaluation at {@link CurveGroup.commonStep}. */
  finals: number[];
  /** The last evaluation step every seed of the group reached (0 when a seed has no evaluation). */
  commonStep: number;
}

/** Find every run directory (config.json + metrics.jsonl) under the given paths (recursively); unreadable runs are skipped with a warning naming them. */
export function findRuns(paths: readonly string[], warn: Warn = () => undefined): RunData[] {
  const out: RunData[] = [];
  const seen = new Set<string>();
  const visit = (dir: string, depth: number) => {
    const real = path.resolve(dir);
    if (seen.has(real) || depth > 6) return;
    seen.add(real);
    if (fs.existsSync(path.join(real, RUN_FILES.config)) && fs.existsSync(path.join(real, RUN_FILES.metrics))) {
      let spec: RunSpec;
      let metrics: ReturnType<typeof readMetricsChecked>;
      try {
        spec = readSpec(real);
        metrics = readMetricsChecked(real);
      } catch (err) {
        warn(`skipped run ${real}: ${(err as Error).message}`);
        return;
      }
      const { records, skipped } = metrics;
      if (skipped.length > 0) {
        warn(
          `${real}/${RUN_FILES.metrics}: skipped ${skipped.length} line(s) that are not metrics records (torn or corrupt): line ${skipped.slice(0, 5).join(", ")}${skipped.length > 5 ? ", …" : ""}`,
        );
      }
      const byStep = new Map<number, number>();
      const dups = new Set<number>();
      for (const m of records) {
        const v = m["eval/return_mean"];
        if (typeof v !== "number") continue;
        if (byStep.has(m.step)) dups.add(m.step);
        byStep.set(m.step, v);
      }
      if (dups.size > 0) {
        const d = [...dups].sort((a, b) => a - b);
        warn(
          `${real}/${RUN_FILES.metrics}: evaluation step${d.length === 1 ? "" : "s"} ${d.slice(0, 5).join(", ")}${d.length > 5 ? ", …" : ""} logged more than once (two writers, or an edited file); the last value is used`,
        );
      }
      const evals = [...byStep.entries()].map(([step, mean]) => ({ step, mean })).sort((a, b) => a.step - b.step);
      out.push({ dir: real, spec, evals });
      return;
    }
    for (const e of fs.readdirSync(real, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules")
        visit(path.join(real, e.name), depth + 1);
    }
  };
  for (const p of paths) {
    if (!fs.existsSync(p) || !fs.statSync(p).isDirectory())
      throw new Error(`run directory ${JSON.stringify(p)} does not exist`);
    visit(p, 0);
  }
  return out.sort((a, b) => a.dir.localeCompare(b.dir));
}

/** mean and population std of xs. */
function meanStd(xs: readonly number[]): [number, number] {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return [m, Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length)];
}

/** Group runs by (env, algo) and aggregate eval/return_mean over seeds at each step: mean ± std; finals at the common step. */
export function aggregate(runs: readonly RunData[], warn: Warn = () => undefined): CurveGroup[] {
  const groups = new Map<string, RunData[]>();
  for (const r of runs) {
    const key = `${r.spec.env}\u0000${r.spec.algo}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: CurveGroup[] = [];
  for (const rs of groups.values()) {
    const byStep = new Map<number, number[]>();
    for (const r of rs) for (const e of r.evals) byStep.set(e.step, [...(byStep.get(e.step) ?? []), e.mean]);
    const steps = [...byStep.keys()].sort((a, b) => a - b);
    const stats = steps.map((s) => meanStd(byStep.get(s)!));
    const lastOf = (r: RunData) => (r.evals.length > 0 ? r.evals[r.evals.length - 1]!.step : 0);
    const commonStep = Math.min(...rs.map(lastOf));
    const longest = Math.max(...rs.map(lastOf));
    for (const r of rs) {
      if (lastOf(r) < longest) {
        warn(
          `${rs[0]!.spec.algo} on ${rs[0]!.spec.env}: run ${r.dir} (seed ${r.spec.seed}) stops at step ${lastOf(r)}, others reach ${longest}; ` +
            `final returns are compared at step ${commonStep}, and the curve after it averages fewer seeds`,
        );
      }
    }
    const atCommon = (r: RunData) => {
      let v: number | undefined;
      for (const e of r.evals) if (e.step <= commonStep) v = e.mean;
      return v;
    };
    out.push({
      env: rs[0]!.spec.env,
      algo: rs[0]!.spec.algo,
      seeds: rs.map((r) => r.spec.seed),
      steps,
      mean: stats.map((x) => x[0]),
      std: stats.map((x) => x[1]),
      n: steps.map((s) => byStep.get(s)!.length),
      finals: rs.map(atCommon).filter((v): v is number => v !== undefined),
      commonStep,
    });
  }
  const order = ["virel1", "virel2", "sac-v1", "sac"];
  return out.sort((a, b) => a.env.localeCompare(b.env) || order.indexOf(a.algo) - order.indexOf(b.algo));
}

const COLORS: Record<string, [string, string]> = {
  virel1: ["#1f77b4", "rgba(31,119,180,0.2)"],
  virel2: ["#2ca02c", "rgba(44,160,44,0.2)"],
  "sac-v1": ["#9467bd", "rgba(148,103,189,0.2)"],
  sac: ["#d62728", "rgba(214,39,40,0.2)"],
};
const LABELS: Record<string, string> = { virel1: "VIREL1", virel2: "VIREL2", "sac-v1": "SAC-v1", sac: "SAC (v2)" };

/** Plotly figures (one per env): a mean line and a ±std band per algorithm. */
export function figures(groups: readonly CurveGroup[]): { env: string; data: unknown[]; layout: unknown }[] {
  const envs = [...new Set(groups.map((g) => g.env))];
  return envs.map((env) => {
    const data: unknown[] = [];
    for (const g of groups.filter((x) => x.env === env)) {
      const [line, band] = COLORS[g.algo] ?? ["#333", "rgba(0,0,0,0.15)"];
      const label = `${LABELS[g.algo] ?? g.algo} (${g.seeds.length} seed${g.seeds.length === 1 ? "" : "s"})`;
      data.push({
        x: [...g.steps, ...[...g.steps].reverse()],
        y: [...g.mean.map((m, i) => m + g.std[i]!), ...g.mean.map((m, i) => m - g.std[i]!).reverse()],
        fill: "toself",
        fillcolor: band,
        line: { width: 0 },
        hoverinfo: "skip",
        showlegend: false,
        type: "scatter",
        mode: "lines",
        legendgroup: g.algo,
        name: `${label} ± std`,
      });
      data.push({
        x: g.steps,
        y: g.mean,
        type: "scatter",
        mode: "lines",
        name: label,
        legendgroup: g.algo,
        line: { color: line, width: 2 },
      });
    }
    const layout = {
      title: { text: `${env}: evaluation return (mean ± std over seeds)` },
      xaxis: { title: { text: "environment steps" } },
      yaxis: { title: { text: "average return (deterministic policy)" } },
      margin: { t: 50, r: 20, b: 50, l: 70 },
      legend: { orientation: "h", y: -0.2 },
    };
    return { env, data, layout };
  });
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Escape `</` for inlining into a <script> element (`<\/` is the same string in JS and JSON). */
export function escapeScript(js: string): string {
  return js.replace(/<\//g, "<\\/").replace(/<!--/g, "<\\!--");
}

/** The plotly.js bundle (from node_modules/plotly.js-dist-min). */
export function plotlySource(): string {
  const file = require.resolve("plotly.js-dist-min/plotly.min.js");
  return fs.readFileSync(file, "utf8");
}

/** Render the report HTML for these groups. */
export function renderReport(groups: readonly CurveGroup[], opts: { title?: string; runs?: number } = {}): string {
  const title = opts.title ?? "VIREL runs";
  const figs = figures(groups);
  const rows = groups.map((g) => {
    const [m, s] = g.finals.length > 0 ? meanStd(g.finals) : [NaN, NaN];
    const last = g.commonStep;
    return (
      `<tr><td>${escapeHtml(g.env)}</td><td>${escapeHtml(LABELS[g.algo] ?? g.algo)}</td><td>${g.seeds.length}</td><td>${last}</td>` +
      `<td>${!Number.isFinite(m) ? "—" : g.finals.length === 1 ? `${m.toFixed(1)} (n=1, no spread)` : `${m.toFixed(1)} ± ${s.toFixed(1)}`}</td><td>${g.finals.map((x) => x.toFixed(1)).join(", ")}</td></tr>`
    );
  });
  const dataJson = escapeScript(JSON.stringify({ figures: figs }));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}
td:first-child,td:nth-child(2){text-align:left}.plot{width:100%;height:480px}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>Evaluation return of the deterministic policy tanh(μ<sub>θ</sub>(s)) against environment steps: the mean over seeds with a ±1 std band, as in Fig. 3 of the VIREL paper. ${opts.runs ?? groups.reduce((s, g) => s + g.seeds.length, 0)} runs.</p>
${figs.map((_, i) => `<div class="plot" id="virel-plot-${i}"></div>`).join("\n")}
<h2>Final evaluation</h2>
<table><tr><th>env</th><th>algorithm</th><th>seeds</th><th>at step (reached by every seed)</th><th>final return (mean ± std over seeds)</th><th>per seed</th></tr>
${rows.join("\n")}
</table>
<script type="application/json" id="virel-plot-data">${dataJson}</script>
<script>${escapeScript(plotlySource())}</script>
<script>(function(){var d=JSON.parse(document.getElementById("virel-plot-data").textContent);
d.figures.forEach(function(f,i){Plotly.newPlot("virel-plot-"+i,f.data,f.layout,{responsive:true,displaylogo:false});});})();</script>
</body></html>
`;
}

/** Find the runs under `dirs`, aggregate them and write the HTML report to `out` (atomically). */
export function writeReport(
  dirs: readonly string[],
  out: string,
  opts: { title?: string; warn?: Warn } = {},
): { file: string; groups: CurveGroup[]; runs: number; warnings: string[] } {
  const warnings: string[] = [];
  const warn: Warn = (m) => {
    warnings.push(m);
    opts.warn?.(m);
  };
  const runs = findRuns(dirs, warn);
  if (runs.length === 0)
    throw new Error(`no runs (directories with ${RUN_FILES.config} and ${RUN_FILES.metrics}) under ${dirs.join(", ")}`);
  const groups = aggregate(runs, warn);
  const html = renderReport(groups, { title: opts.title, runs: runs.length });
  const file = path.resolve(out);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // temp files of earlier report writes that died (their pid is gone)
  for (const f of fs.readdirSync(path.dirname(file))) {
    const m = TMP_PATTERN.exec(f);
    if (m && f.startsWith(path.basename(file) + ".tmp-") && !pidAlive(Number(m[1])))
      fs.rmSync(path.join(path.dirname(file), f), { force: true });
  }
  try {
    writeFileAtomic(file, html);
  } catch (err) {
    throw new Error(`cannot write the report ${file}: ${(err as Error).message}`, { cause: err });
  }
  return { file, groups, runs: runs.length, warnings };
}
