// Tiny runs of VIREL1, VIREL2, SAC-v1 and SAC-v2 on Pendulum-v1 (2×64 nets, 5000 steps) must clearly beat a random
// policy (≈ −1200).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as agents from "../../src/agents";
import * as envs from "../../src/envs";
import { Rng } from "../../src/rng";

/** The random policy's mean return on the evaluation protocol (5 episodes). */
async function randomPolicyMean(): Promise<number> {
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
  return randomTotal / 5;
}

// issue 13 item 7: a learning check for every algorithm, not only VIREL1 (each ≈ 20–60 s of CPU here)
for (const algo of ["virel1", "virel2", "sac-v1", "sac"] as const) {
  test(`${algo} on Pendulum-v1: 5000 steps with 2×64 nets clearly beat a random policy`, async (t) => {
    const randomMean = await randomPolicyMean();
    assert.ok(randomMean < -800, `random policy ${randomMean}`);
    const agent = await agents.create({
      algo,
      env: "Pendulum-v1",
      seed: 0,
      config: { hidden: [64, 64], lr: 1e-3, evalEvery: 0, logEvery: 1000 },
    });
    try {
      const summary = await agent.train(5000);
      assert.equal(summary.step, 5000);
      if (algo === "virel1" || algo === "virel2") {
        assert.ok(
          agent.history.some((r) => r["virel/beta"] !== undefined && r["virel/beta"] !== 0.01),
          "β left its initial value betaScale·beta (td-residual rule)",
        );
      }
      const ev = agent.evaluate(5);
      t.diagnostic(
        `${algo} after 5000 steps: ${ev.mean.toFixed(1)} ± ${ev.std.toFixed(1)}; random policy ${randomMean.toFixed(1)}`,
      );
      assert.ok(ev.mean > -600, `${algo} after 5000 steps: ${ev.mean.toFixed(1)} (random ${randomMean.toFixed(1)})`);
      assert.ok(ev.mean > randomMean + 500, `${algo} ${ev.mean.toFixed(1)} vs random ${randomMean.toFixed(1)}`);
    } finally {
      agent.dispose();
    }
  });
}

test("the step-through API: collect, mStep, eStep, update, evaluate return plain numbers", async () => {
  const agent = await agents.create({
    algo: "virel2",
    env: "Pendulum-v1",
    seed: 5,
    config: { hidden: [16, 16], batchSize: 32, betaBatch: 64, randomSteps: 100 },
  });
  try {
    assert.throws(
      () => agent.mStep(),
      /replay buffer holds 0 transitions, fewer than batchSize 32; call collect\(\) first/,
    );
    const c = agent.collect(250);
    assert.equal(c.steps, 250);
    assert.equal(agent.envSteps, 250);
    assert.deepEqual(c.episodeLengths, [200]); // Pendulum's time limit
    assert.equal(agent.buffer.size, 250);
    const m = agent.mStep();
    for (const k of ["msbe", "lossQ1", "lossQ2", "lossV", "q1Mean", "q2Mean", "beta"] as const)
      assert.equal(typeof m[k], "number", k);
    assert.ok(m.beta > 0 && m.beta !== 1, `β from the td-residual rule once 64 transitions are stored: ${m.beta}`);
    assert.ok(Math.abs(m.msbe - (m.lossQ1 + m.lossQ2) / 2) < 1e-12);
    const e = agent.eStep();
    for (const k of ["loss", "qHat", "entropy", "beta", "elbo"] as const) assert.ok(Number.isFinite(e[k]), k);
    assert.ok(Math.abs(e.elbo - (e.qHat / e.beta + e.entropy)) < 1e-9);
    const u = agent.update();
    assert.ok(Number.isFinite(u.m.msbe) && Number.isFinite(u.e.loss));
    const ev = agent.evaluate(2);
    assert.equal(ev.returns.length, 2);
    assert.ok(ev.returns.every((r) => r < 0 && r > -2000));
    const before = agent.envSteps;
    await agent.train(30);
    const s = await agent.train(30); // train(n) adds n env steps
    assert.equal(s.step, before + 60);
    assert.equal(agent.envSteps, before + 60);
    // stop() ends a running train() at the next env step; a second concurrent train() is refused
    const running = agent.train(1_000_000);
    await assert.rejects(agent.train(10), /train\(\) is already running on this agent/);
    setTimeout(() => agent.stop(), 100);
    const stopped = await running;
    assert.equal(stopped.aborted, true);
    assert.ok(stopped.step < before + 60 + 1_000_000);
    // an aborted signal supersedes a run that never came back (a notebook interrupt cancels its timers)
    const ac = new AbortController();
    void agent.train(1_000_000, { signal: ac.signal });
    ac.abort();
    const again = await agent.train(5);
    assert.equal(again.aborted, false);
  } finally {
    agent.dispose();
  }
});
