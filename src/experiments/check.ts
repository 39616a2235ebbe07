/**
 * Checks that a committed run is well formed and honest against its spec: config.json matches the spec (algo,
 * env, seed, the preset's values, evaluation settings, config fields), metrics.jsonl is well formed (finite numbers, steps
 * increasing without duplicates, an evaluation every `evalEvery` steps), meta.json and run.json carry the
 * versions, backend path, commit, machine and wall time. Each check returns the list of problems (empty = ok),
 * each naming the file, the field and the value. No tfjs here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fieldsForAlgo } from "../agents/config";
import { presetConfig } from "../agents/presets";
import { EXPERIMENT_FILES, runDir } from "./layout";
import { runConfig } from "./spec";
import type { ExperimentAlgo, ExperimentSpec } from "./spec";

function readJsonFile(file: string, problems: string[]): Record<string, unknown> | null {
  if (!fs.existsSync(file)) {
    problems.push(`${file} is missing`);
    return null;
  }
  try {
    const v = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      problems.push(`${file} must hold a JSON object`);
      return null;
    }
    return v as Record<string, unknown>;
  } catch (err) {
    problems.push(`${file} is not JSON: ${(err as Error).message}`);
    return null;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** config.json against the spec. */
export function checkConfig(
  spec: ExperimentSpec,
  task: string,
  algo: ExperimentAlgo,
  seed: number,
  dir: string,
): string[] {
  const problems: string[] = [];
  const file = path.join(dir, EXPERIMENT_FILES.config);
  const c = readJsonFile(file, problems);
  if (!c) return problems;
  if (c.algo !== algo) problems.push(`${file}: algo must be ${JSON.stringify(algo)}, got ${JSON.stringify(c.algo)}`);
  if (c.env !== task) problems.push(`${file}: env must be ${JSON.stringify(task)}, got ${JSON.stringify(c.env)}`);
  if (c.seed !== seed) problems.push(`${file}: seed must be ${seed}, got ${JSON.stringify(c.seed)}`);
  const cfg = (c.config ?? {}) as Record<string, unknown>;
  // `virel train --preset` merges the preset's values into the config it writes and records no name: the preset
  // is checked by its values (every one of them, where the spec does not set the field itself). A name, where a
  // run records one, must be the spec's.
  const preset = c.preset ?? cfg.preset;
  if (preset !== undefined && preset !== spec.preset)
    problems.push(
      spec.preset === undefined
        ? `${file}: the spec has no preset, but the run has preset ${JSON.stringify(preset)}`
        : `${file}: preset must be ${JSON.stringify(spec.preset)}, got ${JSON.stringify(preset)}`,
    );
  const fromSpec: Record<string, unknown> = {
    ...fieldsForAlgo(runConfig(spec, task, algo), algo).kept,
    evalEvery: spec.evalEvery,
    evalEpisodes: spec.evalEpisodes,
    checkpointEvery: spec.checkpointEvery,
  };
  const fromPreset: Record<string, unknown> =
    spec.preset === undefined ? {} : (presetConfig(spec.preset, algo, task) as Record<string, unknown>);
  for (const [k, v] of Object.entries({ ...fromPreset, ...fromSpec })) {
    const by = k in fromSpec ? "the spec" : `the ${spec.preset} preset`;
    if (!same(cfg[k], v))
      problems.push(`${file}: config.${k} must be ${JSON.stringify(v)} (${by}), got ${JSON.stringify(cfg[k])}`);
  }
  return problems;
}

/** What {@link checkMetrics} found besides problems. */
export interface MetricsFacts {
  lastStep: number;
  evalSteps: number[];
}

/** metrics.jsonl: every line a JSON object with an integer step and finite numbers; steps increasing; evaluations every evalEvery. */
export function checkMetrics(dir: string, evalEvery: number): { problems: string[]; facts: MetricsFacts } {
  const problems: string[] = [];
  const file = path.join(dir, EXPERIMENT_FILES.metrics);
  const facts: MetricsFacts = { lastStep: 0, evalSteps: [] };
  if (!fs.existsSync(file)) return { problems: [`${file} is missing`], facts };
  const text = fs.readFileSync(file, "utf8");
  if (text.length > 0 && !text.endsWith("\n")) problems.push(`${file}: the last line is not terminated (a torn write)`);
  // Three kinds of record share metrics.jsonl, each with steps strictly increasing: evaluations, finished
  // training episodes (charts/*) and logging windows (losses/*, virel/*, perf/*).
  const last: Record<"eval" | "episode" | "window", number> = { eval: 0, episode: 0, window: 0 };
  text.split("\n").forEach((line, i) => {
    if (line === "") return;
    const at = `${file}:${i + 1}`;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      problems.push(`${at}: not JSON: ${line.slice(0, 80)}`);
      return;
    }
    if (rec === null || typeof rec !== "object" || Array.isArray(rec)) {
      problems.push(`${at}: not a JSON object`);
      return;
    }
    const r = rec as Record<string, unknown>;
    if (typeof r.step !== "number" || !Number.isInteger(r.step) || r.step < 1) {
      problems.push(`${at}: step must be a positive integer, got ${JSON.stringify(r.step)}`);
      return;
    }
    for (const [k, v] of Object.entries(r)) {
      if (typeof v !== "number" || !Number.isFinite(v))
        problems.push(`${at}: ${k} must be a finite number, got ${JSON.stringify(v)}`);
    }
    const kind = "eval/return_mean" in r ? "eval" : "charts/episodic_return" in r ? "episode" : "window";
    if (r.step <= last[kind])
      problems.push(
        `${at}: ${kind} record step ${r.step} does not increase (previous ${last[kind]}): a duplicate or out of order`,
      );
    last[kind] = r.step;
    if (kind === "eval") facts.evalSteps.push(r.step);
    facts.lastStep = Math.max(facts.lastStep, r.step);
  });
  const expected = Array.from({ length: Math.floor(facts.lastStep / evalEvery) }, (_, i) => (i + 1) * evalEvery);
  if (!same(facts.evalSteps, expected)) {
    const missing = expected.filter((s) => !facts.evalSteps.includes(s));
    const extra = facts.evalSteps.filter((s) => !expected.includes(s));
    problems.push(
      `${file}: evaluations must be at every ${evalEvery} steps up to ${facts.lastStep}; missing ${JSON.stringify(missing.slice(0, 5))}${missing.length > 5 ? "…" : ""}, unexpected ${JSON.stringify(extra.slice(0, 5))}${extra.length > 5 ? "…" : ""}`,
    );
  }
  return { problems, facts };
}

/** meta.json (virel train) and run.json (virel experiment run): versions, backend path, commit, machine, wall time. */
export function checkMeta(dir: string): string[] {
  const problems: string[] = [];
  const metaFile = path.join(dir, EXPERIMENT_FILES.meta);
  const m = readJsonFile(metaFile, problems);
  if (m) {
    for (const k of ["virel", "tfjs", "node", "platform", "startedAt"])
      if (typeof m[k] !== "string") problems.push(`${metaFile}: ${k} must be a string, got ${JSON.stringify(m[k])}`);
    const b = m.backend as Record<string, unknown> | undefined;
    if (typeof b?.name !== "string")
      problems.push(`${metaFile}: backend.name must be a string, got ${JSON.stringify(b?.name)}`);
  }
  const runFile = path.join(dir, EXPERIMENT_FILES.run);
  const r = readJsonFile(runFile, problems);
  if (r) {
    const commit = r.commit as { hash?: unknown } | null | undefined;
    if (typeof commit?.hash !== "string" || !/^[0-9a-f]{40}$/.test(commit.hash))
      problems.push(`${runFile}: commit.hash must be a 40-digit git hash, got ${JSON.stringify(commit?.hash)}`);
    const bp = r.backendPath as { backend?: unknown } | null | undefined;
    if (typeof bp?.backend !== "string")
      problems.push(`${runFile}: backendPath.backend must be a string, got ${JSON.stringify(bp?.backend)}`);
    const mc = r.machine as { cpu?: unknown; cores?: unknown } | undefined;
    if (typeof mc?.cpu !== "string" || typeof mc.cores !== "number")
      problems.push(`${runFile}: machine.cpu and machine.cores are required, got ${JSON.stringify(mc)}`);
    if (typeof r.wallSeconds !== "number" || !(r.wallSeconds > 0))
      problems.push(`${runFile}: wallSeconds must be a positive number, got ${JSON.stringify(r.wallSeconds)}`);
  }
  return problems;
}

/** summary.json, when present, agrees with metrics.jsonl. */
export function checkSummary(dir: string, facts: MetricsFacts): string[] {
  const file = path.join(dir, EXPERIMENT_FILES.summary);
  if (!fs.existsSync(file)) return [];
  const problems: string[] = [];
  const s = readJsonFile(file, problems);
  if (!s) return problems;
  if (s.step !== facts.lastStep)
    problems.push(`${file}: step ${JSON.stringify(s.step)} differs from the last metrics step ${facts.lastStep}`);
  const fe = s.finalEval as { step?: unknown } | null | undefined;
  const lastEval = facts.evalSteps[facts.evalSteps.length - 1];
  if (fe && fe.step !== lastEval)
    problems.push(
      `${file}: finalEval.step ${JSON.stringify(fe.step)} differs from the last evaluation in metrics.jsonl (${lastEval})`,
    );
  return problems;
}

/** Every check of one run. */
export function checkRun(
  spec: ExperimentSpec,
  task: string,
  algo: ExperimentAlgo,
  seed: number,
  dir: string,
): string[] {
  const m = checkMetrics(dir, spec.evalEvery);
  return [...checkConfig(spec, task, algo, seed, dir), ...m.problems, ...checkMeta(dir), ...checkSummary(dir, m.facts)];
}

/** The run directories under `results` that belong to the spec's grid, and any that do not. */
export function listRuns(
  spec: ExperimentSpec,
  results: string,
): { runs: { task: string; algo: ExperimentAlgo; seed: number; dir: string }[]; strays: string[] } {
  const runs: { task: string; algo: ExperimentAlgo; seed: number; dir: string }[] = [];
  const known = new Set<string>();
  for (const task of [...spec.tasks, ...(spec.optionalTasks ?? [])]) {
    for (const algo of spec.algos) {
      for (const seed of spec.seeds) {
        const dir = runDir(results, task, algo, seed);
        known.add(path.resolve(dir));
        if (fs.existsSync(path.join(dir, EXPERIMENT_FILES.config))) runs.push({ task, algo, seed, dir });
      }
    }
  }
  const strays: string[] = [];
  const walk = (d: string, depth: number) => {
    if (!fs.existsSync(d)) return;
    if (fs.existsSync(path.join(d, EXPERIMENT_FILES.config)) || fs.existsSync(path.join(d, EXPERIMENT_FILES.metrics))) {
      if (!known.has(path.resolve(d))) strays.push(d);
      return;
    }
    if (depth >= 3) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory() && !e.name.startsWith(".")) walk(path.join(d, e.name), depth + 1);
  };
  walk(results, 0);
  return { runs, strays };
}
