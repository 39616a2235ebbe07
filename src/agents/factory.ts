/** Build an {@link Agent} for an env id (loaded lazily by agents/index.ts once a backend is ready). */
import { Agent } from "./agent";
import type { AgentConfig } from "./config";
import type { Env, MakeOptions } from "../envs/types";
import * as envs from "../envs";

/** Make the training env and a separate evaluation env, then the agent. Errors name the `env` field. */
export async function makeAgent(config: AgentConfig, env: string | Env, seed: number, envOptions: MakeOptions = {}, evalEnv?: Env): Promise<Agent> {
  let train: Env;
  let evaluation: Env;
  if (typeof env === "string") {
    try {
      train = await envs.make(env, envOptions);
      evaluation = evalEnv ?? (await envs.make(env, envOptions));
    } catch (err) {
      throw new Error(`env: ${(err as Error).message}`);
    }
  } else {
    train = env;
    if (evalEnv === undefined) throw new Error(`evalEnv is required when env is an Env object (got env ${env.id}); pass a second instance`);
    evaluation = evalEnv;
  }
  return new Agent(config, train, evaluation, seed);
}
