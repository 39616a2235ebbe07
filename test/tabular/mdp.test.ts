import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/rng";
import { objectiveJ } from "../../src/model";
import * as tabular from "../../src/tabular";

const close = (a: number, b: number, tol: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${msg} expected ${b}, got ${a} (|diff| = ${Math.abs(a - b)}, tol ${tol})`);

function randPolicy(rng: Rng, nS: number, nA: number): Float64Array[] {
  return Array.from({ length: nS }, () => {
    const x = Float64Array.from({ length: nA }, () => -Math.log(1 - rng.uniform()));
    const s = x.reduce((a, b) => a + b, 0);
    return x.map((v) => v / s);
  });
}

test("randomMDP: shapes, distributions, positive rewards, reproducible by seed", () => {
  const a = tabular.randomMDP({ states: 7, actions: 3, gamma: 0.9, seed: 5 });
  const b = tabular.randomMDP({ states: 7, actions: 3, gamma: 0.9, seed: 5 });
  const c = tabular.randomMDP({ states: 7, actions: 3, gamma: 0.9, seed: 6 });
  assert.equal(a.nS, 7);
  assert.equal(a.nA, 3);
  assert.equal(a.gamma, 0.9);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.R, c.R);
  for (let s = 0; s < 7; s++) {
    for (let x = 0; x < 3; x++) {
      assert.ok(a.P[s]![x] instanceof Float64Array && a.P[s]![x]!.length === 7);
      close(
        a.P[s]![x]!.reduce((p, q) => p + q, 0),
        1,
        1e-12,
      );
      assert.ok(a.P[s]![x]!.filter((p) => p > 0).length <= 4);
      assert.ok(a.R[s]![x]! > 0 && a.R[s]![x]! <= 1);
    }
  }
  close(
    a.p0.reduce((p, q) => p + q, 0),
    1,
    1e-12,
  );
  assert.doesNotThrow(() => tabular.validateMDP(a));
});

test("solveLinear: LU with partial pivoting solves random systems and needs pivoting for [[0,1],[1,0]]", () => {
  const rng = new Rng(8);
  for (let c = 0; c < 50; c++) {
    const n = 1 + rng.int(12);
    const A = Array.from({ length: n }, () => Float64Array.from({ length: n }, () => rng.normal()));
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const b = A.map((row) => row.reduce((s, v, j) => s + v * x[j]!, 0));
    const y = tabular.solveLinear(A, b);
    for (let i = 0; i < n; i++) close(y[i]!, x[i]!, 1e-8 * (1 + Math.abs(x[i]!)));
  }
  assert.deepEqual(
    Array.from(
      tabular.solveLinear(
        [
          [0, 1],
          [1, 0],
        ],
        [2, 3],
      ),
    ),
    [3, 2],
  );
  assert.throws(
    () =>
      tabular.solveLinear(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    /singular/,
  );
  assert.throws(
    () =>
      tabular.solveLinear(
        [
          [1, 2],
          [2, 4],
        ],
        [1],
      ),
    /expected b of length 2, got 1/,
  );
});

test("evaluatePolicy: the linear solve agrees with iterative evaluation; J = Σ p0 V = Eq. 1", () => {
  const rng = new Rng(9);
  for (let c = 0; c < 20; c++) {
    const mdp = tabular.randomMDP({
      states: 2 + rng.int(10),
      actions: 1 + rng.int(4),
      gamma: [0, 0.5, 0.9][c % 3]!,
      seed: 100 + c,
    });
    const pi = randPolicy(rng, mdp.nS, mdp.nA);
    const { Q, V, J } = tabular.evaluatePolicy(mdp, pi);
    let Qi = mdp.R.map((r) => Float64Array.from(r));
    for (let k = 0; k < 400; k++) Qi = tabular.bellmanExpectation(mdp, Qi, pi);
    for (let s = 0; s < mdp.nS; s++) {
      let v = 0;
      for (let a = 0; a < mdp.nA; a++) {
        close(Q[s]![a]!, Qi[s]![a]!, 1e-9 * (1 + Math.abs(Qi[s]![a]!)));
        v += pi[s]![a]! * Q[s]![a]!;
      }
      close(V[s]!, v, 1e-12 * (1 + Math.abs(v)));
    }
    close(J, objectiveJ(Q, pi, mdp.p0), 1e-12 * (1 + Math.abs(J)));
    close(tabular.policyReturn(mdp, pi), J, 0);
  }
});

test("valueIteration: Q* satisfies the Bellman optimality equation, dominates random policies, equals policy iteration", () => {
  const rng = new Rng(10);
  for (let c = 0; c < 15; c++) {
    const gamma = [0, 0.5, 0.9, 0.99][c % 4]!;
    const mdp = tabular.randomMDP({ states: 2 + rng.int(15), actions: 2 + rng.int(3), gamma, seed: 200 + c });
    const vi = tabular.valueIteration(mdp);
    const res = tabular.bellmanResidual(mdp, vi.Q);
    assert.ok(res < 1e-24 * (1 + vi.J ** 2), `residual ${res}`);
    const pi = tabular.policyIteration(mdp);
    close(pi.J, vi.J, 1e-12 * vi.J);
    close(tabular.evaluatePolicy(mdp, vi.policy).J, vi.J, 1e-12 * vi.J);
    for (let k = 0; k < 5; k++) assert.ok(tabular.policyReturn(mdp, randPolicy(rng, mdp.nS, mdp.nA)) <= vi.J + 1e-12);
  }
});

test("stateVisitation sums to 1 and matches the truncated series (1−γ) Σ γ^t p0 P^t", () => {
  const rng = new Rng(11);
  const mdp = tabular.randomMDP({ states: 6, actions: 3, gamma: 0.8, seed: 3 });
  const pi = randPolicy(rng, 6, 3);
  const d = tabular.stateVisitation(mdp, pi);
  close(
    d.reduce((a, b) => a + b, 0),
    1,
    1e-12,
  );
  const { Ppi } = tabular.policyDynamics(mdp, pi);
  let pt = Float64Array.from(mdp.p0);
  const series = new Float64Array(6);
  for (let t = 0, g = 1; t < 300; t++, g *= 0.8) {
    for (let s = 0; s < 6; s++) series[s]! += 0.2 * g * pt[s]!;
    const next = new Float64Array(6);
    for (let s = 0; s < 6; s++) for (let u = 0; u < 6; u++) next[u]! += pt[s]! * Ppi[s]![u]!;
    pt = next;
  }
  for (let s = 0; s < 6; s++) close(d[s]!, series[s]!, 1e-12);
});

test("returnMoments: the risky action's return std is γ (win − lose) sqrt(p(1−p)); rollouts agree with Q^π", () => {
  const mdp = tabular.riskyMDP();
  const m = tabular.returnMoments(mdp, tabular.uniformPolicy(mdp));
  close(m.std[0]![1]!, 0.9 * (10 - 0.1) * Math.sqrt(0.1 * 0.9), 1e-9);
  close(m.std[0]![0]!, 0, 1e-7);
  const rng = new Rng(12);
  let g = 0;
  const n = 4000;
  for (let i = 0; i < n; i++)
    g += tabular.rollout(mdp, tabular.uniformPolicy(mdp), {
      steps: 200,
      rng,
      start: 0,
      firstAction: 1,
    }).discountedReturn;
  close(g / n, m.Q[0]![1]!, 4 * (m.std[0]![1]! / Math.sqrt(n)));
});

test("shiftRewards: J and Q shift by c/(1−γ), the optimal policy and the action-posterior do not change", () => {
  const mdp = tabular.randomMDP({ states: 5, actions: 3, gamma: 0.9, seed: 4, rewardLow: -1, rewardHigh: 1 });
  const shifted = tabular.shiftRewards(mdp);
  const c = 1 - tabular.minReward(mdp).value;
  close(tabular.minReward(shifted).value, 1, 1e-12);
  const a = tabular.valueIteration(mdp);
  const b = tabular.valueIteration(shifted);
  close(b.J, a.J + c / (1 - 0.9), 1e-9);
  assert.deepEqual(b.policy, a.policy);
  const pa = tabular.posteriorPolicy(a.Q, 0.3);
  const pb = tabular.posteriorPolicy(b.Q, 0.3);
  pa.forEach((row, s) => row.forEach((p, k) => close(pb[s]![k]!, p, 1e-9)));
  assert.equal(tabular.minReward(tabular.shiftRewards(shifted)).value, tabular.minReward(shifted).value);
  close(tabular.minReward(tabular.shiftRewards(mdp, 2.5)).value, tabular.minReward(mdp).value + 2.5, 1e-15);
});

test("chain and gridworld: structure, coordinates, and optimal behaviour", () => {
  const chain = tabular.chainMDP({ length: 5, gamma: 0.95 });
  const cv = tabular.valueIteration(chain);
  assert.deepEqual(
    cv.policy.map((r) => r[0]),
    [1, 1, 1, 1, 1],
  ); // walk forward
  const myopic = tabular.valueIteration(tabular.chainMDP({ length: 5, gamma: 0.1 }));
  assert.equal(myopic.policy[0]![1], 1); // short-sighted: take the small reward
  const g = tabular.gridworldMDP();
  assert.equal(g.nS, 13);
  assert.equal(g.nA, 4);
  assert.deepEqual(g.cells[g.start], { x: 0, y: 0 });
  assert.deepEqual(g.cells[g.goal], { x: 3, y: 3 });
  assert.equal(g.stateAt(1, 1), -1); // wall
  assert.equal(g.walls.length, 3);
  g.cells.forEach(({ x, y }, s) => assert.equal(g.stateAt(x, y), s));
  // greedy path from S reaches G
  const vi = tabular.valueIteration(g);
  let s = g.start;
  for (let k = 0; k < 20 && s !== g.goal; k++) {
    const a = vi.policy[s]!.indexOf(1);
    const m = g.moves[a]!;
    const t = g.stateAt(g.cells[s]!.x + m.dx, g.cells[s]!.y + m.dy);
    assert.ok(t >= 0, "the optimal policy never walks into a wall");
    s = t;
  }
  assert.equal(s, g.goal);
});

test("tabular validation: errors name the argument and the bad value", () => {
  assert.throws(
    () => tabular.randomMDP({ states: 3, actions: 2, gamma: 1, seed: 0 }),
    /gamma must be in \[0, 1\), got 1/,
  );
  assert.throws(
    () => tabular.randomMDP({ states: 3, actions: 2, gamma: -0.1, seed: 0 }),
    /gamma must be in \[0, 1\), got -0.1/,
  );
  assert.throws(
    () => tabular.randomMDP({ states: 0, actions: 2, gamma: 0.5, seed: 0 }),
    /states must be an integer >= 1, got 0/,
  );
  const P = [
    [
      [0.5, 0.5],
      [1, 0],
    ],
    [
      [0, 1],
      [0.25, 0.5],
    ],
  ];
  assert.throws(
    () =>
      tabular.makeMDP({
        P,
        R: [
          [1, 1],
          [1, 1],
        ],
        gamma: 0.9,
        p0: [1, 0],
      }),
    /mdp.P\[1\]\[1\] must sum to 1 \(tol 1e-9\), got 0.75/,
  );
  const Pneg = [
    [
      [1.5, -0.5],
      [1, 0],
    ],
    [
      [0, 1],
      [0.4, 0.6],
    ],
  ];
  assert.throws(
    () =>
      tabular.makeMDP({
        P: Pneg,
        R: [
          [1, 1],
          [1, 1],
        ],
        gamma: 0.9,
        p0: [1, 0],
      }),
    /mdp.P\[0\]\[0\]\[1\] must be non-negative, got -0.5/,
  );
  const ok = [
    [
      [0.5, 0.5],
      [1, 0],
    ],
    [
      [0, 1],
      [0.4, 0.6],
    ],
  ];
  assert.throws(
    () => tabular.makeMDP({ P: ok, R: [[1, 1], [1]], gamma: 0.9, p0: [1, 0] }),
    /expected mdp.R\[1\] of length 2, got 1/,
  );
  assert.throws(
    () =>
      tabular.makeMDP({
        P: ok,
        R: [
          [1, 1],
          [1, NaN],
        ],
        gamma: 0.9,
        p0: [1, 0],
      }),
    /mdp.R\[1\]\[1\] must be finite, got NaN/,
  );
  assert.throws(
    () =>
      tabular.makeMDP({
        P: ok,
        R: [
          [1, 1],
          [1, 1],
        ],
        gamma: 0.9,
        p0: [0.7, 0],
      }),
    /mdp.p0 must sum to 1 \(tol 1e-9\), got 0.7/,
  );
  assert.throws(
    () =>
      tabular.makeMDP({
        P: ok,
        R: [
          [1, 1],
          [1, 1],
        ],
        gamma: 0.9,
        p0: [1, 0, 0],
      }),
    /expected mdp.p0 of length 2, got 3/,
  );
  assert.throws(
    () =>
      tabular.makeMDP({
        P: [
          [
            [1, 0],
            [1, 0],
          ],
          [[0, 1]],
        ],
        R: [
          [1, 1],
          [1, 1],
        ],
        gamma: 0.9,
        p0: [1, 0],
      }),
    /expected mdp.P\[1\] of length 2 \(actions\), got 1/,
  );
  const mdp = tabular.makeMDP({
    P: ok,
    R: [
      [1, 1],
      [1, 1],
    ],
    gamma: 0.9,
    p0: [1, 0],
  });
  assert.throws(
    () =>
      tabular.evaluatePolicy(mdp, [
        [0.5, 0.6],
        [1, 0],
      ]),
    /policy\[0\] must sum to 1 \(tol 1e-9\), got 1.1/,
  );
  assert.throws(() => tabular.evaluatePolicy(mdp, [[1, 0]]), /expected policy with 2 rows \(states\), got 1/);
  assert.throws(() => tabular.posteriorPolicy([[1, 2]], NaN), /beta must be a number >= 0, got NaN/);
  assert.throws(
    () =>
      tabular.bellmanOptimality(mdp, [
        [1, 2],
        [Infinity, 0],
      ]),
    /Q\[1\]\[0\] must be finite, got Infinity/,
  );
  assert.throws(
    () => tabular.gridworldMDP({ layout: ["S.", ".X"] }),
    /layout\[1\] may only contain S, G, # and \., got "\.X"/,
  );
  assert.throws(() => tabular.chainMDP({ slip: 1.5 }), /slip must be in \[0, 1\], got 1.5/);
});
