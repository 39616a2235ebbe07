import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../src/rng";

test("same seed gives the same sequence; different seeds differ", () => {
  const a = new Rng(42),
    b = new Rng(42),
    c = new Rng(43);
  const xa = Array.from({ length: 10 }, () => a.uniform());
  const xb = Array.from({ length: 10 }, () => b.uniform());
  const xc = Array.from({ length: 10 }, () => c.uniform());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
});

test("uniform and normal moments match over 200k draws", () => {
  const r = new Rng(7);
  const n = 200_000;
  let s = 0,
    s2 = 0,
    m = 0,
    m2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    s += u;
    s2 += u * u;
    const z = r.normal();
    m += z;
    m2 += z * z;
  }
  assert.ok(Math.abs(s / n - 0.5) < 0.005);
  assert.ok(Math.abs(s2 / n - 1 / 3) < 0.005);
  assert.ok(Math.abs(m / n) < 0.01);
  assert.ok(Math.abs(m2 / n - 1) < 0.01);
});

test("int is unbiased over a small range and categorical follows p", () => {
  const r = new Rng(1);
  const counts = [0, 0, 0];
  for (let i = 0; i < 30_000; i++) counts[r.int(3)]!++;
  for (const c of counts) assert.ok(Math.abs(c / 30_000 - 1 / 3) < 0.015);
  const cat = [0, 0, 0];
  for (let i = 0; i < 30_000; i++) cat[r.categorical([0.2, 0, 0.8])]!++;
  assert.equal(cat[1], 0);
  assert.ok(Math.abs(cat[0]! / 30_000 - 0.2) < 0.015);
});

test("getState/setState resumes the exact sequence, including the cached normal", () => {
  const r = new Rng(5);
  r.normal(); // leaves a spare cached
  const st = JSON.parse(JSON.stringify(r.getState()));
  const ahead = [r.normal(), r.uniform(), r.normal()];
  const r2 = new Rng(0).setState(st);
  assert.deepEqual([r2.normal(), r2.uniform(), r2.normal()], ahead);
});

test("bad seeds and states are rejected with the value named", () => {
  assert.throws(() => new Rng(-1), /seed must be an integer.*-1/);
  assert.throws(() => new Rng(1.5), /seed.*1\.5/);
  assert.throws(() => new Rng(0).setState({ s: [1, 2, 3] as never, spare: null }), /rng state\.s/);
});

test("the draws are pinned: seed 2026 and seed 9 give these exact numbers and states (runs and checkpoints depend on them)", () => {
  // computed with the uint32-state implementation that every committed run used; the int32-state one must match
  const r = new Rng(2026);
  assert.deepEqual(
    Array.from({ length: 4 }, () => r.nextUint32()),
    [1436751614, 742089593, 1736781944, 1312845263],
  );
  assert.deepEqual(
    Array.from({ length: 3 }, () => r.uniform()),
    [0.6313242900194384, 0.2665680030849916, 0.7655087896793485],
  );
  assert.deepEqual(
    Array.from({ length: 3 }, () => r.normal()),
    [-0.1847688073382453, 0.43280171020797176, 0.1656924150965608],
  );
  assert.deepEqual(r.getState(), { s: [4136677292, 1988924171, 3315158220, 53846745], spare: -1.3696770964736267 });
  const r9 = new Rng(9);
  const every: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const z = r9.normal();
    if (i % 20_000 === 19_999) every.push(z);
  }
  assert.deepEqual(
    every,
    [-1.2874042350189483, -0.8932022952834432, -2.2878511415926988, -0.813477196299488, 1.301809639776064],
  );
  assert.deepEqual(r9.getState(), { s: [953388193, 1256252979, 2484160472, 4114029605], spare: null });
  // a restored state with a spare gives the spare first, then the same sequence
  const a = new Rng(0).setState({ s: [4136677292, 1988924171, 3315158220, 53846745], spare: -1.3696770964736267 });
  assert.equal(a.normal(), -1.3696770964736267);
});
