/**
 * The notebooks as files: committed without outputs, for our kernel, generated from their Markdown sources
 * (notebooks/build.mjs), the tutorial set complete, and the first cell saying what it shows and how long it runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as ts from "typescript";
import { notebookDiagnostics } from "../../src/lsp/features";
import { NotebookProject } from "../../src/lsp/project";
import { allNotebooks, EXERCISES, NOTEBOOKS, readNb, ROOT, text, TUTORIALS, type Nb } from "./run";

function assertNoOutputs(nb: Nb, where: string): void {
  assert.equal(nb.nbformat, 4, `${where}: nbformat`);
  assert.equal(nb.metadata.kernelspec?.name, "virel-ts", `${where}: kernelspec.name`);
  assert.equal(nb.metadata.kernelspec?.language, "typescript", `${where}: kernelspec.language`);
  assert.equal(nb.metadata.language_info?.name, "typescript", `${where}: language_info.name`);
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== "code") return;
    assert.deepEqual(c.outputs, [], `${where}: cell ${i} has outputs`);
    assert.equal(c.execution_count, null, `${where}: cell ${i} has an execution count`);
  });
}

test("the notebook set: 7 tutorials, a stub and a worked solution per exercise, nothing else", () => {
  const expected = [
    ...TUTORIALS.map((n) => `notebooks/${n}.ipynb`),
    ...EXERCISES.map((n) => `notebooks/exercises/${n}.ipynb`),
    ...EXERCISES.map((n) => `notebooks/exercises/solutions/${n}.ipynb`),
  ].sort();
  assert.deepEqual(allNotebooks(), expected);
});

test("every notebook on disk is for the virel-ts kernel and has no outputs", () => {
  for (const rel of allNotebooks()) assertNoOutputs(readNb(join(ROOT, rel)), rel);
});

test("notebooks in git (the index) have no outputs", () => {
  const inRepo = spawnSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd: ROOT, encoding: "utf8" });
  // outside a git checkout (an installed package) the files on disk are what ships: checked above
  if (inRepo.status !== 0 || inRepo.stdout.trim() !== "true") return;
  const ls = spawnSync("git", ["ls-files", "--", "notebooks"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(ls.status, 0, ls.stderr);
  const tracked = ls.stdout.split("\n").filter((p) => p.endsWith(".ipynb"));
  assert.ok(tracked.length >= TUTORIALS.length, `expected the tutorials in git, got ${tracked.join(", ")}`);
  for (const rel of tracked) {
    const shown = spawnSync("git", ["show", `:${rel}`], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
    assert.equal(shown.status, 0, shown.stderr);
    assertNoOutputs(JSON.parse(shown.stdout) as Nb, `git:${rel}`);
  }
});

test("the notebooks are exactly what notebooks/build.mjs makes from notebooks/src/*.md", () => {
  const r = spawnSync(process.execPath, [join(NOTEBOOKS, "build.mjs"), "--check"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, `stale notebooks:\n${r.stderr}`);
});

test("each tutorial opens with what it shows and how long it runs, and calls the display helpers", () => {
  for (const name of TUTORIALS) {
    const nb = readNb(join(NOTEBOOKS, `${name}.ipynb`));
    const first = nb.cells[0]!;
    assert.equal(first.cell_type, "markdown", `${name}: the first cell is Markdown`);
    assert.match(text(first.source), /What this notebook shows/, `${name}: first cell says what it shows`);
    assert.match(text(first.source), /How long it runs/, `${name}: first cell says how long it runs`);
    const code = nb.cells
      .filter((c) => c.cell_type === "code")
      .map((c) => text(c.source))
      .join("\n");
    assert.match(
      code,
      /display\.(plot|lines|bars|heatmap|live|histogram|bands)\(/,
      `${name}: draws a plot with the display helpers`,
    );
  }
});

test("each exercise stub throws NotImplemented where its solution has code, and both have the same checks", () => {
  for (const name of EXERCISES) {
    const stub = readNb(join(NOTEBOOKS, "exercises", `${name}.ipynb`));
    const sol = readNb(join(NOTEBOOKS, "exercises", "solutions", `${name}.ipynb`));
    const src = (nb: Nb) => nb.cells.filter((c) => c.cell_type === "code").map((c) => text(c.source));
    const s = src(stub);
    const w = src(sol);
    assert.equal(s.length, w.length, `${name}: same number of code cells`);
    const stubs = s.filter((c) => /throw new NotImplemented\(/.test(c)).length;
    assert.ok(stubs >= 2, `${name}: at least two stubs, got ${stubs}`);
    assert.equal(
      w.filter((c) => /throw new NotImplemented\(/.test(c)).length,
      0,
      `${name}: the solutions have no stubs left`,
    );
    const checks = (cells: string[]) => cells.join("\n").match(/^check\(/gm)?.length ?? 0;
    assert.ok(checks(s) >= stubs, `${name}: a check per stub`);
    assert.equal(checks(s), checks(w), `${name}: the same checks in stub and solution`);
    assert.ok(existsSync(join(NOTEBOOKS, "src", "exercises", `${name}.md`)), `${name}: has a source`);
  }
});

test("the notebook language server finds no diagnostic in any notebook (what VS Code shows)", () => {
  const env = {
    registry: ts.createDocumentRegistry(),
    explicitLibrary: ROOT,
    bundledLibraries: [],
    fallbackDir: NOTEBOOKS,
  };
  for (const rel of allNotebooks()) {
    const uri = pathToFileURL(join(ROOT, rel)).href;
    const project = new NotebookProject(uri, env);
    try {
      const cells = readNb(join(ROOT, rel))
        .cells.filter((c) => c.cell_type === "code")
        .map((c, i) => ({ uri: `${uri}#cell${i}`, text: text(c.source) }));
      project.setCells(cells);
      const found = [...notebookDiagnostics(project).entries()].flatMap(([cell, list]) =>
        list.map((d) => `${cell.split("#")[1]} line ${d.range.start.line + 1}: ${d.message}`),
      );
      assert.deepEqual(found, [], `${rel}: editor diagnostics`);
    } finally {
      project.dispose();
    }
  }
});
