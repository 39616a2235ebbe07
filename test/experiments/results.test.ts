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
  gatherRuns,
  algoCurves,
  finalRows,
  compareWithBaseline,
  ALGO_LABELS,
} from "../../src/experiments";
import type { ExperimentSpec } from "../../src/experiments";
import { nativeGemmMode } from "../../src/engine/native";

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
        const then = backendPath(dir);
        // the committed run's OpenBLAS kernels (", core <name>"): asked for again, so the rounding can match on a
        // machine whose OpenBLAS would pick others (a DYNAMIC_ARCH build honours OPENBLAS_CORETYPE)
        const core = /, core (\S+)/.exec(then.nativeLibrary ?? "")?.[1];
        // and the committed run's product kernel (runs from before our native kernels ran on the BLAS)
        const gemm = then.nativeGemm === null ? undefined : nativeGemmMode(then.nativeGemm);
        const r = spawnSync(
          process.execPath,
          [
            virelBin(),
            ...trainArgs(spec, { task: rp.task, algo: rp.algo, seed: 0, dir: out }, rp.steps, cfg).map((a) =>
              a === "json" ? "none" : a,
            ),
          ],
          {
            encoding: "utf8",
            cwd: root,
            timeout: 590_000,
            env: {
              ...process.env,
              ...(core ? { OPENBLAS_CORETYPE: core } : {}),
              ...(gemm ? { VIREL_NATIVE_GEMM: gemm } : {}),
            },
          },
        );
        assert.equal(r.status, 0, r.stderr);
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

// The hand-written statements about Fig. 3 (README's results table, docs/fig3.md's measured table with its
// "vs SAC-v1" column) are the numbers and verdicts the committed results give: editing either without the
// other fails here.
const fig3 = specs.find((s) => s.name === "fig3");
if (fig3 && fs.existsSync(resultsDir(fig3))) {
  test("README and docs/fig3.md state the final returns and verdicts of results/fig3", () => {
    const runs = gatherRuns(fig3, resultsDir(fig3));
    const curves = algoCurves(runs);
    const rows = finalRows(fig3, curves, runs);
    const verdicts = compareWithBaseline(rows, "sac-v1");
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const doc = fs.readFileSync(path.join(root, "docs", "fig3.md"), "utf8");
    const tasks = [...new Set(rows.map((r) => r.task))];
    assert.ok(tasks.length >= 2, "results/fig3 holds at least two tasks");
    const minus = (x: string) => x.replaceAll("−", "-");
    for (const task of tasks) {
      // README: | task | VIREL1 | VIREL2 | SAC-v1 |, each "mean ± std" rounded to integers
      const line = readme.split("\n").find((l) => l.startsWith(`| ${task} |`));
      assert.ok(line, `README's results table has a row for ${task}`);
      const cells = line
        .split("|")
        .slice(2, -1)
        .map((c) => c.trim());
      ["virel1", "virel2", "sac-v1"].forEach((algo, i) => {
        const r = rows.find((x) => x.task === task && x.algo === algo)!;
        assert.equal(minus(cells[i]!), `${r.mean!.toFixed(0)} ± ${r.std!.toFixed(0)}`, `README ${task} ${algo}`);
      });
      // docs/fig3.md: | task | algorithm | mean ± std | per seed | … | verdict |
      for (const r of rows.filter((x) => x.task === task)) {
        const label = ALGO_LABELS[r.algo] ?? r.algo;
        const row = doc.split("\n").find((l) => l.startsWith(`| ${task} | ${label} | `));
        assert.ok(row, `docs/fig3.md's measured table has a row for ${task} ${label}`);
        const c = row
          .split("|")
          .slice(1, -1)
          .map((x) => minus(x.trim()));
        assert.equal(c[2], `${r.mean!.toFixed(1)} ± ${r.std!.toFixed(1)}`, `docs/fig3.md ${task} ${label} mean ± std`);
        assert.equal(c[3], r.perSeed.map((x) => x.toFixed(1)).join(", "), `docs/fig3.md ${task} ${label} per seed`);
        const curve = curves.find((x) => x.task === task && x.algo === r.algo)!;
        const at = [20_000, 40_000, 60_000, 80_000].map((k) => curve.mean[curve.steps.indexOf(k)]!.toFixed(0));
        assert.equal(c[4], at.join(" / "), `docs/fig3.md ${task} ${label} means at 20k / 40k / 60k / 80k`);
        const v = verdicts.find((x) => x.task === task && x.algo === r.algo);
        assert.equal(c[5], v ? v.verdict : "—", `docs/fig3.md ${task} ${label} verdict against SAC-v1`);
      }
    }
  });
}
