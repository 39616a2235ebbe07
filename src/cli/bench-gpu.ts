/**
 * `virel bench --gpu`: the GPU path (the webgpu backend) against the native CPU path, over hidden widths and
 * batch sizes — where, if anywhere, the GPU beats the CPU (the width/batch crossover).
 *
 * Each side runs in its own child `virel bench --measure` process (a tfjs backend is chosen once per process):
 * the GPU side with VIREL_BACKEND=webgpu, both update rules — the fused update (its WGSL kernels,
 * agents/fused/webgpu-kernels.ts; what a learner runs on webgpu by default) and the reference autodiff update —
 * and the CPU side with VIREL_BACKEND=wasm (the fused update on the native BLAS kernels when they load, else pure
 * wasm). Every update ends with a synchronous read of its losses, so a GPU update is timed to completion.
 *
 * On a software WebGPU device (lavapipe: Vulkan emulated on the CPU) the numbers measure the emulation, not a GPU.
 */
import type { TimingOptions, UpdateResult, UpdateSpec } from "./bench-types";

/** One cell of the crossover grid. */
export interface CrossoverRow {
  hidden: number;
  batch: number;
  /** GPU (webgpu, fused update) ms per update: min over timing blocks, wall-clock. */
  gpuMs: number;
  /** GPU (webgpu, reference autodiff update) ms per update. */
  gpuReferenceMs: number;
  /** Engine kernels per update on the GPU: fused, reference. */
  gpuKernels: number;
  gpuReferenceKernels: number;
  /** CPU (native or wasm path, fused update) ms per update. */
  cpuMs: number;
  /** The CPU path's name (`native` or `wasm`). */
  cpuPath: string;
  /** cpuMs / gpuMs: above 1 the GPU (fused update) is faster. */
  gpuSpeedup: number;
  /** gpuReferenceMs / gpuMs: what the fused update gains on the GPU. */
  fusedSpeedup: number;
}

/** The GPU side's device, and the grid. */
export interface CrossoverResult {
  /** The WebGPU adapter, in words (`… — software device`), or why there is none. */
  device: string;
  software: boolean;
  rows: CrossoverRow[];
}

/** The default grid: the paper's width (256) and batch (256), and larger ones. */
export const GPU_GRID = { hidden: [64, 256, 1024], batch: [256, 1024] } as const;

/**
 * Times the SAC-v1 update (obs 17, act 6, two hidden layers of each width) at every hidden × batch on the GPU and
 * on the CPU path. Throws when there is no WebGPU adapter.
 */
export async function gpuCrossover(
  timeUpdatesInChild: (specs: UpdateSpec[], o: TimingOptions, env: Record<string, string>) => Promise<UpdateResult[]>,
  o: { hidden?: readonly number[]; batch?: readonly number[]; iters?: number; blocks?: number } = {},
): Promise<CrossoverResult> {
  const { probeWebGpu, describeAdapter } = await import("../engine/webgpu.js");
  const probe = await probeWebGpu();
  if (!probe.available || probe.adapter === undefined)
    throw new Error(`no WebGPU adapter: ${probe.reason ?? "?"} (${probe.fix ?? ""})`);
  const hidden = o.hidden ?? GPU_GRID.hidden,
    batch = o.batch ?? GPU_GRID.batch;
  const specs = (update: "fast" | "reference"): UpdateSpec[] =>
    hidden.flatMap((h) =>
      batch.map((b) => ({ algo: "sac-v1", hidden: h, batch: b, obs: 17, act: 6, update, beta: false })),
    );
  const timing = { blocks: o.blocks ?? 3, perBlock: o.iters ?? 3, warmup: 2 };
  const gpuBoth = await timeUpdatesInChild([...specs("fast"), ...specs("reference")], timing, {
    VIREL_BACKEND: "webgpu",
  });
  const gpu = gpuBoth.filter((r) => r.update === "fast"),
    gpuRef = gpuBoth.filter((r) => r.update === "reference");
  const notFused = gpu.find((r) => !r.fused);
  if (notFused !== undefined)
    throw new Error(`the fused update did not run on webgpu (hidden ${notFused.hidden}, batch ${notFused.batch})`);
  const cpu = await timeUpdatesInChild(specs("fast"), timing, { VIREL_BACKEND: "wasm" });
  const find = (rs: UpdateResult[], h: number, b: number): UpdateResult => {
    const r = rs.find((x) => x.hidden === h && x.batch === b);
    if (r === undefined) throw new Error(`no measurement for hidden ${h}, batch ${b}`);
    return r;
  };
  const rows: CrossoverRow[] = [];
  for (const h of hidden) {
    for (const b of batch) {
      const g = find(gpu, h, b),
        gr = find(gpuRef, h, b),
        c = find(cpu, h, b);
      const gpuMs = Math.min(...g.blocks.wall),
        gpuReferenceMs = Math.min(...gr.blocks.wall),
        cpuMs = Math.min(...c.blocks.wall);
      rows.push({
        hidden: h,
        batch: b,
        gpuMs,
        gpuReferenceMs,
        gpuKernels: g.kernels,
        gpuReferenceKernels: gr.kernels,
        cpuMs,
        cpuPath: c.path,
        gpuSpeedup: cpuMs / gpuMs,
        fusedSpeedup: gpuReferenceMs / gpuMs,
      });
    }
  }
  return { device: describeAdapter(probe.adapter), software: probe.adapter.software, rows };
}

/** The crossover as a markdown table, with the device and what it means. */
export function formatCrossover(r: CrossoverResult): string[] {
  const lines = [
    `GPU path: webgpu on ${r.device}`,
    r.software
      ? "(a software device: Vulkan emulated on the CPU — these GPU numbers measure the emulation, not a GPU)"
      : "",
    "",
    "SAC-v1 update, obs 17, act 6, two hidden layers; ms per update (min over timing blocks, wall-clock);",
    "GPU: webgpu, the fused update (WGSL kernels) and the reference autodiff update, with engine kernels per update;",
    "CPU: fused update on the native BLAS path (or pure wasm where it is not built). Speed-up: CPU ms / GPU fused ms.",
    "",
    "| hidden | batch | GPU fused ms/update | GPU reference ms/update | kernels fused / reference | fused gain | CPU ms/update | CPU path | GPU speed-up |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const x of r.rows) {
    lines.push(
      `| 2×${x.hidden} | ${x.batch} | ${x.gpuMs.toFixed(2)} | ${x.gpuReferenceMs.toFixed(2)} | ${x.gpuKernels} / ${x.gpuReferenceKernels} | ${x.fusedSpeedup.toFixed(2)}× | ${x.cpuMs.toFixed(2)} | ${x.cpuPath} | ${x.gpuSpeedup.toFixed(2)}×${x.gpuSpeedup > 1 ? " (GPU faster)" : ""} |`,
    );
  }
  const wins = r.rows.filter((x) => x.gpuSpeedup > 1);
  lines.push(
    "",
    wins.length === 0
      ? "Crossover: the GPU path is slower than the CPU path at every width and batch measured."
      : `Crossover: the GPU path is faster at ${wins.map((x) => `2×${x.hidden}/batch ${x.batch}`).join(", ")}.`,
  );
  return lines.filter((l, i) => l !== "" || i > 1);
}
