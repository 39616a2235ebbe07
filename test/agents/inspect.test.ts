// The learnt functions on plain arrays: agent.act / actions / qValues / values and agents.evaluateGrid — closed
// forms (networks with a constant last layer), agreement with the networks applied by hand, no tensor leaks,
// errors that name the argument.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as engine from "../../src/engine/backend";
import * as agents from "../../src/agents";
import type { Agent } from "../../src/agents/agent";
import type { Mlp } from "../../src/agents/nn";
import type { Learner } from "../../src/agents/learner";

/** The agent's learner with its networks (the public `agent.learner` is the tensor-free `LearnerApi`). */
const core = (agent: Agent): Learner => agent.learner as Learner;

type Tf = typeof import("@tensorflow/tfjs");
let tf: Tf;

before(async () => {
  await engine.ready(process.env.VIREL_BACKEND ?? "auto");
  tf = engine.tf();
});

const make = (algo: string, seed = 0): Promise<Agent> =>
  agents.create({
    algo,
    env: "Pendulum-v1",
    seed,
    config: { hidden: [8, 8], batchSize: 16, randomSteps: 16, evalEvery: 0 },
  });

/** Make the last layer of `net` output the constants `c` (zero weights, bias c). */
function constantOutput(net: Mlp, c: number[]): void {
  const last = net.layers[net.layers.length - 1]!;
  last.w.assign(tf.zerosLike(last.w));
  last.b.assign(tf.tensor1d(c));
}

const close = (a: number, b: number, tol: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${msg} expected ${b}, got ${a} (|diff| ${Math.abs(a - b)}, tol ${tol})`);

test("closed forms: constant networks give u = low + (tanh μ + 1)/2·(high − low), Q̂ = min(Q₁, Q₂), V", async () => {
  const agent = await make("virel1");
  try {
    constantOutput(core(agent).pi.net, [Math.atanh(0.5), -1]); // μ = atanh(0.5), log σ = −1
    constantOutput(core(agent).q1, [1.5]);
    constantOutput(core(agent).q2, [2.5]);
    constantOutput(core(agent).v!, [-3.25]);
    const obs = [
      [1, 0, 0],
      [0, 1, 7.5],
      [-1, 0, -8],
    ];
    const u = agent.act(obs[1]!);
    assert.ok(u instanceof Float64Array);
    assert.equal(u.length, 1);
    close(u[0]!, -2 + ((0.5 + 1) / 2) * 4, 1e-6, "u = 1"); // Pendulum's box is [−2, 2]
    assert.deepEqual(
      agent.actions(obs).map((r) => Array.from(r)),
      [[u[0]!], [u[0]!], [u[0]!]],
    );
    const acts = [[-2], [0.3], [2]];
    assert.deepEqual(Array.from(agent.qValues(obs, acts)), [1.5, 1.5, 1.5]);
    assert.deepEqual(Array.from(agent.qValues(obs, acts, { critic: "q2" })), [2.5, 2.5, 2.5]);
    assert.deepEqual(Array.from(agent.values(obs)), [-3.25, -3.25, -3.25]);
    // a sample of π: |u| ≤ 2, and it draws from the noise stream (so two samples differ)
    const s1 = agent.act(obs[0]!, { deterministic: false })[0]!;
    const s2 = agent.act(obs[0]!, { deterministic: false })[0]!;
    assert.ok(Math.abs(s1) <= 2 && Math.abs(s2) <= 2 && s1 !== s2, `samples ${s1}, ${s2}`);
  } finally {
    agent.dispose();
  }
});

test("qValues / values / actions agree with the networks applied by hand (env actions squashed into (−1, 1))", async () => {
  const agent = await make("virel2", 3);
  try {
    const obs = [
      [0.6, 0.8, -1.2],
      [1, 0, 0.5],
      [-0.28, 0.96, 4],
    ];
    const envActs = [[-1.5], [0], [1.9]];
    const squashed = envActs.map(([u]) => [(2 * (u! + 2)) / 4 - 1]);
    const byHand = tf.tidy(() => {
      const s = tf.tensor2d(obs);
      const sa = tf.concat([s, tf.tensor2d(squashed)], 1);
      const q1 = core(agent).q1.apply(sa).dataSync();
      const q2 = core(agent).q2.apply(sa).dataSync();
      const v = core(agent).v!.apply(s).dataSync();
      const mu = tf.tanh(tf.split(core(agent).pi.net.apply(s), 2, 1)[0]!).dataSync();
      return { q1: Array.from(q1), q2: Array.from(q2), v: Array.from(v), mu: Array.from(mu) };
    });
    const q = agent.qValues(obs, envActs);
    const q1 = agent.qValues(obs, envActs, { critic: "q1" });
    const v = agent.values(obs);
    const a = agent.actions(obs.flat()); // flat rows work too
    for (let i = 0; i < 3; i++) {
      close(q1[i]!, byHand.q1[i]!, 1e-6, `Q₁[${i}]`);
      close(q[i]!, Math.min(byHand.q1[i]!, byHand.q2[i]!), 1e-6, `Q̂[${i}]`);
      close(v[i]!, byHand.v[i]!, 1e-6, `V[${i}]`);
      close(a[i]![0]!, -2 + (byHand.mu[i]! + 1) * 2, 1e-5, `u[${i}]`);
    }
    // the deterministic action is the one evaluate() plays: the learner's tanh(μ) mapped to the box
    close(agent.act(obs[2]!)[0]!, -2 + (core(agent).act(obs[2]!, true)[0]! + 1) * 2, 1e-6);
  } finally {
    agent.dispose();
  }
});

test("act / actions / qValues / values / evaluateGrid leave tf.memory().numTensors unchanged; deterministic act leaves the RNGs alone", async () => {
  const agent = await make("virel1", 1);
  try {
    const obs = [
      [1, 0, 0],
      [0, 1, 1],
    ];
    agent.qValues(obs, [[0], [1]]); // first calls may create cached kernels
    agent.values(obs);
    agent.actions(obs);
    const noise = JSON.stringify(agent.rngs.noise.getState());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      agent.act(obs[0]!);
      agent.actions(obs);
      agent.qValues(obs, [[0.5], [-0.5]]);
      agent.qValues(obs, [[0.5], [-0.5]], { critic: "q2" });
      agent.values(obs);
      agents.evaluateGrid(agent, { x: [-1, 0, 1], y: [-2, 2], obs: (th, w) => [Math.cos(th), Math.sin(th), w] });
    }
    assert.equal(tf.memory().numTensors, before);
    assert.equal(JSON.stringify(agent.rngs.noise.getState()), noise, "deterministic calls draw no noise");
    assert.throws(
      () => agent.qValues(obs, [[3], [0]]),
      /actions: row 0, entry 0 must be in the action box \[-2, 2\], got 3/,
    );
    assert.equal(tf.memory().numTensors, before, "a rejected call leaks nothing");
  } finally {
    agent.dispose();
  }
});

test("evaluateGrid: rows over y, columns over x, equal to the pointwise calls; a given action; SAC-v2 has no V", async () => {
  const agent = await make("virel1", 2);
  const sac = await make("sac", 2);
  try {
    const x = [-Math.PI, -1, 0, 2];
    const y = [-8, 0, 8];
    const obsAt = (th: number, w: number) => [Math.cos(th), Math.sin(th), w];
    const g = agents.evaluateGrid(agent, { x, y, obs: obsAt });
    assert.deepEqual(g.x, x);
    assert.deepEqual(g.y, y);
    assert.equal(g.qHat.length, 3);
    assert.equal(g.qHat[0]!.length, 4);
    assert.equal(g.action.length, 1);
    for (let j = 0; j < y.length; j++) {
      for (let i = 0; i < x.length; i++) {
        const o = obsAt(x[i]!, y[j]!);
        const u = agent.act(o);
        close(g.action[0]![j]![i]!, u[0]!, 1e-9, `u at (${i}, ${j})`);
        close(g.qHat[j]![i]!, agent.qValues([o], [u])[0]!, 1e-6, `Q̂ at (${i}, ${j})`);
        close(g.v![j]![i]!, agent.values([o])[0]!, 1e-9, `V at (${i}, ${j})`);
      }
    }
    const g0 = agents.evaluateGrid(agent, { x, y, obs: obsAt, action: () => [0] });
    close(g0.qHat[1]![2]!, agent.qValues([obsAt(0, 0)], [[0]])[0]!, 1e-6, "Q̂(s, 0)");
    const gs = agents.evaluateGrid(sac, { x, y, obs: obsAt });
    assert.equal(gs.v, null);
    assert.throws(() => sac.values([[1, 0, 0]]), /algo sac has no value network V/);
  } finally {
    agent.dispose();
    sac.dispose();
  }
});

test("bad arguments name the argument and the value", async () => {
  const agent = await make("virel1");
  try {
    assert.throws(() => agent.act([1, 0]), /expected obs of length 3, got 2/);
    assert.throws(
      () => agent.act([1, 0, 0], { deterministic: "yes" as unknown as boolean }),
      /deterministic must be a boolean, got yes/,
    );
    assert.throws(
      () =>
        agent.actions([
          [1, 0, 0],
          [1, 0],
        ]),
      /expected obs\[1\] of length 3, got 2/,
    );
    assert.throws(() => agent.actions([1, 0, 0, 1]), /expected obs of length 3 \(or a multiple\), got 4/);
    assert.throws(() => agent.values([[1, NaN, 0]]), /obs: row 0, entry 1 must be finite, got NaN/);
    assert.throws(
      () =>
        agent.qValues(
          [
            [1, 0, 0],
            [0, 1, 0],
          ],
          [[0]],
        ),
      /expected 2 action rows \(one per observation\), got 1/,
    );
    assert.throws(
      () => agent.qValues([[1, 0, 0]], [[0]], { critic: "q3" as "q1" }),
      /critic must be "min", "q1" or "q2", got "q3"/,
    );
    assert.throws(
      () => agents.evaluateGrid(agent, { x: [], y: [0], obs: () => [1, 0, 0] }),
      /x must be a non-empty array of numbers/,
    );
    assert.throws(
      () => agents.evaluateGrid(agent, { x: [0], y: [NaN], obs: () => [1, 0, 0] }),
      /y\[0\] must be a finite number, got NaN/,
    );
    assert.throws(
      () => agents.evaluateGrid(agent, { x: [0], y: [0], obs: () => [1, 0] }),
      /expected obs\[0\] of length 3, got 2/,
    );
  } finally {
    agent.dispose();
  }
});
