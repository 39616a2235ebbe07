// CLI smoke test: `virel train` a few hundred steps into a temp dir, `virel eval`, `virel report` (HTML with
// the plot JSON), `virel bench --json`, bad flags/configs naming the field, SIGINT → checkpoint → resume.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";

const root = path.join(__dirname, "..", "..", "..");
const bin = path.join(root, "bin", "virel.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virel-cli-"));
const cfgFile = path.join(tmp, "small.json");
fs.writeFileSync(
  cfgFile,
  JSON.stringify({ batchSize: 32, randomSteps: 100, evalEvery: 150, evalEpisodes: 1, logEvery: 50, betaBatch: 128 }),
);

function virel(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: root, timeout: 120_000 });
}

test("virel train → eval → report: metrics, checkpoint, HTML with inlined plotly and the plot JSON", () => {
  const runs = path.join(tmp, "runs");
  for (const [algo, seed] of [
    ["virel1", 0],
    ["virel1", 1],
    ["sac", 0],
  ] as const) {
    const out = path.join(runs, algo, `seed-${seed}`);
    const r = virel([
      "train",
      "--env",
      "Pendulum-v1",
      "--algo",
      algo,
      "--steps",
      "300",
      "--seed",
      String(seed),
      "--out",
      out,
      "--config",
      cfgFile,
      "--hidden",
      "16,16",
      "--progress",
      "none",
      "--json",
    ]);
    assert.equal(r.status, 0, r.stderr);
    const { summary } = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
      summary: { step: number; finalEval: { mean: number } };
    };
    assert.equal(summary.step, 300);
    assert.ok(summary.finalEval.mean < 0 && summary.finalEval.mean > -2000);
    for (const f of ["config.json", "meta.json", "metrics.jsonl", "checkpoint.ckpt", "summary.json"])
      assert.ok(fs.existsSync(path.join(out, f)), f);
    const meta = JSON.parse(fs.readFileSync(path.join(out, "meta.json"), "utf8")) as {
      tfjs: string;
      backend: { name: string };
      virel: string;
    };
    assert.match(meta.tfjs, /^\d+\.\d+\.\d+$/);
    assert.ok(["wasm", "cpu", "tfjs-node", "tfjs-node-gpu"].includes(meta.backend.name));
    const lines = fs
      .readFileSync(path.join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    assert.ok(lines.every((l) => typeof l.step === "number"));
    for (const name of [
      "charts/episodic_return",
      "eval/return_mean",
      "eval/return_std",
      "losses/q1",
      "losses/q2",
      "losses/pi",
      "virel/beta",
      "virel/msbe",
      "policy/entropy",
      "perf/updates_per_s",
    ]) {
      assert.ok(
        lines.some((l) => Number.isFinite(l[name])),
        `metrics.jsonl has no ${name}`,
      );
    }
  }
  const ev = virel(["eval", "--run", path.join(runs, "sac", "seed-0"), "--episodes", "2", "--json"]);
  assert.equal(ev.status, 0, ev.stderr);
  const e = JSON.parse(ev.stdout) as { returns: number[]; mean: number; step: number };
  assert.equal(e.returns.length, 2);
  assert.equal(e.step, 300);
  assert.ok(Math.abs(e.mean - (e.returns[0]! + e.returns[1]!) / 2) < 1e-9);

  const html = path.join(tmp, "report.html");
  const rep = virel(["report", runs, "--out", html]);
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stdout, /report: .*report\.html/);
  const text = fs.readFileSync(html, "utf8");
  assert.ok(!/<script[^>]+src=/.test(text) && !/<link[^>]+href=/.test(text), "no external scripts or stylesheets");
  const m = /<script type="application\/json" id="virel-plot-data">([\s\S]*?)<\/script>/.exec(text);
  assert.ok(m, "plot JSON present");
  const data = JSON.parse(m[1]!) as {
    figures: { env: string; data: { name: string; x: number[]; y: number[]; fill?: string }[] }[];
  };
  assert.equal(data.figures.length, 1);
  const fig = data.figures[0]!;
  assert.equal(fig.env, "Pendulum-v1");
  const virelLine = fig.data.find((t) => t.name.startsWith("VIREL1 (2 seeds)") && t.fill === undefined)!;
  assert.deepEqual(virelLine.x, [150, 300]);
  // mean over the two seeds' eval/return_mean at step 150
  const evalAt = (seed: number, step: number) => {
    const lines = fs
      .readFileSync(path.join(runs, "virel1", `seed-${seed}`, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    return lines.find((l) => l.step === step && l["eval/return_mean"] !== undefined)!["eval/return_mean"]!;
  };
  assert.ok(Math.abs(virelLine.y[0]! - (evalAt(0, 150) + evalAt(1, 150)) / 2) < 1e-9);
  assert.ok(
    fig.data.some((t) => t.fill === "toself"),
    "± std band",
  );
  // every inlined script is valid JavaScript and has no raw "</" inside
  const scripts = [...text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((x) => x[1]!);
  assert.equal(scripts.length, 2);
  for (const s of scripts) {
    assert.ok(!s.includes("</"));
    new vm.Script(s); // throws on a syntax error
  }
});

test("virel bench --json prints ms_per_update and the backend", () => {
  const r = virel([
    "bench",
    "--hidden",
    "16",
    "--batch",
    "32",
    "--obs",
    "4",
    "--act",
    "2",
    "--iters",
    "3",
    "--warmup",
    "1",
    "--json",
  ]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { ms_per_update: number; backend: string };
  assert.ok(j.ms_per_update > 0 && Number.isFinite(j.ms_per_update));
  assert.ok(["wasm", "cpu", "tfjs-node", "tfjs-node-gpu"].includes(j.backend));
});

test("bad flags and configs fail naming the field", () => {
  const bad = path.join(tmp, "bad.json");
  fs.writeFileSync(bad, JSON.stringify({ lr: -1 }));
  let r = virel([
    "train",
    "--env",
    "Pendulum-v1",
    "--algo",
    "virel1",
    "--steps",
    "10",
    "--out",
    path.join(tmp, "x"),
    "--config",
    bad,
  ]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /config\.lr .*-1/);
  r = virel(["train", "--env", "Pendulum-v1", "--algo", "ppo", "--steps", "10", "--out", path.join(tmp, "y")]);
  assert.match(r.stderr, /algo must be one of virel1, virel2, sac-v1, sac, got "ppo"/);
  r = virel(["train", "--env", "Nope-v0", "--algo", "sac", "--steps", "10", "--out", path.join(tmp, "z")]);
  assert.match(r.stderr, /env: unknown environment id "Nope-v0"/);
  r = virel(["train", "--env", "Pendulum-v1", "--algo", "sac", "--steps", "-5", "--out", path.join(tmp, "w")]);
  assert.match(r.stderr, /--steps must be an integer ≥ 1, got "-5"/);
  fs.writeFileSync(bad, JSON.stringify({ batchSize: 64, bufferSize: 10 }));
  r = virel([
    "train",
    "--env",
    "Pendulum-v1",
    "--algo",
    "sac",
    "--steps",
    "10",
    "--out",
    path.join(tmp, "v"),
    "--config",
    bad,
  ]);
  assert.match(r.stderr, /config\.batchSize must be ≤ config\.bufferSize \(10\), got 64/);
  r = virel([
    "train",
    "--env",
    "Pendulum-v1",
    "--algo",
    "sac",
    "--steps",
    "10",
    "--out",
    path.join(tmp, "u"),
    "--backend",
    "tfjs-node-gpu",
  ]);
  if (r.status !== 0)
    assert.match(r.stderr, /backend "tfjs-node-gpu" is not available .*npm install @tensorflow\/tfjs-node-gpu/);
});

test("SIGINT saves a checkpoint and stops; the same command resumes to the end", async () => {
  const out = path.join(tmp, "sigint");
  const args = [
    bin,
    "train",
    "--env",
    "Pendulum-v1",
    "--algo",
    "sac",
    "--steps",
    "100000",
    "--out",
    out,
    "--config",
    cfgFile,
    "--hidden",
    "16,16",
    "--progress",
    "json",
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      const steps = [...stdout.matchAll(/"step":(\d+)/g)].map((x) => Number(x[1]));
      if (steps.some((s) => s >= 300) && !child.killed) child.kill("SIGINT");
    });
    child.on("close", resolve);
  });
  assert.equal(code, 130);
  assert.ok(fs.existsSync(path.join(out, "checkpoint.ckpt")));
  const { summary } = JSON.parse(stdout.trim().split("\n").pop()!) as { summary: { step: number; aborted: boolean } };
  assert.equal(summary.aborted, true);
  assert.ok(summary.step >= 300 && summary.step < 100000);
  const r = virel(["train", "--steps", String(summary.step + 50), "--out", out, "--progress", "none", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const s2 = (JSON.parse(r.stdout.trim().split("\n").pop()!) as { summary: { step: number; resumed: boolean } })
    .summary;
  assert.equal(s2.resumed, true);
  assert.equal(s2.step, summary.step + 50);
});
