// The run-directory lock: exclusive, names its holder, takes over stale locks (dead pid on this host, or this
// same Slurm array task's previous incarnation on any host), refuses a live or uncheckable holder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lockRun, slurmTaskId, LOCK_FILE } from "../../src/runs/lock";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virel-lock-"));
const holderOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")) as { pid: number; host: string; slurm: string | null };
const deadPid = () => Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);

test("a lock is exclusive, names pid and host, and is released", () => {
  const dir = fs.mkdtempSync(path.join(tmp, "a-"));
  const l = lockRun(dir);
  assert.deepEqual([holderOf(dir).pid, holderOf(dir).host], [process.pid, os.hostname()]);
  // the same process asking again is refused too (a second trainer in one process is as wrong as in two)
  assert.throws(() => lockRun(dir), new RegExp(`run directory .* is in use by pid ${process.pid} on host ${os.hostname()}`));
  l.release();
  assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
  l.release(); // idempotent
  lockRun(dir).release();
});

test("stale locks: a dead pid on this host and the same Slurm task are taken over with a message; another host is refused", () => {
  const dir = fs.mkdtempSync(path.join(tmp, "b-"));
  const file = path.join(dir, LOCK_FILE);
  const pid = deadPid();
  fs.writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), startedAt: "t", slurm: null }));
  const lines: string[] = [];
  lockRun(dir, (l) => lines.push(l)).release();
  assert.match(lines[0]!, new RegExp(`taking over a stale lock .*pid ${pid} no longer runs on ${os.hostname()}`));

  fs.writeFileSync(file, JSON.stringify({ pid: 1, host: "node-17", startedAt: "t", slurm: null }));
  assert.throws(() => lockRun(dir), new RegExp(`in use by pid 1 on host node-17, since t; .* if it is gone, delete ${file.replace(/[.]/g, "\\.")}`));

  fs.writeFileSync(file, JSON.stringify({ pid: 1, host: "node-17", startedAt: "t", slurm: "42_3" }));
  const saved = { ...process.env };
  try {
    process.env.SLURM_ARRAY_JOB_ID = "42";
    process.env.SLURM_ARRAY_TASK_ID = "3";
    assert.equal(slurmTaskId(), "42_3");
    lines.length = 0;
    const l = lockRun(dir, (x) => lines.push(x));
    assert.match(lines[0]!, /stale lock .*Slurm task 42_3.*this Slurm task's \(42_3\) previous run, requeued or preempted/);
    assert.equal(holderOf(dir).slurm, "42_3");
    l.release();
    process.env.SLURM_ARRAY_TASK_ID = "4"; // another task of the same array: not stale
    fs.writeFileSync(file, JSON.stringify({ pid: 1, host: "node-17", startedAt: "t", slurm: "42_3" }));
    assert.throws(() => lockRun(dir), /in use by pid 1 on host node-17 \(Slurm task 42_3\)/);
  } finally {
    for (const k of ["SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
  fs.writeFileSync(file, ""); // torn: the holder died between create and write
  lines.length = 0;
  lockRun(dir, (x) => lines.push(x)).release();
  assert.match(lines[0]!, /it is empty or unreadable/);
});
