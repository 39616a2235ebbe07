/** `virel notebook run` without Python: outputs written in nbformat 4, the failing cell named, per-cell timeouts. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CellFailure, runNotebook } from "../../src/jupyter/runner";
import { notebookToHtml } from "../../src/jupyter/html";
import { parseNotebook, type CodeCell } from "../../src/jupyter/nbformat";

function nb(sources: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", id: "md", metadata: {}, source: "# t" },
      ...sources.map((s, i) => ({
        cell_type: "code",
        id: `c${i}`,
        metadata: {},
        execution_count: null,
        outputs: [],
        source: s,
      })),
    ],
  });
}

describe("notebook runner", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "virel-runner-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("executes every cell and writes outputs, counts and kernel metadata (a valid nbformat-4 notebook)", async () => {
    const src = join(dir, "ok.ipynb");
    writeFileSync(
      src,
      nb([
        'console.log("hi");\nconst h = display.live({ throttleMs: 0 });\nh.push({ a: 1 });\nh.push({ a: 2 });',
        "",
        "21 * 2",
      ]),
    );
    const out = join(dir, "ok.out.ipynb");
    const r = await runNotebook(src, { out });
    assert.equal(r.executed, 2, "the empty cell is skipped");
    const written = parseNotebook(readFileSync(out, "utf8"));
    const [c0, c1, c2] = written.cells.slice(1) as CodeCell[];
    assert.equal(c0!.execution_count, 1);
    assert.deepEqual(
      c0!.outputs.map((o) => o.output_type),
      ["stream", "display_data"],
    );
    const live = c0!.outputs[1] as unknown as { data: Record<string, { data: { y: number[] }[] }> };
    assert.deepEqual(
      live.data["application/vnd.plotly.v1+json"]!.data[0]!.y,
      [1, 2],
      "updates were applied to the output",
    );
    assert.equal(c1!.execution_count, null);
    assert.deepEqual(c2!.outputs, [
      { output_type: "execute_result", execution_count: 2, data: { "text/plain": "42" }, metadata: {} },
    ]);
    assert.equal((written.metadata.kernelspec as Record<string, string>).name, "virel-ts");
    assert.equal((written.metadata.language_info as Record<string, string>).name, "typescript");
    const html = notebookToHtml(written);
    assert.equal(html.split("window.Plotly = Plotly").length - 1, 1);
  });

  it("stops at the first failing cell, names it, and still writes what ran", async () => {
    const src = join(dir, "fail.ipynb");
    writeFileSync(src, nb(["let a = 1;", "const b: string = a;", "a + 1"]));
    await assert.rejects(runNotebook(src), (e: unknown) => {
      assert.ok(e instanceof CellFailure);
      assert.equal(
        e.message,
        "cell 2 (id c1) failed: TSError: 1:7 - Type 'number' is not assignable to type 'string'. (TS2322)",
      );
      return true;
    });
    const written = parseNotebook(readFileSync(src, "utf8"));
    const cells = written.cells as CodeCell[];
    assert.equal(cells[2]!.outputs[0]!.output_type, "error");
    assert.deepEqual(cells[3]!.outputs, []);
  });

  it("interrupts a cell that runs past --timeout and reports it", async () => {
    const src = join(dir, "slow.ipynb");
    writeFileSync(src, nb(["let n = 0;\nwhile (true) { n++; await new Promise((r) => setTimeout(r, 1)); }"]));
    await assert.rejects(
      runNotebook(src, { timeoutS: 2 }),
      /cell 1 \(id c0\) failed: KernelError: cell timed out after 2 s/,
    );
  });
});
