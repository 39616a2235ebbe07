/**
 * The language server on large notebooks: 2000 cells answered correctly (diagnostics on the right cell, hover and
 * completion, a later cell's name not visible) and 2500 cells without a stack overflow (the old layout nested every
 * cell in the previous cell's block: hover and completion failed from ~1700 cells, the checker overflowed at 2500).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompletionList, Diagnostic, Hover, MarkupContent } from "vscode-languageserver";
import { LspTestClient } from "./lspClient";
import { openParams, scaleCells } from "./scaleNotebook";

const root = join(__dirname, "..", "..", "..");

function errors(list: Diagnostic[] | undefined): Diagnostic[] {
  return (list ?? []).filter((d) => d.severity === 1);
}

describe("language server at scale", { timeout: 240_000 }, () => {
  let client: LspTestClient;

  before(async () => {
    client = LspTestClient.start(process.execPath, [join(root, "bin", "virel.js"), "lsp", "--stdio"], root);
    await client.request("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      capabilities: {},
      initializationOptions: { diagnosticsDelayMs: 10 },
    });
    await client.notify("initialized", {});
  });
  after(() => client.kill());

  it("answers a 2000-cell notebook correctly", async () => {
    const n = 2000;
    const nbPath = join(root, "test", "lsp", "fixtures", "scale2000.ipynb");
    const uri = (i: number): string => `vscode-notebook-cell:${nbPath}#s${i}`;
    const cells = scaleCells(n, uri);
    await client.notify("notebookDocument/didOpen", openParams(pathToFileURL(nbPath).href, cells));
    await client.waitFor(
      () => cells.every((c) => client.diagnostics.has(c.uri)),
      "diagnostics of all 2000 cells",
      180_000,
    );

    // Exactly three errors, all on cell 1000: the type error, and the two later cells' names as the kernel reports
    // them (in the shared block TypeScript would say "used before its declaration" for v1010 and nothing for f1020).
    const mid = n / 2;
    const withErrors = cells.filter((c) => errors(client.diagnostics.get(c.uri)).length > 0).map((c) => c.uri);
    assert.deepEqual(withErrors, [uri(mid)]);
    const midErrors = errors(client.diagnostics.get(uri(mid))).sort((a, b) => a.range.start.line - b.range.start.line);
    assert.equal(midErrors.length, 3, JSON.stringify(midErrors));
    assert.equal(midErrors[0]!.code, 2322);
    assert.match(midErrors[0]!.message, /Type 'number' is not assignable to type 'string'/);
    assert.deepEqual(midErrors[0]!.range, { start: { line: 5, character: 6 }, end: { line: 5, character: 9 } });
    const later = midErrors.slice(1).sort((a, b) => a.range.start.character - b.range.start.character);
    assert.deepEqual(
      later.map((d) => [d.code, d.message, d.range.start.line, d.range.start.character, d.range.end.character]),
      [
        [2304, "Cannot find name 'v1010'.", 6, 14, 19],
        [2304, "Cannot find name 'f1020'.", 6, 22, 27],
      ],
    );

    // Hover in cell 1500 on v1499 (declared by the cell before), and on the re-declared v0 (a string since cell 1500).
    const hover = await client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: uri(1500) },
      position: { line: 0, character: 16 },
    });
    assert.ok(hover !== null);
    assert.match((hover.contents as MarkupContent).value, /const v1499: number/);
    const hoverV0 = await client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: uri(1500) },
      position: { line: 4, character: 6 },
    });
    assert.match((hoverV0!.contents as MarkupContent).value, /const v0: "again"/);

    // The later name in cell 1000 has no hover and no definition (the kernel does not know it yet).
    const laterHover = await client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: uri(mid) },
      position: { line: 6, character: 15 },
    });
    assert.equal(laterHover, null);

    // Completion on the empty last line of cell 1210: earlier cells' names yes, later cells' names no.
    const list = await client.request<CompletionList>("textDocument/completion", {
      textDocument: { uri: uri(1210) },
      position: { line: 4, character: 0 },
    });
    const labels = new Set(list.items.map((i) => i.label));
    for (const name of ["v1209", "f1209", "v0", "f0", "v1210", "f1210", "Math"])
      assert.ok(labels.has(name), `${name} offered`);
    for (const name of ["v1211", "f1211", "f1299", "v1999"]) assert.ok(!labels.has(name), `${name} hidden`);
  });

  it("serves a 2500-cell notebook without a stack overflow", async () => {
    const n = 2500;
    const nbPath = join(root, "test", "lsp", "fixtures", "scale2500.ipynb");
    const uri = (i: number): string => `vscode-notebook-cell:${nbPath}#t${i}`;
    const cells = scaleCells(n, uri);
    await client.notify("notebookDocument/didOpen", openParams(pathToFileURL(nbPath).href, cells));
    await client.waitFor(
      () => cells.every((c) => client.diagnostics.has(c.uri)),
      "diagnostics of all 2500 cells",
      180_000,
    );
    assert.deepEqual(
      errors(client.diagnostics.get(uri(n / 2)))
        .map((d) => d.code)
        .sort(),
      [2304, 2304, 2322],
    );
    const hover = await client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: uri(n - 1) },
      position: { line: 0, character: 16 },
    });
    assert.match((hover!.contents as MarkupContent).value, /const v2498: number/);
    assert.doesNotMatch(client.log, /Maximum call stack|Cannot read properties/);
  });

  it("hides every kind of later-cell name the kernel's way, and keeps a local of the same name", async () => {
    const nbPath = join(root, "test", "lsp", "fixtures", "kinds.ipynb");
    const uri = (i: number): string => `vscode-notebook-cell:${nbPath}#k${i}`;
    const cells = [
      {
        uri: uri(0),
        text:
          "let a: Later = {};\nconst k = new K();\ng();\nconst e = E.A;\nlet t: T = 1;\n" +
          "function local(): number {\n  const v9 = 1;\n  return v9;\n}\nconst w = v9;\n",
      },
      {
        uri: uri(1),
        text: "interface Later {}\nclass K {}\nfunction g() {}\nenum E { A }\ntype T = number;\nconst v9 = 2;\n",
      },
      { uri: uri(2), text: "const all = [new K(), g(), E.A, v9] as const;\nlet later: Later = {};\n" },
      // An import stays visible to the cells after it although a later cell declares its name again.
      { uri: uri(3), text: 'import * as nodePath from "node:path";\n' },
      { uri: uri(4), text: "const sep: string = nodePath.sep;\n" },
      { uri: uri(5), text: "const nodePath = 1;\nconst two: number = nodePath + 1;\n" },
    ];
    await client.notify("notebookDocument/didOpen", openParams(pathToFileURL(nbPath).href, cells));
    await client.waitFor(() => cells.every((c) => client.diagnostics.has(c.uri)), "diagnostics of the kinds notebook");
    const got = errors(client.diagnostics.get(uri(0))).map((d) => [
      d.code,
      d.message,
      d.range.start.line,
      d.range.start.character,
    ]);
    got.sort((x, y) => (x[2] as number) - (y[2] as number));
    assert.deepEqual(got, [
      [2304, "Cannot find name 'Later'.", 0, 7],
      [2304, "Cannot find name 'K'.", 1, 14],
      [2304, "Cannot find name 'g'.", 2, 0],
      [2304, "Cannot find name 'E'.", 3, 10],
      [2304, "Cannot find name 'T'.", 4, 7],
      [2304, "Cannot find name 'v9'.", 9, 10],
    ]);
    assert.deepEqual(client.diagnostics.get(uri(1)), []);
    for (const i of [2, 3, 4, 5]) assert.deepEqual(client.diagnostics.get(uri(i)), [], `cell ${i}`);
    const local = await client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: uri(0) },
      position: { line: 7, character: 10 },
    });
    assert.match((local!.contents as MarkupContent).value, /const v9: 1/);
  });
});
