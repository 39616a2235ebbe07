/** Build an {@link Agent} for an env id (loaded lazily by agents/index.ts once a backend is ready). */
import { Agent } from "./agent";
import type { AgentConfig } from "./config";
import type { Env, MakeOptions } from "../envs/types";
import * as envs from "../envs";
import { attachEvalEnvs } from "./evaluation";

/** Make the training env and a separate evaluation env, then the agent. Errors name the `env` field. */
export async function makeAgent(
  config: AgentConfig,
  env: string | Env,
  seed: number,
  envOptions: MakeOptions = {},
  evalEnv?: Env,
): Promise<Agent> {
  let train: Env;
  let evaluation: Env;
  if (typeof env === "string") {
    try {
      train = await envs.make(env, envOptions);
      evaluation = evalEnv ?? (await envs.make(env, envOptions));
    } catch (err) {
      throw new Error(`env: ${(err as Error).message}`, { cause: err });
    }
  } else {
    train = env;
    if (evalEnv === undefined)
      throw new Error(`evalEnv is required when env is an Env object (got env ${env.id}); pass a second instance`);
    evaluation = evalEnv;
  }
  const agent = new Agent(config, train, evaluation, seed);
  // Batched evaluation (evalEpisodes − 1 copies of the evaluation env, stepped together with one policy pass per
  // step; same seeds and returns as one episode at a time — test/agents/evaluation.test.ts). Only for envs made here
  // from an id: a caller's own Env objects are not copied.
  if (typeof env === "string" && evalEnv === undefined) {
    try {
      await attachEvalEnvs(agent, envOptions);
    } catch (err) {
      agent.dispose();
      throw new Error(`env: ${(err as Error).message}`, { cause: err });
    }
  }
  return agent;
}
