import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/rng";
import {
  actionPosterior,
  logActionPosterior,
  logLikelihood,
  logJoint,
  logMarginalLikelihood,
  posterior,
  uniformPrior,
  p0UniformPrior,
  msbe,
  msbeTable,
  elbo,
  klPosterior,
  lmlDecomposition,
  elboGradient,
  elboSoftmax,
  objectiveJ,
  softmax,
  entropy,
} from "../../src/model";

function randTable(rng: Rng, nS: number, nA: number, lo = -5, hi = 5): Float64Array[] {
  return Array.from({ length: nS }, () => Float64Array.from({ length: nA }, () => rng.uniformRange(lo, hi)));
}
function randDist(rng: Rng, n: number): Float64Array {
  const x = Float64Array.from({ length: n }, () => -Math.log(1 - rng.uniform()));
  const s = x.reduce((a, b) => a + b, 0);
  return x.map((v) => v / s);
}
const close = (a: number, b: number, tol: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${msg} expected ${b}, got ${a} (|diff| = ${Math.abs(a - b)}, tol ${tol})`);

test("actionPosterior matches the closed form exp(Q/β)/Σ exp(Q/β) on 500 random cases", () => {
  const rng = new Rng(1);
  for (let c = 0; c < 500; c++) {
    const n = 1 + rng.int(8);
    const q = Float64Array.from({ length: n }, () => rng.uniformRange(-10, 10));
    const beta = Math.exp(rng.uniformRange(Math.log(0.5), Math.log(100))); // |Q/β| ≤ 20: naive form is safe
    const p = actionPosterior(q, beta);
    const e = Array.from(q, (x) => Math.exp(x / beta));
    const z = e.reduce((a, b) => a + b, 0);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      close(p[i]!, e[i]! / z, 1e-13, `case ${c} a=${i}`);
      close(logActionPosterior(q, beta)[i]!, Math.log(e[i]! / z), 1e-11);
      sum += p[i]!;
    }
    close(sum, 1, 1e-14);
    // invariant to adding a constant to Q(s,·)
    const shifted = actionPosterior(
      q.map((x) => x + 123.5),
      beta,
    );
    for (let i = 0; i < n; i++) close(shifted[i]!, p[i]!, 1e-12);
  }
});

test("Lemma 1 limits: β = 0 is greedy (uniform over ties), β = ∞ uniform, and small/large β approach them", () => {
  const rng = new Rng(2);
  for (let c = 0; c < 200; c++) {
    const n = 2 + rng.int(6);
    const q = Float64Array.from({ length: n }, () => Math.round(rng.uniformRange(-3, 3))); // integers: ties are common
    const m = Math.max(...q);
    const ties = q.filter((x) => x === m).length;
    const g = actionPosterior(q, 0);
    const u = actionPosterior(q, Infinity);
    const small = actionPosterior(q, 1e-3);
    const large = actionPosterior(q, 1e9);
    for (let i = 0; i < n; i++) {
      assert.equal(g[i], q[i] === m ? 1 / ties : 0);
      assert.equal(u[i], 1 / n);
      close(small[i]!, g[i]!, 1e-12);
      close(large[i]!, 1 / n, 1e-8);
    }
    const lg = logActionPosterior(q, 0);
    for (let i = 0; i < n; i++) assert.equal(lg[i], q[i] === m ? -Math.log(ties) : -Infinity);
  }
});

test("actionPosterior is stable at Q/β = 1e6 and beyond (no overflow, no NaN)", () => {
  const p = actionPosterior([1e6, 1e6 - 1, 0], 1);
  close(p[0]!, 1 / (1 + Math.exp(-1)), 1e-15);
  close(p[1]!, Math.exp(-1) / (1 + Math.exp(-1)), 1e-15);
  assert.equal(p[2], 0);
  const lp = logActionPosterior([1e6, 1e6 - 1, 0], 1);
  close(lp[0]!, -Math.log1p(Math.exp(-1)), 1e-12);
  close(lp[2]!, -1e6 - Math.log1p(Math.exp(-1)), 1e-6);
  for (const [q, beta] of [
    [[1e6, -1e6], 1],
    [[1, 2, 2], 1e-300],
    [[1e300, -1e300], 1e-10],
    [[5, 5, 5], 1e-320],
  ] as const) {
    const r = actionPosterior(q, beta);
    assert.ok(
      r.every((x) => Number.isFinite(x)),
      `finite for ${q} / ${beta}`,
    );
    close(
      r.reduce((a, b) => a + b, 0),
      1,
      1e-15,
    );
  }
  assert.deepEqual(Array.from(actionPosterior([1, 2, 2], 1e-300)), [0, 0.5, 0.5]);
  assert.deepEqual(Array.from(logLikelihood([1e6, -2e6], 1)), [1e6, -2e6]);
});

test("posterior over h: normalised, exp(Q/β)p(h)/Σ, and conditioning it on s gives the action-posterior (Lemma 1 proof)", () => {
  const rng = new Rng(3);
  for (let c = 0; c < 100; c++) {
    const nS = 1 + rng.int(5);
    const nA = 1 + rng.int(4);
    const Q = randTable(rng, nS, nA);
    const beta = Math.exp(rng.uniformRange(Math.log(0.5), Math.log(20)));
    const post = posterior(Q, beta);
    let z = 0;
    for (let s = 0; s < nS; s++) for (let a = 0; a < nA; a++) z += Math.exp(Q[s]![a]! / beta) / (nS * nA);
    close(logMarginalLikelihood(Q, beta), Math.log(z), 1e-12);
    let total = 0;
    for (let s = 0; s < nS; s++) {
      const rowSum = post[s]!.reduce((x, y) => x + y, 0);
      const ap = actionPosterior(Q[s]!, beta);
      for (let a = 0; a < nA; a++) {
        close(post[s]![a]!, Math.exp(Q[s]![a]! / beta) / (nS * nA) / z, 1e-12);
        close(post[s]![a]! / rowSum, ap[a]!, 1e-12);
        total += post[s]![a]!;
      }
    }
    close(total, 1, 1e-12);
    // joint = likelihood × prior
    const lj = logJoint(Q, beta);
    close(lj[0]![0]!, Q[0]![0]! / beta - Math.log(nS * nA), 1e-12);
  }
  // β = 0: the prior's mass on the maximisers; β = ∞: the prior
  const Q = [Float64Array.of(1, 3), Float64Array.of(3, 0)];
  const prior = [Float64Array.of(0.1, 0.2), Float64Array.of(0.6, 0.1)];
  const p0 = posterior(Q, 0, prior);
  close(p0[0]![1]!, 0.25, 1e-15);
  close(p0[1]![0]!, 0.75, 1e-15);
  assert.deepEqual(
    posterior(Q, Infinity, prior).map((r) => Array.from(r)),
    prior.map((r) => Array.from(r)),
  );
});

test("Eq. 3: LML = ELBO + KL to 1e-9 on 400 random problems (both priors), KL ≥ 0, and KL = 0 at the true posterior", () => {
  const rng = new Rng(4);
  for (let c = 0; c < 400; c++) {
    const nS = 1 + rng.int(6);
    const nA = 1 + rng.int(5);
    const Q = randTable(rng, nS, nA, 0, 20);
    const beta = Math.exp(rng.uniformRange(Math.log(1e-3), Math.log(1e3)));
    const pi = Array.from({ length: nS }, () => randDist(rng, nA));
    const p0 = randDist(rng, nS);
    const prior = c % 2 === 0 ? undefined : p0UniformPrior(p0, nA);
    const d = lmlDecomposition(Q, beta, pi, p0, prior);
    assert.ok(d.kl >= 0, `KL ≥ 0, got ${d.kl}`);
    assert.ok(d.elbo <= d.lml + 1e-9 * Math.max(1, Math.abs(d.lml)), "ELBO is a lower bound");
    assert.ok(Math.abs(d.gap) <= 1e-9 * Math.max(1, Math.abs(d.lml)), `case ${c}: gap ${d.gap} (lml ${d.lml})`);
    close(d.elbo, elbo(Q, beta, pi, p0, prior), 0);
    close(d.kl, klPosterior(Q, beta, pi, p0, prior), 0);
    // Eq. 4 term by term: E_q[Q]/β + H(q) + E_q[log p(h)]
    let eq = 0;
    let hq = 0;
    let elp = 0;
    const pr = prior ?? uniformPrior(nS, nA);
    for (let s = 0; s < nS; s++) {
      for (let a = 0; a < nA; a++) {
        const qh = p0[s]! * pi[s]![a]!;
        eq += qh * Q[s]![a]!;
        if (qh > 0) hq -= qh * Math.log(qh);
        if (qh > 0) elp += qh * Math.log(pr[s]![a]!);
      }
    }
    close(d.elbo, eq / beta + hq + elp, 1e-9 * Math.max(1, Math.abs(d.elbo)));
    close(objectiveJ(Q, pi, p0), eq, 1e-12 * Math.max(1, eq));
  }
  // q = posterior: p0 = p(s|O) (Eq. 7) and π = the action-posterior → KL = 0, ELBO = LML
  const Q = randTable(rng, 4, 3, 0, 5);
  const beta = 0.7;
  const post = posterior(Q, beta);
  const ps = Float64Array.from(post, (r) => r.reduce((x, y) => x + y, 0));
  const pi = Q.map((r) => actionPosterior(r, beta));
  const d = lmlDecomposition(Q, beta, pi, ps);
  close(d.kl, 0, 1e-12);
  close(d.elbo, d.lml, 1e-12);
});

test("Eq. 3 from three independent float64 hand computations: LML (plain sum over h), ELBO (Eq. 4), KL (definition)", () => {
  // Each term is checked on its own against a direct formula written here (no log-sum-exp, no shared code), so a
  // wrong LML, ELBO or KL fails this test even if the other two were changed to keep LML − ELBO − KL = 0.
  const rng = new Rng(41);
  let minKl = Infinity;
  for (let c = 0; c < 300; c++) {
    const nS = 1 + rng.int(5);
    const nA = 1 + rng.int(4);
    const Q = randTable(rng, nS, nA, 0, 10);
    const beta = Math.exp(rng.uniformRange(Math.log(0.5), Math.log(50))); // Q/β ≤ 20: exp does not overflow
    const pi = Array.from({ length: nS }, () => randDist(rng, nA));
    const p0 = randDist(rng, nS);
    const prior = c % 2 === 0 ? undefined : p0UniformPrior(p0, nA);
    const pr = prior ?? uniformPrior(nS, nA);
    let z = 0; // p(O;ω) = Σ_h exp(Q(h)/β) p(h)  (Eq. 2)
    for (let s = 0; s < nS; s++) for (let a = 0; a < nA; a++) z += Math.exp(Q[s]![a]! / beta) * pr[s]![a]!;
    let elboHand = 0;
    let klHand = 0;
    for (let s = 0; s < nS; s++) {
      for (let a = 0; a < nA; a++) {
        const qh = p0[s]! * pi[s]![a]!;
        if (qh === 0) continue;
        const post = (Math.exp(Q[s]![a]! / beta) * pr[s]![a]!) / z; // p(h|O;ω)
        elboHand += qh * (Q[s]![a]! / beta + Math.log(pr[s]![a]!) - Math.log(qh));
        klHand += qh * Math.log(qh / post);
      }
    }
    const d = lmlDecomposition(Q, beta, pi, p0, prior);
    const tol = 1e-10 * Math.max(1, Math.abs(Math.log(z)));
    close(d.lml, Math.log(z), tol, `case ${c} LML`);
    close(d.elbo, elboHand, tol, `case ${c} ELBO`);
    close(d.kl, klHand, tol, `case ${c} KL`);
    close(klPosterior(Q, beta, pi, p0, prior), klHand, tol, `case ${c} klPosterior`);
    if (nS * nA > 1) minKl = Math.min(minKl, d.kl);
  }
  assert.ok(minKl > 0, `KL > 0 away from the posterior, min ${minKl}`);
  // At the posterior the KL is round-off, returned as it is (no clamp): |KL| ≤ 1e-14, of either sign.
  const Q = [Float64Array.of(1, 2, 3), Float64Array.of(0.5, 4, 2)];
  const post = posterior(Q, 1.3);
  const ps = Float64Array.from(post, (r) => r.reduce((x, y) => x + y, 0));
  const pi = Q.map((r) => actionPosterior(r, 1.3));
  const kl = klPosterior(Q, 1.3, pi, ps);
  assert.ok(Math.abs(kl) <= 1e-14, `KL at the posterior ${kl}`);
  // a 2-point example by hand: q = (0.5, 0.5), posterior ∝ (e^0, e^1) (one state, uniform prior)
  const q2 = [Float64Array.of(0.5, 0.5)];
  const pPost = [1 / (1 + Math.E), Math.E / (1 + Math.E)];
  close(
    klPosterior([Float64Array.of(0, 1)], 1, q2, [1]),
    0.5 * Math.log(0.5 / pPost[0]!) + 0.5 * Math.log(0.5 / pPost[1]!),
    1e-15,
  );
});

test("Eq. 9: the exact ELBO gradient w.r.t. softmax logits matches central finite differences", () => {
  const rng = new Rng(5);
  for (let c = 0; c < 60; c++) {
    const nS = 1 + rng.int(4);
    const nA = 2 + rng.int(4);
    const Q = randTable(rng, nS, nA, 0, 10);
    const beta = Math.exp(rng.uniformRange(Math.log(0.2), Math.log(20)));
    const theta = randTable(rng, nS, nA, -2, 2);
    const p0 = randDist(rng, nS);
    const prior =
      c % 3 === 0
        ? p0UniformPrior(p0, nA)
        : c % 3 === 1
          ? undefined
          : [randDist(rng, nS * nA)].map((flat) =>
              Array.from({ length: nS }, (_, s) => flat.slice(s * nA, (s + 1) * nA)),
            )[0]!;
    const g = elboGradient(Q, beta, theta, p0, prior);
    const h = 1e-5;
    for (let s = 0; s < nS; s++) {
      for (let a = 0; a < nA; a++) {
        const tp = theta.map((r) => Float64Array.from(r));
        const tm = theta.map((r) => Float64Array.from(r));
        tp[s]![a]! += h;
        tm[s]![a]! -= h;
        const fd = (elboSoftmax(Q, beta, tp, p0, prior) - elboSoftmax(Q, beta, tm, p0, prior)) / (2 * h);
        close(g[s]![a]!, fd, 1e-6 * Math.max(1, Math.abs(fd)), `case ${c} (${s},${a})`);
      }
    }
    // Eq. 9 form: β∇ELBO = ∇E_q[Q] + β ∇H — check against finite differences of that objective
    const obj = (th: Float64Array[]) =>
      th.reduce((acc, row, s) => {
        const pi = softmax(row);
        let eq = 0;
        for (let a = 0; a < nA; a++) eq += pi[a]! * Q[s]![a]!;
        return acc + p0[s]! * (eq + beta * entropy(pi));
      }, 0);
    if (prior === undefined) {
      const tp = theta.map((r) => Float64Array.from(r));
      const tm = theta.map((r) => Float64Array.from(r));
      tp[0]![1]! += h;
      tm[0]![1]! -= h;
      close(beta * g[0]![1]!, (obj(tp) - obj(tm)) / (2 * h), 1e-6 * Math.max(1, Math.abs(beta * g[0]![1]!)));
    }
  }
});

test("ELBO gradient vanishes at the action-posterior (the E-step's fixed point)", () => {
  const rng = new Rng(6);
  const Q = randTable(rng, 3, 4, 0, 3);
  const beta = 0.8;
  const theta = Q.map((r) => r.map((x) => x / beta + 7)); // softmax(θ) = softmax(Q/β)
  const g = elboGradient(Q, beta, theta, randDist(rng, 3));
  for (const row of g) for (const x of row) close(x, 0, 1e-12);
});

test("msbe: E_{h∼d}[(Q_target − Q̂)²] with uniform and normalised weights; table form", () => {
  close(msbe([1, 2, 3], [2, 2, 5]), (1 + 0 + 4) / 3, 1e-15);
  close(msbe([1, 2, 3], [2, 2, 5], [0.5, 0.5, 0]), 0.5, 1e-15);
  close(msbe([1, 2, 3], [2, 2, 5], [1, 1, 0]), 0.5, 1e-15);
  close(msbe([1, 2, 3], [2, 2, 5], [0, 0, 3]), 4, 1e-15);
  close(
    msbeTable(
      [
        [1, 2],
        [3, 4],
      ],
      [
        [1, 2],
        [3, 6],
      ],
    ),
    1,
    1e-15,
  );
  close(
    msbeTable(
      [
        [1, 2],
        [3, 4],
      ],
      [
        [1, 2],
        [3, 6],
      ],
      [
        [1, 0],
        [0, 1],
      ],
    ),
    2,
    1e-15,
  );
  const rng = new Rng(7);
  for (let c = 0; c < 50; c++) {
    const n = 1 + rng.int(10);
    const a = Float64Array.from({ length: n }, () => rng.normal());
    assert.equal(msbe(a, a), 0);
    close(
      msbe(
        a,
        a.map((x) => x + 1),
      ),
      1,
      1e-14,
    );
  }
});

test("model validation: errors name the argument and the bad value", () => {
  assert.throws(() => actionPosterior([1, 2], -1), /beta must be >= 0, got -1/);
  assert.throws(() => actionPosterior([1, 2], NaN), /beta must be a number >= 0, got NaN/);
  assert.throws(() => actionPosterior([1, NaN], 1), /q\[1\] must be finite, got NaN/);
  assert.throws(() => actionPosterior([Infinity, 1], 1), /q\[0\] must be finite, got Infinity/);
  assert.throws(() => actionPosterior([], 1), /q must be non-empty/);
  assert.throws(() => logLikelihood([1], 0), /beta must be > 0, got 0/);
  assert.throws(() => msbe([1, 2], [1]), /expected qTarget of length 2, got 1/);
  assert.throws(() => msbe([1, 2], [1, 2], [1, -1]), /weights\[1\] must be non-negative, got -1/);
  assert.throws(() => msbe([1, 2], [1, 2], [0, 0]), /weights must have a positive sum, got 0/);
  const Q = [Float64Array.of(1, 2), Float64Array.of(3, 4)];
  assert.throws(
    () =>
      elbo(
        Q,
        1,
        [
          [0.5, 0.5],
          [0.5, 0.4],
        ],
        [0.5, 0.5],
      ),
    /policy\[1\] must sum to 1 \(tol 1e-9\), got 0.9/,
  );
  assert.throws(
    () =>
      elbo(
        Q,
        1,
        [
          [0.5, 0.5],
          [1.5, -0.5],
        ],
        [0.5, 0.5],
      ),
    /policy\[1\]\[1\] must be non-negative, got -0.5/,
  );
  assert.throws(
    () =>
      elbo(
        Q,
        1,
        [
          [0.5, 0.5],
          [0.5, 0.5],
        ],
        [0.5, 0.6],
      ),
    /p0 must sum to 1 \(tol 1e-9\), got 1.1/,
  );
  assert.throws(() => elbo(Q, 1, [[0.5, 0.5]], [0.5, 0.5]), /expected policy with 2 rows \(states\), got 1/);
  assert.throws(() => elbo(Q, 1, [[0.5, 0.5], [1]], [0.5, 0.5]), /expected policy\[1\] of length 2, got 1/);
  assert.throws(
    () =>
      elbo(
        Q,
        0,
        [
          [0.5, 0.5],
          [0.5, 0.5],
        ],
        [0.5, 0.5],
      ),
    /beta must be > 0, got 0/,
  );
  assert.throws(() => posterior([Float64Array.of(1, NaN)], 1), /Q\[0\]\[1\] must be finite, got NaN/);
  assert.throws(() => posterior(Q, -2), /beta must be >= 0, got -2/);
  assert.doesNotThrow(() =>
    elbo(
      Q,
      1,
      [
        [0.5, 0.5],
        [0.5, 0.5 + 5e-10],
      ],
      [0.5, 0.5],
    ),
  );
});
