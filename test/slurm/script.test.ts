// The sbatch script of `virel sweep --slurm` (no Slurm needed): directives, one array task per env × algo × seed,
// valid bash, quoting, time limits, --dry-run writes nothing, bad values name the flag.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderScript, timeToSeconds, taskDir } from "../../src/slurm";
import type { SlurmTask } from "../../src/slurm";

const root = path.join(__dirname, "..", "..", "..");
const bin = path.join(root, "bin", "virel.js");

test("timeToSeconds reads Slurm's time formats", () => {
  assert.equal(timeToSeconds("90"), 5400);
  assert.equal(timeToSeconds("10:30"), 630);
  assert.equal(timeToSeconds("4:00:00"), 14400);
  assert.equal(timeToSeconds("2-12"), 2 * 86400 + 12 * 3600);
  assert.equal(timeToSeconds("1-02:03"), 86400 + 7200 + 180);
  assert.equal(timeToSeconds("1-02:03:04"), 86400 + 7200 + 180 + 4);
  assert.throws(() => timeToSeconds("4h"), /--time must be a Slurm time limit .*got "4h"/);
  assert.throws(() => timeToSeconds("0"), /--time must be longer than 0, got "0"/);
});

test("the script: directives, one task per env × algo × seed, bash that runs the right train command for a task", () => {
  const out = "/shared/sweep it's";
  const envs = ["Pendulum-v1", "Hopper-v5"];
  const tasks: SlurmTask[] = [];
  for (const env of envs)
    for (const algo of ["virel1", "sac"])
      for (const seed of [0, 1, 2]) {
        tasks.push({
          index: tasks.length,
          env,
          algo,
          seed,
          steps: 1000,
          dir: taskDir(out, envs, env, algo, seed),
          config: `${out}/config-${algo}.json`,
        });
      }
  const text = renderScript(
    {
      out,
      jobName: "virel-x",
      cpusPerTask: 2,
      time: "1:00:00",
      signalBefore: 300,
      node: "/opt/node",
      virel: "/opt/virel/bin/virel.js",
      partition: "cpu",
      arrayParallel: 4,
      sbatchArgs: ["--mem=4G"],
    },
    tasks,
  );
  for (const d of [
    "#SBATCH --array=0-11%4",
    "#SBATCH --cpus-per-task=2",
    "#SBATCH --time=1:00:00",
    "#SBATCH --requeue",
    "#SBATCH --signal=B:TERM@300",
    "#SBATCH --partition=cpu",
    "#SBATCH --mem=4G",
    "#SBATCH --open-mode=append",
  ]) {
    assert.ok(text.includes(d + "\n"), d);
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "virel-sbatch-")), "s.sbatch");
  fs.writeFileSync(file, text);
  assert.equal(spawnSync("bash", ["-n", file]).status, 0, "valid bash");
  // run task 10 with stand-ins for node and scontrol: the train command it runs, quoted right
  const fake = path.join(path.dirname(file), "fake-node");
  fs.writeFileSync(fake, '#!/bin/bash\nprintf "%s\\n" "$@" > "$ARGS_OUT"\n', { mode: 0o755 });
  const argsOut = path.join(path.dirname(file), "args");
  const r = spawnSync("bash", [file], {
    encoding: "utf8",
    env: {
      ...process.env,
      SLURM_ARRAY_TASK_ID: "10",
      SLURM_ARRAY_JOB_ID: "5",
      ARGS_OUT: argsOut,
      PATH: process.env.PATH,
    },
    input: "",
  });
  // the script calls $NODE (/opt/node, absent here): run it again with NODE pointing at the stand-in
  const patched = text.replace("NODE='/opt/node'", `NODE='${fake}'`);
  fs.writeFileSync(file, patched);
  const r2 = spawnSync("bash", [file], {
    encoding: "utf8",
    env: { ...process.env, SLURM_ARRAY_TASK_ID: "10", SLURM_ARRAY_JOB_ID: "5", ARGS_OUT: argsOut },
  });
  assert.equal(r2.status, 0, r2.stderr + r2.stdout);
  assert.match(r2.stdout, /virel task 10 \(sac Hopper-v5 seed 1\)/);
  assert.deepEqual(fs.readFileSync(argsOut, "utf8").trim().split("\n"), [
    "/opt/virel/bin/virel.js",
    "train",
    "--env",
    "Hopper-v5",
    "--algo",
    "sac",
    "--seed",
    "1",
    "--steps",
    "1000",
    "--out",
    "/shared/sweep it's/Hopper-v5/sac/seed-1",
    "--config",
    "/shared/sweep it's/config-sac.json",
    "--progress",
    "log",
  ]);
  assert.notEqual(r.status, 0); // /opt/node does not exist: the task fails, it does not pass silently
  assert.throws(
    () =>
      renderScript(
        { out, jobName: "x", cpusPerTask: 1, time: "10:00", signalBefore: 600, node: "n", virel: "v" },
        tasks,
      ),
    /--signal-before must be a whole number of seconds in \[1, 539\] \(under --time 10:00, less the 60 s Slurm may signal early\), got 600/,
  );
  assert.throws(
    () =>
      renderScript(
        {
          out,
          jobName: "x",
          cpusPerTask: 1,
          time: "10:00",
          signalBefore: 60,
          node: "n",
          virel: "v",
          sbatchArgs: ["mem=4G"],
        },
        tasks,
      ),
    /--sbatch-arg must be one sbatch option such as --mem=4G, got "mem=4G"/,
  );
});

test("virel sweep --slurm --dry-run prints the script and writes nothing; bad flags name themselves", () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "virel-dry-")), "sweep");
  const r = spawnSync(
    process.execPath,
    [
      bin,
      "sweep",
      "--slurm",
      "--dry-run",
      "--env",
      "Pendulum-v1,InvertedPendulum-v5",
      "--algos",
      "virel1,sac",
      "--seeds",
      "0-2",
      "--steps",
      "1e4",
      "--out",
      out,
    ],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^#!\/bin\/bash\n/);
  assert.match(r.stdout, /#SBATCH --array=0-11\n/);
  assert.match(r.stdout, /STEPS=\('10000'( '10000'){11}\)/);
  assert.ok(!fs.existsSync(out), "a dry run writes nothing");
  const bad = spawnSync(
    process.execPath,
    [bin, "sweep", "--slurm", "--dry-run", "--env", "Pendulum-v1", "--out", out, "--time", "4h"],
    { encoding: "utf8" },
  );
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--time must be a Slurm time limit .*got "4h"/);
  const noSlurm = spawnSync(process.execPath, [bin, "sweep", "--dry-run", "--env", "Pendulum-v1", "--out", out], {
    encoding: "utf8",
  });
  assert.equal(noSlurm.status, 1);
  assert.match(noSlurm.stderr, /--dry-run needs --slurm/);
});
