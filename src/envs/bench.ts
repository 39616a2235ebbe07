/**
 * Environment throughput: steps per second of `make(id)` under uniformly random actions (episodes reset as
 * they end), and optionally of `makeVec(id, n)`. Used by `bench/envs.ts` and `virel envs bench`.
 */
import { performance } from "node:perf_hooks";
import { Rng } from "../rng";
import { make } from "./registry";
import { makeVec } from "./vector";
import { sampleBox } from "./spaces";

/** One benchmark line. */
export interface EnvBenchResult {
  id: string;
  /** Single-env steps per second (env steps, resets included in the timing). */
  stepsPerSecond: number;
  steps: number;
  seconds: number;
  /** Episodes that ended (terminated or truncated) during the run. */
  episodes: number;
  /** Vector-env env-steps per second (`vecEnvs` copies), when asked for. */
  vecStepsPerSecond?: number;
  vecEnvs?: number;
}

/** Options of {@link benchEnv}. */
export interface EnvBenchOptions {
  /** Env steps to time (default 20 000). */
  steps?: number;
  seed?: number;
  /** Also time `makeVec(id, vecEnvs)` for the same number of env steps (0 = skip; default 0). */
  vecEnvs?: number;
}

/** Time `steps` random-action steps of `id` (after 1/10 as many warm-up steps). */
export async function benchEnv(id: string, options: EnvBenchOptions = {}): Promise<EnvBenchResult> {
  const steps = options.steps ?? 20_000;
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`benchEnv: steps must be a positive integer, got ${steps}`);
  const seed = options.seed ?? 0;
  const env = await make(id, { seed });
  try {
    const rng = new Rng(seed).fork("bench");
    const actions = Array.from({ length: 1024 }, () => sampleBox(env.actionSpace, rng));
    env.reset({ seed });
    let episodes = 0;
    const run = (n: number): void => {
      for (let t = 0; t < n; t++) {
        const r = env.step(actions[t & 1023]!);
        if (r.terminated || r.truncated) {
          episodes++;
          env.reset();
        }
      }
    };
    run(Math.max(1, Math.floor(steps / 10)));
    episodes = 0;
    const t0 = performance.now();
    run(steps);
    const seconds = (performance.now() - t0) / 1000;
    const result: EnvBenchResult = { id, stepsPerSecond: steps / seconds, steps, seconds, episodes };
    const nVec = options.vecEnvs ?? 0;
    if (nVec > 0) {
      const vec = await makeVec(id, nVec, { seed });
      try {
        vec.reset({ seed });
        const batches = Math.max(1, Math.ceil(steps / nVec));
        const batch = Array.from({ length: nVec }, (_, i) => actions[i & 1023]!);
        const v0 = performance.now();
        for (let k = 0; k < batches; k++) vec.step(batch);
        const vs = (performance.now() - v0) / 1000;
        result.vecStepsPerSecond = (batches * nVec) / vs;
        result.vecEnvs = nVec;
      } finally {
        vec.close();
      }
    }
    return result;
  } finally {
    env.close();
  }
}

/**
 * Benchmark several ids, printing one line each through `log`. An id whose factory throws (e.g. MuJoCo
 * before its models exist) is skipped with a clear line instead of stopping the run.
 */
export async function benchEnvs(
  ids: readonly string[],
  options: EnvBenchOptions = {},
  log: (line: string) => void = (l) => process.stdout.write(l + "\n"),
): Promise<EnvBenchResult[]> {
  const results: EnvBenchResult[] = [];
  const width = Math.max(...ids.map((id) => id.length), 2);
  log(`${"env".padEnd(width)}  ${"steps/s".padStart(12)}  ${"vec steps/s".padStart(14)}  steps  episodes`);
  for (const id of ids) {
    try {
      const r = await benchEnv(id, options);
      results.push(r);
      const vec = r.vecStepsPerSecond === undefined ? "-" : `${fmt(r.vecStepsPerSecond)} (x${r.vecEnvs})`;
      log(`${id.padEnd(width)}  ${fmt(r.stepsPerSecond).padStart(12)}  ${vec.padStart(14)}  ${r.steps}  ${r.episodes}`);
    } catch (err) {
      log(`${id.padEnd(width)}  skipped: ${(err as Error).message}`);
    }
  }
  return results;
}

function fmt(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}
