/** The types of `virel bench`'s update measurements (shared by bench.ts, bench-gpu.ts and bench/peer.ts). */

/** What one update measurement runs. */
export interface UpdateSpec {
  /** Algorithm whose update is timed (`sac-v1` is the PyTorch peer's update). */
  algo: string;
  hidden: number;
  batch: number;
  obs: number;
  act: number;
  /** The fused update (agents/fused/update.ts) or the reference update (agents/reference-update.ts). */
  update: "fast" | "reference";
  /** VIREL: re-estimate β before every update (the td-residual rule with betaBatch = 4096 samples). */
  beta: boolean;
  /**
   * With `beta`: where the samples come from — `replay` (official beta.py: 4096 fresh replay samples per step, the
   * default) or `minibatch` (the M-step's own minibatch, a window of ⌈4096/batch⌉ steps; config betaSource).
   */
  betaSource?: "replay" | "minibatch";
}

/** Per-update wall-clock and CPU milliseconds of each timing block. */
export interface BlockTimes {
  wall: number[];
  cpu: number[];
}

/** One measurement. */
export interface UpdateResult extends UpdateSpec {
  /** `native` (CBLAS kernels), `wasm` (pure wasm) or the backend's name when it is not wasm. */
  path: string;
  backend: string;
  blocks: BlockTimes;
  /** tfjs engine kernels per update (tf.profile; the fused kernels count one each). */
  kernels: number;
  /** Tensors left behind per update (must be 0). */
  leaked: number;
  /** Whether the fused update ran (false for `update: "fast"` on a backend without the fused kernels). */
  fused: boolean;
}

/** Timing options. */
export interface TimingOptions {
  blocks: number;
  perBlock: number;
  warmup: number;
  backend?: string;
  /**
   * Awaited before each timing block, outside the timed region (bench/peer.ts runs one PyTorch block there, so the
   * two sides alternate block by block). Not sent to child processes.
   */
  beforeBlock?: (block: number) => Promise<void> | void;
}
