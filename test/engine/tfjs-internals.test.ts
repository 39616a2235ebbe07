/**
 * The version guard of src/engine/tfjs-internals.ts: with a tfjs other than 4.22.0 no kernel that reaches into
 * tfjs internals is installed (the stock wasm kernels stay), the status says why, and the fused update's SIMD
 * loops get no wasm memory; with 4.22.0 the native/pure-wasm kernels are installed again.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { installNativeKernels, uninstallNativeKernels } from "../../src/engine/native";
import {
  TFJS_INTERNALS_VERSION,
  heapOffset,
  overrideTfjsVersionForTest,
  tfjsInternalsProblem,
  wasmMemory,
} from "../../src/engine/tfjs-internals";

before(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
});

after(() => {
  overrideTfjsVersionForTest(null);
  installNativeKernels();
});

test("the installed tfjs is the version the internals are written for", () => {
  assert.equal(TFJS_INTERNALS_VERSION, "4.22.0");
  assert.equal(tf.version_core, "4.22.0");
  assert.equal(tfjsInternalsProblem(), null);
});

test("with another tfjs version nothing is installed: the stock kernels run and the status says why", () => {
  uninstallNativeKernels();
  const stock = ["BatchMatMul", "_FusedMatMul", "Identity", "Cast"].map((k) => tf.getKernel(k, "wasm")?.kernelFunc);
  overrideTfjsVersionForTest("4.23.0");
  const status = installNativeKernels();
  assert.equal(status.loaded, false);
  assert.match(status.reason ?? "", /tfjs-core is 4\.23\.0; the engine's internals need exactly 4\.22\.0/);
  const now = ["BatchMatMul", "_FusedMatMul", "Identity", "Cast"].map((k) => tf.getKernel(k, "wasm")?.kernelFunc);
  assert.deepEqual(now, stock, "the stock kernels are registered");
  assert.equal(wasmMemory(tf.backend() as BackendWasm), null, "no wasm memory for the SIMD loops");
  // Products still compute (stock kernels): [[1,2],[3,4]]·[[1,2],[3,4]] = [[7,10],[15,22]].
  const y = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 2, 3, 4], [2, 2])).dataSync());
  assert.deepEqual(Array.from(y), [7, 10, 15, 22]);

  overrideTfjsVersionForTest(null);
  installNativeKernels();
  const replaced = ["BatchMatMul", "_FusedMatMul", "Identity", "Cast"].map((k) => tf.getKernel(k, "wasm")?.kernelFunc);
  replaced.forEach((f, i) => assert.notEqual(f, stock[i], "with 4.22.0 the engine's kernels are registered"));
  assert.ok(wasmMemory(tf.backend() as BackendWasm) !== null, "4.22.0: the wasm memory is found");
});

test("heapOffset reads a tensor's place on the wasm heap: the bytes there are the tensor's values", () => {
  const t = tf.tensor1d([1.5, -2.25, 3]);
  const backend = tf.backend() as BackendWasm;
  const off = heapOffset(backend, { dataId: t.dataId, shape: t.shape, dtype: t.dtype });
  const memory = wasmMemory(backend);
  assert.ok(memory !== null);
  assert.deepEqual(Array.from(new Float32Array(memory.buffer, off, 3)), [1.5, -2.25, 3]);
  t.dispose();
});
