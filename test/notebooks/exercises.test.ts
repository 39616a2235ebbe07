/**
 * Executes the exercise notebooks through our runner: every worked solution must pass all of its checks, and
 * every stub notebook must run to the end with each check printing a clean FAIL (a message, not an error).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { codeOutputs, EXERCISES, problems, runNotebook, stdoutOf, text } from "./run";

/** How many `check(…)` calls each code cell makes. */
function checksPerCell(src: string[]): number[] {
  return src.map((s) => s.match(/^check\(/gm)?.length ?? 0);
}

for (const name of EXERCISES) {
  test(`exercise solutions ${name}: every check prints PASS`, { timeout: 600_000 }, async (t) => {
    const r = await runNotebook(`notebooks/exercises/solutions/${name}.ipynb`);
    t.diagnostic(`solutions/${name}: ${r.seconds.toFixed(1)} s`);
    assert.ok(r.nb, `the runner wrote no notebook (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    assert.deepEqual(problems(r.nb), []);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const cells = r.nb.cells.filter((c) => c.cell_type === "code");
    const counts = checksPerCell(cells.map((c) => text(c.source)));
    const outs = codeOutputs(r.nb);
    counts.forEach((n, i) => {
      const out = stdoutOf(outs[i]!);
      assert.equal(out.match(/^PASS /gm)?.length ?? 0, n, `code cell ${i}: ${n} PASS expected, got:\n${out}`);
      assert.doesNotMatch(out, /^FAIL /m, `code cell ${i}: ${out}`);
    });
    assert.ok(counts.reduce((a, b) => a + b, 0) >= 4, "at least four checks");
  });

  test(`exercise stubs ${name}: the notebook runs and each check fails cleanly`, { timeout: 600_000 }, async (t) => {
    const r = await runNotebook(`notebooks/exercises/${name}.ipynb`);
    t.diagnostic(`exercises/${name}: ${r.seconds.toFixed(1)} s`);
    assert.ok(r.nb, `the runner wrote no notebook (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    assert.deepEqual(problems(r.nb), [], "a stub must fail its check with a message, not an error");
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const cells = r.nb.cells.filter((c) => c.cell_type === "code");
    const counts = checksPerCell(cells.map((c) => text(c.source)));
    const outs = codeOutputs(r.nb);
    counts.forEach((n, i) => {
      const out = stdoutOf(outs[i]!);
      const fails = out.match(/^FAIL .*NotImplemented: .* is not implemented yet/gm)?.length ?? 0;
      assert.equal(fails, n, `code cell ${i}: ${n} clean FAIL messages expected, got:\n${out}`);
      assert.doesNotMatch(out, /^PASS /m, `code cell ${i}: a stub passed:\n${out}`);
    });
  });
}
