/**
 * Where an experiment's runs live, and what state each is in:
 *
 *   results/<experiment>/<task>/<algo>/seed-<k>/
 *     config.json, meta.json, metrics.jsonl, summary.json   written by `virel train` (committed)
 *     run.json                                              written by `virel experiment run` (committed):
 *                                                           commit, backend path, machine, wall time
 *     checkpoint.ckpt, *.tmp-*                              never committed (.gitignore)
 *
 * No tfjs here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ExperimentSpec } from "./spec";

/** The files of a run directory. */
export const EXPERIMENT_FILES = {
  config: "config.json",
  meta: "meta.json",
  metrics: "metrics.jsonl",
  summary: "summary.json",
  checkpoint: "checkpoint.ckpt",
  run: "run.json",
} as const;

let cachedRoot: string | null = null;

/** The repository (package) root: the nearest directory above this file whose package.json is named `virel`. */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  for (let dir = __dirname; ;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, "utf8")) as { name?: string }).name === "virel")
      return (cachedRoot = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the virel package above ${__dirname}`);
    dir = up;
  }
}

/** `results/<name>` under the repository (or under `root`). */
export function resultsDir(spec: Pick<ExperimentSpec, "name">, root?: string): string {
  return path.join(root ?? path.join(repoRoot(), "results"), spec.name);
}

/** `<results>/<task>/<algo>/seed-<k>`. */
export function runDir(results: string, task: string, algo: string, seed: number): string {
  return path.join(results, task, algo, `seed-${seed}`);
}

/**
 * A run's state against a target step count:
 * - `missing`: no run yet;
 * - `done`: summary.json says it reached ≥ target steps;
 * - `resumable`: it has a checkpoint below the target (`virel train` continues it exactly);
 * - `stale`: config.json without a checkpoint below the target (e.g. a clean clone of committed results that
 *   asks for more steps): it can only be re-run from scratch (`--restart-stale`).
 */
export type RunStateKind = "missing" | "done" | "resumable" | "stale";

export interface RunState {
  kind: RunStateKind;
  /** Steps reached (summary.json, or the last metrics.jsonl line), 0 when missing. */
  step: number;
}

function lastMetricStep(dir: string): number {
  const f = path.join(dir, EXPERIMENT_FILES.metrics);
  if (!fs.existsSync(f)) return 0;
  let last = 0;
  for (const line of fs.readFileSync(f, "utf8").split("\n")) {
    try {
      const s = (JSON.parse(line) as { step?: unknown }).step;
      if (typeof s === "number" && s > last) last = s;
    } catch {
      /* blank or torn line */
    }
  }
  return last;
}

/** Classify a run directory against `target` steps. */
export function runState(dir: string, target: number): RunState {
  if (!fs.existsSync(path.join(dir, EXPERIMENT_FILES.config))) return { kind: "missing", step: 0 };
  const summaryFile = path.join(dir, EXPERIMENT_FILES.summary);
  let step = lastMetricStep(dir);
  if (fs.existsSync(summaryFile)) {
    try {
      const s = JSON.parse(fs.readFileSync(summaryFile, "utf8")) as { step?: unknown; aborted?: unknown };
      if (typeof s.step === "number") step = Math.max(step, s.step);
      if (typeof s.step === "number" && s.step >= target && s.aborted !== true) return { kind: "done", step: s.step };
    } catch {
      /* fall through: treat as unfinished */
    }
  }
  if (fs.existsSync(path.join(dir, EXPERIMENT_FILES.checkpoint))) return { kind: "resumable", step };
  return { kind: "stale", step };
}
