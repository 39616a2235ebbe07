import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/rng";
import { continuousActionPosterior } from "../../src/model";

// erf by its Maclaurin series (accurate to ~1e-13 for |x| ≤ 3, enough here)
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const Phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
const close = (a: number, b: number, tol: number, msg = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${msg} expected ${b}, got ${a} (|diff| = ${Math.abs(a - b)})`);

test("continuous action-posterior of a quadratic Q is a truncated Gaussian (normaliser, mean, variance)", () => {
  const rng = new Rng(11);
  for (let c = 0; c < 40; c++) {
    const mu = rng.uniformRange(-0.5, 0.5);
    const k = rng.uniformRange(0.5, 2);
    const beta = rng.uniformRange(0.2, 1);
    const offset = c % 4 === 0 ? 1e6 : rng.uniformRange(0, 10); // Q/β ≥ 1e6: the log-space path must not overflow
    const low = -1;
    const high = 1;
    const sigma = Math.sqrt(beta / k);
    const post = continuousActionPosterior((a) => offset - 0.5 * k * (a - mu) ** 2, beta, { low, high, points: 801 });
    const al = (low - mu) / sigma;
    const bl = (high - mu) / sigma;
    assert.ok(Math.abs(al) < 5 && Math.abs(bl) < 5); // where the erf series is accurate
    const Z = Phi(bl) - Phi(al);
    const logZ = offset / beta + Math.log(sigma * Math.sqrt(2 * Math.PI) * Z);
    const mean = mu + (sigma * (phi(al) - phi(bl))) / Z;
    const variance = sigma * sigma * (1 + (al * phi(al) - bl * phi(bl)) / Z - ((phi(al) - phi(bl)) / Z) ** 2);
    close(post.logNormaliser, logZ, 1e-9 * Math.max(1, Math.abs(logZ)), `case ${c} logZ`);
    close(post.mean, mean, 1e-8, `case ${c} mean`);
    close(post.variance, variance, 1e-8, `case ${c} variance`);
    let total = 0;
    for (let i = 0; i < post.grid.length; i++) total += post.weights[i]! * post.density[i]!;
    close(total, 1, 1e-12, "normalised");
    assert.ok(post.density.every(Number.isFinite));
    const a = 0.3;
    close(post.densityAt(a), Math.exp(-0.5 * ((a - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI) * Z), 1e-8);
    assert.equal(post.densityAt(1.5), 0);
  }
});

test("continuous action-posterior: β = ∞ is uniform, samples follow the density", () => {
  const u = continuousActionPosterior((a) => Math.sin(a), Infinity, { low: -2, high: 2, points: 5 });
  for (const p of u.density) close(p, 0.25, 1e-15);
  close(u.logNormaliser, Math.log(4), 1e-15);
  const post = continuousActionPosterior((a) => -2 * (a - 0.25) ** 2, 0.5, { low: -1, high: 1 });
  const rng = new Rng(3);
  const n = 20000;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = post.sample(rng);
    assert.ok(x >= -1 && x <= 1);
    s += x;
  }
  close(s / n, post.mean, 4 * Math.sqrt(post.variance / n) + 1e-3);
});

test("continuous action-posterior validation names the argument", () => {
  assert.throws(() => continuousActionPosterior((a) => a, 0, { low: 0, high: 1 }), /beta must be > 0, got 0/);
  assert.throws(
    () => continuousActionPosterior((a) => a, NaN, { low: 0, high: 1 }),
    /beta must be a number >= 0, got NaN/,
  );
  assert.throws(
    () => continuousActionPosterior((a) => a, 1, { low: 1, high: 0 }),
    /high must be finite and > low \(1\), got 0/,
  );
  assert.throws(
    () => continuousActionPosterior((a) => a, 1, { low: 0, high: 1, points: 10 }),
    /points must be odd \(Simpson's rule\), got 10/,
  );
  assert.throws(
    () => continuousActionPosterior(() => NaN, 1, { low: 0, high: 1, points: 3 }),
    /q\(0\) must be finite, got NaN/,
  );
});
