/**
 * The reference SAC update of bench/update-reference.ts trained on the native kernels and on the pure wasm path
 * from the same seed: the same parameters after several updates (bit-identical with and without the zero-copy
 * fast paths), and no tensor leaks per update.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { installNativeKernels, nativeCounters } from "../../src/engine/native";
import { makeReferenceUpdate } from "../../bench/update-reference";

const SHAPES = { obs: 5, act: 2, hidden: 24, batch: 16 };

before(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
});

function train(
  native: boolean,
  updates: number,
  fastPaths = true,
): { params: Float32Array[]; leaked: number; nativeCalls: number } {
  installNativeKernels({ native, fastPaths });
  const learner = makeReferenceUpdate(SHAPES, 3);
  const initial = learner.snapshot();
  learner.update();
  const tensors = tf.memory().numTensors;
  const calls = nativeCounters.native;
  for (let i = 1; i < updates; i++) learner.update();
  const leaked = tf.memory().numTensors - tensors;
  const params = learner.snapshot();
  assert.ok(
    params.some((p, i) => p.some((x, j) => x !== (initial[i] as Float32Array)[j])),
    "the update changes parameters",
  );
  learner.dispose();
  return { params, leaked, nativeCalls: nativeCounters.native - calls };
}

test("the reference update computes the same parameters on the native and the pure wasm path", () => {
  const nat = installNativeKernels().loaded;
  const a = train(true, 6);
  const b = train(false, 6);
  const c = train(false, 6, false);
  installNativeKernels();
  assert.deepEqual(c.params, b.params, "the zero-copy Identity/Cast change no number");
  assert.equal(a.leaked, 0);
  assert.equal(b.leaked, 0);
  if (nat) assert.ok(a.nativeCalls > 100, `native products per 5 updates: ${a.nativeCalls}`);
  assert.equal(b.nativeCalls, 0);
  assert.equal(a.params.length, b.params.length);
  let worst = 0;
  a.params.forEach((p, i) => {
    const q = b.params[i] as Float32Array;
    for (let j = 0; j < p.length; j++)
      worst = Math.max(worst, Math.abs((p[j] as number) - (q[j] as number)) / (1 + Math.abs(q[j] as number)));
  });
  assert.ok(worst < 1e-4, `largest relative parameter difference ${worst}`);
});
