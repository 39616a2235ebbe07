// The benchmark machinery of `virel bench` (src/cli/bench.ts): what it measures, not how fast — kernel counts of
// the fast and the reference update, no leaks, the pure wasm child process, the training-time split.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as engine from "../../src/engine/backend";
import {
  timeTraining,
  timeUpdate,
  timeUpdatesAlternating,
  timeUpdatesInChild,
  minOf,
  medianOf,
} from "../../src/cli/bench";
import type { UpdateSpec } from "../../src/cli/bench";

before(async () => {
  await engine.ready(process.env.VIREL_BACKEND ?? "auto");
});

const SPEC: UpdateSpec = { algo: "virel1", hidden: 12, batch: 20, obs: 3, act: 2, update: "fast", beta: true };
const TIMING = { blocks: 2, perBlock: 2, warmup: 1 };

test("timeUpdate: the fast update runs ≥ 10× fewer engine kernels than the reference, both leak nothing", async () => {
  const fast = await timeUpdate(SPEC, TIMING);
  const ref = await timeUpdate({ ...SPEC, update: "reference" }, TIMING);
  for (const r of [fast, ref]) {
    assert.equal(r.leaked, 0);
    assert.equal(r.blocks.wall.length, 2);
    assert.ok(r.blocks.wall.every((x) => x > 0 && Number.isFinite(x)) && r.blocks.cpu.every((x) => x >= 0));
  }
  assert.ok(fast.kernels * 10 <= ref.kernels, `kernels per update: fast ${fast.kernels}, reference ${ref.kernels}`);
  assert.ok(fast.kernels > 0);
  const info = engine.currentBackend()!;
  assert.equal(fast.path, info.name !== "wasm" ? info.name : info.native?.loaded ? "native" : "wasm");
});

test("timeUpdate awaits beforeBlock before each block, outside the timed region (bench:peer's alternation)", async () => {
  const calls: number[] = [];
  const r = await timeUpdate(SPEC, {
    ...TIMING,
    blocks: 3,
    beforeBlock: async (b) => {
      calls.push(b);
      await new Promise((res) => setTimeout(res, 150)); // not counted in the block's time
    },
  });
  assert.deepEqual(calls, [0, 1, 2]);
  assert.equal(r.blocks.wall.length, 3);
  // a block of two tiny updates takes far less than the 150 ms waited before it
  assert.ok(
    r.blocks.wall.every((w) => w * TIMING.perBlock < 150),
    `block times ${r.blocks.wall.join(", ")} ms/update`,
  );
});

test("timeUpdatesInChild runs the pure wasm path in a child process (VIREL_NATIVE=0)", async () => {
  if (engine.currentBackend()!.name !== "wasm") return; // the pure wasm path exists on the wasm backend only
  const [r] = await timeUpdatesInChild([SPEC], TIMING, { VIREL_NATIVE: "0" });
  assert.ok(r !== undefined);
  assert.equal(r.path, "wasm");
  assert.equal(r.leaked, 0);
  assert.equal(r.update, "fast");
});

test("timeUpdatesAlternating: every spec gets its blocks (taken in turn), its own kernel count, no leaks; in a child too", async () => {
  const sac: UpdateSpec = { ...SPEC, algo: "sac-v1", beta: false };
  const rounds: number[] = [];
  const [v, s] = await timeUpdatesAlternating([SPEC, sac], {
    ...TIMING,
    blocks: 3,
    beforeBlock: (b) => void rounds.push(b),
  });
  assert.deepEqual(rounds, [0, 1, 2]); // once per round, not per spec
  assert.deepEqual(await timeUpdatesAlternating([], TIMING), []);
  for (const r of [v!, s!]) {
    assert.equal(r.blocks.wall.length, 3);
    assert.equal(r.leaked, 0);
    assert.ok(r.kernels > 0 && r.blocks.wall.every((x) => x > 0));
  }
  assert.equal(v!.algo, "virel1");
  assert.equal(s!.algo, "sac-v1");
  // the β refresh makes VIREL1's update more kernels than SAC-v1's: each result carries its own spec's count
  const alone = await timeUpdate(sac, TIMING);
  assert.equal(s!.kernels, alone.kernels);
  assert.ok(v!.kernels > s!.kernels, `kernels: virel1 ${v!.kernels}, sac-v1 ${s!.kernels}`);
  const child = await timeUpdatesInChild([SPEC, sac], TIMING, {}, true);
  assert.deepEqual(
    child.map((r) => [r.algo, r.blocks.wall.length, r.leaked]),
    [
      ["virel1", 2, 0],
      ["sac-v1", 2, 0],
    ],
  );
});

test("timeTraining splits a training step into its parts (Pendulum-v1, SAC)", async () => {
  const r = await timeTraining("Pendulum-v1", "sac", 8, true);
  assert.equal(r.steps, 8);
  const p = r.parts;
  for (const v of [p.envStep, p.replay, p.update, p.act]) assert.ok(v > 0, JSON.stringify(p));
  assert.equal(p.beta, 0); // SAC has no β estimate
  const sum = p.envStep + p.replay + p.beta + p.update + p.act + p.other;
  assert.ok(Math.abs(sum - r.msPerStep) < 1e-6 * r.msPerStep, `parts ${sum} vs ${r.msPerStep}`);
  assert.ok(Math.abs(r.stepsPerSec * r.msPerStep - 1000) < 1e-6);
});

test("block statistics", () => {
  assert.equal(minOf([3, 1, 2]), 1);
  assert.equal(medianOf([3, 1, 2]), 2);
  assert.equal(medianOf([4, 1, 3, 2]), 2.5);
});
