/**
 * `npm run bench:peer`: the PyTorch peer (../shared/bench/torch_sac_update.py, beside the repo) and our
 * reference update in the same run, on the same machine, at the paper shapes (2×256, batch 256) and at 2×64 /
 * batch 128, for the native and the pure wasm paths; prints ms/update and the ratios to PyTorch.
 *
 * The peer needs Debian's python3-torch and libopenblas0-pthread (`apt-get install python3-torch
 * libopenblas0-pthread`); without them our numbers are printed alone, with a line saying what is missing.
 *
 * The machine may be shared, so each shape runs several rounds of (PyTorch, native, wasm), interleaved, and the
 * table shows medians over rounds, both wall-clock and CPU time (user + system of the whole process; for
 * PyTorch the unmodified script runs under a small wrapper that also reads `time.process_time()` around the
 * script's own timed loop). CPU time is the fairer number when other work competes for the cores.
 *
 *   npm run build && node dist/bench/peer.js [--rounds 3] [--n 30] [--torch-n 200] [--python /usr/bin/python3]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { ready } from "../src/engine/backend";
import { benchHeader, PAPER_SHAPES, timeReferenceUpdate, usePath } from "./update-reference";
import type { KernelPath, ReferenceShapes } from "./update-reference";

/** The targets: ours / PyTorch at most this (native, pure wasm); null = no target. */
const TARGETS: Record<string, Record<KernelPath, number | null>> = {
  "2×256 / batch 256": { native: 2.0, wasm: 4.0 },
  "2×64 / batch 128": { native: 1.5, wasm: null },
};

/**
 * Runs the peer script unmodified via runpy, with `time.perf_counter` wrapped so that each of the script's
 * clock reads also records the process CPU clock; prints wall and CPU ms per timed update.
 */
const TORCH_WRAPPER = `
import sys, time, runpy
script, n = sys.argv[1], int(sys.argv[2])
real, log = time.perf_counter, []
def clock():
    log.append((real(), time.process_time()))
    return log[-1][0]
time.perf_counter = clock
sys.argv = [script] + sys.argv[3:]
runpy.run_path(script, run_name='__main__')
(w0, c0), (w1, c1) = log[-2], log[-1]
print('wrapper wall ms/update %.4f' % ((w1 - w0) / n * 1000))
print('wrapper cpu ms/update %.4f' % ((c1 - c0) / n * 1000))
`;

interface Peer {
  python: string;
  script: string;
  torchN: number;
}

interface Timing {
  wall: number;
  cpu: number;
}

/** ms/update of the PyTorch script (wall and CPU), or the reason it cannot run. */
function runTorch(peer: Peer, shapes: ReferenceShapes): (Timing & { version: string }) | { error: string } {
  const args = ["--hidden", String(shapes.hidden), "--batch", String(shapes.batch), "--obs", String(shapes.obs),
    "--act", String(shapes.act), "--n", String(peer.torchN), "--threads", "1"];
  const r = spawnSync(peer.python, ["-c", TORCH_WRAPPER, peer.script, String(peer.torchN), ...args], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (r.error) return { error: `${peer.python} did not run: ${r.error.message}` };
  const wall = /wrapper wall ms\/update ([\d.]+)/.exec(r.stdout ?? "");
  const cpu = /wrapper cpu ms\/update ([\d.]+)/.exec(r.stdout ?? "");
  const version = /^torch (\S+)/m.exec(r.stdout ?? "");
  if (r.status !== 0 || !wall || !cpu) {
    if (/No module named .?torch/.test(r.stderr ?? "")) {
      return { error: `python3-torch is not installed for ${peer.python}: apt-get install python3-torch libopenblas0-pthread` };
    }
    const last = (r.stderr ?? "").trim().split("\n").pop() ?? "";
    return { error: `the peer script failed (exit ${String(r.status)}): ${last}` };
  }
  return { wall: Number(wall[1]), cpu: Number(cpu[1]), version: version?.[1] ?? "?" };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
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

async function main(): Promise<void> {
  const repo = resolve(__dirname, "..", "..");
  const program = new Command()
    .name("bench/peer")
    .option("--rounds <n>", "interleaved rounds per shape", "3")
    .option("--n <n>", "timed updates of ours per round (native; wasm runs a quarter, at least 5)", "30")
    .option("--torch-n <n>", "timed updates of the PyTorch peer per round", "200")
    .option("--python <path>", "python with torch", existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
    .option("--script <path>", "the peer script", join(repo, "..", "shared", "bench", "torch_sac_update.py"))
    .parse(process.argv);
  const o = program.opts<{ rounds: string; n: string; torchN: string; python: string; script: string }>();
  const rounds = Number(o.rounds), n = Number(o.n), torchN = Number(o.torchN);
  for (const [k, v] of [["--rounds", rounds], ["--n", n], ["--torch-n", torchN]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${String(v)}`);
  }
  const peer: Peer = { python: o.python, script: resolve(o.script), torchN };
  let peerProblem: string | null = null;
  if (!existsSync(peer.script)) {
    peerProblem = `the PyTorch peer script is missing: ${peer.script} (expected in ../shared/bench/ beside the repo; pass --script)`;
  }
  await ready("wasm");
  const status = usePath("native");
  process.stdout.write(`${benchHeader()}\n`);
  if (!status.loaded) process.stdout.write(`native kernels not available: ${status.reason ?? "unknown"}\n`);
  const paths: KernelPath[] = status.loaded ? ["native", "wasm"] : ["wasm"];
  const cases: Array<[string, ReferenceShapes]> = [
    ["2×256 / batch 256", { ...PAPER_SHAPES }],
    ["2×64 / batch 128", { ...PAPER_SHAPES, hidden: 64, batch: 128 }],
  ];
  const rows: string[] = [];
  let torchVersion = "";
  for (const [label, shapes] of cases) {
    const runs: Record<"torch" | KernelPath, Timing[]> = { torch: [], native: [], wasm: [] };
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      if (!peerProblem) {
        const t = runTorch(peer, shapes);
        if ("error" in t) peerProblem = t.error;
        else {
          torchVersion = t.version;
          runs.torch.push(t);
          line.push(`torch ${t.wall.toFixed(2)} (cpu ${t.cpu.toFixed(2)})`);
        }
      }
      for (const path of paths) {
        usePath(path);
        const res = timeReferenceUpdate(shapes, path === "wasm" ? Math.max(5, Math.ceil(n / 4)) : n, 5);
        runs[path].push({ wall: res.msPerUpdate, cpu: res.cpuMsPerUpdate });
        line.push(`${path} ${res.msPerUpdate.toFixed(2)} (cpu ${res.cpuMsPerUpdate.toFixed(2)})`);
      }
      process.stdout.write(`${label}, round ${round}: ${line.join(", ")} ms/update\n`);
    }
    usePath("native");
    const med = (xs: Timing[], k: keyof Timing): number | undefined => (xs.length ? median(xs.map((x) => x[k])) : undefined);
    const target = TARGETS[label] ?? { native: null, wasm: null };
    for (const k of ["wall", "cpu"] as const) {
      const torch = med(runs.torch, k), nat = med(runs.native, k), wasm = med(runs.wasm, k);
      rows.push(
        `| ${label} | ${k === "wall" ? "wall" : "CPU"} | ${fmt(torch)} | ${fmt(nat)} | ${fmtRatio(nat, torch, target.native)} | ` +
          `${fmt(wasm)} | ${fmtRatio(wasm, torch, target.wasm)} |`,
      );
    }
  }
  if (peerProblem) process.stdout.write(`PyTorch peer not run: ${peerProblem}\n`);
  process.stdout.write(
    `\nmedians over ${rounds} round(s); PyTorch ${torchVersion || "not run"}, 1 thread\n` +
      "| shapes | clock | PyTorch ms/update | native ms/update | native / PyTorch | pure wasm ms/update | wasm / PyTorch |\n" +
      "|---|---|---|---|---|---|---|\n" + rows.join("\n") + "\n",
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/peer: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
