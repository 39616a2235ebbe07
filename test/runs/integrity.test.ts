// Run directories never lose data: each "way to lose data" of issue 17, done as a user would (spawn the CLI,
// kill it, run two at once, pipe into `head -c 200`, edit files), then check that nothing is lost and that the
// message is clear. VIREL_TEST_BIN=/path/to/bin/virel.js runs these probes against another build (each fails on
// the code before issue 17).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..", "..");
const bin = process.env.VIREL_TEST_BIN ?? path.join(root, "bin", "virel.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virel-runs-"));
const cfg = path.join(tmp, "small.json");
fs.writeFileSync(cfg, JSON.stringify({ hidden: [16, 16], batchSize: 32, randomSteps: 100, evalEvery: 150, evalEpisodes: 1, logEvery: 50, betaBatch: 128 }));
const started: ChildProcess[] = [];
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  fs.rmSync(tmp, { recursive: true, force: true });
});

function virel(args: string[], input?: string) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: root, timeout: 180_000, input });
}

function trainArgs(out: string, steps: number, extra: string[] = []): string[] {
  return ["train", "--env", "Pendulum-v1", "--algo", "sac", "--steps", String(steps), "--out", out, "--config", cfg, ...extra];
}

/** Start a long `virel train --progress json`; resolves once it reports step ≥ `atStep`. */
function startTrain(args: string[], atStep: number): Promise<{ child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stderr: string }> }> {
  const child = spawn(process.execPath, [bin, ...args, "--progress", "json"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })));
  return new Promise((resolve, reject) => {
    let out = "";
    let fired = false;
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const steps = [...out.matchAll(/"step":(\d+)/g)].map((x) => Number(x[1]));
      if (!fired && steps.some((s) => s >= atStep)) {
        fired = true;
        resolve({ child, done });
      }
    });
    void done.then((r) => {
      if (!fired) reject(new Error(`train ended (code ${r.code}, signal ${r.signal}) before step ${atStep}: ${r.stderr}`));
    });
  });
}

function metricsLines(dir: string): Record<string, number>[] {
  return fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>);
}

/** Metric records without the wall-clock perf/* entries. */
function numbers(dir: string): Record<string, number>[] {
  return metricsLines(dir).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("perf/"))));
}

function summaryStep(dir: string): number {
  return (JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8")) as { step: number }).step;
}

const deadPid = (): number => {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
};

// The reference: 600 uninterrupted steps.
const straight = path.join(tmp, "straight");
test("reference run (600 steps, uninterrupted)", () => {
  const r = virel(trainArgs(straight, 600, ["--progress", "none"]));
  assert.equal(r.status, 0, r.stderr);
});

test("1. train into a directory with files but no checkpoint (a run killed before its first checkpoint) is refused; --force moves the files aside", async () => {
  const dir = path.join(tmp, "killed-early");
  const { child, done } = await startTrain(trainArgs(dir, 100_000), 200);
  child.kill("SIGKILL");
  await done;
  assert.ok(!fs.existsSync(path.join(dir, "checkpoint.ckpt")));
  const before = { metrics: fs.readFileSync(path.join(dir, "metrics.jsonl")), config: fs.readFileSync(path.join(dir, "config.json")) };
  assert.ok(before.metrics.length > 0);
  const r = virel(trainArgs(dir, 300, ["--progress", "none"]));
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /run directory .*killed-early holds files but no checkpoint \(config\.json, meta\.json, metrics\.jsonl\).*nothing was changed.*--force/);
  assert.deepEqual(fs.readFileSync(path.join(dir, "metrics.jsonl")), before.metrics);
  assert.deepEqual(fs.readFileSync(path.join(dir, "config.json")), before.config);
  const f = virel(trainArgs(dir, 300, ["--progress", "none", "--force"]));
  assert.equal(f.status, 0, f.stderr);
  assert.match(f.stderr, /--force: moved config\.json, meta\.json, metrics\.jsonl to .*\.replaced-/);
  const aside = fs.readdirSync(dir).filter((x) => x.startsWith(".replaced-"));
  assert.equal(aside.length, 1);
  assert.deepEqual(fs.readFileSync(path.join(dir, aside[0]!, "metrics.jsonl")), before.metrics);
  assert.equal(summaryStep(dir), 300);
});

test("2. two trainers on one directory: the second is refused naming the holder; a stale lock is taken over", async () => {
  const dir = path.join(tmp, "two");
  const { child, done } = await startTrain(trainArgs(dir, 100_000), 100);
  const r = virel(trainArgs(dir, 300, ["--progress", "none"]));
  child.kill("SIGINT");
  const a = await done;
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`run directory .*two is in use by pid ${child.pid} on host ${os.hostname()}`));
  assert.equal(a.code, 130, a.stderr);
  const steps = metricsLines(dir).filter((l) => l["eval/return_mean"] !== undefined).map((l) => l.step);
  assert.deepEqual(steps, [...steps].sort((x, y) => x - y));
  assert.equal(new Set(steps).size, steps.length, "no duplicate evaluation steps");
  assert.ok(!fs.existsSync(path.join(dir, ".lock")), "the lock is released");
  // a lock left by a process that is gone (kill -9) is stale: taken over with a message
  const pid = deadPid();
  fs.writeFileSync(path.join(dir, ".lock"), JSON.stringify({ pid, host: os.hostname(), startedAt: "2026-01-01T00:00:00Z", slurm: null }));
  const s = virel(trainArgs(dir, 400, ["--progress", "none"]));
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, new RegExp(`taking over a stale lock on .*two \\(pid ${pid} on host .*\\): pid ${pid} no longer runs`));
});

for (const [sig, code] of [["SIGTERM", 143], ["SIGHUP", 129]] as const) {
  test(`3. ${sig} saves a checkpoint and exits ${code}; resuming gives the uninterrupted numbers`, async () => {
    const dir = path.join(tmp, sig);
    const { child, done } = await startTrain(trainArgs(dir, 600), 250);
    child.kill(sig);
    const r = await done;
    assert.equal(r.code, code, `exit ${r.code} signal ${r.signal}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`virel: ${sig} — saving a checkpoint and stopping`));
    assert.ok(fs.existsSync(path.join(dir, "checkpoint.ckpt")));
    const s = virel(trainArgs(dir, 600, ["--progress", "none"]));
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(numbers(dir), numbers(straight));
  });
}

test("3. sweep forwards SIGTERM to its children: each saves a checkpoint; the sweep exits 143", async () => {
  const out = path.join(tmp, "sweep");
  const child = spawn(process.execPath, [bin, "sweep", "--env", "Pendulum-v1", "--algos", "sac", "--seeds", "0-1", "--parallel", "2", "--steps", "3000",
    "--out", out, "--config", cfg, "--progress", "none"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  const step = (seed: number) => {
    try {
      return Math.max(0, ...metricsLines(path.join(out, "sac", `seed-${seed}`)).map((l) => l.step));
    } catch {
      return 0;
    }
  };
  const t0 = Date.now();
  while (!(step(0) >= 200 && step(1) >= 200)) {
    assert.ok(Date.now() - t0 < 120_000, `runs did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGTERM");
  const code = await done;
  assert.equal(code, 143, stderr);
  assert.match(stderr, /virel sweep: SIGTERM — each run saves a checkpoint and stops/);
  for (const seed of [0, 1]) {
    const dir = path.join(out, "sac", `seed-${seed}`);
    assert.ok(fs.existsSync(path.join(dir, "checkpoint.ckpt")), `${dir} has a checkpoint`);
    assert.ok(!fs.existsSync(path.join(dir, "summary.json")), `${dir} stopped early`);
  }
});

test("3. `train --progress json | head -c 200` keeps training to the end (EPIPE does not end it silently)", () => {
  const dir = path.join(tmp, "pipe");
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ${trainArgs(dir, 600).map((a) => JSON.stringify(a)).join(" ")} --progress json | head -c 200 >/dev/null; echo "rc=\${PIPESTATUS[0]}" >&2`;
  const r = spawnSync("bash", ["-c", cmd], { encoding: "utf8", cwd: root, timeout: 180_000 });
  assert.match(r.stderr, /rc=0/, r.stderr);
  assert.match(r.stderr, /stdout was closed \(EPIPE\); training continues/);
  assert.equal(summaryStep(dir), 600);
  assert.deepEqual(numbers(dir), numbers(straight));
});

test("4. an edited checkpoint header (env steps) is reported as corrupt, not resumed at the wrong step", () => {
  const dir = path.join(tmp, "header");
  fs.cpSync(straight, dir, { recursive: true });
  const file = path.join(dir, "checkpoint.ckpt");
  const bytes = fs.readFileSync(file);
  const text = bytes.toString("latin1");
  const at = text.indexOf('"envSteps":600');
  assert.ok(at > 0);
  const edited = Buffer.from(bytes);
  edited.write('"envSteps":500', at, "latin1");
  fs.writeFileSync(file, edited);
  const r = virel(trainArgs(dir, 900, ["--progress", "none"]));
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /checkpoint .*checkpoint\.ckpt is corrupt \(sha256 of the header and data does not match the one stored\); it was left untouched/);
  assert.deepEqual(fs.readFileSync(file), edited);
});

test("5. report warns about skipped lines, short runs and duplicate steps, compares at a common step, and skips a bad run naming it", () => {
  const sweep = path.join(tmp, "report");
  const full = path.join(sweep, "sac", "seed-0");
  const short = path.join(sweep, "sac", "seed-1");
  const bad = path.join(sweep, "sac", "seed-2");
  fs.cpSync(straight, full, { recursive: true });
  const r1 = virel(["train", "--env", "Pendulum-v1", "--algo", "sac", "--seed", "1", "--steps", "300", "--out", short, "--config", cfg, "--progress", "none"]);
  assert.equal(r1.status, 0, r1.stderr);
  const evalAt = (dir: string, step: number) => metricsLines(dir).find((l) => l.step === step && l["eval/return_mean"] !== undefined)!["eval/return_mean"]!;
  const mean = (evalAt(full, 300) + evalAt(short, 300)) / 2; // the common step: where the short seed stops
  fs.appendFileSync(path.join(full, "metrics.jsonl"), '{"step": 450, "eval/ret\n'); // a torn line
  const dup = metricsLines(short).find((l) => l.step === 150 && l["eval/return_mean"] !== undefined)!;
  fs.appendFileSync(path.join(short, "metrics.jsonl"), JSON.stringify(dup) + "\n"); // a duplicate evaluation step
  fs.cpSync(straight, bad, { recursive: true });
  fs.writeFileSync(path.join(bad, "config.json"), "{ not json");
  const r = virel(["report", sweep, "--out", path.join(sweep, "report.html")]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: skipped run .*sac\/seed-2: cannot read .*seed-2\/config\.json/);
  assert.match(r.stderr, /warning: .*seed-0\/metrics\.jsonl: skipped 1 line\(s\) that are not metrics records \(torn or corrupt\): line \d+/);
  assert.match(r.stderr, /warning: .*seed-1\/metrics\.jsonl: evaluation step 150 logged more than once/);
  assert.match(r.stderr, /warning: sac on Pendulum-v1: run .*seed-1 \(seed 1\) stops at step 300, others reach 600; final returns are compared at step 300/);
  assert.match(r.stdout, new RegExp(`Pendulum-v1 sac: 2 seed\\(s\\), final eval ${mean.toFixed(1).replace(/[.-]/g, "\\$&")} at step 300`));
});

test("6. stale .tmp-<pid> files are cleaned; a failed report write leaves none", () => {
  const dir = path.join(tmp, "tmpfiles");
  fs.cpSync(straight, dir, { recursive: true });
  const stale = path.join(dir, `checkpoint.ckpt.tmp-${deadPid()}`);
  fs.writeFileSync(stale, "half a checkpoint");
  const r = virel(trainArgs(dir, 650, ["--progress", "none"]));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /removed stale temp file of an interrupted write: checkpoint\.ckpt\.tmp-\d+/);
  assert.ok(!fs.existsSync(stale));
  // a report write killed earlier left its temp file next to the report: removed (its pid is gone)
  const html = path.join(tmp, "tmpfiles-report.html");
  const staleReport = `${html}.tmp-${deadPid()}`;
  fs.writeFileSync(staleReport, "<html>half");
  const ok = virel(["report", dir, "--out", html]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(!fs.existsSync(staleReport) && fs.existsSync(html));
  const target = path.join(tmp, "report-is-a-dir");
  fs.mkdirSync(path.join(target, "x"), { recursive: true }); // renaming a file over a non-empty directory fails
  const rep = virel(["report", dir, "--out", target]);
  assert.equal(rep.status, 1);
  assert.match(rep.stderr, /cannot write the report .*report-is-a-dir/);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith("report-is-a-dir.tmp-")), []);
});

test("6. deleting metrics.jsonl and resuming is refused (the history would be gone); --force resumes with a warning", () => {
  const dir = path.join(tmp, "deleted-metrics");
  fs.cpSync(straight, dir, { recursive: true });
  fs.rmSync(path.join(dir, "metrics.jsonl"));
  const r = virel(trainArgs(dir, 650, ["--progress", "none"]));
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /cannot resume .*deleted-metrics: metrics\.jsonl is missing; the metrics history before step 600 would be lost.*--force/);
  assert.ok(!fs.existsSync(path.join(dir, "metrics.jsonl")));
  const f = virel(trainArgs(dir, 650, ["--progress", "none", "--force"]));
  assert.equal(f.status, 0, f.stderr);
  assert.match(f.stderr, /warning: --force: metrics\.jsonl is missing; resuming at step 600 with the metrics history before it lost/);
  // a cut (not deleted) history is refused the same way
  const cut = path.join(tmp, "cut-metrics");
  fs.cpSync(straight, cut, { recursive: true });
  const m = fs.readFileSync(path.join(cut, "metrics.jsonl"));
  fs.writeFileSync(path.join(cut, "metrics.jsonl"), m.subarray(0, m.length >> 1));
  const c = virel(trainArgs(cut, 650, ["--progress", "none"]));
  assert.equal(c.status, 1, c.stderr);
  assert.match(c.stderr, new RegExp(`metrics\\.jsonl has ${m.length >> 1} bytes, the checkpoint at step 600 had seen ${m.length}`));
});

test("6. --steps 0x10 and --steps 1e20 are rejected naming the flag and the value", () => {
  let r = virel(trainArgs(path.join(tmp, "hex"), 1).map((a) => (a === "1" ? "0x10" : a)));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--steps must be a decimal integer ≥ 1 \(e\.g\. 5000, 50_000 or 1e6\), got "0x10"/);
  r = virel(trainArgs(path.join(tmp, "huge"), 1).map((a) => (a === "1" ? "1e20" : a)));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--steps must be at most 9007199254740991 \(2\^53 - 1\), got "1e20"/);
  assert.ok(!fs.existsSync(path.join(tmp, "hex")) && !fs.existsSync(path.join(tmp, "huge")));
});
