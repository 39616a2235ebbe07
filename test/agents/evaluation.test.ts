// Batched evaluation (src/agents/evaluation.ts): the N deterministic episodes stepped together, one policy pass
// per step, give bit-identical returns and lengths to the one-episode-at-a-time loop written out here (the loop
// Agent.evaluate ran before), from the same eval-stream seeds, on Pendulum-v1 and on Hopper-v5 (episodes that end
// early, at different steps), for several agent seeds, with all copies and with fewer copies than episodes; the
// eval stream ends in the same state; bad copies are refused with a clear error; no tensors leak.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as agents from "../../src/agents";
import * as envs from "../../src/envs";
import * as engine from "../../src/engine/backend";
import { attachEvalEnvs, detachEvalEnvs, setEvalCopies, evalEnvsOf } from "../../src/agents/evaluation";
import type { Agent } from "../../src/agents/agent";
import { Rng } from "../../src/rng";

before(async () => {
  await engine.ready(process.env.VIREL_BACKEND ?? "auto");
});

/** The sequential evaluation, written out independently: one episode after the other, one policy pass per step. */
function sequentialEvaluate(agent: Agent, episodes: number): { returns: number[]; lengths: number[] } {
  const low = agent.env.actionSpace.low,
    high = agent.env.actionSpace.high;
  const returns: number[] = [],
    lengths: number[] = [];
  for (let ep = 0; ep < episodes; ep++) {
    let obs = agent.evalEnv.reset({ seed: agent.rngs.eval.seed() }).obs;
    let ret = 0,
      len = 0;
    for (;;) {
      const a = agent.learner.act(obs, true);
      const u = Array.from(a, (x, i) => low[i]! + (x + 1) * 0.5 * (high[i]! - low[i]!));
      const r = agent.evalEnv.step(u);
      ret += r.reward;
      len += 1;
      obs = r.obs;
      if (r.terminated || r.truncated) break;
    }
    returns.push(ret);
    lengths.push(len);
  }
  return { returns, lengths };
}

/** Scale the policy's weights by random factors so its mean action is far from 0 (episodes of varied length). */
function perturbPolicy(agent: Agent, seed: number, scale: number): void {
  const rng = new Rng(seed);
  const arrays = new Map(agent.getTensorState());
  for (const [name, a] of arrays) {
    if (!/^pi\//.test(name) || /adam|\/m$|\/v$/i.test(name)) continue;
    for (let i = 0; i < a.length; i++) a[i] = a[i]! * scale * (1 + rng.normal());
  }
  agent.setState(agent.getScalarState(), arrays);
}

async function checkAgainstSequential(
  id: string,
  seed: number,
  episodes: number,
  copies: number,
  perturb: number,
  hidden = 64,
): Promise<number[]> {
  const agent = await agents.create({
    algo: "sac-v1",
    env: id,
    seed,
    config: { hidden: [hidden, hidden], evalEpisodes: episodes },
  });
  try {
    perturbPolicy(agent, seed + 100, perturb);
    const state = agent.rngs.eval.getState();
    const expected = sequentialEvaluate(agent, episodes);
    const afterSequential = agent.rngs.eval.getState();
    agent.rngs.eval.setState(state);
    const extra = await Promise.all(Array.from({ length: copies }, () => envs.make(id)));
    assert.equal(setEvalCopies(agent.evalEnv, extra), copies + 1);
    const tensors = engine.tf().memory().numTensors;
    const got = agent.evaluate(episodes);
    assert.equal(engine.tf().memory().numTensors, tensors, "batched evaluation leaks tensors");
    assert.deepEqual(
      got.returns,
      expected.returns,
      `${id} seed ${seed}: returns differ from the sequential evaluation`,
    );
    assert.deepEqual(got.lengths, expected.lengths, `${id} seed ${seed}: lengths differ`);
    assert.deepEqual(
      agent.rngs.eval.getState(),
      afterSequential,
      "the eval stream must end where the sequential loop leaves it",
    );
    const mean = expected.returns.reduce((s, x) => s + x, 0) / episodes;
    assert.equal(got.mean, mean);
    detachEvalEnvs(agent.evalEnv);
    assert.equal(evalEnvsOf(agent.evalEnv).length, 1);
    return expected.lengths;
  } finally {
    agent.dispose();
  }
}

test("Pendulum-v1: batched evaluation = sequential evaluation, bit for bit (5 agent seeds; 5 and 6 episodes; 2×64 and 2×256; all envs and waves)", async () => {
  for (const seed of [0, 1, 7]) {
    const lengths = await checkAgainstSequential("Pendulum-v1", seed, 5, 4, 20);
    assert.deepEqual(lengths, [200, 200, 200, 200, 200]);
  }
  await checkAgainstSequential("Pendulum-v1", 3, 5, 1, 20); // waves of 2, 2, 1
  await checkAgainstSequential("Pendulum-v1", 4, 6, 5, 5, 256); // the paper's width
});

test("Hopper-v5: episodes that terminate at different steps — batched = sequential, bit for bit (3 seeds; 5 and 3 envs)", async () => {
  const all: number[] = [];
  for (const seed of [0, 1, 2]) all.push(...(await checkAgainstSequential("Hopper-v5", seed, 5, 4, 40)));
  all.push(...(await checkAgainstSequential("Hopper-v5", 5, 5, 2, 40)));
  // the episodes really end early and at different steps (else the packing of live rows is not exercised)
  assert.ok(
    all.some((l) => l < 1000),
    `expected some early terminations, got lengths ${all.join(", ")}`,
  );
  assert.ok(new Set(all).size >= 4, `expected varied lengths, got ${all.join(", ")}`);
});

test("attachEvalEnvs makes evalEpisodes − 1 copies; bad copies are refused with the field named", async () => {
  const agent = await agents.create({
    algo: "sac-v1",
    env: "Pendulum-v1",
    seed: 0,
    config: { hidden: [8, 8], evalEpisodes: 3 },
  });
  try {
    assert.equal(await attachEvalEnvs(agent), 3);
    assert.equal(evalEnvsOf(agent.evalEnv).length, 3);
    await assert.rejects(attachEvalEnvs(agent, {}, 0), /episodes must be a positive integer, got 0/);
    assert.throws(() => setEvalCopies(agent.evalEnv, [agent.evalEnv]), /copies\[0\]: each copy must be a distinct env/);
    const other = await envs.make("MountainCarContinuous-v0");
    assert.throws(
      () => setEvalCopies(agent.evalEnv, [other]),
      /copies\[0\]: expected an env with id Pendulum-v1, got MountainCarContinuous-v0/,
    );
    other.close();
    const short = await envs.make("Pendulum-v1", { maxEpisodeSteps: 50 });
    assert.throws(() => setEvalCopies(agent.evalEnv, [short]), /copies\[0\]: expected maxEpisodeSteps 200/);
    short.close();
    detachEvalEnvs(agent.evalEnv);
  } finally {
    agent.dispose();
  }
});
