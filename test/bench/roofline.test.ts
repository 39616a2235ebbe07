// The roofline of `virel bench` (src/cli/bench-roofline.ts): the SAC-v1 update's FLOP count against a count
// written out product by product (the paper's shapes: 0.612 GFLOP, the "0.61 GFLOP"), the roofline
// arithmetic, bad shapes refused with the field named, and the sgemm peak measured when the addon is built.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mlpMacs, roofline, sacV1UpdateFlops, measureSgemmPeak, rooflineLine } from "../../src/cli/bench-roofline";

/** Every matrix product of one SAC-v1 update at widths 2×H, listed as [m, n, k] (FLOPs 2mnk), by hand. */
function products(O: number, A: number, H: number, B: number): Array<[number, number, number]> {
  const fwd = (d0: number, out: number): Array<[number, number, number]> => [
    [B, H, d0],
    [B, H, H],
    [B, out, H],
  ];
  const wGrads = (d0: number, out: number): Array<[number, number, number]> => [
    [d0, H, B],
    [H, H, B],
    [H, out, B],
  ]; // hᵀg
  const xGrads = (d0: number, out: number, first: boolean): Array<[number, number, number]> => [
    [B, H, out],
    [B, H, H],
    ...(first ? [[B, d0, H] as [number, number, number]] : []),
  ]; // g Wᵀ
  return [
    ...fwd(O, 2 * A), // π(s)
    ...fwd(O + A, 1),
    ...fwd(O + A, 1), // Q1, Q2 at (s, ã)
    ...fwd(O, 1),
    ...fwd(O, 1), // V(s), V̄(s′)
    ...fwd(O + A, 1),
    ...fwd(O + A, 1), // Q1, Q2 at (s, a)
    ...wGrads(O, 1),
    ...xGrads(O, 1, false), // ∂φ
    ...wGrads(O + A, 1),
    ...xGrads(O + A, 1, false),
    ...wGrads(O + A, 1),
    ...xGrads(O + A, 1, false), // ∂Q1, ∂Q2
    ...xGrads(O + A, 1, true),
    ...xGrads(O + A, 1, true), // ∂Q̂/∂ã
    ...wGrads(O, 2 * A),
    ...xGrads(O, 2 * A, false), // ∂θ
  ];
}

test("SAC-v1 update FLOPs: the formula equals the product-by-product count (paper shapes: 0.612 GFLOP)", () => {
  const paper = sacV1UpdateFlops({ obs: 17, act: 6, hidden: [256, 256], batch: 256 });
  const byHand = products(17, 6, 256, 256).reduce((s, [m, n, k]) => s + 2 * m * n * k, 0);
  assert.equal(paper, byHand);
  assert.equal(paper, 612_237_312); // 2 · 256 · 1 195 776 multiply-adds per row
  for (const [O, A, H, B] of [
    [3, 1, 64, 128],
    [11, 3, 32, 7],
  ] as const) {
    assert.equal(
      sacV1UpdateFlops({ obs: O, act: A, hidden: [H, H], batch: B }),
      products(O, A, H, B).reduce((s, [m, n, k]) => s + 2 * m * n * k, 0),
    );
  }
  assert.equal(mlpMacs([17, 256, 256, 12]), 17 * 256 + 256 * 256 + 256 * 12);
});

test("roofline arithmetic: achieved = FLOPs / time, fraction = achieved / peak, floor = FLOPs / peak", () => {
  const r = roofline({ obs: 17, act: 6, hidden: [256, 256], batch: 256 }, 10, 100);
  assert.equal(r.gflop_per_update, 0.6122);
  assert.equal(r.achieved_gflops, 61.22);
  assert.equal(r.roofline_fraction, 0.6122);
  assert.equal(r.floor_ms, 6.122);
  const none = roofline({ obs: 17, act: 6, hidden: [256, 256], batch: 256 }, 10, null);
  assert.equal(none.roofline_fraction, null);
  assert.match(rooflineLine("x", none, { error: "no addon" }), /peak not measured \(no addon\)/);
  assert.throws(
    () => roofline({ obs: 17, act: 6, hidden: [256], batch: 256 }, 0, 1),
    /ms must be a positive number, got 0/,
  );
  assert.throws(
    () => sacV1UpdateFlops({ obs: 0, act: 6, hidden: [256], batch: 256 }),
    /obs must be a positive integer, got 0/,
  );
  assert.throws(() => sacV1UpdateFlops({ obs: 17, act: 6, hidden: [], batch: 256 }), /hidden must be a non-empty list/);
});

test("the single-core sgemm peak is measured through the native addon (or the reason is given)", (t) => {
  const p = measureSgemmPeak(1);
  if ("error" in p) {
    t.skip(`native addon not available: ${p.error}`);
    return;
  }
  assert.equal(p.threads, 1);
  assert.ok(p.gflops > 0 && Number.isFinite(p.gflops));
  assert.equal(p.gflops, Math.max(p.bySize["256"]!, p.bySize["512"]!));
});
