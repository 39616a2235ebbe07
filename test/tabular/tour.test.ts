import { test } from "node:test";
import assert from "node:assert/strict";
import { runTour } from "../../src/cli/tour-run";
import * as virel from "../../src/index";

test("virel tour prints Table 1, Lemma 1, Eq. 3 with a zero gap, and EM reaching J*", () => {
  const lines: string[] = [];
  runTour((l) => lines.push(l));
  const text = lines.join("\n");
  assert.match(text, /β = 0 +p\(a\|s0,O\) = \[0\.0000, 1\.0000\] \(greedy\)/);
  assert.match(text, /β = Infinity p\(a\|s0,O\) = \[0\.5000, 0\.5000\] \(uniform\)/);
  const gap = /gap (\S+)\)/.exec(text);
  assert.ok(gap && Math.abs(Number(gap[1])) < 1e-9, `gap ${gap?.[1]}`);
  const em = /final posterior policy: J = (\S+) vs J\* = (\S+) /.exec(text);
  assert.ok(em, "EM line printed");
  assert.equal(em[1], em[2]);
  assert.match(text, /pseudo-likelihood EM, 𝒯 = exp\(R\): π\(risky\|start\) = 1\.000/);
});

test("the public API: model names at the top level of virel, tabular as a namespace", () => {
  assert.equal(typeof virel.actionPosterior, "function");
  assert.equal(typeof virel.msbe, "function");
  assert.equal(typeof virel.elbo, "function");
  assert.equal(typeof virel.tabular.randomMDP, "function");
  assert.equal(typeof virel.tabular.variationalEM, "function");
  const mdp = virel.tabular.randomMDP({ states: 4, actions: 2, gamma: 0.9, seed: 1 });
  const { Q, V, J } = virel.tabular.valueIteration(mdp);
  assert.ok(Q[0] instanceof Float64Array && V instanceof Float64Array && typeof J === "number");
  const r = virel.tabular.variationalEM(mdp, { iterations: 50, seed: 1 });
  assert.ok(Array.isArray(r.trace) && r.policy[0] instanceof Float64Array && Math.abs(r.J - J) < 1e-9 * J);
});
