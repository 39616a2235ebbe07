// `virel experiment run|status|figure` end to end on a tiny spec in a temp dir: SIGTERM to the runner is
// forwarded (each `virel train` checkpoints and stops, the runner exits 143), a second `run` resumes the
// stopped run from its checkpoint and skips the finished one, run.json sums the wall time of both invocations,
// the result passes every check, `status` reports it, and `figure` writes the three files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadSpec, checkRun, runDir, runState } from "../../src/experiments";

const root = path.join(__dirname, "..", "..", "..");
const bin = path.join(root, "bin", "virel.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virel-expcli-"));
const specFile = path.join(tmp, "tiny.json");
fs.writeFileSync(
  specFile,
  JSON.stringify({
    name: "tiny",
    tasks: ["Pendulum-v1"],
    algos: ["virel1"],
    seeds: [0, 1],
    steps: 3000,
    evalEvery: 500,
    evalEpisodes: 1,
    checkpointEvery: 500,
    parallel: 2,
    config: { hidden: [16, 16], batchSize: 32, randomSteps: 200, betaBatch: 128, logEvery: 250 },
  }),
);
const results = path.join(tmp, "results");

test(
  "experiment run: SIGTERM is forwarded, a second run resumes; status and figure",
  { timeout: 600_000 },
  async () => {
    const spec = loadSpec(specFile);
    const child = spawn(process.execPath, [bin, "experiment", "run", specFile, "--results", results], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (c: string) => (err += c));
    // wait until seed 0 has a checkpoint past step 500, then SIGTERM the runner
    const d0 = runDir(results, "Pendulum-v1", "virel1", 0);
    const t0 = Date.now();
    while (!(fs.existsSync(path.join(d0, "checkpoint.ckpt")) && runState(d0, 3000).step >= 750)) {
      if (Date.now() - t0 > 300_000) throw new Error(`no checkpoint after 300 s: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.on("close", r));
    assert.equal(code, 143, err);
    assert.match(err, /SIGTERM — each run saves a checkpoint and stops/);
    const stopped = runState(d0, 3000);
    assert.equal(stopped.kind, "resumable", `after SIGTERM: ${JSON.stringify(stopped)}\n${err}`);
    assert.ok(stopped.step < 3000);

    const again = spawnSync(
      process.execPath,
      [bin, "experiment", "run", specFile, "--results", results, "--seeds", "0"],
      { cwd: root, encoding: "utf8", timeout: 300_000 },
    );
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`Pendulum-v1 virel1 seed 0: resuming at step ${stopped.step}`));
    const rec = JSON.parse(fs.readFileSync(path.join(d0, "run.json"), "utf8")) as {
      wallSeconds: number;
      invocations: { wallSeconds: number; exitCode: number; fromStep: number; toStep: number }[];
    };
    assert.equal(rec.invocations.length, 2);
    assert.equal(rec.invocations[0]!.exitCode, 130);
    assert.equal(rec.invocations[1]!.fromStep, stopped.step);
    assert.equal(rec.invocations[1]!.toStep, 3000);
    assert.ok(Math.abs(rec.wallSeconds - (rec.invocations[0]!.wallSeconds + rec.invocations[1]!.wallSeconds)) < 0.11);
    assert.deepEqual(checkRun(spec, "Pendulum-v1", "virel1", 0, d0), []);

    const skip = spawnSync(
      process.execPath,
      [bin, "experiment", "run", specFile, "--results", results, "--seeds", "0"],
      { cwd: root, encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(skip.status, 0, skip.stderr);
    assert.match(skip.stderr, /seed 0: done \(3000 steps\), skipped/);

    // --restart deletes the selected run and runs it again from step 0: same spec, same seed, same backend → same metrics
    const before = fs.readFileSync(path.join(d0, "metrics.jsonl"), "utf8");
    const re = spawnSync(
      process.execPath,
      [bin, "experiment", "run", specFile, "--results", results, "--seeds", "0", "--restart"],
      { cwd: root, encoding: "utf8", timeout: 300_000 },
    );
    assert.equal(re.status, 0, re.stderr);
    assert.match(re.stderr, /seed 0: --restart, deleting/);
    const perfless = (t: string) =>
      t
        .split("\n")
        .filter(Boolean)
        .map((l) => Object.entries(JSON.parse(l) as Record<string, number>).filter(([k]) => !k.startsWith("perf/")));
    assert.deepEqual(perfless(fs.readFileSync(path.join(d0, "metrics.jsonl"), "utf8")), perfless(before));
    assert.equal(
      (JSON.parse(fs.readFileSync(path.join(d0, "run.json"), "utf8")) as { invocations: unknown[] }).invocations.length,
      1,
    );

    const status = spawnSync(process.execPath, [bin, "experiment", "status", specFile, "--results", results], {
      cwd: root,
      encoding: "utf8",
    });
    assert.match(status.stdout, /Pendulum-v1 virel1 seed 0: done \(step 3000\/3000\)/);
    const fig = spawnSync(
      process.execPath,
      [bin, "experiment", "figure", specFile, "--results", results, "--out", path.join(tmp, "docs")],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(fig.status, 0, fig.stderr);
    for (const ext of ["svg", "html", "md"]) assert.ok(fs.existsSync(path.join(tmp, "docs", `tiny.${ext}`)), ext);

    const bad = spawnSync(
      process.execPath,
      [bin, "experiment", "run", specFile, "--results", results, "--tasks", "Ant-v5"],
      { cwd: root, encoding: "utf8" },
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--tasks: "Ant-v5" is not a task of tiny/);
    fs.rmSync(tmp, { recursive: true, force: true });
  },
);
