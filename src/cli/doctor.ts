/**
 * `virel doctor`: what this machine runs — Node and tfjs versions, which tfjs backends load, whether the native
 * BLAS matmul kernels are active (and which BLAS), each with how to fix what is missing.
 */
import type { Command } from "commander";

/** One tfjs backend and whether it starts here. */
export interface BackendCheck {
  name: "tfjs-node-gpu" | "tfjs-node" | "wasm" | "cpu";
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
  /** The backend `auto` selection picks (src/engine/backend.ts order: tfjs-node-gpu, tfjs-node, wasm, cpu). */
  auto: string;
  native: {
    loaded: boolean;
    library?: string;
    threads?: number;
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
    // eslint-disable-next-line @typescript-eslint/no-require-imports
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
  const backends: BackendCheck[] = [];
  for (const pkg of ["tfjs-node-gpu", "tfjs-node"] as const) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(`@tensorflow/${pkg}`);
      backends.push({ name: pkg, loads: true, detail: `@tensorflow/${pkg} ${packageVersion(`@tensorflow/${pkg}`)}` });
    } catch (err) {
      backends.push({
        name: pkg,
        loads: false,
        detail: firstLine(err),
        fix: pkg === "tfjs-node"
          ? "npm install @tensorflow/tfjs-node@4.22.0 (downloads libtensorflow: needs network and a Node release it has binaries for)"
          : "npm install @tensorflow/tfjs-node-gpu@4.22.0 (needs an NVIDIA GPU with CUDA and cuDNN)",
      });
    }
  }
  let wasmOk = false;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
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
  const auto = backends.find((b) => b.loads)?.name ?? "none";

  const addonPath = native.addonPath();
  const cblasHeader = native.findCblasHeader();
  const missingPrerequisite = native.missingBuildPrerequisite();
  const env = { VIREL_NATIVE: process.env.VIREL_NATIVE ?? null, VIREL_BLAS_THREADS: process.env.VIREL_BLAS_THREADS ?? null };
  let status: { loaded: boolean; reason?: string; library?: string } = { loaded: false, reason: "the wasm backend does not load" };
  let verifiedError: number | undefined;
  let threads: number | undefined;
  if (wasmOk) {
    await tf.setBackend("wasm");
    status = native.installNativeKernels();
    if (status.loaded) {
      threads = native.nativeBlasInfo()?.threads;
      verifiedError = verifyAgainstStock(tf, native);
    }
  }
  let fix: string | undefined;
  if (!status.loaded) {
    if (env.VIREL_NATIVE === "0") fix = "unset VIREL_NATIVE (it is 0, which forces the pure wasm path)";
    else if (!existsSync(addonPath) && missingPrerequisite === null) {
      fix = "a CBLAS and build tools are installed but the addon is not built: run `node scripts/build-native.mjs` (log: native/build.log)";
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
    native: {
      loaded: status.loaded,
      ...(status.library !== undefined ? { library: status.library } : {}),
      ...(threads !== undefined ? { threads } : {}),
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
function verifyAgainstStock(
  tf: typeof import("@tensorflow/tfjs"), native: typeof import("../engine/native"),
): number {
  const a = tf.tensor2d(Array.from({ length: 64 * 48 }, (_, i) => Math.sin(i)), [64, 48]);
  const b = tf.tensor2d(Array.from({ length: 32 * 48 }, (_, i) => Math.cos(0.7 * i)), [32, 48]);
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
  const n = r.native;
  if (n.loaded) {
    lines.push(`native    ✓ BLAS matmul kernels active on wasm: ${n.library ?? "unknown BLAS"}` +
      `${n.threads ? `, ${n.threads} thread${n.threads === 1 ? "" : "s"}` : ""}`);
    if (n.verifiedError !== undefined) lines.push(`          agrees with the stock kernel (max relative difference ${n.verifiedError.toExponential(1)})`);
  } else {
    lines.push(`native    ✗ not active: ${n.reason ?? "unknown"}`);
    if (n.fix) lines.push(`    fix: ${n.fix}`);
  }
  lines.push(`          addon ${n.addonBuilt ? "built" : "not built"} (${n.addonPath}); CBLAS header: ${n.cblasHeader ?? "none found"}` +
    (n.missingPrerequisite && n.cblasHeader ? `; missing for the build: ${n.missingPrerequisite}` : ""));
  lines.push(`          env VIREL_NATIVE=${n.env.VIREL_NATIVE ?? "(unset)"} VIREL_BLAS_THREADS=${n.env.VIREL_BLAS_THREADS ?? "(unset: 1)"}`);
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
