/**
 * `virel doctor`: what this machine runs — Node and tfjs versions, which tfjs backends load, the WebGPU adapter
 * (hardware or software, and whether auto-selection uses it), whether the native BLAS matmul kernels are active
 * (and which BLAS), each with how to fix what is missing; and every `VIREL_*` switch with its value.
 */
import type { Command } from "commander";
import { describeSettings, unknownSettings } from "../engine/settings";
import { isOurNativeGemm } from "../engine/native-addon";
import type { SettingReport } from "../engine/settings";
import type { WebGpuAdapter } from "../engine/webgpu";

/** One tfjs backend and whether it starts here. */
export interface BackendCheck {
  name: "tfjs-node-gpu" | "tfjs-node" | "webgpu" | "wasm" | "cpu";
  loads: boolean;
  /** Why not (or a note when it loads). */
  detail: string;
  /** How to get it, when it does not load. */
  fix?: string;
}

/** Everything `virel doctor` reports. */
export interface DoctorReport {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  tfjs: string;
  tfjsBackendWasm: string;
  backends: BackendCheck[];
  /** The backend `auto` selection picks (src/engine/backend.ts order: tfjs-node-gpu, tfjs-node, webgpu on hardware, wasm, cpu). */
  auto: string;
  /** The WebGPU path: packages, adapter, and whether auto-selection uses it (and why not). */
  webgpu: {
    packages: { webgpu: string; tfjsBackendWebgpu: string };
    adapter?: WebGpuAdapter;
    /** Whether auto-selection would pick webgpu (a hardware adapter, and no tfjs-node backend before it). */
    usedByAuto: boolean;
    /** Why it is or is not used. */
    why: string;
  };
  /** Every declared VIREL_* switch with its raw and effective value (src/engine/settings.ts). */
  settings: SettingReport[];
  /** VIREL_* variables set here that no switch declares (typos?). */
  unknownSettings: string[];
  native: {
    loaded: boolean;
    /** On the pure wasm path: whether the products run in our wasm SIMD GEMM (else XNNPACK). */
    wasmGemm?: boolean;
    library?: string;
    /** On the native path: what computes the products — our kernels ("AVX-512F 8×32", …) or "BLAS" (VIREL_NATIVE_GEMM). */
    gemm?: string;
    threads?: number;
    /** Threads for independent products of the fused update (VIREL_PRODUCT_LANES; 1 or 2). */
    lanes?: number;
    reason?: string;
    addonPath: string;
    addonBuilt: boolean;
    cblasHeader: string | null;
    /** What the install-time build lacks here (null: nothing, the kernels should load). */
    missingPrerequisite: string | null;
    /** Max |native − stock| / (1 + |stock|) on a 64×48·(32×48)ᵀ product, when the native kernels are active. */
    verifiedError?: number;
    fix?: string;
    env: { VIREL_NATIVE: string | null; VIREL_BLAS_THREADS: string | null };
  };
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split("\n")[0] ?? "";
}

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

/** Probes the backends and the native kernels. Leaves tfjs on the wasm backend with the native kernels (if any). */
export async function doctorReport(): Promise<DoctorReport> {
  const os = await import("node:os");
  const { existsSync } = await import("node:fs");
  const tf = await import("@tensorflow/tfjs");
  const native = await import("../engine/native.js");
  const webgpuMod = await import("../engine/webgpu.js");
  const backends: BackendCheck[] = [];
  for (const pkg of ["tfjs-node-gpu", "tfjs-node"] as const) {
    try {
      require(`@tensorflow/${pkg}`);
      backends.push({ name: pkg, loads: true, detail: `@tensorflow/${pkg} ${packageVersion(`@tensorflow/${pkg}`)}` });
    } catch (err) {
      backends.push({
        name: pkg,
        loads: false,
        detail: firstLine(err),
        fix:
          pkg === "tfjs-node"
            ? "npm install @tensorflow/tfjs-node@4.22.0 (downloads libtensorflow: needs network and a Node release it has binaries for)"
            : "npm install @tensorflow/tfjs-node-gpu@4.22.0 (needs an NVIDIA GPU with CUDA and cuDNN)",
      });
    }
  }
  const probe = await webgpuMod.probeWebGpu();
  let webgpuLoads = false;
  if (probe.available) {
    try {
      await webgpuMod.startWebGpu(tf);
      const x = tf.tensor1d([1, 2, 3]);
      const sum = tf.sum(x).dataSync()[0];
      tf.dispose(x);
      webgpuLoads = sum === 6;
      backends.push({
        name: "webgpu",
        loads: webgpuLoads,
        detail: webgpuLoads
          ? webgpuMod.describeAdapter(probe.adapter as WebGpuAdapter)
          : `sum([1, 2, 3]) gave ${String(sum)}, expected 6`,
        ...(webgpuLoads ? {} : { fix: webgpuMod.WEBGPU_INSTALL }),
      });
    } catch (err) {
      backends.push({ name: "webgpu", loads: false, detail: firstLine(err), fix: webgpuMod.WEBGPU_INSTALL });
    }
  } else {
    backends.push({
      name: "webgpu",
      loads: false,
      detail: probe.reason ?? "no adapter",
      fix: probe.fix ?? webgpuMod.WEBGPU_INSTALL,
    });
  }
  let wasmOk = false;
  try {
    const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
    wasmOk = await tf.setBackend("wasm");
    await tf.ready();
    const threads = wasmOk ? wasm.getThreadsCount() : 0;
    backends.push({
      name: "wasm",
      loads: wasmOk,
      detail: wasmOk
        ? `SIMD ${String(tf.env().getBool("WASM_HAS_SIMD_SUPPORT"))}, ${threads} thread${threads === 1 ? "" : "s"}`
        : "setBackend('wasm') returned false",
      ...(wasmOk ? {} : { fix: "reinstall the dependencies (npm ci)" }),
    });
  } catch (err) {
    backends.push({ name: "wasm", loads: false, detail: firstLine(err), fix: "reinstall the dependencies (npm ci)" });
  }
  let cpuOk = false;
  try {
    cpuOk = await tf.setBackend("cpu");
    backends.push({ name: "cpu", loads: cpuOk, detail: cpuOk ? "plain JavaScript (slowest)" : "did not start" });
  } catch (err) {
    backends.push({ name: "cpu", loads: false, detail: firstLine(err), fix: "reinstall the dependencies (npm ci)" });
  }
  const software = probe.adapter?.software === true;
  const auto = backends.find((b) => b.loads && !(b.name === "webgpu" && software))?.name ?? "none";
  const nodeFirst = backends.find((b) => b.loads && (b.name === "tfjs-node-gpu" || b.name === "tfjs-node"));
  const why = !webgpuLoads
    ? `not available: ${backends.find((b) => b.name === "webgpu")?.detail ?? "no adapter"}`
    : software
      ? "not used by auto-selection: the adapter is a software device (a CPU emulation; ask for it with --backend webgpu)"
      : nodeFirst !== undefined
        ? `not used by auto-selection: ${nodeFirst.name} comes first`
        : "used by auto-selection: a hardware adapter";

  const addonPath = native.addonPath();
  const cblasHeader = native.findCblasHeader();
  const missingPrerequisite = native.missingBuildPrerequisite();
  const settings = describeSettings();
  const raw = (name: string): string | null => settings.find((x) => x.env === name)?.raw ?? null;
  const env = { VIREL_NATIVE: raw("VIREL_NATIVE"), VIREL_BLAS_THREADS: raw("VIREL_BLAS_THREADS") };
  let status: { loaded: boolean; reason?: string; library?: string; wasmGemm?: boolean; gemm?: string } = {
    loaded: false,
    reason: "the wasm backend does not load",
  };
  let verifiedError: number | undefined;
  let threads: number | undefined;
  let lanes: number | undefined;
  if (wasmOk) {
    await tf.setBackend("wasm");
    try {
      status = native.installNativeKernels();
    } catch (err) {
      status = { loaded: false, reason: firstLine(err) };
    }
    if (status.loaded || status.wasmGemm === true) lanes = native.productLanes();
    if (status.loaded) {
      threads = native.nativeBlasInfo()?.threads;
      verifiedError = verifyAgainstStock(tf, native);
    }
  }
  let fix: string | undefined;
  if (!status.loaded) {
    const badSetting = settings.find((x) => x.error !== undefined && (status.reason ?? "").startsWith(x.env));
    if (badSetting !== undefined) fix = `set ${badSetting.env} to ${badSetting.values}, or unset it`;
    else if (settings.find((x) => x.env === "VIREL_NATIVE")?.effective === "false")
      fix = "unset VIREL_NATIVE (it is 0, which forces the pure wasm path)";
    else if (!existsSync(addonPath) && missingPrerequisite === null) {
      fix =
        "a CBLAS and build tools are installed but the addon is not built: run `node scripts/build-native.mjs` (log: native/build.log)";
    } else if (!existsSync(addonPath) && cblasHeader !== null) {
      fix = `install ${missingPrerequisite ?? "the build tools"} (Debian/Ubuntu: apt-get install build-essential python3), then run \`node scripts/build-native.mjs\``;
    } else if (!existsSync(addonPath)) fix = native.NATIVE_FIX;
    else fix = "rebuild it: `node scripts/build-native.mjs` (log: native/build.log)";
  }
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    tfjs: tf.version.tfjs,
    tfjsBackendWasm: packageVersion("@tensorflow/tfjs-backend-wasm"),
    backends,
    auto,
    webgpu: {
      packages: probe.packages,
      ...(probe.adapter !== undefined ? { adapter: probe.adapter } : {}),
      usedByAuto: auto === "webgpu",
      why,
    },
    settings,
    unknownSettings: unknownSettings(),
    native: {
      loaded: status.loaded,
      ...(status.wasmGemm !== undefined ? { wasmGemm: status.wasmGemm } : {}),
      ...(status.library !== undefined ? { library: status.library } : {}),
      ...(status.gemm !== undefined ? { gemm: status.gemm } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(lanes !== undefined ? { lanes } : {}),
      ...(status.reason !== undefined ? { reason: status.reason } : {}),
      addonPath,
      addonBuilt: existsSync(addonPath),
      cblasHeader,
      missingPrerequisite,
      ...(verifiedError !== undefined ? { verifiedError } : {}),
      ...(fix !== undefined ? { fix } : {}),
      env,
    },
  };
}

/** One product on the native kernels and on the stock ones; the largest relative difference. */
function verifyAgainstStock(tf: typeof import("@tensorflow/tfjs"), native: typeof import("../engine/native")): number {
  const a = tf.tensor2d(
    Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i)),
    [64, 48],
  );
  const b = tf.tensor2d(
    Array.from({ length: 32 * 48 }, (_, i) => Math.cos(0.7 * i)),
    [32, 48],
  );
  const got = tf.tidy(() => tf.matMul(a, b, false, true).dataSync());
  native.uninstallNativeKernels();
  const want = tf.tidy(() => tf.matMul(a, b, false, true).dataSync());
  native.installNativeKernels();
  tf.dispose([a, b]);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)) / (1 + Math.abs(want[i] as number)));
  }
  return worst;
}

/** The report as text lines. */
export function formatDoctor(r: DoctorReport): string[] {
  const lines = [
    `node      ${r.node} (${r.platform}, ${r.cpus}× ${r.cpuModel})`,
    `tfjs      ${r.tfjs} (tfjs-backend-wasm ${r.tfjsBackendWasm})`,
    "backends:",
  ];
  for (const b of r.backends) {
    lines.push(`  ${b.loads ? "✓" : "✗"} ${b.name.padEnd(14)} ${b.detail}`);
    if (!b.loads && b.fix) lines.push(`    fix: ${b.fix}`);
  }
  lines.push(`  auto-selection uses: ${r.auto}`);
  const w = r.webgpu;
  lines.push(
    `webgpu    ${
      w.adapter
        ? `adapter: vendor ${w.adapter.vendor || "?"}, architecture ${w.adapter.architecture || "?"}, ` +
          `${w.adapter.software ? "software" : "hardware"} (${w.adapter.description || w.adapter.device})`
        : "no adapter"
    }; ` + `webgpu ${w.packages.webgpu}, tfjs-backend-webgpu ${w.packages.tfjsBackendWebgpu}`,
  );
  lines.push(`          ${w.why}`);
  const n = r.native;
  if (n.loaded) {
    lines.push(
      `native    ✓ BLAS matmul kernels active on wasm: ${n.library ?? "unknown BLAS"}` +
        `${n.threads ? `, ${n.threads} thread${n.threads === 1 ? "" : "s"}` : ""}` +
        `${n.lanes !== undefined ? `, ${n.lanes} product lane${n.lanes === 1 ? "" : "s"} (VIREL_PRODUCT_LANES)` : ""}`,
    );
    if (n.gemm !== undefined)
      lines.push(
        isOurNativeGemm(n.gemm)
          ? `          products: our ${n.gemm} kernels (native/src/virel_gemm.c; VIREL_NATIVE_GEMM=blas: the BLAS library's)`
          : `          products: the BLAS library's sgemm (VIREL_NATIVE_GEMM)`,
      );
    if (n.verifiedError !== undefined)
      lines.push(
        `          agrees with the stock kernel (max relative difference ${n.verifiedError.toExponential(1)})`,
      );
  } else {
    lines.push(`native    ✗ not active: ${n.reason ?? "unknown"}`);
    if (n.fix) lines.push(`    fix: ${n.fix}`);
    if (n.wasmGemm !== undefined)
      lines.push(
        n.wasmGemm
          ? `          products on the pure wasm path: our WebAssembly SIMD GEMM` +
              `${n.lanes !== undefined ? `, ${n.lanes} product lane${n.lanes === 1 ? "" : "s"} (VIREL_PRODUCT_LANES)` : ""}` +
              ` (VIREL_WASM_GEMM=0: XNNPACK's)`
          : "          products on the pure wasm path: tfjs-backend-wasm's XNNPACK kernels",
      );
  }
  lines.push(
    `          addon ${n.addonBuilt ? "built" : "not built"} (${n.addonPath}); CBLAS header: ${n.cblasHeader ?? "none found"}` +
      (n.missingPrerequisite && n.cblasHeader ? `; missing for the build: ${n.missingPrerequisite}` : ""),
  );
  lines.push("settings  (VIREL_* environment switches; docs/engine.md)");
  for (const x of r.settings) {
    const value =
      x.error !== undefined
        ? `✗ ${x.error}`
        : x.raw === null
          ? `${x.effective ?? ""}`
          : `${x.raw} → ${x.effective ?? ""}`;
    lines.push(`  ${x.env.padEnd(31)} ${value}${x.scope === "runtime" ? "" : `  [${x.scope}]`}`);
  }
  for (const u of r.unknownSettings) lines.push(`  ✗ ${u} is set but is not a VIREL switch (a typo?)`);
  return lines;
}

export function register(program: Command): void {
  program
    .command("doctor")
    .description("check Node/tfjs versions, which backends load and whether the native BLAS kernels are active")
    .option("--json", "print the report as JSON")
    .action(async (opts: { json?: boolean }) => {
      const report = await doctorReport();
      if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
      else process.stdout.write(formatDoctor(report).join("\n") + "\n");
    });
}
