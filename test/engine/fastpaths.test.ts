/**
 * Zero-copy Identity / same-dtype Cast on the wasm backend (src/engine/wasm-zero-copy.ts): clones share data
 * but stay valid and unchanged when the original is disposed or a variable is re-assigned; heap bytes are
 * released when the last sharer goes; other casts still convert; gradients through customGrad are unchanged.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { installNativeKernels } from "../../src/engine/native";
import { fastpathCounters } from "../../src/engine/wasm-zero-copy";

before(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
  installNativeKernels();
});

after(() => {
  installNativeKernels();
});

function heapRefs(t: tf.Tensor): number {
  return (tf.backend() as BackendWasm).refCount(t.dataId);
}

test("tf.clone shares the data, survives disposing the original, and frees the heap with the last sharer", () => {
  const bytes0 = tf.memory().numBytes;
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const shared = fastpathCounters.shared;
  const y = tf.clone(x);
  assert.equal(fastpathCounters.shared - shared, 1);
  assert.equal(y.dataId, x.dataId);
  assert.equal(heapRefs(x), 2);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4, 5, 6]);
  assert.equal(heapRefs(y), 1);
  y.dispose();
  assert.equal(tf.memory().numBytes, bytes0);
  assert.equal(heapRefs(y), 0, "the heap buffer is released");
});

test("a clone keeps its values when the variable it was taken from is assigned", () => {
  const v = tf.variable(tf.tensor1d([1, 2, 3]));
  const snapshot = tf.clone(v);
  v.assign(tf.tensor1d([7, 8, 9]));
  assert.deepEqual(Array.from(snapshot.dataSync()), [1, 2, 3]);
  assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
  tf.dispose([v, snapshot]);
});

test("same-dtype casts share; dtype-changing casts still convert", () => {
  const x = tf.tensor1d([1.5, -2.25, 3]);
  const shared = fastpathCounters.shared;
  const same = tf.cast(x, "float32");
  assert.equal(fastpathCounters.shared - shared, 1);
  assert.equal(same.dataId, x.dataId);
  const asInt = tf.cast(x, "int32");
  assert.equal(asInt.dtype, "int32");
  assert.notEqual(asInt.dataId, x.dataId);
  assert.deepEqual(Array.from(asInt.dataSync()), [1, -2, 3]);
  const back = tf.cast(asInt, "float32");
  assert.deepEqual(Array.from(back.dataSync()), [1, -2, 3]);
  tf.dispose([x, same, asInt, back]);
});

test("gradients of a fused dense layer are identical with and without the fast paths, and match the closed form", () => {
  const grads = (): number[][] => {
    const a = tf.tensor2d([0.5, -1, 2, 0.25, 1.5, -0.75], [2, 3]);
    const w = tf.tensor2d([1, -2, 0.5, 0.3, -0.1, 2], [3, 2]);
    const b = tf.tensor1d([0.1, -0.2]);
    const f = (a_: tf.Tensor, w_: tf.Tensor, b_: tf.Tensor): tf.Scalar =>
      tf.sum(tf.square(tf.fused.matMul({ a: a_ as tf.Tensor2D, b: w_ as tf.Tensor2D, bias: b_ }))) as tf.Scalar;
    const out = tf.tidy(() =>
      tf
        .grads(f)([a, w, b])
        .map((g) => Array.from(g.dataSync())),
    );
    tf.dispose([a, w, b]);
    return out;
  };
  installNativeKernels({ fastPaths: true });
  const before = tf.memory().numTensors;
  const on = grads();
  assert.equal(tf.memory().numTensors, before);
  installNativeKernels({ fastPaths: false });
  const off = grads();
  installNativeKernels();
  assert.deepEqual(on, off);
  // d/dW Σ (aW + b)² = 2 aᵀ(aW + b), checked at one entry by hand: aW + b = [[-0.1, 2.5], [1.175, -1.75]].
  const dW00 = 2 * (0.5 * -0.1 + 0.25 * 1.175);
  assert.ok(Math.abs(((on[1] as number[])[0] as number) - dW00) < 1e-5, `dW[0,0] = ${String((on[1] as number[])[0])}`);
});
