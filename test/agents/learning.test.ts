// A tiny VIREL1 run on Pendulum-v1 (2×64 nets, 5000 steps) must clearly beat a random policy (≈ −1200).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as agents from "../../src/agents";
import * as envs from "../../src/envs";
import { Rng } from "../../src/rng";

test("VIREL1 on Pendulum-v1: 5000 steps with 2×64 nets clearly beat a random policy", async (t) => {
  // the random policy on the same evaluation protocol (5 episodes)
  const env = await envs.make("Pendulum-v1");
  const rng = new Rng(123);
  let randomTotal = 0;
  for (let ep = 0; ep < 5; ep++) {
    env.reset({ seed: rng.seed() });
    for (;;) {
      const r = env.step([rng.uniformRange(-2, 2)]);
      randomTotal += r.reward;
      if (r.terminated || r.truncated) break;
    }
  }
  const randomMean = randomTotal / 5;
  assert.ok(randomMean < -800, `random policy ${randomMean}`);

  const agent = await agents.create({
    algo: "virel1", env: "Pendulum-v1", seed: 0,
    config: { hidden: [64, 64], lr: 1e-3, evalEvery: 0, logEvery: 1000 },
  });
  try {
    const summary = await agent.train(5000);
    assert.equal(summary.step, 5000);
    assert.ok(agent.history.some((r) => r["virel/beta"] !== undefined && r["virel/beta"] !== 1), "β left its initial value (msbe rule)");
    const ev = agent.evaluate(5);
    t.diagnostic(`VIREL1 after 5000 steps: ${ev.mean.toFixed(1)} ± ${ev.std.toFixed(1)}; random policy ${randomMean.toFixed(1)}`);
    assert.ok(ev.mean > -600, `VIREL1 after 5000 steps: ${ev.mean.toFixed(1)} (random ${randomMean.toFixed(1)})`);
    assert.ok(ev.mean > randomMean + 500, `VIREL1 ${ev.mean.toFixed(1)} vs random ${randomMean.toFixed(1)}`);
  } finally {
    agent.dispose();
  }
});
