/**
 * `npm run bench:peer`: our side and the PyTorch peer (bench/peer/*.py, in this repository) in one run, on the same
 * machine, with every target of issue 14 printed MET / NOT MET:
 *
 *   1. one SAC-v1 update at the paper's shapes (obs 17, act 6, 2×256, batch 256): ours as shipped (fast update,
 *      native path, VIREL_PRODUCT_LANES auto) / PyTorch as shipped ≤ 0.5, in alternating blocks; also PyTorch with
 *      one OpenBLAS thread, for the record
 *   2. VIREL1 with its per-step β estimate / our SAC-v1 ≤ 1.15 (both fast, native, their blocks taken in turn):
 *      the target on betaSource `minibatch` (the M-step's own minibatches, as many samples); beta.py's 4096 fresh
 *      replay samples printed too
 *   3. pure wasm path (VIREL_NATIVE=0, a child process; products in our wasm SIMD GEMM, on 1 and on 2 product
 *      lanes) / PyTorch as shipped ≤ 2.0; XNNPACK's products (VIREL_WASM_GEMM=0) timed for the record
 *   4. the roofline: our SAC-v1 update's GFLOP/s against the single-core sgemm peak (src/cli/bench-roofline.ts)
 *   5. end to end, Pendulum-v1, 2×256, lr 1e-3, 6000 env steps, 5-episode evaluations every 1000: wall-clock
 *      ours / PyTorch ≤ 0.6, for SAC (v2) and for VIREL1 (bench/peer/pendulum_sac.py, same algorithm each)
 *   6. HalfCheetah-v5 training env steps/s with evaluation included (no target: recorded), and what the second
 *      core gives there (VIREL_BLAS_THREADS=2, VIREL_PRODUCT_LANES=2 in child processes) and what batched
 *      evaluation saves
 *   Our native product kernels (native/src/virel_gemm.c, the default) against the BLAS's (VIREL_NATIVE_GEMM=blas,
 *   a child process) on the same update.
 *   The second core, two ways: OpenBLAS's own threads inside each product (VIREL_BLAS_THREADS=2 with the BLAS's
 *   products), and two product
 *   lanes (VIREL_PRODUCT_LANES=2: independent products side by side, each single-threaded, bit-identical results) —
 *   for the update, end to end (SAC and VIREL1 with the minibatch β) and on HalfCheetah-v5.
 *
 * The peer needs Debian's python3-torch, python3-numpy and libopenblas0-pthread
 * (`apt-get install python3-torch libopenblas0-pthread`); without them our numbers are printed alone, with a
 * line saying so, and the targets that need the peer read "not measured".
 *
 * Timing, the same way on both sides (the machine may be shared): blocks of updates after a warm-up, minimum and
 * median over blocks, wall-clock and CPU; PyTorch runs before and after ours and its statistics pool both runs.
 * The 0.5× target is measured with the sides alternating block by block (`--paired-blocks`, PyTorch as shipped in
 * a server process, sac_update.py --serve, 200 ms apart): on a shared VM whose speed drifts by tens of percent
 * from minute to minute, separate runs compare different minutes; alternating blocks compare the same ones. Those
 * PyTorch blocks join its pool too. The 1-minute load average is printed with every measurement. End to end: one
 * run per side (they are long), ours on 1 and on 2 product lanes, the target judged on the runs as shipped.
 *
 *   npm run bench:peer [-- --blocks 10] [--per-block 10] [--paired-blocks 20] [--steps 6000]
 *                      [--cheetah-steps 2000] [--no-e2e] [--python /usr/bin/python3]
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as os from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { ready } from "../src/engine/backend";
import { benchHeader, medianOf, minOf, timeUpdate, timeUpdatesAlternating, timeUpdatesInChild } from "../src/cli/bench";
import type { BlockTimes, UpdateResult, UpdateSpec } from "../src/cli/bench";
import { measureSgemmPeak, roofline } from "../src/cli/bench-roofline";
import { isOurNativeGemm, setProductLanes } from "../src/engine/native";
import { resolvedProductLanes } from "../src/engine/settings";

/** Issue 14's targets. */
const TARGET = { sacVsTorch: 0.5, virelVsSac: 1.15, wasmVsTorch: 2.0, e2eVsTorch: 0.6 } as const;

const load = (): string => `load ${os.loadavg()[0]!.toFixed(2)}`;
const out = (s: string): void => void process.stdout.write(s + "\n");
const f2 = (x: number): string => x.toFixed(2);

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
}

interface Peer {
  python: string;
  dir: string;
  problem: string | null;
}

/** Why the Python peer cannot run here, or null. */
function peerProblem(python: string, dir: string): string | null {
  if (!existsSync(join(dir, "sac_update.py"))) return `the peer scripts are missing from ${dir}`;
  const r = spawnSync(python, ["-c", "import numpy, torch"], { encoding: "utf8" });
  if (r.error) return `${python} did not run: ${r.error.message}`;
  if (r.status !== 0) {
    return (
      `${python} cannot import numpy and torch (apt-get install python3-torch libopenblas0-pthread): ` +
      `${(r.stderr ?? "").trim().split("\n").pop() ?? ""}`
    );
  }
  return null;
}

/** sac_update.py's `block <wall ms> <cpu ms>` line (per-update milliseconds of one timing block). */
const BLOCK_LINE = /^block ([\d.]+) ([\d.]+)$/;

/** The torch version and OpenBLAS kernels from sac_update.py's first line. */
function torchHead(text: string): { version: string; core: string } {
  return {
    version: /^torch (\S+)/m.exec(text)?.[1] ?? "?",
    core: /openblas_core=(\S+)/.exec(text)?.[1] ?? "?",
  };
}

/** The PyTorch update timing (bench/peer/sac_update.py), per-update block times. */
function torchUpdate(
  peer: Peer,
  blocks: number,
  perBlock: number,
  env: Record<string, string>,
): (BlockTimes & { version: string; core: string }) | { error: string } {
  const r = spawnSync(
    peer.python,
    [join(peer.dir, "sac_update.py"), "--blocks", String(blocks), "--per-block", String(perBlock)],
    {
      encoding: "utf8",
      timeout: 600_000,
      env: { ...process.env, ...env },
    },
  );
  const blocksSeen = [...(r.stdout ?? "").matchAll(new RegExp(BLOCK_LINE.source, "gm"))];
  if (r.status !== 0 || blocksSeen.length === 0)
    return {
      error: `sac_update.py failed (exit ${String(r.status)}): ${(r.stderr ?? "").trim().split("\n").pop() ?? ""}`,
    };
  return {
    wall: blocksSeen.map((m) => Number(m[1])),
    cpu: blocksSeen.map((m) => Number(m[2])),
    ...torchHead(r.stdout),
  };
}

/**
 * PyTorch's update in a server process (sac_update.py --serve, as shipped: all OpenBLAS threads): it warms up once,
 * then runs one timing block each time {@link TorchServer.block} asks, so that its blocks and ours can alternate.
 */
class TorchServer {
  private readonly child: ReturnType<typeof spawn>;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;
  private stderr = "";
  private constructor(peer: Peer, perBlock: number) {
    this.child = spawn(peer.python, [join(peer.dir, "sac_update.py"), "--serve", "--per-block", String(perBlock)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let buf = "";
    this.child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        this.push(buf.slice(0, nl).trim());
        buf = buf.slice(nl + 1);
      }
    });
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    const end = (): void => {
      this.closed = true;
      this.waiting?.(null);
      this.waiting = null;
    };
    this.child.on("close", end);
    this.child.on("error", end);
  }

  private push(line: string): void {
    if (this.waiting !== null) {
      const w = this.waiting;
      this.waiting = null;
      w(line);
    } else this.lines.push(line);
  }

  private next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.closed) return Promise.reject(new Error(this.why()));
    return new Promise((res, rej) => {
      this.waiting = (l) => (l === null ? rej(new Error(this.why())) : res(l));
    });
  }

  private why(): string {
    return `sac_update.py --serve ended: ${this.stderr.trim().split("\n").pop() ?? ""}`;
  }

  /** Starts the server and waits for its warm-up; resolves with the torch version and OpenBLAS kernels. */
  static async start(peer: Peer, perBlock: number): Promise<{ server: TorchServer; version: string; core: string }> {
    const server = new TorchServer(peer, perBlock);
    const head = await server.next();
    if ((await server.next()) !== "ready") throw new Error(`sac_update.py --serve: no 'ready' after ${head}`);
    return { server, ...torchHead(head) };
  }

  /** Runs one block; resolves with its per-update wall and CPU milliseconds. */
  async block(): Promise<{ wall: number; cpu: number }> {
    this.child.stdin!.write("block\n");
    const line = await this.next();
    const m = BLOCK_LINE.exec(line);
    if (!m) throw new Error(`sac_update.py --serve: expected a block line, got ${JSON.stringify(line)}`);
    return { wall: Number(m[1]), cpu: Number(m[2]) };
  }

  close(): void {
    if (!this.closed) this.child.stdin!.end("quit\n");
  }
}

/** Waits `ms` milliseconds. */
const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/**
 * Pause before and after each PyTorch block of the alternating measurement: OpenBLAS's and OpenMP's idle threads
 * spin for a while after a product, and our second lane spins up to 2 ms after its last one; neither side's block
 * should start while the other's threads still hold a core.
 */
const SETTLE_MS = 200;

/** One end-to-end PyTorch run (bench/peer/pendulum_sac.py). */
/** The end-to-end runs, each on both sides with the same algorithm: SAC (v2), VIREL1 with beta.py's β, VIREL1 with betaSource minibatch. */
const E2E = ["sac", "virel1", "virel1/minibatch"] as const;
/**
 * The end-to-end runs repeated with two product lanes (VIREL_PRODUCT_LANES=2) — all of them: with lanes on `auto`
 * and 2+ cores, that is how they run as shipped.
 */
const LANES_E2E = E2E;
const E2E_NAMES: Record<(typeof E2E)[number], string> = {
  sac: "SAC",
  virel1: "VIREL1 (β on 4096 replay samples)",
  "virel1/minibatch": "VIREL1 (β from its minibatches)",
};

function torchPendulum(
  peer: Peer,
  algo: string,
  steps: number,
): Promise<{ wall_s: number; cpu_s: number; evals: [number, number][] }> {
  const [name, source] = algo.split("/");
  const args = ["--algo", name!, "--steps", String(steps), ...(source ? ["--beta-source", source] : [])];
  return new Promise((res, rej) => {
    const child = spawn(peer.python, [join(peer.dir, "pendulum_sac.py"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let so = "",
      se = "";
    child.stdout.on("data", (d: Buffer) => (so += d.toString()));
    child.stderr.on("data", (d: Buffer) => (se += d.toString()));
    child.on("error", rej);
    child.on("close", (code) => {
      const m = /^result (.*)$/m.exec(so);
      if (code !== 0 || !m)
        rej(
          new Error(
            `pendulum_sac.py --algo ${algo} failed (exit ${String(code)}): ${se.trim().split("\n").pop() ?? ""}`,
          ),
        );
      else res(JSON.parse(m[1]!) as { wall_s: number; cpu_s: number; evals: [number, number][] });
    });
  });
}

/** Our end-to-end run: agents.create with the given config, batched evaluation attached, train(steps) timed. */
async function oursTraining(
  envId: string,
  algo: string,
  steps: number,
  config: Record<string, unknown>,
  untimed = 0,
): Promise<{ wall_s: number; cpu_s: number; eval_s: number; evals: [number, number][]; steps: number }> {
  const agents = await import("../src/agents/index.js");
  const { attachEvalEnvs } = await import("../src/agents/evaluation.js");
  const agent = await agents.create({
    algo,
    env: envId,
    seed: 0,
    config: { logEvery: 1_000_000, checkpointEvery: 0, ...config },
  });
  await attachEvalEnvs(agent);
  let evalMs = 0;
  const evaluate = agent.evaluate.bind(agent);
  agent.evaluate = (n?: number) => {
    const t0 = performance.now();
    try {
      return evaluate(n);
    } finally {
      evalMs += performance.now() - t0;
    }
  };
  if (untimed > 0) await agent.train(untimed);
  evalMs = 0;
  const evals: [number, number][] = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await agent.train(steps, {
    onMetrics: (r) =>
      void (r["eval/return_mean"] !== undefined && evals.push([r.step, r["eval/return_mean"] as number])),
  });
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  agent.dispose();
  return { wall_s: wall, cpu_s: (c.user + c.system) / 1e6, eval_s: evalMs / 1000, evals, steps };
}

/** Batched against one-at-a-time evaluation on HalfCheetah-v5 (5 episodes × 1000 steps each), ms per evaluation. */
async function evalCost(): Promise<{ batched: number; sequential: number; equal: boolean }> {
  const agents = await import("../src/agents/index.js");
  const { attachEvalEnvs, detachEvalEnvs } = await import("../src/agents/evaluation.js");
  const agent = await agents.create({ algo: "sac", env: "HalfCheetah-v5", seed: 0 });
  const state = agent.rngs.eval.getState();
  let t0 = performance.now();
  const seq = agent.evaluate(5);
  const sequential = performance.now() - t0;
  agent.rngs.eval.setState(state);
  await attachEvalEnvs(agent, {}, 5);
  t0 = performance.now();
  const bat = agent.evaluate(5);
  const batched = performance.now() - t0;
  detachEvalEnvs(agent.evalEnv);
  agent.dispose();
  return { batched, sequential, equal: seq.returns.every((x, i) => x === bat.returns[i]) };
}

/** Child mode: one HalfCheetah training measurement, printed as JSON (run with other env variables). */
async function childCheetah(steps: number): Promise<void> {
  await ready("wasm");
  const r = await oursTraining("HalfCheetah-v5", "sac", steps, { evalEvery: 1000, evalEpisodes: 5 }, 1000);
  out("cheetah " + JSON.stringify(r));
}

function cheetahInChild(
  steps: number,
  env: Record<string, string>,
): Promise<{ wall_s: number; cpu_s: number; eval_s: number; steps: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [__filename, "--child-cheetah", String(steps)], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let so = "",
      se = "";
    child.stdout.on("data", (d: Buffer) => (so += d.toString()));
    child.stderr.on("data", (d: Buffer) => (se += d.toString()));
    child.on("error", rej);
    child.on("close", (code) => {
      const m = /^cheetah (.*)$/m.exec(so);
      if (code !== 0 || !m)
        rej(new Error(`child HalfCheetah run failed (exit ${String(code)}): ${se.trim().split("\n").pop() ?? ""}`));
      else res(JSON.parse(m[1]!) as { wall_s: number; cpu_s: number; eval_s: number; steps: number });
    });
  });
}

function verdict(ratio: number | null, target: number): string {
  if (ratio === null) return `not measured (target ≤ ${target})`;
  return `${ratio.toFixed(2)}× — ${ratio <= target ? "MET" : "NOT MET"} (target ≤ ${target}×)`;
}

/** {@link verdict} for the measurement a target is judged on (`judged`), the ratio alone for one printed for the record. */
function judgedOr(ratio: number | null, target: number, judged: boolean): string {
  return judged || ratio === null ? verdict(ratio, target) : `${ratio.toFixed(2)}×`;
}

function stats(label: string, b: BlockTimes): string {
  return `${label.padEnd(34)} min ${f2(minOf(b.wall))} median ${f2(medianOf(b.wall))} ms/update (CPU min ${f2(minOf(b.cpu))} median ${f2(medianOf(b.cpu))})`;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("bench/peer")
    .option("--blocks <n>", "timing blocks per side and path", "10")
    .option("--per-block <n>", "updates per block", "10")
    .option("--paired-blocks <n>", "blocks per side of the alternating SAC-v1 measurement (the 0.5× target)", "20")
    .option("--steps <n>", "end-to-end Pendulum-v1 env steps", "6000")
    .option("--cheetah-steps <n>", "timed HalfCheetah-v5 training steps (after 1000 untimed random steps)", "2000")
    .option("--no-e2e", "skip the end-to-end runs (Pendulum-v1 and HalfCheetah-v5)")
    .option("--child-cheetah <n>", "(internal) one HalfCheetah-v5 measurement, printed as JSON")
    .option(
      "--python <path>",
      "python with torch and numpy",
      existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3",
    )
    .parse(process.argv);
  const o = program.opts<{
    blocks: string;
    perBlock: string;
    pairedBlocks: string;
    steps: string;
    cheetahSteps: string;
    e2e: boolean;
    childCheetah?: string;
    python: string;
  }>();
  if (o.childCheetah !== undefined) return childCheetah(positiveInt("--child-cheetah", o.childCheetah));
  const blocks = positiveInt("--blocks", o.blocks),
    perBlock = positiveInt("--per-block", o.perBlock),
    pairedBlocks = positiveInt("--paired-blocks", o.pairedBlocks);
  const steps = positiveInt("--steps", o.steps),
    cheetahSteps = positiveInt("--cheetah-steps", o.cheetahSteps);
  const dir = resolve(__dirname, "..", "..", "bench", "peer");
  const peer: Peer = { python: o.python, dir, problem: peerProblem(o.python, dir) };
  // our rows without a lanes label are one lane (the rows "2 product lanes" run in child processes with 2); "as
  // shipped" is what VIREL_PRODUCT_LANES gives here (auto: 2 with 2+ usable cores), the row the targets compare
  const shippedLanes = resolvedProductLanes();
  const lanesSetting = process.env.VIREL_PRODUCT_LANES || "auto";
  process.env.VIREL_PRODUCT_LANES = "1";
  const info = await ready("wasm");
  const native = info.native?.loaded === true;
  // our native kernels (VIREL_NATIVE_GEMM), or null when the BLAS computes the products
  const ourGemm = native && isOurNativeGemm(info.native?.gemm) ? info.native!.gemm! : null;
  out(`bench:peer — ${await benchHeader()}`);
  if (peer.problem) out(`PyTorch peer not run: ${peer.problem}`);
  if (process.env.OPENBLAS_CORETYPE)
    out(
      `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} is set here: both sides run those OpenBLAS kernels ` +
        "(unset it, e.g. `env -u OPENBLAS_CORETYPE npm run bench:peer`, to let OpenBLAS pick for this CPU)",
    );
  if (!native)
    out(
      `native kernels not available (${info.native?.reason ?? "unknown"}): the "native" rows below are the pure wasm path`,
    );

  // 1–4: updates at the paper's shapes
  out(`\n## One update, obs 17, act 6, 2×256, batch 256 (${blocks} blocks × ${perBlock})`);
  const torch: BlockTimes = { wall: [], cpu: [] },
    torch1: BlockTimes = { wall: [], cpu: [] };
  let torchVersion = "";
  const runTorch = (): void => {
    for (const [into, env, name] of [
      [torch, {}, "PyTorch SAC-v1 (as shipped)"],
      [torch1, { OPENBLAS_NUM_THREADS: "1" }, "PyTorch SAC-v1 (1 BLAS thread)"],
    ] as const) {
      if (peer.problem) return;
      const t = torchUpdate(peer, blocks, perBlock, env);
      if ("error" in t) {
        peer.problem = t.error;
        out(`PyTorch peer failed: ${t.error}`);
        return;
      }
      torchVersion = t.version;
      into.wall.push(...t.wall);
      into.cpu.push(...t.cpu);
      out(`${stats(name, t)}  [OpenBLAS ${t.core} kernels; ${load()}]`);
    }
  };
  runTorch();
  const spec = (algo: string, beta: boolean, betaSource?: "replay" | "minibatch"): UpdateSpec => ({
    algo,
    hidden: 256,
    batch: 256,
    obs: 17,
    act: 6,
    update: "fast",
    beta,
    ...(betaSource ? { betaSource } : {}),
  });
  const timing = { blocks, perBlock, warmup: 10 };
  // the 0.5× target, measured with the sides alternating block by block (the same minutes of a shared machine):
  // PyTorch as shipped in a server process, ours as shipped (VIREL_PRODUCT_LANES as set: auto → 2 here)
  let paired: { ours: BlockTimes; torch: BlockTimes } | null = null;
  if (!peer.problem) {
    let server: TorchServer | null = null;
    try {
      const started = await TorchServer.start(peer, perBlock);
      server = started.server;
      const torchSide: BlockTimes = { wall: [], cpu: [] };
      const srv = server;
      setProductLanes(shippedLanes);
      const ours = await timeUpdate(spec("sac-v1", false), {
        blocks: pairedBlocks,
        perBlock,
        warmup: 10,
        beforeBlock: async () => {
          await sleep(SETTLE_MS);
          const t = await srv.block();
          torchSide.wall.push(t.wall);
          torchSide.cpu.push(t.cpu);
          await sleep(SETTLE_MS);
        },
      });
      paired = { ours: ours.blocks, torch: torchSide };
      // PyTorch's as-shipped statistics pool its blocks from every run (before ours, alternating, after ours)
      torch.wall.push(...torchSide.wall);
      torch.cpu.push(...torchSide.cpu);
      out(
        `alternating blocks (${pairedBlocks} each, ${SETTLE_MS} ms apart), SAC-v1 as shipped on both sides:\n` +
          `  ${stats("PyTorch (as shipped)", torchSide)}  [OpenBLAS ${started.core} kernels]\n` +
          `  ${stats(`ours (fast, ${ours.path}, ${shippedLanes} product lane${shippedLanes === 2 ? "s" : ""})`, ours.blocks)}  [${load()}]`,
      );
    } catch (err) {
      out(`alternating PyTorch / ours measurement failed: ${(err as Error).message}`);
    } finally {
      setProductLanes(1);
      server?.close();
    }
  }
  // the VIREL1 / SAC-v1 target: their blocks taken in turn (the same minutes)
  const [sac, virel] = (await timeUpdatesAlternating(
    [spec("sac-v1", false), spec("virel1", true, "minibatch")],
    timing,
  )) as [UpdateResult, UpdateResult];
  out(`${stats(`ours SAC-v1 (fast, ${sac.path})`, sac.blocks)}  [${load()}]`);
  out(
    `${stats(`ours VIREL1 + β from its minibatches (fast, ${virel.path})`, virel.blocks)}  [blocks alternating with SAC-v1's; ${load()}]`,
  );
  const virelReplay = await timeUpdate(spec("virel1", true, "replay"), {
    ...timing,
    perBlock: Math.max(2, Math.round(perBlock / 2)),
  });
  out(
    `${stats(`ours VIREL1 + β on 4096 replay samples (fast, ${virelReplay.path})`, virelReplay.blocks)}  [${load()}]`,
  );
  let wasm: UpdateResult | null = null,
    wasmLanes: UpdateResult | null = null,
    wasmXnnpack: UpdateResult | null = null,
    sac2: UpdateResult | null = null,
    sacBlas: UpdateResult | null = null,
    sacLanes: UpdateResult | null = null,
    virelLanes: UpdateResult | null = null;
  if (native) {
    const wasmTiming = { ...timing, perBlock: Math.max(2, Math.round(perBlock / 3)) };
    [wasm] = await timeUpdatesInChild([spec("sac-v1", false)], wasmTiming, {
      VIREL_NATIVE: "0",
      VIREL_PRODUCT_LANES: "1",
    });
    out(`${stats("ours SAC-v1 (fast, pure wasm: our SIMD GEMM)", wasm!.blocks)}  [${load()}]`);
    [wasmLanes] = await timeUpdatesInChild([spec("sac-v1", false)], wasmTiming, {
      VIREL_NATIVE: "0",
      VIREL_PRODUCT_LANES: "2",
    });
    out(`${stats("ours SAC-v1 (fast, pure wasm, 2 product lanes)", wasmLanes!.blocks)}  [${load()}]`);
    [wasmXnnpack] = await timeUpdatesInChild([spec("sac-v1", false)], wasmTiming, {
      VIREL_NATIVE: "0",
      VIREL_WASM_GEMM: "0",
      VIREL_PRODUCT_LANES: "1",
    });
    out(`${stats("ours SAC-v1 (fast, pure wasm: XNNPACK's products)", wasmXnnpack!.blocks)}  [${load()}]`);
    if (ourGemm !== null) {
      [sacBlas] = await timeUpdatesInChild([spec("sac-v1", false)], timing, { VIREL_NATIVE_GEMM: "blas" });
      out(`${stats("ours SAC-v1 (fast, native, the BLAS's products)", sacBlas!.blocks)}  [${load()}]`);
    }
    [sac2] = await timeUpdatesInChild([spec("sac-v1", false)], timing, {
      VIREL_BLAS_THREADS: "2",
      VIREL_NATIVE_GEMM: "blas",
    });
    out(`${stats("ours SAC-v1 (fast, native, 2 BLAS threads)", sac2!.blocks)}  [${load()}]`);
    [sacLanes, virelLanes] = await timeUpdatesInChild(
      [spec("sac-v1", false), spec("virel1", true, "minibatch")],
      timing,
      { VIREL_PRODUCT_LANES: "2" },
      true,
    );
    out(`${stats("ours SAC-v1 (fast, native, 2 product lanes)", sacLanes!.blocks)}  [${load()}]`);
    out(
      `${stats("ours VIREL1 + β from its minibatches (fast, native, 2 product lanes)", virelLanes!.blocks)}  [${load()}]`,
    );
  }
  runTorch();
  const peak = measureSgemmPeak();
  const peakG = "error" in peak ? null : peak.gflops;
  const rf = roofline({ obs: 17, act: 6, hidden: [256, 256], batch: 256 }, minOf(sac.blocks.wall), peakG);

  // 5–6: end to end
  let e2e: {
    ours: Record<string, Awaited<ReturnType<typeof oursTraining>>>;
    torch: Record<string, { wall_s: number; cpu_s: number; evals: [number, number][] } | string>;
  } | null = null;
  let cheetah: Awaited<ReturnType<typeof oursTraining>> | null = null;
  let cheetah2: { wall_s: number; cpu_s: number; eval_s: number; steps: number } | string | null = null;
  let cheetahLanes: { wall_s: number; cpu_s: number; eval_s: number; steps: number } | string | null = null;
  const e2eLanes: Partial<Record<(typeof LANES_E2E)[number], Awaited<ReturnType<typeof oursTraining>>>> = {};
  let evalC: Awaited<ReturnType<typeof evalCost>> | null = null;
  if (o.e2e) {
    out(`\n## End to end, Pendulum-v1, 2×256, lr 1e-3, ${steps} env steps, 5-episode evaluations every 1000`);
    e2e = { ours: {}, torch: {} };
    // ours on Pendulum-v1, one E2E entry ("virel1/minibatch": VIREL1 with betaSource minibatch)
    const pendulum = (algo: (typeof E2E)[number]) =>
      oursTraining("Pendulum-v1", algo.split("/")[0]!, steps, {
        lr: 1e-3,
        evalEvery: 1000,
        evalEpisodes: 5,
        ...(algo === "virel1/minibatch" ? { betaSource: "minibatch" } : {}),
      });
    for (const algo of E2E) {
      const r = await pendulum(algo);
      e2e.ours[algo] = r;
      out(
        `ours ${algo.padEnd(7)} ${f2(r.wall_s)} s wall (CPU ${f2(r.cpu_s)} s; evaluation ${f2(r.eval_s)} s); evaluations ${r.evals.map(([s, m]) => `${s}: ${m.toFixed(0)}`).join(", ")}  [${load()}]`,
      );
      if (!peer.problem) {
        try {
          const t = await torchPendulum(peer, algo, steps);
          e2e.torch[algo] = t;
          out(
            `PyTorch ${algo.padEnd(4)} ${f2(t.wall_s)} s wall (CPU ${f2(t.cpu_s)} s); evaluations ${t.evals.map(([s, m]) => `${s}: ${m.toFixed(0)}`).join(", ")}  [${load()}]`,
          );
        } catch (err) {
          e2e.torch[algo] = (err as Error).message;
          out(`PyTorch ${algo}: ${(err as Error).message}`);
        }
      }
    }
    if (native) {
      // the same runs with two product lanes (this process): compared with the same PyTorch runs
      for (const algo of LANES_E2E) {
        setProductLanes(2);
        try {
          const r = await pendulum(algo);
          e2eLanes[algo] = r;
          out(
            `ours ${algo}, 2 product lanes: ${f2(r.wall_s)} s wall (CPU ${f2(r.cpu_s)} s; evaluation ${f2(r.eval_s)} s); evaluations ${r.evals.map(([s, m]) => `${s}: ${m.toFixed(0)}`).join(", ")}  [${load()}]`,
          );
        } finally {
          setProductLanes(1);
        }
      }
    }
    out(
      `\n## HalfCheetah-v5, SAC (v2) defaults (2×256, batch 256), ${cheetahSteps} training steps after 1000 random ones, 5×1000-step evaluations every 1000 included`,
    );
    cheetah = await oursTraining("HalfCheetah-v5", "sac", cheetahSteps, { evalEvery: 1000, evalEpisodes: 5 }, 1000);
    out(
      `ours: ${(cheetah.steps / cheetah.wall_s).toFixed(1)} env steps/s (${f2(cheetah.wall_s)} s wall, CPU ${f2(cheetah.cpu_s)} s, of which evaluation ${f2(cheetah.eval_s)} s)  [${load()}]`,
    );
    if (native) {
      // the second core, two ways (child processes)
      const second = async (label: string, env: Record<string, string>) => {
        try {
          const r = await cheetahInChild(cheetahSteps, env);
          out(
            `ours, ${label}: ${(r.steps / r.wall_s).toFixed(1)} env steps/s (${f2(r.wall_s)} s wall, CPU ${f2(r.cpu_s)} s)  [${load()}]`,
          );
          return r;
        } catch (err) {
          out(`ours, ${label}: ${(err as Error).message}`);
          return (err as Error).message;
        }
      };
      cheetah2 = await second("2 BLAS threads", { VIREL_BLAS_THREADS: "2", VIREL_NATIVE_GEMM: "blas" });
      cheetahLanes = await second("2 product lanes", { VIREL_PRODUCT_LANES: "2" });
    }
    evalC = await evalCost();
    out(
      `one evaluation (5 × 1000 steps, untrained SAC policy): batched ${f2(evalC.batched)} ms, one at a time ${f2(evalC.sequential)} ms; returns identical: ${evalC.equal}  [${load()}]`,
    );
  }

  // the targets
  const tMin = torch.wall.length > 0 ? minOf(torch.wall) : null;
  const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a / b);
  out(
    `\n## Issue 14 targets (min wall over blocks; PyTorch ${torchVersion || "not run"}; ${os.cpus().length}× ${os.cpus()[0]?.model ?? "?"}; ${load()})`,
  );
  // ours as shipped: the default product lanes (VIREL_PRODUCT_LANES auto) on this machine
  const shipped = shippedLanes === 2 && sacLanes ? sacLanes : sac;
  if (paired !== null) {
    const [o, t] = [paired.ours.wall, paired.torch.wall];
    out(
      `SAC-v1 update, ours as shipped (native, ${shippedLanes} product lane${shippedLanes === 2 ? "s" : ""}: VIREL_PRODUCT_LANES ${lanesSetting} here) / PyTorch as shipped, alternating blocks: ` +
        `${f2(minOf(o))} / ${f2(minOf(t))} ms = ${verdict(minOf(o) / minOf(t), TARGET.sacVsTorch)}; medians ${f2(medianOf(o))} / ${f2(medianOf(t))} ms = ${(medianOf(o) / medianOf(t)).toFixed(2)}×`,
    );
  }
  out(
    `SAC-v1 update${paired !== null ? ", separate runs (for the record)" : ""}, ours as shipped (native, ${shipped === sacLanes ? 2 : 1} product lane${shipped === sacLanes ? "s" : ""}: VIREL_PRODUCT_LANES ${lanesSetting} here) / PyTorch as shipped: ` +
      `${f2(minOf(shipped.blocks.wall))} / ${tMin === null ? "—" : f2(tMin)} ms = ${judgedOr(ratio(minOf(shipped.blocks.wall), tMin), TARGET.sacVsTorch, paired === null)}` +
      (shipped !== sac
        ? `; on 1 product lane ${f2(minOf(sac.blocks.wall))} ms = ${judgedOr(ratio(minOf(sac.blocks.wall), tMin), TARGET.sacVsTorch, paired === null)}`
        : "") +
      (torch1.wall.length > 0
        ? `; against PyTorch with 1 BLAS thread ${f2(minOf(shipped.blocks.wall) / minOf(torch1.wall))}×`
        : ""),
  );
  out(
    `VIREL1 + β (betaSource minibatch) / our SAC-v1: ${f2(minOf(virel.blocks.wall))} / ${f2(minOf(sac.blocks.wall))} ms = ${verdict(minOf(virel.blocks.wall) / minOf(sac.blocks.wall), TARGET.virelVsSac)}` +
      `; with beta.py's 4096 replay samples ${f2(minOf(virelReplay.blocks.wall) / minOf(sac.blocks.wall))}×`,
  );
  out(
    `pure wasm SAC-v1 / PyTorch as shipped: ${wasm ? f2(minOf(wasm.blocks.wall)) : "—"} / ${tMin === null ? "—" : f2(tMin)} ms = ${verdict(ratio(wasm ? minOf(wasm.blocks.wall) : null, tMin), TARGET.wasmVsTorch)}` +
      (wasmLanes
        ? `; 2 product lanes ${f2(minOf(wasmLanes.blocks.wall))} ms = ${verdict(ratio(minOf(wasmLanes.blocks.wall), tMin), TARGET.wasmVsTorch)}`
        : "") +
      (wasmXnnpack ? `; with XNNPACK's products (VIREL_WASM_GEMM=0) ${f2(minOf(wasmXnnpack.blocks.wall))} ms` : ""),
  );
  out(
    `roofline: ${rf.gflop_per_update.toFixed(3)} GFLOP/update, ${rf.achieved_gflops.toFixed(1)} GFLOP/s achieved` +
      (rf.roofline_fraction === null
        ? ` (sgemm peak not measured: ${"error" in peak ? peak.error : ""})`
        : ` = ${(100 * rf.roofline_fraction).toFixed(1)}% of the single-core sgemm peak ${peakG!.toFixed(1)} GFLOP/s` +
          ` (${
            "error" in peak
              ? ""
              : `${peak.kernel === "BLAS" ? "the BLAS" : `our ${peak.kernel} kernels`}; peaks ${Object.entries(
                  peak.byKernel,
                )
                  .map(([k, g]) => `${k} ${g}`)
                  .join(", ")}; `
          }floor ${f2(rf.floor_ms!)} ms/update)`),
  );
  if (sac2)
    out(
      `2 BLAS threads (the BLAS's products), SAC-v1 update: ${f2(minOf(sac2.blocks.wall))} ms vs ${f2(minOf((sacBlas ?? sac).blocks.wall))} ms on 1 (${(minOf((sacBlas ?? sac).blocks.wall) / minOf(sac2.blocks.wall)).toFixed(2)}× speed-up)`,
    );
  if (sacBlas)
    out(
      `our ${ourGemm} kernels against the BLAS's products (VIREL_NATIVE_GEMM=blas), SAC-v1 update: ${f2(minOf(sac.blocks.wall))} vs ${f2(minOf(sacBlas.blocks.wall))} ms (${(minOf(sacBlas.blocks.wall) / minOf(sac.blocks.wall)).toFixed(2)}× speed-up)`,
    );
  if (sacLanes && virelLanes)
    out(
      `2 product lanes: SAC-v1 update ${f2(minOf(sacLanes.blocks.wall))} ms (${(minOf(sac.blocks.wall) / minOf(sacLanes.blocks.wall)).toFixed(2)}× speed-up; ` +
        `ours / PyTorch as shipped ${judgedOr(ratio(minOf(sacLanes.blocks.wall), tMin), TARGET.sacVsTorch, paired === null)}); ` +
        `VIREL1 + β (minibatch) ${f2(minOf(virelLanes.blocks.wall))} ms = ${(minOf(virelLanes.blocks.wall) / minOf(sacLanes.blocks.wall)).toFixed(2)}× SAC-v1 on 2 lanes`,
    );
  if (e2e) {
    // the target is judged on the runs as shipped: 2 product lanes where VIREL_PRODUCT_LANES resolves to 2 here
    // (and the lanes ran), else 1; the other runs are printed for the record
    const lanesShipped = shippedLanes === 2 && LANES_E2E.every((a) => e2eLanes[a] !== undefined);
    const line = (algo: (typeof E2E)[number], r: { wall_s: number }, lanes: 1 | 2): void => {
      const t = e2e!.torch[algo];
      const tw = typeof t === "object" ? t.wall_s : null;
      const shippedRun = (lanes === 2) === lanesShipped;
      out(
        `end to end Pendulum-v1 ${E2E_NAMES[algo]}, ${lanes === 2 ? "2 product lanes" : "1 product lane"}${shippedRun ? " (as shipped here)" : ", for the record"}, ours / PyTorch: ` +
          `${f2(r.wall_s)} / ${tw === null ? "—" : f2(tw)} s = ${judgedOr(ratio(r.wall_s, tw), TARGET.e2eVsTorch, shippedRun)}`,
      );
    };
    for (const algo of LANES_E2E) {
      const r = e2eLanes[algo];
      if (r) line(algo, r, 2);
    }
    for (const algo of E2E) line(algo, e2e.ours[algo]!, 1);
  }
  if (cheetah) {
    out(
      `HalfCheetah-v5 training with evaluation: ${(cheetah.steps / cheetah.wall_s).toFixed(1)} env steps/s (recorded; no target)` +
        (typeof cheetah2 === "object" && cheetah2 !== null
          ? `; 2 BLAS threads ${(cheetah2.steps / cheetah2.wall_s).toFixed(1)} env steps/s`
          : "") +
        (typeof cheetahLanes === "object" && cheetahLanes !== null
          ? `; 2 product lanes ${(cheetahLanes.steps / cheetahLanes.wall_s).toFixed(1)} env steps/s`
          : ""),
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/peer: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
