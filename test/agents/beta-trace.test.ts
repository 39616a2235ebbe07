// The committed β trace (results/beta-trace/, written by bench/beta-trace.ts) is what docs/speed.md and
// docs/algorithms.md quote: its statistics are recomputed here from the trace itself, and the claims made from
// it are asserted — betaSource "minibatch" has the mean of beta.py's 4096-sample estimate and moves less from
// step to step.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { versus, mean } from "../../bench/beta-trace-stats";
import type { TracePoint } from "../../bench/beta-trace-stats";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const FILE = path.join(ROOT, "results", "beta-trace", "pendulum-v1-virel1-seed0.json");

interface Trace {
  env: string;
  steps: number;
  window_size: number;
  batchSize: number;
  betaBatch: number;
  traced: number;
  replay_mean: number;
  window: ReturnType<typeof versus>;
  single_minibatch: ReturnType<typeof versus>;
  trace: TracePoint[];
}

test("the committed β trace: its statistics are those of its points, and the minibatch window tracks beta.py's estimate", () => {
  const t = JSON.parse(fs.readFileSync(FILE, "utf8")) as Trace;
  assert.equal(t.env, "Pendulum-v1");
  assert.equal(t.window_size, Math.ceil(t.betaBatch / t.batchSize));
  assert.equal(t.trace.length, t.traced);
  assert.ok(t.traced > 1000, `${t.traced} traced steps`);
  // steps strictly increasing, every β positive and finite
  for (let i = 0; i < t.trace.length; i++) {
    const p = t.trace[i]!;
    for (const v of [p.window, p.replay, p.single]) assert.ok(Number.isFinite(v) && v > 0, `step ${p.step}: ${v}`);
    if (i > 0) assert.ok(p.step > t.trace[i - 1]!.step);
  }
  const replay = t.trace.map((p) => p.replay);
  const w = versus(
    t.trace.map((p) => p.window),
    replay,
  );
  const s = versus(
    t.trace.map((p) => p.single),
    replay,
  );
  // the recorded statistics are the trace's (points were rounded to 6 decimals when committed)
  assert.ok(Math.abs(mean(replay) - t.replay_mean) <= 1e-5 * t.replay_mean);
  for (const [got, rec] of [
    [w, t.window],
    [s, t.single_minibatch],
  ] as const) {
    for (const k of Object.keys(rec) as (keyof typeof rec)[])
      assert.ok(Math.abs(got[k] - rec[k]) <= 1e-3 * Math.max(1e-3, Math.abs(rec[k])), `${k}: ${got[k]} vs ${rec[k]}`);
  }
  // the claims: the same mean as beta.py's estimate within 2 %, and a smoother trace (step-to-step Δlog β)
  assert.ok(Math.abs(w.mean_ratio - 1) < 0.02, `mean ratio ${w.mean_ratio}`);
  assert.ok(w.jitter < 0.25 * w.jitter_replay, `jitter ${w.jitter} vs beta.py's ${w.jitter_replay}`);
});
