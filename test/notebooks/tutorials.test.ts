/**
 * Executes every tutorial notebook through our runner (`virel notebook run`, the virel-ts kernel over ZeroMQ)
 * with VIREL_TEST=1: no cell may fail or write to stderr, and each tutorial must show at least one plotly
 * figure drawn by the display helpers. The run time of each is reported as a test diagnostic.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { codeOutputs, problems, runNotebook, TUTORIALS } from "./run";

const PLOTLY = "application/vnd.plotly.v1+json";

for (const name of TUTORIALS) {
  test(`tutorial ${name} runs headless without errors and draws plotly figures`, { timeout: 600_000 }, async (t) => {
    const r = await runNotebook(`notebooks/${name}.ipynb`);
    t.diagnostic(`${name}: ${r.seconds.toFixed(1)} s`);
    assert.ok(r.nb, `the runner wrote no notebook (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    assert.deepEqual(problems(r.nb), [], `${name} has errors`);
    assert.equal(r.code, 0, `virel notebook run exited ${r.code}: ${r.stderr.slice(-2000)}`);
    const outs = codeOutputs(r.nb);
    const plots = outs.flat().filter((o) => o.data !== undefined && PLOTLY in o.data);
    assert.ok(plots.length >= 1, `${name}: expected at least one plotly output, got none`);
    for (const p of plots) {
      const fig = p.data![PLOTLY] as { data?: unknown[] };
      assert.ok(Array.isArray(fig.data), `${name}: a plotly output without data`);
    }
    const executed = r.nb.cells.filter((c) => c.cell_type === "code" && c.execution_count !== null).length;
    assert.equal(executed, outs.length, `${name}: every code cell ran`);
  });
}
