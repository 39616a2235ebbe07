// The report's final-return column: one seed has no spread, so it says n=1 instead of "± 0.0".
import { it } from "node:test";
import assert from "node:assert/strict";
import { renderReport, type CurveGroup } from "../../src/report";

const group = (finals: number[]): CurveGroup => ({
  env: "Pendulum-v1",
  algo: "virel1",
  seeds: finals.map((_, i) => i),
  steps: [1000],
  mean: [finals.reduce((a, b) => a + b, 0) / finals.length],
  std: [0],
  n: [finals.length],
  finals,
});

it("one seed: the mean with (n=1, no spread), never ± 0.0; two seeds: mean ± std", () => {
  const one = renderReport([group([-150.25])]);
  assert.ok(one.includes("<td>-150.3 (n=1, no spread)</td>"), "n=1 cell");
  assert.ok(!one.includes("± 0.0"));
  const two = renderReport([group([-100, -200])]);
  // population or sample std: both give a non-zero spread; check the exact text the report's meanStd gives
  assert.match(two, /<td>-150\.0 ± (50\.0|70\.7)<\/td>/);
});
