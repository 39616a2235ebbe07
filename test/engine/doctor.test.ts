/**
 * `virel doctor` (src/cli/doctor.ts): the report of versions, backends and native kernels, on the native and
 * the pure wasm path (each in a child process, since the doctor switches tfjs backends).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { DoctorReport } from "../../src/cli/doctor";
import { formatDoctor } from "../../src/cli/doctor";
import { SETTINGS } from "../../src/engine/settings";

function doctorIn(env: Record<string, string>): DoctorReport {
  const mod = join(__dirname, "..", "..", "src", "cli", "doctor.js");
  const script = `require(${JSON.stringify(mod)}).doctorReport().then((r) => process.stdout.write(JSON.stringify(r) + "\\n"))`;
  const r = spawnSync(process.execPath, ["-e", script], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const last = r.stdout.trim().split("\n").pop() as string;
  return JSON.parse(last) as DoctorReport;
}

test("doctor reports versions, loadable backends and active native kernels where a CBLAS and build tools are installed", () => {
  const r = doctorIn({});
  assert.equal(r.node, process.version);
  assert.equal(r.tfjs, "4.22.0");
  assert.equal(r.tfjsBackendWasm, "4.22.0");
  const byName = new Map(r.backends.map((b) => [b.name, b]));
  assert.deepEqual([...byName.keys()], ["tfjs-node-gpu", "tfjs-node", "webgpu", "wasm", "cpu"]);
  assert.equal(byName.get("wasm")?.loads, true);
  assert.equal(byName.get("cpu")?.loads, true);
  for (const b of r.backends)
    assert.ok(b.loads || (b.fix ?? "").length > 0, `${b.name}: a backend that does not load says how to fix it`);
  assert.equal(
    r.auto,
    r.backends.find((b) => b.loads && !(b.name === "webgpu" && r.webgpu.adapter?.software === true))?.name,
  );
  // WebGPU: the adapter (vendor, architecture, software/hardware) and why auto-selection does or does not use it.
  const w = r.webgpu;
  assert.equal(byName.get("webgpu")?.loads, w.adapter !== undefined);
  if (process.env.CI === "true") assert.ok(w.adapter !== undefined, "CI installs the WebGPU software device");
  if (w.adapter !== undefined) {
    assert.ok(w.adapter.vendor.length > 0 && w.adapter.architecture.length > 0, JSON.stringify(w.adapter));
    if (w.adapter.software) {
      assert.equal(w.usedByAuto, false);
      assert.match(w.why, /software device/);
    }
  } else assert.match(w.why, /^not available/);
  assert.equal(w.usedByAuto, r.auto === "webgpu");
  assert.equal(
    r.native.loaded,
    r.native.missingPrerequisite === null,
    `native: ${r.native.reason ?? ""} ${r.native.fix ?? ""}`,
  );
  if (r.native.loaded) {
    assert.match(r.native.library ?? "", /blas|accelerate/i);
    assert.equal(r.native.threads, 1);
    assert.ok((r.native.verifiedError ?? 1) < 1e-5, `native vs stock differ by ${String(r.native.verifiedError)}`);
    assert.equal(r.native.fix, undefined);
  }
  const text = formatDoctor(r).join("\n");
  assert.match(text, r.native.loaded ? /native {4}✓ BLAS matmul kernels active/ : /native {4}✗ not active/);
  assert.match(text, /^webgpu {4}(adapter: vendor .+, architecture .+, (software|hardware)|no adapter)/m);
  // Every declared switch is shown, with its default when unset.
  assert.deepEqual(
    r.settings.map((x) => x.env),
    Object.values(SETTINGS).map((x) => x.env),
  );
  for (const x of r.settings) assert.match(text, new RegExp(`^  ${x.env} `, "m"));
  assert.deepEqual(r.unknownSettings, []);
});

test("doctor shows a bad switch value with the variable and the value, and flags unknown VIREL_* variables", () => {
  const typo = "VIREL_" + "NATVE"; // spelled in two parts: settings.test.ts scans the repository for VIREL_* names
  const r = doctorIn({ VIREL_BLAS_THREADS: "many", [typo]: "0" });
  const threads = r.settings.find((x) => x.env === "VIREL_BLAS_THREADS");
  assert.match(threads?.error ?? "", /VIREL_BLAS_THREADS must be an integer from 1 to 256, got "many"/);
  assert.deepEqual(r.unknownSettings, [typo]);
  const text = formatDoctor(r).join("\n");
  assert.match(text, /VIREL_BLAS_THREADS +✗ VIREL_BLAS_THREADS must be/);
  assert.ok(text.includes(`✗ ${typo} is set but is not a VIREL switch`), text);
  if (r.native.missingPrerequisite === null) {
    assert.equal(r.native.loaded, false);
    assert.match(r.native.fix ?? "", /set VIREL_BLAS_THREADS to 1–256, or unset it/);
  }
});

test("doctor on the pure wasm path (VIREL_NATIVE=0) says so, how to undo it and whose products run; BLAS threads follow VIREL_BLAS_THREADS", () => {
  const off = doctorIn({ VIREL_NATIVE: "0" });
  assert.equal(off.native.loaded, false);
  assert.match(off.native.reason ?? "", /VIREL_NATIVE=0/);
  assert.match(off.native.fix ?? "", /unset VIREL_NATIVE/);
  assert.equal(off.auto, "wasm");
  assert.match(formatDoctor(off).join("\n"), /fix: unset VIREL_NATIVE/);
  // the products run in our wasm GEMM, with the lanes VIREL_PRODUCT_LANES asks for; VIREL_WASM_GEMM=0: XNNPACK
  assert.equal(off.native.wasmGemm, true);
  const offTwo = doctorIn({ VIREL_NATIVE: "0", VIREL_PRODUCT_LANES: "2" });
  assert.equal(offTwo.native.lanes, 2);
  assert.match(formatDoctor(offTwo).join("\n"), /our WebAssembly SIMD GEMM, 2 product lanes/);
  const xnn = doctorIn({ VIREL_NATIVE: "0", VIREL_WASM_GEMM: "0" });
  assert.equal(xnn.native.wasmGemm, false);
  assert.match(formatDoctor(xnn).join("\n"), /XNNPACK kernels/);
  const two = doctorIn({ VIREL_BLAS_THREADS: "2" });
  if (two.native.loaded) assert.equal(two.native.threads, 2);
  else assert.notEqual(two.native.missingPrerequisite, null);
});
