/**
 * An experiment spec (`experiments/<name>.json`): the grid of tasks × algorithms × seeds that one figure of the
 * paper needs, the training budget, evaluation settings and the published numbers shown beside ours. One zod
 * schema declares every field (type, range, meaning); {@link loadSpec} validates a file once, with errors that
 * name the file, the field and the bad value. No tfjs here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

import { ALGOS } from "../agents/config";
import type { Algo } from "../agents/config";

/** An algorithm `virel train --algo` accepts (src/agents/config.ts). */
export type ExperimentAlgo = Algo;

const taskId = z.string().regex(/^[A-Za-z0-9]+-v\d+$/, "a Gymnasium id like HalfCheetah-v5");
const seed = z.number().int().min(0).max(0xffffffff);
const positiveInt = z.number().int().min(1);
/** Config fields passed to `virel train --config FILE` (validated by `virel train` itself, per algorithm). */
const configFields = z.record(z.string(), z.unknown());

/** A published number for context (never ours): a mean ± std, or a range, at a step count, with its source. */
export const PublishedSchema = z
  .object({
    task: taskId.describe("the environment id"),
    algo: z.string().min(1).describe("the published algorithm, e.g. SAC"),
    step: positiveInt.describe("environment steps at which the number holds"),
    mean: z.number().finite().optional().describe("published mean return"),
    std: z.number().finite().min(0).optional().describe("published standard deviation"),
    low: z.number().finite().optional().describe("lower end of a published range"),
    high: z.number().finite().optional().describe("upper end of a published range"),
    source: z.string().min(3).describe("where the number comes from (benchmark, paper, table)"),
  })
  .strict()
  .refine((p) => p.mean !== undefined || (p.low !== undefined && p.high !== undefined), {
    message: "needs mean, or low and high",
  })
  .refine((p) => p.low === undefined || p.high === undefined || p.low <= p.high, { message: "low must be ≤ high" });
export type Published = z.infer<typeof PublishedSchema>;

/** The reduced budget run first (fewer tasks, seeds and steps), stated in the spec. */
export const ReducedSchema = z
  .object({
    tasks: z.array(taskId).min(1).optional().describe("tasks of the reduced budget (default: all)"),
    seeds: z.array(seed).min(1).describe("seeds of the reduced budget"),
    steps: positiveInt.describe("env steps per run of the reduced budget"),
    note: z.string().optional().describe("why this budget"),
  })
  .strict();

export const ExperimentSpecSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/, "lowercase letters, digits, - and _")
      .describe("the experiment's name: results/<name>/, docs/fig3/<name>.*"),
    description: z.string().optional().describe("what the experiment reproduces"),
    tasks: z.array(taskId).min(1).describe("environment ids, one panel each"),
    optionalTasks: z.array(taskId).optional().describe("tasks run only when asked for with --tasks (e.g. Humanoid-v5)"),
    algos: z.array(z.enum(ALGOS)).min(1).describe("algorithms (virel train --algo)"),
    preset: z.string().min(1).optional().describe("passed as `virel train --preset NAME` when present"),
    seeds: z.array(seed).min(1).describe("the full seed list"),
    steps: positiveInt.describe("env steps per run at the full budget"),
    reduced: ReducedSchema.optional().describe("the budget run first"),
    evalEvery: positiveInt.describe("evaluate every this many env steps (§5: 1000)"),
    evalEpisodes: positiveInt.max(1000).describe("deterministic episodes per evaluation"),
    checkpointEvery: z
      .number()
      .int()
      .min(0)
      .describe("checkpoint every this many env steps (0 = end / interrupt only)"),
    parallel: positiveInt.max(64).describe("`virel train` processes at once"),
    config: configFields.optional().describe("config fields for every run (virel train --config)"),
    algoConfig: z
      .partialRecord(z.enum(ALGOS), configFields)
      .optional()
      .describe("config fields per algorithm (after `config`)"),
    taskConfig: z.record(z.string(), configFields).optional().describe("config fields per task (after algoConfig)"),
    reproduce: z
      .object({ task: taskId, algo: z.enum(ALGOS), steps: positiveInt })
      .strict()
      .optional()
      .describe("the run whose first `steps` steps the reproduction test re-runs (seed 0)"),
    published: z.array(PublishedSchema).optional().describe("published numbers shown beside ours, for context"),
  })
  .strict();

/** A validated experiment spec, plus where it was read from. */
export type ExperimentSpec = z.infer<typeof ExperimentSpecSchema> & { file?: string };

function fieldPath(p: readonly PropertyKey[]): string {
  return p.length === 0
    ? "(top level)"
    : p
        .map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`))
        .join("")
        .replace(/^\./, "");
}

function valueAt(raw: unknown, p: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of p) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Validate a parsed spec; throws an error naming every bad field and its value. */
export function parseSpec(raw: unknown, where = "experiment spec"): ExperimentSpec {
  const r = ExperimentSpecSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const v = valueAt(raw, i.path);
      return `  ${fieldPath(i.path)}: ${i.message}${v === undefined ? "" : `, got ${JSON.stringify(v)}`}`;
    });
    throw new Error(`${where} is invalid:\n${lines.join("\n")}`);
  }
  const s = r.data;
  const problems: string[] = [];
  const dup = <T>(xs: readonly T[], field: string) => {
    const seen = new Set<T>();
    for (const x of xs) {
      if (seen.has(x)) problems.push(`  ${field}: ${JSON.stringify(x)} appears twice`);
      seen.add(x);
    }
  };
  dup(s.tasks, "tasks");
  dup(s.algos, "algos");
  dup(s.seeds, "seeds");
  const allTasks = [...s.tasks, ...(s.optionalTasks ?? [])];
  dup(allTasks, "tasks + optionalTasks");
  if (s.reduced) {
    for (const t of s.reduced.tasks ?? [])
      if (!allTasks.includes(t))
        problems.push(`  reduced.tasks: ${JSON.stringify(t)} is not in tasks, got ${JSON.stringify(s.reduced.tasks)}`);
    for (const k of s.reduced.seeds)
      if (!s.seeds.includes(k))
        problems.push(`  reduced.seeds: ${k} is not in seeds, got ${JSON.stringify(s.reduced.seeds)}`);
    if (s.reduced.steps > s.steps)
      problems.push(`  reduced.steps: must be ≤ steps (${s.steps}), got ${s.reduced.steps}`);
  }
  for (const t of Object.keys(s.taskConfig ?? {}))
    if (!allTasks.includes(t)) problems.push(`  taskConfig.${t}: not a task of this spec`);
  if (s.steps % s.evalEvery !== 0)
    problems.push(`  evalEvery: steps (${s.steps}) must be a multiple of it, got ${s.evalEvery}`);
  if (s.reproduce) {
    if (!allTasks.includes(s.reproduce.task))
      problems.push(`  reproduce.task: not a task of this spec, got ${JSON.stringify(s.reproduce.task)}`);
    if (!s.algos.includes(s.reproduce.algo))
      problems.push(`  reproduce.algo: not an algorithm of this spec, got ${JSON.stringify(s.reproduce.algo)}`);
    if (!s.seeds.includes(0)) problems.push(`  reproduce: seed 0 must be in seeds, got ${JSON.stringify(s.seeds)}`);
    if (s.reproduce.steps % s.evalEvery !== 0)
      problems.push(`  reproduce.steps: must be a multiple of evalEvery (${s.evalEvery}), got ${s.reproduce.steps}`);
  }
  for (const [k, c] of Object.entries({
    config: s.config,
    ...Object.fromEntries(Object.entries(s.algoConfig ?? {}).map(([a, v]) => [`algoConfig.${a}`, v])),
    ...Object.fromEntries(Object.entries(s.taskConfig ?? {}).map(([t, v]) => [`taskConfig.${t}`, v])),
  })) {
    for (const f of ["evalEvery", "evalEpisodes", "checkpointEvery", "algo", "preset"]) {
      if (c !== undefined && f in c)
        problems.push(
          `  ${k}.${f}: set it at the top level of the spec (${f === "algo" ? "algos" : f}), got ${JSON.stringify(c[f])}`,
        );
    }
  }
  if (problems.length > 0) throw new Error(`${where} is invalid:\n${problems.join("\n")}`);
  return s;
}

/** Read and validate `experiments/<name>.json`. */
export function loadSpec(file: string): ExperimentSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`cannot read experiment spec ${file}: ${(err as Error).message}`, { cause: err });
  }
  return { ...parseSpec(raw, file), file: path.resolve(file) };
}

/** The config fields of one (task, algo) run: `config`, then `algoConfig[algo]`, then `taskConfig[task]`. */
export function runConfig(spec: ExperimentSpec, task: string, algo: ExperimentAlgo): Record<string, unknown> {
  return { ...spec.config, ...spec.algoConfig?.[algo], ...spec.taskConfig?.[task] };
}

/** Which runs a command covers: the spec's grid, or the reduced one, narrowed by the command's limits. */
export interface Selection {
  tasks: string[];
  algos: ExperimentAlgo[];
  seeds: number[];
  steps: number;
}

/** Options that narrow a spec's grid (`--reduced`, `--tasks`, `--algos`, `--seeds`, `--steps`). */
export interface SelectOptions {
  reduced?: boolean;
  tasks?: readonly string[];
  algos?: readonly string[];
  seeds?: readonly number[];
  steps?: number;
}

/** Resolve a selection; errors name the flag and the value not in the spec. */
export function select(spec: ExperimentSpec, o: SelectOptions = {}): Selection {
  if (o.reduced && !spec.reduced) throw new Error(`--reduced: the spec ${spec.name} has no reduced budget`);
  const base: Selection =
    o.reduced && spec.reduced
      ? {
          tasks: [...(spec.reduced.tasks ?? spec.tasks)],
          algos: [...spec.algos],
          seeds: [...spec.reduced.seeds],
          steps: spec.reduced.steps,
        }
      : { tasks: [...spec.tasks], algos: [...spec.algos], seeds: [...spec.seeds], steps: spec.steps };
  const allTasks = [...spec.tasks, ...(spec.optionalTasks ?? [])];
  if (o.tasks) {
    for (const t of o.tasks)
      if (!allTasks.includes(t))
        throw new Error(`--tasks: ${JSON.stringify(t)} is not a task of ${spec.name} (${allTasks.join(", ")})`);
    base.tasks = [...o.tasks];
  }
  if (o.algos) {
    for (const a of o.algos)
      if (!spec.algos.includes(a as ExperimentAlgo))
        throw new Error(`--algos: ${JSON.stringify(a)} is not an algorithm of ${spec.name} (${spec.algos.join(", ")})`);
    base.algos = [...o.algos] as ExperimentAlgo[];
  }
  if (o.seeds) {
    for (const k of o.seeds)
      if (!spec.seeds.includes(k))
        throw new Error(`--seeds: ${k} is not a seed of ${spec.name} (${spec.seeds.join(", ")})`);
    base.seeds = [...o.seeds];
  }
  if (o.steps !== undefined) {
    if (!Number.isInteger(o.steps) || o.steps < 1 || o.steps > spec.steps)
      throw new Error(`--steps must be an integer in [1, ${spec.steps}], got ${o.steps}`);
    if (o.steps % spec.evalEvery !== 0)
      throw new Error(`--steps must be a multiple of evalEvery (${spec.evalEvery}), got ${o.steps}`);
    base.steps = o.steps;
  }
  return base;
}
