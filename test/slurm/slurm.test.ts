// `virel sweep --slurm` on a real Slurm cluster (scripts/ci/slurm.sh starts a single-node one as root):
// 2 algorithms × 2 seeds × 1500 steps as a job array; one running task is requeued mid-run (`scontrol requeue`,
// what a preemption looks like); every run must finish with metrics and weights identical to the same sweep run
// locally. Without a cluster the test is skipped with a message — except under CI=true, where it fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readCheckpoint } from "../../src/agents/checkpoint";
import { readMetrics } from "../../src/agents/run";
import type { MetricRecord } from "../../src/agents/metrics";

const root = path.join(__dirname, "..", "..", "..");
const bin = path.join(root, "bin", "virel.js");

function sh(cmd: string, args: string[], timeout = 60_000) {
  return spawnSync(cmd, args, { encoding: "utf8", cwd: root, timeout });
}

function slurmUp(): string | null {
  const r = sh("sinfo", ["-h", "-o", "%t"], 15_000);
  if (r.error) return `sinfo not found (${(r.error as NodeJS.ErrnoException).code})`;
  if (r.status !== 0) return `sinfo failed: ${(r.stderr || r.stdout).trim()}`;
  if (!/^(idle|mix|alloc|comp)/m.test(r.stdout)) return `no usable node (sinfo: ${r.stdout.trim() || "nothing"})`;
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `f` every `ms` until it returns a value, or fail after `limitMs` naming `what`. */
async function until<T>(what: string, limitMs: number, f: () => T | null | undefined, ms = 250): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = f();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what}`);
    await sleep(ms);
  }
}

/** Metrics without the wall-clock perf/* entries. */
function numbers(dir: string): MetricRecord[] {
  return readMetrics(dir).map(
    (r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("perf/"))) as MetricRecord,
  );
}

function lastStep(dir: string): number {
  return readMetrics(dir).reduce((m, r) => Math.max(m, r.step), 0);
}

function queue(jobId: string): Map<string, string> {
  const r = sh("squeue", ["-h", "-r", "-j", jobId, "-o", "%i|%T"]);
  const m = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const [id, state] = line.trim().split("|");
    if (id && state) m.set(id, state);
  }
  return m;
}

const why = slurmUp();
if (why !== null && process.env.CI === "true") {
  test("Slurm sweep (CI=true requires a Slurm cluster)", () => {
    assert.fail(`CI=true but Slurm is not usable: ${why}; .ci/run should have run scripts/ci/slurm.sh`);
  });
} else {
  test(
    "virel sweep --slurm: job array, one task requeued mid-run, every run = the local sweep",
    {
      skip:
        why === null
          ? false
          : `Slurm is not available here (${why}); run scripts/ci/slurm.sh as root to start a single-node cluster`,
    },
    async () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virel-slurm-"));
      const cfg = path.join(tmp, "small.json");
      fs.writeFileSync(
        cfg,
        JSON.stringify({
          hidden: [16, 16],
          batchSize: 32,
          randomSteps: 100,
          evalEvery: 500,
          evalEpisodes: 1,
          logEvery: 50,
          betaBatch: 128,
        }),
      );
      const common = [
        "--env",
        "Pendulum-v1",
        "--algos",
        "virel1,sac",
        "--seeds",
        "0-1",
        "--steps",
        "1500",
        "--config",
        cfg,
      ];
      const local = path.join(tmp, "local");
      const l = sh(
        process.execPath,
        [bin, "sweep", ...common, "--parallel", "2", "--out", local, "--progress", "none"],
        600_000,
      );
      assert.equal(l.status, 0, l.stderr);

      const onSlurm = path.join(tmp, "slurm");
      const s = sh(process.execPath, [
        bin,
        "sweep",
        "--slurm",
        ...common,
        "--out",
        onSlurm,
        "--time",
        "30:00",
        "--signal-before",
        "60",
      ]);
      assert.equal(s.status, 0, s.stderr);
      const jobId = /submitted job (\d+)/.exec(s.stdout)?.[1];
      assert.ok(jobId, s.stdout);
      let requeued = -1;
      try {
        // requeue task 0 once it is running and has trained a few hundred steps
        const run0 = path.join(onSlurm, "virel1", "seed-0");
        await until(
          "task 0 to pass step 300",
          300_000,
          () => (queue(jobId).get(`${jobId}_0`) === "RUNNING" && lastStep(run0) >= 300 ? true : null),
          100,
        );
        const r = sh("scontrol", ["requeue", `${jobId}_0`]);
        assert.equal(r.status, 0, r.stderr);
        requeued = lastStep(run0);
        assert.ok(requeued < 1500, `task 0 finished (step ${requeued}) before it could be requeued`);
        // a requeued job waits (BeginTime) before it may start again; let it start now
        await until("task 0 to be pending again", 120_000, () =>
          queue(jobId).get(`${jobId}_0`) === "PENDING" ? true : null,
        );
        sh("scontrol", ["update", `jobid=${jobId}_0`, "StartTime=now"]);
        await until(`job ${jobId} to leave the queue`, 600_000, () => (queue(jobId).size === 0 ? true : null), 500);
      } finally {
        sh("scancel", [jobId]);
      }
      const log0 = fs.readFileSync(path.join(onSlurm, "slurm", "task-0.out"), "utf8");
      assert.match(log0, /restart 0/);
      assert.match(log0, /restart 1/);
      assert.match(log0, /virel: SIGTERM — saving a checkpoint and stopping/, log0);
      const stoppedAt = Number(/stopped at step (\d+); checkpoint saved/.exec(log0)?.[1]);
      assert.ok(stoppedAt >= requeued && stoppedAt < 1500, log0);
      assert.match(log0, new RegExp(`resuming ${onSlurm}/virel1/seed-0 at step ${stoppedAt}`));
      for (const algo of ["virel1", "sac"]) {
        for (const seed of [0, 1]) {
          const a = path.join(local, algo, `seed-${seed}`);
          const b = path.join(onSlurm, algo, `seed-${seed}`);
          const summary = JSON.parse(fs.readFileSync(path.join(b, "summary.json"), "utf8")) as { step: number };
          assert.equal(summary.step, 1500, `${b} finished`);
          assert.deepEqual(numbers(b), numbers(a), `${b}: metrics differ from the local sweep`);
          const xa = readCheckpoint(path.join(a, "checkpoint.ckpt")).arrays;
          const xb = readCheckpoint(path.join(b, "checkpoint.ckpt")).arrays;
          for (const [k, v] of xa) assert.deepEqual(xb.get(k), v, `${b}: array ${k} differs from the local sweep`);
        }
      }
      const meta0 = JSON.parse(fs.readFileSync(path.join(onSlurm, "virel1", "seed-0", "meta.json"), "utf8")) as {
        resumedAt: string[];
      };
      assert.equal(meta0.resumedAt.length, 1);
      const st = sh(process.execPath, [bin, "slurm", "status", onSlurm, "--json"]);
      assert.equal(st.status, 0, st.stderr);
      const status = JSON.parse(st.stdout) as {
        jobId: string;
        tasks: { done: boolean; step: number; restarts: number }[];
      };
      assert.equal(status.jobId, jobId);
      assert.deepEqual(
        status.tasks.map((t) => [t.done, t.step]),
        [
          [true, 1500],
          [true, 1500],
          [true, 1500],
          [true, 1500],
        ],
      );
      assert.equal(status.tasks[0]!.restarts, 1);
      const rep = sh(process.execPath, [bin, "report", onSlurm, "--out", path.join(onSlurm, "report.html")]);
      assert.equal(rep.status, 0, rep.stderr);
      assert.match(rep.stdout, /Pendulum-v1 virel1: 2 seed\(s\)/);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  );
}

if (why === null) {
  test("the time-limit warning (--signal=B:TERM@s) checkpoints and requeues the task; scancel checkpoints and does not", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virel-slurm-limit-"));
    const cfg = path.join(tmp, "small.json");
    fs.writeFileSync(
      cfg,
      JSON.stringify({
        hidden: [16, 16],
        batchSize: 32,
        randomSteps: 100,
        evalEvery: 500,
        evalEpisodes: 1,
        logEvery: 100,
      }),
    );
    const out = path.join(tmp, "sweep");
    // --time 3 --signal-before 100: the warning comes 80–140 s before the limit, i.e. 40–100 s into the task
    const s = sh(process.execPath, [
      bin,
      "sweep",
      "--slurm",
      "--env",
      "Pendulum-v1",
      "--algos",
      "sac",
      "--seeds",
      "0",
      "--steps",
      "1000000",
      "--config",
      cfg,
      "--out",
      out,
      "--time",
      "3",
      "--signal-before",
      "100",
    ]);
    assert.equal(s.status, 0, s.stderr);
    const jobId = /submitted job (\d+)/.exec(s.stdout)![1]!;
    const logFile = path.join(out, "slurm", "task-0.out");
    const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
    try {
      await until(
        "the time-limit warning and the self-requeue",
        170_000,
        () => (/requeueing/.test(log()) ? true : null),
        500,
      );
      assert.match(log(), /signal at \d+s \(task RUNNING\)/);
      const stopped = Number(/stopped at step (\d+); checkpoint saved/.exec(log())?.[1]);
      assert.ok(stopped > 0, log());
      await until("the task to be pending again", 120_000, () =>
        queue(jobId).get(`${jobId}_0`) === "PENDING" ? true : null,
      );
      // Slurm holds a requeued task until the old allocation's job credential has expired (cred_expire, 120 s by
      // default); starting it earlier on the same node fails with "Job credential revoked". So wait for Slurm to
      // start it, and only release it by hand (StartTime=now) once that window has passed.
      const pendingSince = Date.now();
      let nudged = 0;
      await until(
        "the resume",
        300_000,
        () => {
          if (new RegExp(`resuming .* at step ${stopped}`).test(log())) return true;
          const now = Date.now();
          if (now - pendingSince > 130_000 && now - nudged > 15_000 && queue(jobId).get(`${jobId}_0`) === "PENDING") {
            sh("scontrol", ["update", `jobid=${jobId}_0`, "StartTime=now"]);
            nudged = now;
          }
          return null;
        },
        500,
      );
      assert.match(log(), /restart 1/);
      const dir = path.join(out, "sac", "seed-0");
      await until("a few more steps", 60_000, () => (lastStep(dir) > stopped + 200 ? true : null), 500);
      sh("scancel", [jobId]);
      await until(`job ${jobId} to leave the queue`, 90_000, () => (queue(jobId).size === 0 ? true : null), 500);
      const after = log().slice(log().lastIndexOf("restart 1"));
      assert.match(after, /signal at \d+s \(task (COMPLETING|CANCELLED)/);
      assert.match(after, /stopped at step \d+; checkpoint saved/);
      assert.doesNotMatch(after, /requeueing/);
    } finally {
      sh("scancel", [jobId]);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });
}
