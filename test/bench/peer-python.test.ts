// The Python side of `npm run bench:peer` (bench/peer/*.py): the numpy Pendulum-v1 of the end-to-end peer
// reproduces the repository's Gymnasium reference traces (test/fixtures/classic/Pendulum-v1.json) bit for bit —
// observations and rewards at every step — and, where python3-torch is installed, both peer scripts run and print
// what bench/peer.ts parses. Skipped, with the reason, when /usr/bin/python3 lacks numpy (or torch).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const repo = join(__dirname, "..", "..", "..");
const PY = "/usr/bin/python3";

function hasModule(mod: string): string | null {
  if (!existsSync(PY)) return `${PY} is missing`;
  const r = spawnSync(PY, ["-c", `import ${mod}`], { encoding: "utf8" });
  return r.status === 0
    ? null
    : `${PY} has no ${mod} (apt-get install python3-${mod === "torch" ? "torch libopenblas0-pthread" : mod})`;
}

interface Case {
  state: number[];
  actions: number[][];
  steps: { obs: number[]; reward: number; terminated: boolean }[];
}

test("numpy Pendulum-v1 (bench/peer/pendulum_env.py) = Gymnasium's reference traces, bit for bit", (t) => {
  const missing = hasModule("numpy");
  if (missing !== null) {
    t.skip(missing);
    return;
  }
  const fixture = readFileSync(join(repo, "test", "fixtures", "classic", "Pendulum-v1.json"), "utf8");
  const r = spawnSync(PY, [join(repo, "bench", "peer", "pendulum_env.py")], { input: fixture, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { obs: number[]; reward: number; terminated: boolean }[][];
  const cases = (JSON.parse(fixture) as { cases: Case[] }).cases;
  assert.equal(got.length, cases.length);
  let steps = 0;
  cases.forEach((c, k) => {
    assert.equal(got[k]!.length, c.steps.length);
    c.steps.forEach((s, i) => {
      assert.deepEqual(got[k]![i]!.obs, s.obs, `case ${k} step ${i}: observation`);
      assert.equal(got[k]![i]!.reward, s.reward, `case ${k} step ${i}: reward`);
      assert.equal(got[k]![i]!.terminated, s.terminated);
      steps++;
    });
  });
  assert.equal(steps, 180);
});

test("the PyTorch peer scripts run and print what bench/peer.ts parses (tiny shapes)", (t) => {
  const missing = hasModule("numpy") ?? hasModule("torch");
  if (missing !== null) {
    t.skip(missing);
    return;
  }
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
  const u = spawnSync(
    PY,
    [
      join(repo, "bench", "peer", "sac_update.py"),
      "--hidden",
      "8",
      "--batch",
      "4",
      "--blocks",
      "2",
      "--per-block",
      "1",
      "--warmup",
      "0",
    ],
    { encoding: "utf8", env },
  );
  assert.equal(u.status, 0, u.stderr);
  assert.match(u.stdout, /^torch \S+ threads=1 hidden=8 batch=4/m);
  assert.equal([...u.stdout.matchAll(/^block [\d.]+ [\d.]+$/gm)].length, 2);
  const bad = spawnSync(PY, [join(repo, "bench", "peer", "sac_update.py"), "--blocks", "0"], { encoding: "utf8", env });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--blocks must be a positive integer, got 0/);
  // --serve: blocks on request (bench/peer.ts alternates them with its own), then the summary
  const serveArgs = [join(repo, "bench", "peer", "sac_update.py"), "--hidden", "8", "--batch", "4", "--serve"];
  const served = spawnSync(PY, [...serveArgs, "--per-block", "2", "--warmup", "0"], {
    input: "block\nblock\nblock\nquit\n",
    encoding: "utf8",
    env,
  });
  assert.equal(served.status, 0, served.stderr);
  const lines = served.stdout.trim().split("\n");
  assert.match(lines[0]!, /^torch \S+ threads=1 hidden=8 batch=4/);
  assert.equal(lines[1], "ready");
  assert.equal(lines.slice(2, 5).filter((l) => /^block [\d.]+ [\d.]+$/.test(l)).length, 3);
  assert.match(lines[5]!, /^median [\d.]+$/);
  assert.match(lines[6]!, /^min [\d.]+$/);
  const wrong = spawnSync(PY, serveArgs, { input: "blocks\n", encoding: "utf8", env });
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /expected 'block' or 'quit', got 'blocks'/);
  for (const algo of ["sac", "virel1"]) {
    const e = spawnSync(
      PY,
      [
        join(repo, "bench", "peer", "pendulum_sac.py"),
        "--algo",
        algo,
        "--steps",
        "1010",
        "--eval-every",
        "1010",
        "--eval-episodes",
        "1",
        "--hidden",
        "8",
      ],
      { encoding: "utf8", env },
    );
    assert.equal(e.status, 0, e.stderr);
    const m = /^result (.*)$/m.exec(e.stdout);
    assert.ok(m, e.stdout);
    const res = JSON.parse(m[1]!) as { algo: string; steps: number; wall_s: number; evals: [number, number][] };
    assert.equal(res.algo, algo);
    assert.equal(res.steps, 1010);
    assert.equal(res.evals.length, 1);
    // one 200-step Pendulum episode: each reward is in [−(π² + 0.1·64 + 0.001·4), 0]
    assert.ok(
      res.evals[0]![1] <= 0 && res.evals[0]![1] >= -200 * (Math.PI ** 2 + 6.4 + 0.004),
      `eval return ${res.evals[0]![1]}`,
    );
  }
});
