/**
 * Gathering an experiment's results: the evaluation curve of every run (`eval/return_mean` against env steps),
 * the mean ± std over seeds per (task, algorithm) — as Fig. 3 draws it — and the table of final returns beside
 * the published numbers of the spec. No tfjs here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EXPERIMENT_FILES, runDir } from "./layout";
import type { ExperimentSpec, Published } from "./spec";

/** One seed's evaluation curve. */
export interface SeedCurve {
  task: string;
  algo: string;
  seed: number;
  dir: string;
  steps: number[];
  returns: number[];
}

/** Mean ± std over seeds of one (task, algo), at the evaluation steps every seed has reached. */
export interface AlgoCurve {
  task: string;
  algo: string;
  seeds: number[];
  steps: number[];
  mean: number[];
  /** Sample standard deviation over seeds (n − 1; 0 for one seed), like `display.seedStats`. */
  std: number[];
}

/** mean and sample std (n − 1; 0 when n = 1) of xs. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) throw new Error("meanStd of an empty list");
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) : 0;
  return { mean: m, std: Math.sqrt(v) };
}

/** The (step, eval/return_mean) pairs of a run directory's metrics.jsonl, in file order. */
export function readEvalCurve(dir: string): { steps: number[]; returns: number[] } {
  const file = path.join(dir, EXPERIMENT_FILES.metrics);
  const steps: number[] = [];
  const returns: number[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const rec = JSON.parse(line) as Record<string, unknown>;
    const r = rec["eval/return_mean"];
    if (typeof r === "number" && typeof rec.step === "number") {
      steps.push(rec.step);
      returns.push(r);
    }
  }
  return { steps, returns };
}

/** Every run of the spec's grid (tasks and optional tasks × algos × seeds) that exists under `results`. */
export function gatherRuns(spec: ExperimentSpec, results: string): SeedCurve[] {
  const out: SeedCurve[] = [];
  for (const task of [...spec.tasks, ...(spec.optionalTasks ?? [])]) {
    for (const algo of spec.algos) {
      for (const seed of spec.seeds) {
        const dir = runDir(results, task, algo, seed);
        if (!fs.existsSync(path.join(dir, EXPERIMENT_FILES.metrics))) continue;
        const c = readEvalCurve(dir);
        if (c.steps.length === 0) continue;
        out.push({ task, algo, seed, dir, ...c });
      }
    }
  }
  return out;
}

/** Mean ± std over seeds per (task, algo), at the steps that every seed of the group has evaluated. */
export function algoCurves(runs: readonly SeedCurve[]): AlgoCurve[] {
  const groups = new Map<string, SeedCurve[]>();
  for (const r of runs) {
    const k = `${r.task}\u0000${r.algo}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const out: AlgoCurve[] = [];
  for (const rs of groups.values()) {
    const maps = rs.map((r) => new Map(r.steps.map((s, i) => [s, r.returns[i]!])));
    const steps = [...maps[0]!.keys()].filter((s) => maps.every((m) => m.has(s))).sort((a, b) => a - b);
    const stats = steps.map((s) => meanStd(maps.map((m) => m.get(s)!)));
    out.push({
      task: rs[0]!.task,
      algo: rs[0]!.algo,
      seeds: rs.map((r) => r.seed),
      steps,
      mean: stats.map((x) => x.mean),
      std: stats.map((x) => x.std),
    });
  }
  return out;
}

/** One row of the final-return table. */
export interface FinalRow {
  task: string;
  algo: string;
  n: number;
  /** The last evaluation step every seed reached (null when the group has no common step). */
  step: number | null;
  mean: number | null;
  std: number | null;
  perSeed: number[];
  /** Published numbers for the task at exactly this step. */
  publishedHere: Published[];
  /** Published numbers for the task at other steps (context only). */
  publishedElsewhere: Published[];
}

/** The final-return rows: each (task, algo) at its last common evaluation step, with the spec's published numbers. */
export function finalRows(spec: ExperimentSpec, curves: readonly AlgoCurve[], runs: readonly SeedCurve[]): FinalRow[] {
  return curves.map((c) => {
    const i = c.steps.length - 1;
    const step = i >= 0 ? c.steps[i]! : null;
    const pub = (spec.published ?? []).filter((p) => p.task === c.task);
    const perSeed =
      step === null
        ? []
        : runs.filter((r) => r.task === c.task && r.algo === c.algo).map((r) => r.returns[r.steps.indexOf(step)]!);
    return {
      task: c.task,
      algo: c.algo,
      n: c.seeds.length,
      step,
      mean: i >= 0 ? c.mean[i]! : null,
      std: i >= 0 ? c.std[i]! : null,
      perSeed,
      publishedHere: pub.filter((p) => p.step === step),
      publishedElsewhere: pub.filter((p) => p.step !== step),
    };
  });
}

/** Display names of the algorithms. */
export const ALGO_LABELS: Readonly<Record<string, string>> = {
  virel1: "VIREL1",
  virel2: "VIREL2",
  "sac-v1": "SAC-v1",
  sac: "SAC (v2)",
};

/** `1,000,000` → `1M`, `100000` → `100k`, else the number. */
export function fmtSteps(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** A published number in words: `-157 ± 89` or `9,500–12,000`. */
export function fmtPublished(p: Published): string {
  const f = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 1 });
  const v =
    p.mean !== undefined ? `${f(p.mean)}${p.std !== undefined ? ` ± ${f(p.std)}` : ""}` : `${f(p.low!)}–${f(p.high!)}`;
  return `${p.algo} ${v} at ${fmtSteps(p.step)} steps (${p.source})`;
}

/** The final-return table in Markdown. */
export function finalTableMarkdown(rows: readonly FinalRow[]): string {
  const lines = [
    "| task | algorithm | seeds | step | final return (mean ± std over seeds) | per seed | published, same step | published, other steps (context only) |",
    "|---|---|---:|---:|---:|---|---|---|",
  ];
  for (const r of rows) {
    const here = r.publishedHere.length
      ? r.publishedHere.map(fmtPublished).join("; ")
      : `none known at ${r.step === null ? "—" : fmtSteps(r.step)} steps`;
    const other = r.publishedElsewhere.length ? r.publishedElsewhere.map(fmtPublished).join("; ") : "—";
    lines.push(
      `| ${r.task} | ${ALGO_LABELS[r.algo] ?? r.algo} | ${r.n} | ${r.step ?? "—"} | ${r.mean === null ? "—" : `${r.mean.toFixed(1)} ± ${r.std!.toFixed(1)}`} | ${r.perSeed.map((x) => x.toFixed(1)).join(", ")} | ${here} | ${other} |`,
    );
  }
  return lines.join("\n");
}

/** One algorithm against the baseline at the final step of a task. */
export interface Comparison {
  task: string;
  algo: string;
  baseline: string;
  step: number;
  /** mean(algo) − mean(baseline). */
  diff: number;
  /** The larger of the two seed standard deviations: the yardstick of "on par". */
  scale: number;
  n: number;
  /**
   * `on par`: |diff| ≤ scale (the difference is within one seed std); `ahead` / `behind` otherwise;
   * `undetermined` with fewer than 2 seeds on either side or different final steps.
   */
  verdict: "on par" | "ahead" | "behind" | "undetermined";
}

/** Compare each algorithm's final return with the baseline's on the same task (the rule is {@link Comparison.verdict}). */
export function compareWithBaseline(rows: readonly FinalRow[], baseline: string): Comparison[] {
  const out: Comparison[] = [];
  for (const r of rows) {
    if (r.algo === baseline || r.mean === null || r.step === null) continue;
    const b = rows.find((x) => x.task === r.task && x.algo === baseline);
    if (!b || b.mean === null || b.step === null) continue;
    const diff = r.mean - b.mean;
    const scale = Math.max(r.std!, b.std!);
    const n = Math.min(r.n, b.n);
    const verdict =
      n < 2 || r.step !== b.step ? "undetermined" : Math.abs(diff) <= scale ? "on par" : diff > 0 ? "ahead" : "behind";
    out.push({ task: r.task, algo: r.algo, baseline, step: r.step, diff, scale, n, verdict });
  }
  return out;
}
