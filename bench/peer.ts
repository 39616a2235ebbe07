/**
 * `npm run bench:peer`: the PyTorch peer (../shared/bench/torch_sac_update.py, beside the repo) and our SAC-v1
 * update — the fast one (src/agents/fused/update.ts) and the reference one (learner.ts) — in the same run, on the same
 * machine, at the paper's shapes (obs 17, act 6, 2×256, batch 256) and at 2×64 / batch 128, on the native BLAS
 * path (this process) and the pure wasm path (a child process with VIREL_NATIVE=0); prints ms/update and the
 * ratios to PyTorch with the issue's targets.
 *
 * The peer needs Debian's python3-torch and libopenblas0-pthread (`apt-get install python3-torch
 * libopenblas0-pthread`; CI does not install them): without them our numbers are printed alone, with a line
 * saying so.
 *
 * Threads: the script calls torch.set_num_threads(1), but Debian's PyTorch runs its matrix products in OpenBLAS,
 * whose own thread pool still uses both cores of this machine (measured: CPU time ≈ 1.5–2× wall-clock). So the
 * peer runs twice per shape: as shipped, and with OPENBLAS_NUM_THREADS=1 (one core, as ours by default);
 * and ours also runs once with VIREL_BLAS_THREADS=2 (the native kernels on both cores).
 *
 * How it times, the same way on both sides (the machine may be shared, so one long average is not enough):
 * PyTorch runs the unmodified script (its own warm-up and a short timed loop), then a small Python wrapper times
 * the script's own `update()` in blocks; ours times blocks of updates of one learner after a warm-up. The table
 * gives the minimum over blocks (the least-disturbed estimate) and the median, in wall-clock and CPU time (user +
 * system of the whole process: Python's process_time, Node's process.cpuUsage). PyTorch runs before and after
 * ours for each shape; its statistics are over both runs.
 *
 *   npm run bench:peer [-- --blocks 10] [--per-block 10] [--python /usr/bin/python3] [--script PATH]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { ready } from "../src/engine/backend";
import { benchHeader, medianOf, minOf, timeUpdate, timeUpdatesInChild } from "../src/cli/bench";
import type { BlockTimes, UpdateResult, UpdateSpec } from "../src/cli/bench";

/** The issue's targets: ours / PyTorch at most this (fast update; native, pure wasm); null = no target. */
const TARGETS: Record<string, { native: number | null; wasm: number | null }> = {
  "2×256 / batch 256": { native: 2.0, wasm: 4.0 },
  "2×64 / batch 128": { native: 1.5, wasm: null },
};

/**
 * Runs the peer script unmodified (runpy), then times its own `update()` in blocks and prints one
 * `block <wall ms> <cpu ms>` line per block (per update).
 */
const TORCH_WRAPPER = `
import sys, time, runpy
script, blocks, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.argv = [script] + sys.argv[4:]
g = runpy.run_path(script, run_name='__main__')
update = g['update']
for _ in range(blocks):
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(per):
        update()
    w1, c1 = time.perf_counter(), time.process_time()
    print('block %.4f %.4f' % ((w1 - w0) / per * 1000, (c1 - c0) / per * 1000))
`;

interface Peer {
  python: string;
  script: string;
  blocks: number;
  perBlock: number;
}

/** Block timings of the PyTorch peer, or the reason it cannot run. */
function runTorch(peer: Peer, hidden: number, batch: number, env: Record<string, string> = {}): (BlockTimes & { version: string }) | { error: string } {
  const args = ["--hidden", String(hidden), "--batch", String(batch), "--obs", "17", "--act", "6", "--n", "20", "--threads", "1"];
  const r = spawnSync(peer.python, ["-c", TORCH_WRAPPER, peer.script, String(peer.blocks), String(peer.perBlock), ...args], {
    encoding: "utf8",
    timeout: 600_000,
    env: { ...process.env, ...env },
  });
  if (r.error) return { error: `${peer.python} did not run: ${r.error.message}` };
  const blocks = [...(r.stdout ?? "").matchAll(/^block ([\d.]+) ([\d.]+)$/gm)];
  const version = /^torch (\S+)/m.exec(r.stdout ?? "");
  if (r.status !== 0 || blocks.length === 0) {
    if (/No module named .?torch/.test(r.stderr ?? "")) {
      return { error: `python3-torch is not installed for ${peer.python} (apt-get install python3-torch libopenblas0-pthread; CI does not have it)` };
    }
    const last = (r.stderr ?? "").trim().split("\n").pop() ?? "";
    return { error: `the peer script failed (exit ${String(r.status)}): ${last}` };
  }
  return { wall: blocks.map((m) => Number(m[1])), cpu: blocks.map((m) => Number(m[2])), version: version?.[1] ?? "?" };
}

function fmt(x: number | undefined): string {
  return x === undefined ? "—" : x.toFixed(2);
}

/** "ours/PyTorch × / ours/PyTorch(1 BLAS thread) ×", the first checked against the target. */
function fmtRatio(ours: number | undefined, torch: number | undefined, torch1: number | undefined, target: number | null): string {
  if (ours === undefined || torch === undefined) return "—";
  const ratio = ours / torch;
  const verdict = target === null ? "" : ratio <= target ? ` ✓ (≤${target}×)` : ` ✗ (target ≤${target}×)`;
  return `**${ratio.toFixed(2)}×**${torch1 !== undefined ? ` / ${(ours / torch1).toFixed(2)}×` : ""}${verdict}`;
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
}

async function main(): Promise<void> {
  const repo = resolve(__dirname, "..", "..");
  const program = new Command()
    .name("bench/peer")
    .option("--blocks <n>", "timing blocks per side, shape and path", "10")
    .option("--per-block <n>", "updates per block (fewer for the slow paths)", "10")
    .option("--python <path>", "python with torch", existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
    .option("--script <path>", "the peer script", join(repo, "..", "shared", "bench", "torch_sac_update.py"))
    .parse(process.argv);
  const o = program.opts<{ blocks: string; perBlock: string; python: string; script: string }>();
  const blocks = positiveInt("--blocks", o.blocks), perBlock = positiveInt("--per-block", o.perBlock);
  const peer: Peer = { python: o.python, script: resolve(o.script), blocks, perBlock };
  let peerProblem: string | null = null;
  if (!existsSync(peer.script)) {
    peerProblem = `the PyTorch peer script is missing: ${peer.script} (expected in ../shared/bench/ beside the repo; pass --script)`;
  }
  const info = await ready("wasm");
  const nativeLoaded = info.native?.loaded === true;
  process.stdout.write(`${await benchHeader()}\n`);
  if (!nativeLoaded) process.stdout.write(`native kernels not available: ${info.native?.reason ?? "unknown"} — this process times the pure wasm path\n`);
  const cases: Array<[string, number, number]> = [["2×256 / batch 256", 256, 256], ["2×64 / batch 128", 64, 128]];
  const rows: string[] = [];
  let torchVersion = "";
  for (const [label, hidden, batch] of cases) {
    const torch: BlockTimes = { wall: [], cpu: [] };
    const torch1: BlockTimes = { wall: [], cpu: [] };
    const runPeer = (): void => {
      for (const [into, env, name] of [[torch, {}, "PyTorch"], [torch1, { OPENBLAS_NUM_THREADS: "1" }, "PyTorch 1 thread"]] as const) {
        if (peerProblem) return;
        const t = runTorch(peer, hidden, batch, env);
        if ("error" in t) {
          peerProblem = t.error;
          return;
        }
        torchVersion = t.version;
        into.wall.push(...t.wall);
        into.cpu.push(...t.cpu);
        process.stdout.write(`${label}: ${name.padEnd(17)} min ${minOf(t.wall).toFixed(2)} median ${medianOf(t.wall).toFixed(2)} ms/update (CPU min ${minOf(t.cpu).toFixed(2)})\n`);
      }
    };
    runPeer();
    const ours = new Map<string, UpdateResult>();
    const per = (slow: number): number => Math.max(2, Math.round((perBlock * (hidden >= 256 ? 1 : 4)) / slow));
    for (const update of ["fast", "reference"] as const) {
      const spec: UpdateSpec = { algo: "sac-v1", hidden, batch, obs: 17, act: 6, update, beta: false };
      const here = await timeUpdate(spec, { blocks, perBlock: per(update === "fast" ? 1 : 2), warmup: 20 });
      ours.set(`${update}/${here.path}`, here);
      if (nativeLoaded) {
        const [w] = await timeUpdatesInChild([spec], { blocks, perBlock: per(update === "fast" ? 3 : 4), warmup: 10 }, { VIREL_NATIVE: "0" });
        ours.set(`${update}/${w!.path}`, w!);
        if (update === "fast") {
          const [two] = await timeUpdatesInChild([spec], { blocks, perBlock: per(1), warmup: 20 }, { VIREL_BLAS_THREADS: "2" });
          ours.set("fast/native2", { ...two!, path: "native2" });
        }
      }
      for (const p of nativeLoaded ? ["native", "native2", "wasm"] : ["wasm"]) {
        const r = ours.get(`${update}/${p}`);
        if (r) process.stdout.write(`${label}: ${`${update} ${p}`.padEnd(17)} min ${minOf(r.blocks.wall).toFixed(2)} median ${medianOf(r.blocks.wall).toFixed(2)} ms/update (CPU min ${minOf(r.blocks.cpu).toFixed(2)})\n`);
      }
    }
    runPeer();
    const target = TARGETS[label] ?? { native: null, wasm: null };
    for (const [name, f, k] of [["min wall", minOf, "wall"], ["median wall", medianOf, "wall"], ["min CPU", minOf, "cpu"], ["median CPU", medianOf, "cpu"]] as const) {
      const tt = torch[k].length > 0 ? f(torch[k]) : undefined;
      const tt1 = torch1[k].length > 0 ? f(torch1[k]) : undefined;
      const stat = (key: string): number | undefined => {
        const r = ours.get(key);
        return r ? f(r.blocks[k]) : undefined;
      };
      const cells = ["fast/native", "fast/wasm", "reference/native", "reference/wasm", "fast/native2"].map((key) => {
        const v = stat(key);
        const t = key === "fast/native" ? target.native : key === "fast/wasm" ? target.wasm : null;
        return `${fmt(v)} | ${fmtRatio(v, tt, tt1, t)}`;
      });
      rows.push(`| ${label} | ${name} | ${fmt(tt)} | ${fmt(tt1)} | ${cells.join(" | ")} |`);
    }
  }
  if (peerProblem) process.stdout.write(`PyTorch peer not run: ${peerProblem}\n`);
  process.stdout.write(
    `\nSAC-v1 update (V, target V, twin Q, actor, Adam, Polyak), obs 17, act 6; ${blocks} timing blocks per side; ` +
      `PyTorch ${torchVersion || "not run"} (torch.set_num_threads(1); as shipped its OpenBLAS still uses both cores, ` +
      `\"1 BLAS thread\" = OPENBLAS_NUM_THREADS=1). ms per update; ratios ours / PyTorch and ours / PyTorch with 1 BLAS thread:\n` +
      "| shapes | statistic | PyTorch | PyTorch, 1 BLAS thread | fast, native | ratio | fast, pure wasm | ratio | reference, native | ratio | " +
      "reference, pure wasm | ratio | fast, native, 2 BLAS threads | ratio |\n" +
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n" + rows.join("\n") + "\n",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/peer: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
