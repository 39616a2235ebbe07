// The committed results are well formed and honest: for every spec in experiments/ and every run under
// results/<name>/, config.json matches the spec, metrics.jsonl is well formed, meta.json and run.json carry
// versions, backend path, commit, machine and wall time; docs/fig3/<name>.{svg,md} are what
// `virel experiment figure` makes from them; and re-running seed 0 of the spec's `reproduce` (task, algo) for its
// first steps into a temp dir reproduces the committed metrics exactly on the same backend path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  loadSpec,
  resultsDir,
  listRuns,
  checkRun,
  experimentFigure,
  runDir,
  runConfig,
  trainArgs,
  backendPath,
  virelBin,
} from "../../src/experiments";
import type { ExperimentSpec } from "../../src/experiments";

const root = path.join(__dirname, "..", "..", "..");
const specs: ExperimentSpec[] = fs
  .readdirSync(path.join(root, "experiments"))
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => loadSpec(path.join(root, "experiments", f)));

test("there is a committed results set (smoke at least)", () => {
  assert.ok(
    fs.existsSync(path.join(resultsDir(specs.find((s) => s.name === "smoke")!), "Pendulum-v1")),
    "results/smoke is missing: run `virel experiment run experiments/smoke.json`",
  );
});

for (const spec of specs) {
  const results = resultsDir(spec);
  if (!fs.existsSync(results)) {
    test(`results/${spec.name}`, (t) =>
      t.skip(`results/${spec.name} does not exist yet (run \`virel experiment run experiments/${spec.name}.json\`)`));
    continue;
  }
  test(`results/${spec.name}: every run matches the spec and is well formed`, () => {
    const { runs, strays } = listRuns(spec, results);
    assert.deepEqual(strays, [], "run directories outside the spec's grid");
    assert.ok(runs.length > 0);
    for (const r of runs) assert.deepEqual(checkRun(spec, r.task, r.algo, r.seed, r.dir), [], `${r.dir}`);
    for (const r of runs) {
      for (const f of fs.readdirSync(r.dir))
        assert.ok(
          ["config.json", "meta.json", "metrics.jsonl", "summary.json", "run.json", "checkpoint.ckpt"].includes(f),
          `unexpected file ${r.dir}/${f}`,
        );
    }
  });
  test(`docs/fig3/${spec.name}: the committed figure and table are generated from results/${spec.name}`, () => {
    const fig = experimentFigure(spec, results);
    assert.equal(
      fs.readFileSync(path.join(root, "docs", "fig3", `${spec.name}.svg`), "utf8"),
      fig.svg,
      `regenerate with \`virel experiment figure experiments/${spec.name}.json\``,
    );
    assert.equal(fs.readFileSync(path.join(root, "docs", "fig3", `${spec.name}.md`), "utf8"), fig.markdown);
  });
  if (spec.reproduce) {
    const rp = spec.reproduce;
    const dir = runDir(results, rp.task, rp.algo, 0);
    test(
      `results/${spec.name}: re-running ${rp.task} ${rp.algo} seed 0 for ${rp.steps} steps reproduces the committed metrics`,
      { timeout: 600_000 },
      (t) => {
        if (!fs.existsSync(path.join(dir, "metrics.jsonl"))) return t.skip(`${dir} is not committed yet`);
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virel-repro-"));
        const cfg = path.join(tmp, "config.json");
        fs.writeFileSync(cfg, JSON.stringify(runConfig(spec, rp.task, rp.algo)));
        const out = path.join(tmp, "run");
        const r = spawnSync(
          process.execPath,
          [
            virelBin(),
            ...trainArgs(spec, { task: rp.task, algo: rp.algo, seed: 0, dir: out }, rp.steps, cfg).map((a) =>
              a === "json" ? "none" : a,
            ),
          ],
          { encoding: "utf8", cwd: root, timeout: 590_000 },
        );
        assert.equal(r.status, 0, r.stderr);
        const then = backendPath(dir);
        const now = backendPath(out);
        if (JSON.stringify(then) !== JSON.stringify(now)) {
          fs.rmSync(tmp, { recursive: true, force: true });
          return t.skip(
            `backend path differs: committed on ${JSON.stringify(then)}, this machine ran ${JSON.stringify(now)}; float rounding differs between paths, so exact reproduction is only checked on the same one`,
          );
        }
        const strip = (text: string, upTo: number) =>
          text
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as Record<string, number>)
            .filter((m) => m.step <= upTo)
            .map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => !k.startsWith("perf/")))); // timings are not reproducible
        const committed = strip(fs.readFileSync(path.join(dir, "metrics.jsonl"), "utf8"), rp.steps);
        const rerun = strip(fs.readFileSync(path.join(out, "metrics.jsonl"), "utf8"), rp.steps);
        assert.ok(
          committed.some((m) => "eval/return_mean" in m) && committed.some((m) => "losses/q1" in m),
          "the compared prefix holds evaluations and losses",
        );
        assert.deepEqual(rerun, committed);
        fs.rmSync(tmp, { recursive: true, force: true });
      },
    );
  }
}
