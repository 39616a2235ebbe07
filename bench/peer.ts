/**
 * `npm run bench:peer`: the PyTorch peer (../shared/bench/torch_sac_update.py, beside the repo) and our
 * reference update in the same run, on the same machine, at the paper shapes (2×256, batch 256) and at 2×64 /
 * batch 128, for the native and the pure wasm paths; prints ms/update and the ratios to PyTorch.
 *
 * The peer needs Debian's python3-torch and libopenblas0-pthread (`apt-get install python3-torch
 * libopenblas0-pthread`); without them our numbers are printed alone, with a line saying what is missing.
 *
 * How it times, the same way on both sides (the machine may be shared, so one long average is not enough):
 * PyTorch runs the unmodified script (its own warm-up and timed loop, kept short with --n), then a small python
 * wrapper times the script's own `update()` in blocks; ours times blocks of updates of one learner. The table
 * gives the minimum over blocks (the least-disturbed estimate) and the median, in wall-clock and CPU time
 * (user + system of the whole process). PyTorch runs before and after ours; its minimum is over both runs.
 *
 *   npm run build && node dist/bench/peer.js [--blocks 12] [--per-block 10] [--stock] [--python /usr/bin/python3]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { ready } from "../src/engine/backend";
import { benchHeader, PAPER_SHAPES, timeReferenceBlocks, usePath } from "./update-reference";
import type { BlockTimings, KernelPath, ReferenceShapes } from "./update-reference";

/** The targets: ours / PyTorch at most this (native, pure wasm); null = no target. */
const TARGETS: Record<string, Record<"native" | "wasm", number | null>> = {
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
function runTorch(peer: Peer, shapes: ReferenceShapes): (BlockTimings & { version: string }) | { error: string } {
  const args = ["--hidden", String(shapes.hidden), "--batch", String(shapes.batch), "--obs", String(shapes.obs),
    "--act", String(shapes.act), "--n", "20", "--threads", "1"];
  const r = spawnSync(peer.python, ["-c", TORCH_WRAPPER, peer.script, String(peer.blocks), String(peer.perBlock), ...args], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (r.error) return { error: `${peer.python} did not run: ${r.error.message}` };
  const blocks = [...(r.stdout ?? "").matchAll(/^block ([\d.]+) ([\d.]+)$/gm)];
  const version = /^torch (\S+)/m.exec(r.stdout ?? "");
  if (r.status !== 0 || blocks.length === 0) {
    if (/No module named .?torch/.test(r.stderr ?? "")) {
      return { error: `python3-torch is not installed for ${peer.python}: apt-get install python3-torch libopenblas0-pthread` };
    }
    const last = (r.stderr ?? "").trim().split("\n").pop() ?? "";
    return { error: `the peer script failed (exit ${String(r.status)}): ${last}` };
  }
  return {
    wall: blocks.map((m) => Number(m[1])),
    cpu: blocks.map((m) => Number(m[2])),
    version: version?.[1] ?? "?",
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function min(xs: number[]): number {
  return Math.min(...xs);
}

function fmtRatio(ours: number | undefined, torch: number | undefined, target: number | null): string {
  if (ours === undefined || torch === undefined) return "—";
  const ratio = ours / torch;
  const verdict = target === null ? "" : ratio <= target ? ` ✓ (≤${target}×)` : ` ✗ (target ≤${target}×)`;
  return `${ratio.toFixed(2)}×${verdict}`;
}

function fmt(x: number | undefined): string {
  return x === undefined ? "—" : x.toFixed(2);
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
    .option("--blocks <n>", "timing blocks per side and shape", "12")
    .option("--per-block <n>", "updates per block (the pure wasm path runs a fifth, at least 2)", "10")
    .option("--stock", "also time tfjs-backend-wasm's own kernels, untouched (slow)")
    .option("--python <path>", "python with torch", existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
    .option("--script <path>", "the peer script", join(repo, "..", "shared", "bench", "torch_sac_update.py"))
    .parse(process.argv);
  const o = program.opts<{ blocks: string; perBlock: string; python: string; script: string; stock?: boolean }>();
  const blocks = positiveInt("--blocks", o.blocks), perBlock = positiveInt("--per-block", o.perBlock);
  const peer: Peer = { python: o.python, script: resolve(o.script), blocks, perBlock };
  let peerProblem: string | null = null;
  if (!existsSync(peer.script)) {
    peerProblem = `the PyTorch peer script is missing: ${peer.script} (expected in ../shared/bench/ beside the repo; pass --script)`;
  }
  await ready("wasm");
  const status = usePath("native");
  process.stdout.write(`${benchHeader()}\n`);
  if (!status.loaded) process.stdout.write(`native kernels not available: ${status.reason ?? "unknown"}\n`);
  const paths: KernelPath[] = status.loaded ? ["native", "wasm"] : ["wasm"];
  if (o.stock) paths.push("stock");
  const cases: Array<[string, ReferenceShapes]> = [
    ["2×256 / batch 256", { ...PAPER_SHAPES }],
    ["2×64 / batch 128", { ...PAPER_SHAPES, hidden: 64, batch: 128 }],
  ];
  const rows: string[] = [];
  let torchVersion = "";
  for (const [label, shapes] of cases) {
    const torch: BlockTimings = { wall: [], cpu: [] };
    const ours: Partial<Record<KernelPath, BlockTimings>> = {};
    const runPeer = (): void => {
      if (peerProblem) return;
      const t = runTorch(peer, shapes);
      if ("error" in t) {
        peerProblem = t.error;
        return;
      }
      torchVersion = t.version;
      torch.wall.push(...t.wall);
      torch.cpu.push(...t.cpu);
      process.stdout.write(`${label}: torch     min ${min(t.wall).toFixed(2)} median ${median(t.wall).toFixed(2)} ms/update (cpu min ${min(t.cpu).toFixed(2)})\n`);
    };
    runPeer();
    for (const path of paths) {
      usePath(path);
      const t = timeReferenceBlocks(shapes, blocks, path === "native" ? perBlock : Math.max(2, Math.ceil(perBlock / 5)));
      ours[path] = t;
      process.stdout.write(`${label}: ${path.padEnd(9)} min ${min(t.wall).toFixed(2)} median ${median(t.wall).toFixed(2)} ms/update (cpu min ${min(t.cpu).toFixed(2)})\n`);
    }
    usePath("native");
    runPeer();
    const target = TARGETS[label] ?? { native: null, wasm: null };
    const stat = (t: BlockTimings | undefined, f: (xs: number[]) => number, k: keyof BlockTimings): number | undefined =>
      t && t[k].length > 0 ? f(t[k]) : undefined;
    for (const [name, f, k] of [["min wall", min, "wall"], ["median wall", median, "wall"], ["min CPU", min, "cpu"]] as const) {
      const tt = stat(torch, f, k), nat = stat(ours.native, f, k), wasm = stat(ours.wasm, f, k);
      const stockCols = o.stock ? ` ${fmt(stat(ours.stock, f, k))} | ${fmtRatio(stat(ours.stock, f, k), tt, null)} |` : "";
      rows.push(
        `| ${label} | ${name} | ${fmt(tt)} | ${fmt(nat)} | ${fmtRatio(nat, tt, target.native)} | ` +
          `${fmt(wasm)} | ${fmtRatio(wasm, tt, target.wasm)} |${stockCols}`,
      );
    }
  }
  if (peerProblem) process.stdout.write(`PyTorch peer not run: ${peerProblem}\n`);
  process.stdout.write(
    `\n${blocks} blocks of ${perBlock} updates per side (pure wasm, stock: ${Math.max(2, Math.ceil(perBlock / 5))}); ` +
      `PyTorch ${torchVersion || "not run"}, 1 thread\n` +
      "| shapes | statistic | PyTorch ms/update | native ms/update | native / PyTorch | pure wasm ms/update | wasm / PyTorch |" +
      (o.stock ? " stock tfjs-wasm ms/update | stock / PyTorch |" : "") + "\n" +
      "|---|---|---|---|---|---|---|" + (o.stock ? "---|---|" : "") + "\n" + rows.join("\n") + "\n",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/peer: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
