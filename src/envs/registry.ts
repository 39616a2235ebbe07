/**
 * The environment registry (Gymnasium's `gym.register` / `gym.make` / `gym.spec`): every id, its static spec
 * (spaces, episode limit) and its factory. Classic control is built in; the MuJoCo v5 tasks come from
 * `./mujoco` (loaded lazily); notebooks may `register` their own.
 */
import type { Box, Env, MakeOptions } from "./types";
import { box, copyBox } from "./spaces";
import { PendulumEnv, PENDULUM } from "./classic/pendulum";
import { MountainCarContinuousEnv, MOUNTAIN_CAR } from "./classic/mountain-car";
import { MUJOCO_IDS, makeMujoco } from "./mujoco";

/** Static facts about an environment id, known without creating it (Gymnasium `EnvSpec` + spaces). */
export interface EnvSpec {
  readonly id: string;
  /** `"classic"` (Gymnasium classic control), `"mujoco"` (Gymnasium MuJoCo v5) or `"user"` (registered). */
  readonly family: "classic" | "mujoco" | "user";
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  /** Gymnasium's registered `max_episode_steps` (truncation). */
  readonly maxEpisodeSteps: number;
  /** One line for `virel envs list`. */
  readonly description: string;
}

/** What `register` takes: the spec facts plus a (sync or async) factory. */
export interface EnvRegistration {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Box;
  readonly maxEpisodeSteps: number;
  readonly description?: string;
  make(options: MakeOptions): Env | Promise<Env>;
}

interface Entry {
  spec: EnvSpec;
  make(options: MakeOptions): Env | Promise<Env>;
}

const registry = new Map<string, Entry>();

function add(spec: EnvSpec, make: Entry["make"]): void {
  registry.set(spec.id, { spec, make });
}

add(
  {
    id: "Pendulum-v1",
    family: "classic",
    observationSpace: box([-1, -1, -PENDULUM.maxSpeed], [1, 1, PENDULUM.maxSpeed], { float32: true }),
    actionSpace: box([-PENDULUM.maxTorque], [PENDULUM.maxTorque], { float32: true }),
    maxEpisodeSteps: PENDULUM.maxEpisodeSteps,
    description: "swing a pendulum up and hold it upright; obs [cos θ, sin θ, θ̇], torque in [-2, 2]",
  },
  (options) => new PendulumEnv(options),
);
add(
  {
    id: "MountainCarContinuous-v0",
    family: "classic",
    observationSpace: box(
      [MOUNTAIN_CAR.minPosition, -MOUNTAIN_CAR.maxSpeed],
      [MOUNTAIN_CAR.maxPosition, MOUNTAIN_CAR.maxSpeed],
      { float32: true },
    ),
    actionSpace: box([MOUNTAIN_CAR.minAction], [MOUNTAIN_CAR.maxAction], { float32: true }),
    maxEpisodeSteps: MOUNTAIN_CAR.maxEpisodeSteps,
    description: "drive an under-powered car up the hill to x ≥ 0.45 (+100); obs [x, v], force in [-1, 1]",
  },
  (options) => new MountainCarContinuousEnv(options),
);

/**
 * Gymnasium v5's registered facts for the MuJoCo tasks (observation size, actuator ctrlrange, time limit),
 * so that `spec(id)` answers without loading WebAssembly. A test checks them against the built envs.
 */
const MUJOCO_FACTS: Record<string, { obs: number; act: number; ctrl: number; steps: number; what: string }> = {
  "HalfCheetah-v5": { obs: 17, act: 6, ctrl: 1, steps: 1000, what: "2-D cheetah running forward" },
  "Hopper-v5": {
    obs: 11,
    act: 3,
    ctrl: 1,
    steps: 1000,
    what: "2-D one-legged hopper hopping forward (terminates when unhealthy)",
  },
  "Walker2d-v5": {
    obs: 17,
    act: 6,
    ctrl: 1,
    steps: 1000,
    what: "2-D biped walking forward (terminates when unhealthy)",
  },
  "Ant-v5": {
    obs: 105,
    act: 8,
    ctrl: 1,
    steps: 1000,
    what: "3-D four-legged ant walking forward (terminates when unhealthy)",
  },
  "Humanoid-v5": {
    obs: 348,
    act: 17,
    ctrl: 0.4,
    steps: 1000,
    what: "3-D humanoid walking forward (terminates when it falls)",
  },
  "Swimmer-v5": { obs: 8, act: 2, ctrl: 1, steps: 1000, what: "3-link swimmer in a viscous fluid" },
  "InvertedPendulum-v5": {
    obs: 4,
    act: 1,
    ctrl: 3,
    steps: 1000,
    what: "balance a pole on a cart (terminates when |angle| > 0.2)",
  },
  "InvertedDoublePendulum-v5": {
    obs: 9,
    act: 1,
    ctrl: 1,
    steps: 1000,
    what: "balance a double pole on a cart (terminates when the tip falls)",
  },
  "Reacher-v5": { obs: 10, act: 2, ctrl: 1, steps: 50, what: "2-link arm reaching a random target" },
};

for (const id of MUJOCO_IDS) {
  const facts = MUJOCO_FACTS[id];
  if (facts === undefined) throw new Error(`envs registry: no spec facts for MuJoCo id ${id}`);
  add(
    {
      id,
      family: "mujoco",
      observationSpace: box(-Infinity, Infinity, { shape: [facts.obs] }),
      actionSpace: box(-facts.ctrl, facts.ctrl, { shape: [facts.act], float32: true }),
      maxEpisodeSteps: facts.steps,
      description: `${facts.what} (MuJoCo v5)`,
    },
    (options) => makeMujoco(id, options),
  );
}

/** Every registered environment id, in registration order (classic, MuJoCo, then user ones). */
export function ids(): string[] {
  return [...registry.keys()];
}

function lookup(id: unknown): Entry {
  if (typeof id !== "string") {
    throw new Error(`environment id must be a string, got ${typeof id}; known ids: ${ids().join(", ")}`);
  }
  const entry = registry.get(id);
  if (entry !== undefined) return entry;
  const lower = id.toLowerCase();
  const close = ids().find((k) => k.toLowerCase() === lower || k.toLowerCase().split("-v")[0] === lower.split("-v")[0]);
  const hint = close === undefined ? "" : ` (did you mean "${close}"?)`;
  throw new Error(`unknown environment id "${id}"${hint}; known ids: ${ids().join(", ")}`);
}

function copySpec(spec: EnvSpec): EnvSpec {
  return { ...spec, observationSpace: copyBox(spec.observationSpace), actionSpace: copyBox(spec.actionSpace) };
}

/** The static spec of an id: spaces, episode limit, family, description (no env is created). */
export function spec(id: string): EnvSpec {
  return copySpec(lookup(id).spec);
}

/**
 * Create an environment (Gymnasium `gym.make(id, **kwargs)`): `options.maxEpisodeSteps` overrides the time
 * limit, `options.seed` seeds the first `reset()`, other keys are the task's own keyword arguments (e.g.
 * Pendulum's `g`); unknown keys are an error. Unknown ids throw an Error listing the known ids.
 */
export async function make(id: string, options: MakeOptions = {}): Promise<Env> {
  const entry = lookup(id);
  if (options === null || typeof options !== "object") {
    throw new Error(`${id}: options must be an object, got ${String(options)}`);
  }
  return await entry.make(options);
}

/**
 * Add an environment to the registry (Gymnasium `gym.register`), e.g. a notebook's own variant. Re-using an
 * existing id is an error unless `replace: true` (built-in ids can never be replaced).
 */
export function register(entry: EnvRegistration, opts: { replace?: boolean } = {}): void {
  if (typeof entry?.id !== "string" || entry.id.length === 0) {
    throw new Error(`register: id must be a non-empty string, got ${String(entry?.id)}`);
  }
  const existing = registry.get(entry.id);
  if (existing !== undefined && (existing.spec.family !== "user" || !opts.replace)) {
    throw new Error(
      existing.spec.family !== "user"
        ? `register: "${entry.id}" is a built-in environment and cannot be replaced`
        : `register: "${entry.id}" is already registered (pass { replace: true } to replace it)`,
    );
  }
  if (typeof entry.make !== "function") throw new Error(`register: ${entry.id}: make must be a function`);
  if (!(entry.maxEpisodeSteps === Infinity || (Number.isInteger(entry.maxEpisodeSteps) && entry.maxEpisodeSteps > 0))) {
    throw new Error(
      `register: ${entry.id}: maxEpisodeSteps must be a positive integer or Infinity, got ${entry.maxEpisodeSteps}`,
    );
  }
  add(
    {
      id: entry.id,
      family: "user",
      observationSpace: copyBox(entry.observationSpace),
      actionSpace: copyBox(entry.actionSpace),
      maxEpisodeSteps: entry.maxEpisodeSteps,
      description: entry.description ?? "user-registered environment",
    },
    (options) => entry.make(options),
  );
}

/** Remove a user-registered id (built-in ids cannot be removed). Returns whether it was there. */
export function unregister(id: string): boolean {
  const existing = registry.get(id);
  if (existing === undefined) return false;
  if (existing.spec.family !== "user") throw new Error(`unregister: "${id}" is a built-in environment`);
  return registry.delete(id);
}
