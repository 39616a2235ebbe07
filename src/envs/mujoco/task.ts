/**
 * How a MuJoCo task is declared: its id, Gymnasium's registered facts (frame skip, time limit), its keyword
 * arguments (Gymnasium v5 names, defaults, zod schemas), its model builder and its env constructor. `makeTask`
 * turns `make` options into a validated env.
 */
import { z } from "zod";
import { checkOptionKeys } from "../base";
import type { MakeOptions } from "../types";
import type { MujocoContext, MujocoEnv } from "./env";
import { compileModel, loadMujoco } from "./loader";
import type { RenderOptions } from "./render";

/** Options every MuJoCo task takes besides its Gymnasium kwargs. */
/** The largest `frame_skip` accepted (physics steps per env step). */
export const MAX_FRAME_SKIP = 1000;

export const MODEL_OPTION_KEYS = ["frame_skip", "model", "xml"] as const;

/** The resolved, validated settings a task constructor receives. */
export interface TaskSettings<K> {
  /** Gymnasium v5 keyword arguments (defaults merged with the `make` options). */
  readonly kwargs: Readonly<K>;
  /** Physics steps per env step. */
  readonly frameSkip: number;
  readonly render: RenderOptions;
}

/** A task declaration (one per file under `tasks/`). */
export interface TaskDefinition<K extends object> {
  readonly id: string;
  /** Gymnasium's default `frame_skip`. */
  readonly frameSkip: number;
  /** Gymnasium's registered `max_episode_steps`. */
  readonly maxEpisodeSteps: number;
  /** Gymnasium v5 keyword-argument defaults. */
  readonly defaults: Readonly<K>;
  /** A zod schema per keyword argument (validates a user-supplied value). */
  readonly schema: { readonly [P in keyof K]: z.ZodType };
  /** Builds the MJCF from the `model` option (the builder validates its own parameters). */
  readonly buildModel: (params: never) => string;
  readonly render: RenderOptions;
  readonly create: (ctx: MujocoContext, settings: TaskSettings<K>, options: MakeOptions) => MujocoEnv;
}

/** A task with its kwargs type erased (what the registry of tasks holds). */
export interface AnyTask {
  readonly id: string;
  readonly frameSkip: number;
  readonly maxEpisodeSteps: number;
  readonly defaults: Readonly<Record<string, unknown>>;
  make(options: MakeOptions): Promise<MujocoEnv>;
}

/** Schemas shared by the tasks' keyword arguments. */
export const kw = {
  /** A finite number ≥ 0 (weights, noise scales). */
  nonNegative: z.number().nonnegative(),
  /** Any finite number. */
  finite: z.number(),
  /** A boolean flag. */
  flag: z.boolean(),
  /** A `[low, high]` pair with low < high; ±Infinity allowed (e.g. Hopper's `healthy_z_range = (0.7, inf)`). */
  range: z
    .tuple([
      z.union([z.number(), z.literal(Infinity), z.literal(-Infinity)]),
      z.union([z.number(), z.literal(Infinity), z.literal(-Infinity)]),
    ])
    .refine(([lo, hi]) => lo < hi, { message: "must be [low, high] with low < high" }),
  /** A non-negative integer index. */
  index: z.number().int().nonnegative(),
};

function describe(v: unknown): string {
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  try {
    return JSON.stringify(v);
  } catch {
    return typeof v;
  }
}

/** Validate the `make` options of a task and return its settings, the model parameters and an MJCF override. */
export function resolveTaskOptions<K extends object>(
  task: TaskDefinition<K>,
  options: MakeOptions,
): { settings: TaskSettings<K>; model: unknown; xml: string | undefined } {
  if (options === null || typeof options !== "object") {
    throw new Error(`${task.id}: options must be an object, got ${describe(options)}`);
  }
  checkOptionKeys(task.id, options, [...Object.keys(task.defaults), ...MODEL_OPTION_KEYS]);
  const kwargs: Record<string, unknown> = { ...task.defaults };
  const schema = task.schema as Record<string, z.ZodType>;
  for (const key of Object.keys(task.defaults)) {
    const value = options[key];
    if (value === undefined) continue;
    const r = schema[key]!.safeParse(value);
    if (!r.success) {
      const msg = r.error.issues.map((i) => i.message).join("; ");
      throw new Error(`${task.id}: option ${key} is invalid (${msg}), got ${describe(value)}`);
    }
    kwargs[key] = r.data;
  }
  let frameSkip = task.frameSkip;
  if (options.frame_skip !== undefined) {
    const fs = options.frame_skip;
    // Gymnasium's tasks use 2–5; a huge value (1e9) would make one env step run for hours, so cap it.
    if (typeof fs !== "number" || !Number.isInteger(fs) || fs < 1 || fs > MAX_FRAME_SKIP) {
      throw new Error(
        `${task.id}: option frame_skip must be an integer in [1, ${MAX_FRAME_SKIP}], got ${describe(fs)}`,
      );
    }
    frameSkip = fs;
  }
  const xml = options.xml;
  if (xml !== undefined && (typeof xml !== "string" || xml.trim() === "")) {
    throw new Error(`${task.id}: option xml must be MJCF text, got ${describe(xml)}`);
  }
  if (xml !== undefined && options.model !== undefined) {
    throw new Error(`${task.id}: give either option model (builder parameters) or option xml (MJCF text), not both`);
  }
  return {
    settings: { kwargs: kwargs as K, frameSkip, render: task.render },
    model: options.model,
    xml: xml as string | undefined,
  };
}

/** Wrap a task declaration into the factory the registry calls (loads MuJoCo, builds and compiles the model). */
export function defineTask<K extends object>(task: TaskDefinition<K>): AnyTask {
  return {
    id: task.id,
    frameSkip: task.frameSkip,
    maxEpisodeSteps: task.maxEpisodeSteps,
    defaults: task.defaults as Readonly<Record<string, unknown>>,
    async make(options: MakeOptions): Promise<MujocoEnv> {
      const { settings, model: params, xml } = resolveTaskOptions(task, options);
      const mjcf = xml ?? (task.buildModel as (p: unknown) => string)(params);
      const mj = await loadMujoco();
      const model = compileModel(mj, mjcf, task.id);
      try {
        return task.create({ mj, model, xml: mjcf }, settings, options);
      } catch (e) {
        model.delete();
        throw e;
      }
    },
  };
}
