/**
 * The webgpu backend (src/engine/webgpu.ts) on whatever WebGPU adapter this machine has — in CI the software
 * device lavapipe (scripts/ci/webgpu.sh installs it):
 * - the reference update trains on webgpu and gives the parameters the cpu backend gives from the same seed
 *   (every weight, target and Adam moment after 8 updates, within 1e-4 relative; measured here ≈ 2e-7);
 * - no tensor leaks per training step; synchronous reads (dataSync) work on Node;
 * - auto-selection skips a software adapter; `virel train --backend webgpu` trains Pendulum-v1 for a short run;
 * - `virel bench --gpu` times the GPU path against the CPU path.
 * Without an adapter the tests skip with the reason — except under CI=true, where a missing adapter fails.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../../src/engine/backend";
import { isSoftwareAdapter, probeWebGpu } from "../../src/engine/webgpu";
import type { WebGpuProbe } from "../../src/engine/webgpu";
import * as agents from "../../src/agents";
import { formatCrossover } from "../../src/cli/bench-gpu";
import type { CrossoverResult, CrossoverRow } from "../../src/cli/bench-gpu";

const ROOT = join(__dirname, "..", "..", "..");
let probe: WebGpuProbe;
let skip: string | false = false;

before(async () => {
  probe = await probeWebGpu();
  if (!probe.available) {
    const why = `no WebGPU adapter: ${probe.reason ?? "?"} (${probe.fix ?? ""})`;
    if (process.env.CI === "true")
      throw new Error(`CI=true needs the WebGPU software device (scripts/ci/webgpu.sh): ${why}`);
    skip = why;
  }
});

test("software adapters are told apart from hardware ones", () => {
  assert.equal(isSoftwareAdapter({ architecture: "software", description: "llvmpipe: Mesa 25.0.7" }, true), true);
  assert.equal(isSoftwareAdapter({ architecture: "", description: "SwiftShader Device (Subzero)" }, false), true);
  assert.equal(isSoftwareAdapter({ architecture: "ampere", description: "NVIDIA H100 80GB HBM3" }, false), false);
});

const CFG = { hidden: [24, 24], batchSize: 16, randomSteps: 30, evalEvery: 0, bufferSize: 500, logEvery: 1000 };
const STEPS = 38; // 8 gradient steps after 30 random ones

function params(agent: agents.Agent): [string, Float32Array][] {
  return agent.getTensorState().filter(([n]) => !n.startsWith("replay/") && !n.startsWith("episode/"));
}

test("the reference update trains on webgpu: same parameters as the cpu backend after 8 updates (1e-4), no leaks", async (t) => {
  if (skip) return t.skip(skip);
  const info = await engine.ready("webgpu");
  assert.equal(info.name, "webgpu");
  assert.equal(info.tfBackend, "webgpu");
  assert.ok(info.adapter !== undefined);
  const tf = engine.tf<typeof import("@tensorflow/tfjs")>();
  const gpu = await agents.create({ algo: "sac-v1", env: "Pendulum-v1", seed: 3, config: CFG });
  assert.equal(tf.getBackend(), "webgpu");
  await gpu.train(STEPS - 1); // train(n) adds n env steps
  const tensors = tf.memory().numTensors;
  await gpu.train(1);
  assert.equal(tf.memory().numTensors - tensors, 0, "tensors leaked by one webgpu training step");
  const onGpu = params(gpu);

  // The same run on the cpu backend, reference update (the fused one is tested against it elsewhere).
  await tf.setBackend("cpu");
  const saved = process.env.VIREL_FAST_UPDATE;
  process.env.VIREL_FAST_UPDATE = "0";
  try {
    const cpu = await agents.create({ algo: "sac-v1", env: "Pendulum-v1", seed: 3, config: CFG });
    await cpu.train(STEPS);
    const onCpu = params(cpu);
    assert.deepEqual(
      onGpu.map(([n]) => n),
      onCpu.map(([n]) => n),
    );
    let worst = 0,
      where = "",
      changed = 0;
    onGpu.forEach(([name, g], i) => {
      const c = (onCpu[i] as [string, Float32Array])[1];
      assert.equal(g.length, c.length, name);
      for (let j = 0; j < g.length; j++) {
        const d = Math.abs((g[j] as number) - (c[j] as number)) / (1 + Math.abs(c[j] as number));
        if (d > worst) [worst, where] = [d, `${name}[${j}]`];
        if (name.startsWith("adam/") && c[j] !== 0) changed++;
      }
    });
    assert.ok(changed > 100, `the updates ran (non-zero Adam moments: ${changed})`);
    assert.ok(worst < 1e-4, `largest relative difference webgpu vs cpu: ${worst} at ${where}`);
    if (process.env.VIREL_TEST_VERBOSE)
      process.stdout.write(`# webgpu vs cpu: worst ${worst.toExponential(2)} at ${where}\n`);
  } finally {
    if (saved === undefined) delete process.env.VIREL_FAST_UPDATE;
    else process.env.VIREL_FAST_UPDATE = saved;
  }
});

test("auto-selection does not pick a software adapter, and says why", (t) => {
  if (skip) return t.skip(skip);
  if (probe.adapter?.software !== true) return t.skip("the adapter here is hardware");
  const mod = join(ROOT, "dist", "src", "engine", "backend.js");
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      `require(${JSON.stringify(mod)}).ready("auto").then((i) => process.stdout.write(JSON.stringify(i) + "\\n"))`,
    ],
    { encoding: "utf8", timeout: 120_000, env: { ...process.env, VIREL_BACKEND: "" } },
  );
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.trim().split("\n").pop() as string) as engine.BackendInfo;
  assert.notEqual(info.name, "webgpu");
  assert.ok(
    info.skipped.some((s) => /^webgpu: only a software adapter/.test(s)),
    info.skipped.join("; "),
  );
});

test("`virel train --backend webgpu` trains Pendulum-v1 for a short run (finite losses, a checkpoint, an evaluation)", (t) => {
  if (skip) return t.skip(skip);
  const dir = mkdtempSync(join(tmpdir(), "virel-webgpu-"));
  try {
    writeFileSync(join(dir, "config.in.json"), JSON.stringify({ randomSteps: 60, batchSize: 16, logEvery: 20 }));
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, "bin", "virel.js"),
        "train",
        "--env",
        "Pendulum-v1",
        "--algo",
        "virel1",
        "--steps",
        "100",
        "--hidden",
        "16,16",
        "--eval-every",
        "100",
        "--eval-episodes",
        "1",
        "--config",
        join(dir, "config.in.json"),
        "--backend",
        "webgpu",
        "--out",
        join(dir, "run"),
        "--json",
        "--progress",
        "none",
      ],
      { encoding: "utf8", timeout: 300_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const summary = (
      JSON.parse(r.stdout.trim().split("\n").pop() as string) as {
        summary: { backend: string; step: number; finalEval: { mean: number } | null };
      }
    ).summary;
    assert.equal(summary.backend, "webgpu");
    assert.equal(summary.step, 100);
    assert.ok(summary.finalEval !== null && Number.isFinite(summary.finalEval.mean));
    const rows = readFileSync(join(dir, "run", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    const losses = rows.filter((x) => "losses/q1" in x);
    assert.ok(losses.length >= 2, `loss rows: ${losses.length}`);
    for (const x of losses)
      for (const k of ["losses/q1", "losses/pi", "virel/beta"]) assert.ok(Number.isFinite(x[k]), `${k} = ${x[k]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("`virel bench --gpu` times the GPU path against the CPU path and names the device", (t) => {
  if (skip) return t.skip(skip);
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "bin", "virel.js"), "bench", "--gpu", "--hidden", "16", "--batch", "16", "--iters", "1", "--json"],
    { encoding: "utf8", timeout: 300_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() as string) as CrossoverResult;
  assert.equal(out.software, probe.adapter?.software);
  assert.ok(out.device.includes(probe.adapter?.description ?? "?"), out.device);
  assert.equal(out.rows.length, 1);
  const row = out.rows[0] as CrossoverRow;
  assert.deepEqual([row.hidden, row.batch], [16, 16]);
  assert.ok(row.gpuMs > 0 && row.cpuMs > 0 && Number.isFinite(row.gpuMs) && Number.isFinite(row.cpuMs));
  assert.ok(Math.abs(row.gpuSpeedup - row.cpuMs / row.gpuMs) < 1e-12);
  assert.match(row.cpuPath, /^(native|wasm)$/);
  const text = formatCrossover(out).join("\n");
  assert.match(text, /\| 2×16 \| 16 \| [0-9.]+ \| [0-9.]+ \| (native|wasm) \| [0-9.]+×/);
  assert.match(text, out.software ? /software device/ : /GPU path: webgpu on/);
});
