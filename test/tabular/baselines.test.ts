import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/rng";
import * as tabular from "../../src/tabular";

const close = (a: number, b: number, tol: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${msg} expected ${b}, got ${a} (|diff| = ${Math.abs(a - b)}, tol ${tol})`);

/** Brute force over all length-T trajectories: Σ_τ 𝒯(R(τ)) p(τ) and the posterior's state-action counts. */
function enumerate(mdp: tabular.TabularMDP, pi: Float64Array[], T: number, transform: (R: number) => number) {
  const { nS, nA, gamma } = mdp;
  const counts = Array.from({ length: nS }, () => new Float64Array(nA));
  let Z = 0;
  const rec = (t: number, s: number, p: number, R: number, visits: [number, number][]) => {
    if (t === T) {
      const w = transform(R) * p;
      Z += w;
      for (const [vs, va] of visits) counts[vs]![va]! += w;
      return;
    }
    for (let a = 0; a < nA; a++) {
      const pa = pi[s]![a]!;
      if (pa === 0) continue;
      for (let sp = 0; sp < nS; sp++) {
        const ps = mdp.P[s]![a]![sp]!;
        if (ps === 0) continue;
        rec(t + 1, sp, p * pa * ps, R + gamma ** t * mdp.R[s]![a]!, [...visits, [s, a]]);
      }
    }
  };
  for (let s = 0; s < nS; s++) if (mdp.p0[s]! > 0) rec(0, s, mdp.p0[s]!, 0, []);
  return { Z, counts };
}

test("pseudo-likelihood EM: exact forward–backward matches brute-force enumeration (exp and linear 𝒯)", () => {
  const rng = new Rng(31);
  for (let c = 0; c < 6; c++) {
    const mdp = tabular.randomMDP({ states: 3, actions: 2, gamma: 0.8, seed: 300 + c, branching: 2 });
    const pi = Array.from({ length: 3 }, () => {
      const u = rng.uniformRange(0.1, 0.9);
      return Float64Array.of(u, 1 - u);
    });
    const T = 4;
    for (const [transform, eta] of [
      ["exp", 0.7],
      ["linear", 1],
    ] as const) {
      const f = transform === "exp" ? (R: number) => Math.exp(R / eta) : (R: number) => R;
      const bf = enumerate(mdp, pi, T, f);
      const r0 = tabular.pseudoLikelihoodEM(mdp, { iterations: 0, transform, eta, horizon: T, initialPolicy: pi });
      close(r0.logPseudoLikelihood, Math.log(bf.Z), 1e-12, `${transform} log Z`);
      const r1 = tabular.pseudoLikelihoodEM(mdp, { iterations: 1, transform, eta, horizon: T, initialPolicy: pi });
      for (let s = 0; s < 3; s++) {
        const tot = bf.counts[s]![0]! + bf.counts[s]![1]!;
        if (tot === 0) continue;
        for (let a = 0; a < 2; a++)
          close(r1.policy[s]![a]!, bf.counts[s]![a]! / tot, 1e-12, `${transform} π(${a}|${s})`);
      }
      close(r1.trace[0]!.logPseudoLikelihood, Math.log(bf.Z), 1e-12);
    }
  }
});

test("pseudo-likelihood EM increases its own objective log E[𝒯(R)] every iteration", () => {
  const mdp = tabular.randomMDP({ states: 6, actions: 3, gamma: 0.9, seed: 5 });
  for (const transform of ["exp", "linear"] as const) {
    const r = tabular.pseudoLikelihoodEM(mdp, { iterations: 30, transform, horizon: 40 });
    for (let k = 1; k < r.trace.length; k++) {
      assert.ok(
        r.trace[k]!.logPseudoLikelihood >= r.trace[k - 1]!.logPseudoLikelihood - 1e-12,
        `${transform} iteration ${k}`,
      );
    }
  }
});

test("soft value iteration (MERLIN): satisfies the soft Bellman equation, and c → 0 recovers J*", () => {
  const mdp = tabular.randomMDP({ states: 7, actions: 3, gamma: 0.9, seed: 8 });
  for (const backup of ["expected", "optimistic"] as const) {
    const c = 0.5;
    const sv = tabular.softValueIteration(mdp, { temperature: c, backup });
    for (let s = 0; s < mdp.nS; s++) {
      const lse = c * Math.log(sv.Q[s]!.reduce((acc, q) => acc + Math.exp(q / c), 0));
      close(sv.V[s]!, lse, 1e-9);
      let z = 0;
      for (let a = 0; a < mdp.nA; a++) {
        let back = 0;
        if (backup === "expected") {
          for (let t = 0; t < mdp.nS; t++) back += mdp.P[s]![a]![t]! * sv.V[t]!;
          back *= mdp.gamma;
        } else {
          let e = 0;
          for (let t = 0; t < mdp.nS; t++) e += mdp.P[s]![a]![t]! * Math.exp((mdp.gamma * sv.V[t]!) / c);
          back = c * Math.log(e);
        }
        close(sv.Q[s]![a]!, mdp.R[s]![a]! + back, 1e-9, `${backup} Q(${s},${a})`);
        z += sv.policy[s]![a]!;
        close(sv.policy[s]![a]!, Math.exp((sv.Q[s]![a]! - sv.V[s]!) / c), 1e-12);
      }
      close(z, 1, 1e-12);
    }
  }
  const J = tabular.valueIteration(mdp).J;
  const cold = tabular.softValueIteration(mdp, { temperature: 1e-4 });
  close(cold.J, J, 1e-6 * J);
  assert.ok(tabular.softValueIteration(mdp, { temperature: 1 }).J < J);
});

test("risk-seeking (§2.4, §4.3): pseudo-likelihood EM picks the risky action with the lower expected return; VIREL's EM is optimal", () => {
  const r = tabular.riskSeekingDemo();
  // the risky action: lower mean, higher variance
  assert.ok(r.expectedReturn.risky < r.expectedReturn.safe - 0.5);
  assert.ok(r.returnStd.risky > 2 && r.returnStd.safe < 1e-6);
  close(r.optimal.J, r.expectedReturn.safe, 1e-12);
  assert.equal(r.optimal.pRisky, 0);
  // VIREL: the optimum
  close(r.virel.J, r.optimal.J, 1e-9);
  assert.ok(r.virel.pRisky < 1e-9);
  // pseudo-likelihood with the exp transform: risk-seeking
  assert.ok(r.pseudoLikelihood.pRisky > 0.99, `pRisky ${r.pseudoLikelihood.pRisky}`);
  assert.ok(r.pseudoLikelihood.J < r.optimal.J - 0.5);
  close(r.pseudoLikelihood.J, r.expectedReturn.risky, 0.01);
  // the linear transform (Dayan & Hinton) maximises E[R] and is not risk-seeking
  assert.ok(r.pseudoLikelihoodLinear.pRisky < 1e-6);
  // MERLIN: the variational soft backup is soft but prefers safe; the exact-posterior backup is risk-seeking
  assert.ok(r.softValue.pRisky > 0.05 && r.softValue.pRisky < 0.5);
  assert.ok(r.softValueOptimistic.pRisky > 0.9);
  // a gentler exp transform (large η) is close to linear and no longer risk-seeking
  assert.ok(tabular.riskSeekingDemo({ eta: 10 }).pseudoLikelihood.pRisky < 0.01);
});

test("baseline validation names the option and value", () => {
  const mdp = tabular.riskyMDP();
  assert.throws(() => tabular.pseudoLikelihoodEM(mdp, { eta: 0 }), /pseudoLikelihoodEM: eta .*>0.*, got 0/);
  assert.throws(() => tabular.pseudoLikelihoodEM(mdp, { transform: "log" as never }), /transform .*, got "log"/);
  assert.throws(
    () => tabular.pseudoLikelihoodEM(mdp, { initialPolicy: [[1, 0]] }),
    /expected initialPolicy with 5 rows \(states\), got 1/,
  );
  const neg = tabular.randomMDP({ states: 3, actions: 2, gamma: 0.5, seed: 0, rewardLow: -1 });
  assert.throws(() => tabular.pseudoLikelihoodEM(neg, { transform: "linear" }), /linear transform needs rewards >= 0/);
  assert.throws(
    () => tabular.softValueIteration(mdp, { temperature: -1 }),
    /softValueIteration: temperature .*, got -1/,
  );
  assert.throws(() => tabular.riskSeekingDemo({ pWin: 2 }), /pWin must be in \[0, 1\], got 2/);
});

test("softPolicyEvaluation: closed form on a one-state MDP, soft VI's fixed point, c → 0 limit, MERLIN's reward form", () => {
  // One state with a self-loop, two actions: V = (Σ_a π_a r_a + c H(π)) / (1 − γ), Q_a = r_a + γ V.
  const gamma = 0.9;
  const one = tabular.makeMDP({ P: [[[1], [1]]], R: [[1, 0.25]], gamma, p0: [1] });
  for (const [p, c] of [
    [0.3, 1],
    [0.8, 0.5],
    [1, 2],
  ] as const) {
    const H = -(p > 0 ? p * Math.log(p) : 0) - (p < 1 ? (1 - p) * Math.log(1 - p) : 0);
    const V = (p * 1 + (1 - p) * 0.25 + c * H) / (1 - gamma);
    const r = tabular.softPolicyEvaluation(one, [[p, 1 - p]], { temperature: c });
    close(r.V[0]!, V, 1e-12, `V (p ${p}, c ${c})`);
    close(r.Q[0]![0]!, 1 + gamma * V, 1e-12, "Q(a0)");
    close(r.Q[0]![1]!, 0.25 + gamma * V, 1e-12, "Q(a1)");
    close(r.J, V, 1e-12, "J");
  }
  const rng = new Rng(8);
  for (let k = 0; k < 5; k++) {
    const mdp = tabular.randomMDP({ states: 5, actions: 3, gamma: 0.85, seed: 40 + k });
    // the policy of soft value iteration is the fixed point of its own soft evaluation (c = 1 and c = 0.3)
    for (const c of [1, 0.3]) {
      const sv = tabular.softValueIteration(mdp, { temperature: c });
      const ev = tabular.softPolicyEvaluation(mdp, sv.policy, { temperature: c });
      for (let s = 0; s < 5; s++) {
        close(ev.V[s]!, sv.V[s]!, 1e-9 * (1 + Math.abs(sv.V[s]!)), `V_soft(${s})`);
        for (let a = 0; a < 3; a++)
          close(ev.Q[s]![a]!, sv.Q[s]![a]!, 1e-9 * (1 + Math.abs(sv.Q[s]![a]!)), `Q_soft(${s},${a})`);
      }
    }
    // a random policy: MERLIN's reward form r − c log π evaluated by ordinary policy evaluation, with c log π added back
    const pi = Array.from({ length: 5 }, () => {
      const w = [rng.uniform() + 0.05, rng.uniform() + 0.05, rng.uniform() + 0.05];
      const z = w[0]! + w[1]! + w[2]!;
      return Float64Array.from(w, (x) => x / z);
    });
    const c = 0.7;
    const aug = tabular.makeMDP({
      ...mdp,
      R: mdp.R.map((row, s) => Array.from(row, (x, a) => x - c * Math.log(pi[s]![a]!))),
    });
    const ref = tabular.evaluatePolicy(aug, pi);
    const ev = tabular.softPolicyEvaluation(mdp, pi, { temperature: c });
    close(ev.J, ref.J, 1e-10, "J_soft");
    for (let s = 0; s < 5; s++)
      for (let a = 0; a < 3; a++) close(ev.Q[s]![a]!, ref.Q[s]![a]! + c * Math.log(pi[s]![a]!), 1e-10, `Q(${s},${a})`);
    // c → 0: ordinary policy evaluation
    const hard = tabular.evaluatePolicy(mdp, pi);
    close(tabular.softPolicyEvaluation(mdp, pi, { temperature: 1e-12 }).J, hard.J, 1e-9, "c → 0");
  }
  assert.throws(
    () => tabular.softPolicyEvaluation(one, [[0.5, 0.5]], { temperature: 0 }),
    /softPolicyEvaluation: temperature .*got 0/,
  );
  assert.throws(() => tabular.softPolicyEvaluation(one, [[0.5, 0.6]]), /policy\[0\]/);
});
