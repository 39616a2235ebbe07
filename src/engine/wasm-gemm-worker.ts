/**
 * The pure wasm path's second product lane (wasm-gemm-lane.ts): a worker thread that instantiates the GEMM module
 * it is given on the lane's shared memory and runs the job lists the main thread posts. Started by
 * wasm-gemm-blas.ts; never imported.
 */
import { workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { instantiateModule } from "./wasm-asm";
import type { GemmExports } from "./wasm-gemm";
import { laneLoop } from "./wasm-gemm-lane";

const data = workerData as { module: object; memory: { readonly buffer: ArrayBuffer }; mr: number; spinMs: number };
const g = instantiateModule(data.module, data.memory) as unknown as GemmExports;
laneLoop(g, data.mr, data.memory, data.spinMs, () => performance.now());
