// The figure/table generator and the run checks on synthetic run directories with known numbers: seed k of
// (task, algo) evaluates to r(s) = a·s/1000 + 10·k at step s, so over seeds {0, 1, 2} the mean is
// a·s/1000 + 10 and the sample std is exactly 10 (hand computation: deviations −10, 0, 10 → (100+0+100)/2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { presetConfig } from "../../src/agents/presets";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  parseSpec,
  runDir,
  runState,
  gatherRuns,
  algoCurves,
  finalRows,
  experimentFigure,
  writeExperimentFigure,
  checkMetrics,
  checkConfig,
  checkRun,
  listRuns,
  niceTicks,
  meanStd,
  trainArgs,
  compareWithBaseline,
} from "../../src/experiments";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virel-exp-"));
const spec = parseSpec({
  name: "synthetic",
  tasks: ["Pendulum-v1", "Hopper-v5"],
  algos: ["virel1", "sac-v1"],
  seeds: [0, 1, 2],
  steps: 3000,
  evalEvery: 1000,
  evalEpisodes: 2,
  checkpointEvery: 1000,
  parallel: 1,
  config: { hidden: [8, 8], alpha: 0.5 },
  published: [
    { task: "Hopper-v5", algo: "SAC", step: 3000, mean: 123, std: 4, source: "made-up test source A" },
    { task: "Hopper-v5", algo: "SAC", step: 1000000, low: 2300, high: 3500, source: "made-up test source B" },
  ],
});
const slope: Record<string, number> = { virel1: 1, "sac-v1": 2 };

function writeRun(task: string, algo: "virel1" | "sac-v1", seed: number, lastStep = 3000): string {
  const dir = runDir(path.join(tmp, "results"), task, algo, seed);
  fs.mkdirSync(dir, { recursive: true });
  const cfg = {
    algo,
    hidden: [8, 8],
    evalEvery: 1000,
    evalEpisodes: 2,
    checkpointEvery: 1000,
    ...(algo === "sac-v1" ? { alpha: 0.5 } : {}),
  };
  fs.writeFileSync(
    path.join(dir, "config.json"),
    JSON.stringify({ algo, env: task, seed, config: cfg, envOptions: {} }),
  );
  const lines: string[] = [];
  for (let s = 1000; s <= lastStep; s += 1000) {
    lines.push(JSON.stringify({ step: s, "charts/episodic_return": -1, "charts/episodic_length": 200 }));
    lines.push(
      JSON.stringify({
        step: s,
        "eval/return_mean": (slope[algo]! * s) / 1000 + 10 * seed,
        "eval/return_std": 1,
        "eval/episodes": 2,
      }),
    );
    lines.push(JSON.stringify({ step: s, "losses/q1": 0.5 }));
  }
  fs.writeFileSync(path.join(dir, "metrics.jsonl"), lines.join("\n") + "\n");
  fs.writeFileSync(
    path.join(dir, "meta.json"),
    JSON.stringify({
      virel: "0",
      tfjs: "4",
      node: "v20",
      platform: "linux-x64",
      startedAt: "t",
      backend: { name: "wasm", native: { loaded: true, library: "X" } },
      fastUpdate: true,
    }),
  );
  fs.writeFileSync(
    path.join(dir, "run.json"),
    JSON.stringify({
      commit: { hash: "a".repeat(40), dirty: false },
      backendPath: { backend: "wasm" },
      machine: { cpu: "c", cores: 2 },
      wallSeconds: 1.5,
    }),
  );
  fs.writeFileSync(
    path.join(dir, "summary.json"),
    JSON.stringify({ step: lastStep, aborted: false, finalEval: { step: lastStep, mean: 0, std: 0 } }),
  );
  return dir;
}
for (const task of spec.tasks)
  for (const algo of ["virel1", "sac-v1"] as const) for (const seed of spec.seeds) writeRun(task, algo, seed);

test("mean ± sample std over seeds at every step, by hand", () => {
  assert.deepEqual(meanStd([1, 2, 3, 4]), { mean: 2.5, std: Math.sqrt(5 / 3) });
  assert.deepEqual(meanStd([7]), { mean: 7, std: 0 });
  const runs = gatherRuns(spec, path.join(tmp, "results"));
  assert.equal(runs.length, 12);
  const curves = algoCurves(runs);
  assert.equal(curves.length, 4);
  for (const c of curves) {
    assert.deepEqual(c.steps, [1000, 2000, 3000]);
    assert.deepEqual(c.seeds, [0, 1, 2]);
    c.steps.forEach((s, i) => {
      assert.ok(Math.abs(c.mean[i]! - ((slope[c.algo]! * s) / 1000 + 10)) < 1e-12, `${c.task} ${c.algo} mean at ${s}`);
      assert.ok(Math.abs(c.std[i]! - 10) < 1e-12, `${c.task} ${c.algo} std at ${s}`);
    });
  }
});

test("the final-return table: last common step, per seed, published numbers only at their own step", () => {
  const fig = experimentFigure(spec, path.join(tmp, "results"));
  const rows = finalRows(spec, fig.curves, fig.runs);
  const hop = rows.find((r) => r.task === "Hopper-v5" && r.algo === "sac-v1")!;
  assert.equal(hop.step, 3000);
  assert.equal(hop.n, 3);
  assert.deepEqual(hop.perSeed, [6, 16, 26]);
  assert.ok(Math.abs(hop.mean! - 16) < 1e-12 && Math.abs(hop.std! - 10) < 1e-12);
  assert.deepEqual(
    hop.publishedHere.map((p) => p.source),
    ["made-up test source A"],
  );
  assert.deepEqual(
    hop.publishedElsewhere.map((p) => p.source),
    ["made-up test source B"],
  );
  assert.match(
    fig.markdown,
    /\| Hopper-v5 \| SAC-v1 \| 3 \| 3000 \| 16\.0 ± 10\.0 \| 6\.0, 16\.0, 26\.0 \| SAC 123 ± 4 at 3k steps \(made-up test source A\) \| SAC 2,300–3,500 at 1M steps \(made-up test source B\) \|/,
  );
  assert.match(
    fig.markdown,
    /\| Pendulum-v1 \| VIREL1 \| 3 \| 3000 \| 13\.0 ± 10\.0 \| 3\.0, 13\.0, 23\.0 \| none known at 3k steps \| — \|/,
  );
  // SVG: one band and one mean line per (task, algo), a panel title per task, the legend with seed counts
  assert.equal((fig.svg.match(/<polygon class="band"/g) ?? []).length, 4);
  assert.equal((fig.svg.match(/<polyline class="mean"/g) ?? []).length, 4);
  assert.match(fig.svg, />Hopper-v5</);
  assert.match(fig.svg, /VIREL1 \(mean ± std, 3 seeds\)/);
  assert.match(fig.html, /Plotly\.newPlot/);
  assert.match(fig.html, /made-up test source A/);
  // a group whose seeds reached different steps is reported at the last step all of them reached
  fs.rmSync(runDir(path.join(tmp, "results"), "Pendulum-v1", "virel1", 2), { recursive: true });
  writeRun("Pendulum-v1", "virel1", 2, 2000);
  const rows2 = experimentFigure(spec, path.join(tmp, "results")).rows;
  const pv = rows2.find((r) => r.task === "Pendulum-v1" && r.algo === "virel1")!;
  assert.equal(pv.step, 2000);
  assert.deepEqual(pv.perSeed, [2, 12, 22]);
  fs.rmSync(runDir(path.join(tmp, "results"), "Pendulum-v1", "virel1", 2), { recursive: true });
  writeRun("Pendulum-v1", "virel1", 2);
});

test("comparison with the baseline: on par within one seed std, else ahead or behind", () => {
  const fig = experimentFigure(spec, path.join(tmp, "results"));
  const c = compareWithBaseline(fig.rows, "sac-v1");
  assert.equal(c.length, 2);
  // virel1 mean 3 + 10 = 13, sac-v1 mean 6 + 10 = 16, both stds 10: |−3| ≤ 10
  for (const x of c)
    assert.deepEqual(
      { ...x, diff: Math.round(x.diff * 1e9) / 1e9, scale: Math.round(x.scale * 1e9) / 1e9 },
      { task: x.task, algo: "virel1", baseline: "sac-v1", step: 3000, diff: -3, scale: 10, n: 3, verdict: "on par" },
    );
  const rows = fig.rows.map((r) => (r.algo === "virel1" ? { ...r, mean: r.mean! + 20 } : r));
  assert.deepEqual(
    compareWithBaseline(rows, "sac-v1").map((x) => x.verdict),
    ["ahead", "ahead"],
  );
  const rows2 = fig.rows.map((r) => (r.algo === "virel1" ? { ...r, mean: r.mean! - 20, n: 1 } : r));
  assert.deepEqual(
    compareWithBaseline(rows2, "sac-v1").map((x) => x.verdict),
    ["undetermined", "undetermined"],
  );
});

test("the figure is a deterministic function of the results", () => {
  const out = path.join(tmp, "docs");
  const a = writeExperimentFigure(spec, { results: path.join(tmp, "results"), out });
  const svg1 = fs.readFileSync(a.files[0]!, "utf8");
  const b = writeExperimentFigure(spec, { results: path.join(tmp, "results"), out });
  assert.equal(fs.readFileSync(b.files[0]!, "utf8"), svg1);
  assert.deepEqual(
    a.files.map((f) => path.basename(f)),
    ["synthetic.svg", "synthetic.html", "synthetic.md"],
  );
  assert.throws(
    () => experimentFigure(spec, path.join(tmp, "nothing-here")),
    /no runs with evaluations under .*nothing-here/,
  );
});

test("run checks accept the synthetic runs and catch each kind of damage", () => {
  const results = path.join(tmp, "results");
  const { runs, strays } = listRuns(spec, results);
  assert.equal(runs.length, 12);
  assert.deepEqual(strays, []);
  for (const r of runs) assert.deepEqual(checkRun(spec, r.task, r.algo, r.seed, r.dir), []);
  const dir = runDir(results, "Hopper-v5", "virel1", 1);
  const metrics = fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8");
  const damage = (text: string, want: RegExp) => {
    fs.writeFileSync(path.join(dir, "metrics.jsonl"), text);
    const p = checkMetrics(dir, 1000).problems;
    assert.ok(
      p.some((x) => want.test(x)),
      `expected ${want} in ${JSON.stringify(p)}`,
    );
  };
  const lines = metrics.trim().split("\n");
  damage(lines.concat(lines[lines.length - 2]!).join("\n") + "\n", /eval record step 3000 does not increase/);
  damage(metrics.replace('"losses/q1":0.5}', '"losses/q1":null}'), /losses\/q1 must be a finite number, got null/);
  damage(
    lines.filter((l) => !(l.includes("eval/") && l.includes('"step":2000'))).join("\n") + "\n",
    /missing \[2000\]/,
  );
  damage(metrics.trimEnd(), /not terminated/);
  damage(metrics.replace('{"step":1000,"charts', '{"step":0,"charts'), /step must be a positive integer, got 0/);
  fs.writeFileSync(path.join(dir, "metrics.jsonl"), metrics);
  assert.deepEqual(checkMetrics(dir, 1000).problems, []);
  const cfgFile = path.join(dir, "config.json");
  const cfg = fs.readFileSync(cfgFile, "utf8");
  fs.writeFileSync(cfgFile, cfg.replace('"seed":1', '"seed":2').replace('"hidden":[8,8]', '"hidden":[8,9]'));
  const p = checkConfig(spec, "Hopper-v5", "virel1", 1, dir);
  assert.ok(p.some((x) => /seed must be 1, got 2/.test(x)));
  assert.ok(p.some((x) => /config\.hidden must be \[8,8\] \(the spec\), got \[8,9\]/.test(x)));
  fs.writeFileSync(cfgFile, cfg);
  const { file: _file, ...plain } = spec;
  // a spec with a preset: the run's config must carry every preset value (checked by value, not by a label)
  const withPreset = parseSpec({ ...plain, preset: "paper" });
  const pp = checkConfig(withPreset, "Hopper-v5", "virel1", 1, dir);
  assert.ok(
    pp.some((x) => /config\.tau must be 0\.001 \(the paper preset\), got undefined/.test(x)),
    pp.join("\n"),
  );
  assert.ok(pp.some((x) => /config\.betaRule must be "fixed" \(the paper preset\)/.test(x)));
  const run = JSON.parse(cfg) as { config: Record<string, unknown> };
  const presetRun = {
    ...run,
    config: {
      ...run.config,
      ...presetConfig("paper", "virel1", "Hopper-v5"),
      hidden: [8, 8], // the spec's own fields win over the preset's
      evalEvery: 1000,
      evalEpisodes: 2,
    },
  };
  fs.writeFileSync(cfgFile, JSON.stringify(presetRun));
  assert.deepEqual(checkConfig(withPreset, "Hopper-v5", "virel1", 1, dir), []);
  fs.writeFileSync(cfgFile, JSON.stringify({ ...presetRun, preset: "other" }));
  assert.ok(
    checkConfig(withPreset, "Hopper-v5", "virel1", 1, dir).some((x) => /preset must be "paper", got "other"/.test(x)),
  );
  fs.writeFileSync(cfgFile, cfg);
  fs.rmSync(path.join(dir, "run.json"));
  assert.ok(checkRun(spec, "Hopper-v5", "virel1", 1, dir).some((x) => /run\.json is missing/.test(x)));
  fs.mkdirSync(path.join(results, "Hopper-v5", "sac", "seed-0"), { recursive: true });
  fs.writeFileSync(path.join(results, "Hopper-v5", "sac", "seed-0", "metrics.jsonl"), "");
  assert.equal(listRuns(spec, results).strays.length, 1);
});

test("run states and train arguments", () => {
  const d = path.join(tmp, "state");
  assert.deepEqual(runState(d, 3000), { kind: "missing", step: 0 });
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, "config.json"), "{}");
  fs.writeFileSync(path.join(d, "metrics.jsonl"), '{"step":2000}\n');
  assert.deepEqual(runState(d, 3000), { kind: "stale", step: 2000 });
  fs.writeFileSync(path.join(d, "checkpoint.ckpt"), "x");
  assert.deepEqual(runState(d, 3000), { kind: "resumable", step: 2000 });
  fs.writeFileSync(path.join(d, "summary.json"), '{"step":3000,"aborted":false}');
  assert.deepEqual(runState(d, 3000), { kind: "done", step: 3000 });
  assert.deepEqual(runState(d, 6000), { kind: "resumable", step: 3000 });
  const args = trainArgs(
    { ...spec, preset: "paper" },
    { task: "Hopper-v5", algo: "virel1", seed: 2, dir: "D" },
    3000,
    "C.json",
  );
  assert.deepEqual(args, [
    "train",
    "--env",
    "Hopper-v5",
    "--algo",
    "virel1",
    "--seed",
    "2",
    "--steps",
    "3000",
    "--out",
    "D",
    "--config",
    "C.json",
    "--eval-every",
    "1000",
    "--eval-episodes",
    "2",
    "--checkpoint-every",
    "1000",
    "--progress",
    "json",
    "--preset",
    "paper",
  ]);
});

test("nice ticks", () => {
  assert.deepEqual(niceTicks(0, 100000, 4), [0, 50000, 100000]);
  assert.deepEqual(niceTicks(-1700, -150, 5), [-1500, -1000, -500]);
  assert.deepEqual(niceTicks(0, 6000, 4), [0, 2000, 4000, 6000]);
});
