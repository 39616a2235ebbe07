/**
 * The notebook language server over stdio (`virel lsp --stdio`), driven by vscode-jsonrpc as the client:
 * initialize, notebook open, completions, hover, signature help, definition, diagnostics per cell, incremental
 * edits and structure changes, malformed requests, shutdown and exit.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type {
  CompletionItem,
  CompletionList,
  Diagnostic,
  Hover,
  InitializeResult,
  Location,
  MarkupContent,
  SignatureHelp,
} from "vscode-languageserver";
import { LspTestClient } from "./lspClient";

const root = join(__dirname, "..", "..", "..");
const nbPath = join(root, "test", "lsp", "fixtures", "demo.ipynb");
const nbUri = pathToFileURL(nbPath).href;
const cellUri = (id: string): string => `vscode-notebook-cell:${nbPath}#${id}`;
const C1 = cellUri("c1");
const MD = cellUri("md");
const C2 = cellUri("c2");
const C3 = cellUri("c3");
const C4 = cellUri("c4");

const TEXT1 = "const learningRate = 0.1;\nconst rng = new virel.Rng(7);\n";
const TEXT2 =
  "const total = learningRate * 2;\nconst G = virel.Rng;\nconst u = rng.uniformRange(1, 2) + rng.normal();\n" +
  "const pi = virel.actionPosterior([1, 2], 0.5);\n";
const TEXT3 = "const wrong: string = total;\n";

/** Position of the `n`-th occurrence of `needle` in `text`, shifted by `delta` characters. */
function positionOf(text: string, needle: string, delta = 0): { line: number; character: number } {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${JSON.stringify(needle)} not in ${JSON.stringify(text)}`);
  const before = text.slice(0, i + delta);
  const line = before.split("\n").length - 1;
  return { line, character: before.length - (before.lastIndexOf("\n") + 1) };
}

function errors(list: Diagnostic[] | undefined): Diagnostic[] {
  return (list ?? []).filter((d) => d.severity === 1);
}

function markdown(h: Hover | null): string {
  assert.ok(h !== null, "expected a hover");
  return (h.contents as MarkupContent).value;
}

describe("notebook language server over stdio", { timeout: 90_000 }, () => {
  let client: LspTestClient;
  let version = 1;

  before(async () => {
    client = LspTestClient.start(process.execPath, [join(root, "bin", "virel.js"), "lsp", "--stdio"], root);
  });
  after(() => client.kill());

  it("initializes with notebook document sync for TypeScript cells of Jupyter notebooks", async () => {
    const result = await client.request<InitializeResult>("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      capabilities: {},
      initializationOptions: { diagnosticsDelayMs: 10 },
    });
    await client.notify("initialized", {});
    const caps = result.capabilities;
    assert.deepEqual(caps.notebookDocumentSync, {
      notebookSelector: [{ notebook: { notebookType: "jupyter-notebook" }, cells: [{ language: "typescript" }] }],
    });
    assert.equal(caps.hoverProvider, true);
    assert.equal(caps.definitionProvider, true);
    assert.ok(caps.completionProvider?.triggerCharacters?.includes("."));
    assert.ok(caps.signatureHelpProvider?.triggerCharacters?.includes("("));
    assert.equal(result.serverInfo?.name, "virel-notebook-lsp");
  });

  it("reports a type error of cell 3 on cell 3 at the right range, and nothing on cells 1, 2 or markdown", async () => {
    await client.notify("notebookDocument/didOpen", {
      notebookDocument: {
        uri: nbUri,
        notebookType: "jupyter-notebook",
        version,
        cells: [
          { kind: 2, document: C1 },
          { kind: 1, document: MD },
          { kind: 2, document: C2 },
          { kind: 2, document: C3 },
        ],
      },
      cellTextDocuments: [
        { uri: C1, languageId: "typescript", version: 1, text: TEXT1 },
        { uri: MD, languageId: "markdown", version: 1, text: "# Not code {\nconst x: number = 'a'\n" },
        { uri: C2, languageId: "typescript", version: 1, text: TEXT2 },
        { uri: C3, languageId: "typescript", version: 1, text: TEXT3 },
      ],
    });
    await client.waitFor(() => client.diagnostics.has(C3), "diagnostics of cell 3");
    assert.deepEqual(client.diagnostics.get(C1), []);
    assert.deepEqual(client.diagnostics.get(C2), []);
    assert.equal(client.diagnostics.has(MD), false, "markdown cells are not type-checked");
    const d3 = client.diagnostics.get(C3) ?? [];
    assert.equal(d3.length, 1, JSON.stringify(d3));
    const d = d3[0]!;
    assert.equal(d.code, 2322);
    assert.equal(d.severity, 1);
    assert.match(d.message, /Type 'number' is not assignable to type 'string'/);
    assert.deepEqual(d.range, { start: { line: 0, character: 6 }, end: { line: 0, character: 11 } }); // `wrong`
  });

  it("completes a symbol from cell 1 in cell 2, and virel members", async () => {
    const list = await client.request<CompletionList>("textDocument/completion", {
      textDocument: { uri: C2 },
      position: positionOf(TEXT2, "learningRate", 5),
    });
    const labels = new Set(list.items.map((i) => i.label));
    assert.ok(labels.has("learningRate"), "cell 1's const is offered in cell 2");
    assert.ok(labels.has("rng"));
    assert.ok(!labels.has("wrong"), "a later cell's names are not in scope");
    const members = await client.request<CompletionList>("textDocument/completion", {
      textDocument: { uri: C2 },
      position: positionOf(TEXT2, "virel.", 6),
      context: { triggerKind: 2, triggerCharacter: "." },
    });
    const names = members.items.map((i) => i.label);
    for (const expected of ["Rng", "hashSeed", "actionPosterior", "msbe", "elbo", "tabular"]) {
      assert.ok(names.includes(expected), `virel.${expected} offered`);
    }
    assert.ok(!names.includes("learningRate"), "member completion lists members only");
    const rng = members.items.find((i) => i.label === "Rng")!;
    const resolved = await client.request<CompletionItem>("completionItem/resolve", rng);
    assert.match(resolved.detail ?? "", /class Rng/);
    assert.match((resolved.documentation as MarkupContent).value, /Seeded PRNG/);
  });

  it("hovers show the library's JSDoc as Markdown, formulas intact", async () => {
    const onClass = markdown(
      await client.request<Hover | null>("textDocument/hover", {
        textDocument: { uri: C2 },
        position: positionOf(TEXT2, "Rng;", 1),
      }),
    );
    assert.match(onClass, /```typescript\n\(alias\) class Rng/);
    assert.match(onClass, /Seeded PRNG \(xoshiro128\\\*\\\*\): uniform, normal/);
    const normal = await client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: C2 },
      position: positionOf(TEXT2, "normal", 2),
    });
    assert.match(markdown(normal), /Standard normal deviate N\(0, 1\) \(Box–Muller/);
    assert.deepEqual(normal!.range, { start: positionOf(TEXT2, "normal"), end: positionOf(TEXT2, "normal", 6) });
    const posterior = markdown(
      await client.request<Hover | null>("textDocument/hover", {
        textDocument: { uri: C2 },
        position: positionOf(TEXT2, "actionPosterior", 3),
      }),
    );
    assert.match(posterior, /\(alias\) actionPosterior\(q: ArrayLike<number>, beta: number\): Float64Array/);
    // The equation stays a code span, character for character.
    assert.ok(posterior.includes("`p(a|s,O) = exp(Q(s,a)/β) / Σ_a' exp(Q(s,a')/β)`"), posterior);
    assert.match(posterior, /Action-posterior \(Table 1, Eq\. 6\)/);
    const local = markdown(
      await client.request<Hover | null>("textDocument/hover", {
        textDocument: { uri: C2 },
        position: positionOf(TEXT2, "learningRate"),
      }),
    );
    assert.match(local, /const learningRate: 0\.1/);
  });

  it("gives signature help with the active parameter", async () => {
    const help = await client.request<SignatureHelp | null>("textDocument/signatureHelp", {
      textDocument: { uri: C2 },
      position: positionOf(TEXT2, "(1, 2)", 4),
    });
    assert.ok(help !== null);
    assert.equal(help.signatures.length, 1);
    const sig = help.signatures[0]!;
    assert.equal(sig.label, "uniformRange(low: number, high: number): number");
    assert.equal(help.activeParameter, 1);
    const [from, to] = sig.parameters![1]!.label as [number, number];
    assert.equal(sig.label.slice(from, to), "high: number");
    assert.match((sig.documentation as MarkupContent).value, /Uniform double in \[low, high\)/);
    const posterior = await client.request<SignatureHelp | null>("textDocument/signatureHelp", {
      textDocument: { uri: C2 },
      position: positionOf(TEXT2, "([1, 2]", 1),
    });
    assert.equal(
      posterior?.signatures[0]?.label,
      "actionPosterior(q: ArrayLike<number>, beta: number): Float64Array<ArrayBufferLike>",
    );
    assert.equal(posterior?.activeParameter, 0);
  });

  it("goes to definitions in earlier cells and in the library's sources", async () => {
    const local = await client.request<Location[]>("textDocument/definition", {
      textDocument: { uri: C2 },
      position: positionOf(TEXT2, "learningRate", 3),
    });
    assert.deepEqual(local, [
      { uri: C1, range: { start: { line: 0, character: 6 }, end: { line: 0, character: 18 } } },
    ]);
    const lib = await client.request<Location[]>("textDocument/definition", {
      textDocument: { uri: C2 },
      position: positionOf(TEXT2, "Rng;", 1),
    });
    assert.equal(lib.length, 1);
    assert.equal(
      lib[0]!.uri,
      pathToFileURL(join(root, "src", "rng.ts")).href,
      "the declaration map leads to the .ts source",
    );
    const srcLines = readFileSync(join(root, "src", "rng.ts"), "utf8").split("\n");
    const line = srcLines.findIndex((l) => l.startsWith("export class Rng"));
    assert.deepEqual(lib[0]!.range, { start: { line, character: 13 }, end: { line, character: 16 } });
    const fn = await client.request<Location[]>("textDocument/definition", {
      textDocument: { uri: C2 },
      position: positionOf(TEXT2, "actionPosterior", 2),
    });
    const file = join(root, "src", "model", "actionPosterior.ts");
    const fnLine = readFileSync(file, "utf8")
      .split("\n")
      .findIndex((l) => l.startsWith("export function actionPosterior("));
    assert.deepEqual(fn, [
      {
        uri: pathToFileURL(file).href,
        range: { start: { line: fnLine, character: 16 }, end: { line: fnLine, character: 31 } },
      },
    ]);
  });

  it("updates diagnostics on cell edits, moves, deletions and insertions", async () => {
    // Edit cell 3 incrementally: `string` → `number` fixes the error.
    const seen = client.published.length;
    await client.notify("notebookDocument/didChange", {
      notebookDocument: { uri: nbUri, version: ++version },
      change: {
        cells: {
          textContent: [
            {
              document: { uri: C3, version: 2 },
              changes: [
                { range: { start: { line: 0, character: 13 }, end: { line: 0, character: 19 } }, text: "number" },
              ],
            },
          ],
        },
      },
    });
    await client.waitFor(
      () => client.published.length > seen && client.diagnostics.get(C3)?.length === 0,
      "cell 3 to be clean after the edit",
    );

    // Move cell 3 above cell 2: `total` (declared in cell 2) is no longer in scope in cell 3.
    await client.notify("notebookDocument/didChange", {
      notebookDocument: { uri: nbUri, version: ++version },
      change: {
        cells: {
          structure: {
            array: {
              start: 2,
              deleteCount: 2,
              cells: [
                { kind: 2, document: C3 },
                { kind: 2, document: C2 },
              ],
            },
          },
        },
      },
    });
    await client.waitFor(() => errors(client.diagnostics.get(C3)).length === 1, "cell 3 error after the move");
    const moved = errors(client.diagnostics.get(C3))[0]!;
    assert.equal(moved.code, 2304);
    assert.match(moved.message, /Cannot find name 'total'/);
    assert.deepEqual(moved.range, { start: { line: 0, character: 22 }, end: { line: 0, character: 27 } });
    assert.deepEqual(client.diagnostics.get(C2), []);

    // Delete cell 2 (now last): its diagnostics are cleared and cell 3 keeps its error.
    const beforeDelete = client.published.length;
    await client.notify("notebookDocument/didChange", {
      notebookDocument: { uri: nbUri, version: ++version },
      change: { cells: { structure: { array: { start: 3, deleteCount: 1 }, didClose: [{ uri: C2 }] } } },
    });
    await client.waitFor(
      () => client.published.slice(beforeDelete).some((p) => p.uri === C2 && p.diagnostics.length === 0),
      "cell 2 cleared after deletion",
    );
    assert.equal(errors(client.diagnostics.get(C3)).length, 1);

    // Insert a cell declaring `total` before cell 3: cell 3 is clean again; a type error in the new cell lands there.
    const text4 = "const total = 5;\nconst oops: boolean = 'yes';\n";
    await client.notify("notebookDocument/didChange", {
      notebookDocument: { uri: nbUri, version: ++version },
      change: {
        cells: {
          structure: {
            array: { start: 2, deleteCount: 0, cells: [{ kind: 2, document: C4 }] },
            didOpen: [{ uri: C4, languageId: "typescript", version: 1, text: text4 }],
          },
        },
      },
    });
    await client.waitFor(
      () => client.diagnostics.get(C3)?.length === 0 && client.diagnostics.has(C4),
      "cell 3 clean and cell 4 checked after the insertion",
    );
    const d4 = client.diagnostics.get(C4)!;
    assert.equal(d4.length, 1);
    assert.equal(d4[0]!.code, 2322);
    assert.deepEqual(d4[0]!.range, { start: { line: 1, character: 6 }, end: { line: 1, character: 10 } });
  });

  it("reports a syntax error on its own cell without breaking the next cells", async () => {
    await client.notify("notebookDocument/didChange", {
      notebookDocument: { uri: nbUri, version: ++version },
      change: {
        cells: {
          textContent: [
            {
              document: { uri: C4, version: 2 },
              changes: [
                {
                  range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } },
                  text: "function f( {\n",
                },
              ],
            },
          ],
        },
      },
    });
    await client.waitFor(
      () => (client.diagnostics.get(C4) ?? []).some((d) => d.code === 1005 || d.code === 1003),
      "syntax error in cell 4",
    );
    const d4 = client.diagnostics.get(C4)!;
    const syntax = d4.find((d) => d.code === 1005)!;
    assert.equal(syntax.message, "'}' expected.");
    assert.deepEqual(
      syntax.range.start,
      { line: 2, character: 0 },
      "at the end of cell 4, where the block is left open",
    );
    assert.ok(
      d4.every((d) => d.range.end.line <= 2),
      JSON.stringify(d4),
    );
    assert.deepEqual(errors(client.diagnostics.get(C1)), []);
    assert.deepEqual(errors(client.diagnostics.get(C3)), [], JSON.stringify(client.diagnostics.get(C3)));
  });

  it("answers malformed requests with JSON-RPC errors and keeps serving", async () => {
    await assert.rejects(client.request("textDocument/hover", {}), (e: { code: number; message: string }) => {
      assert.equal(e.code, -32602);
      assert.match(e.message, /textDocument/);
      return true;
    });
    await assert.rejects(
      client.request("textDocument/completion", { textDocument: { uri: C1 }, position: { line: -1, character: "x" } }),
      (e: { code: number; message: string }) => e.code === -32602 && /position\.line/.test(e.message),
    );
    await assert.rejects(
      client.request("completionItem/resolve", { label: "x" }),
      (e: { code: number }) => e.code === -32602,
    );
    await assert.rejects(client.request("virel/noSuchMethod", {}), (e: { code: number }) => e.code === -32601);
    // Notifications with nonsense params are logged, not fatal.
    await client.notify("notebookDocument/didChange", {
      notebookDocument: { uri: nbUri },
      change: { cells: { structure: 7 } },
    });
    await client.notify("notebookDocument/didOpen", { notebookDocument: null });
    // A body that is not JSON at all.
    const garbage = "{not json";
    client.child.stdin.write(`Content-Length: ${Buffer.byteLength(garbage)}\r\n\r\n${garbage}`);
    // An unknown document is not an error, just no result.
    assert.equal(
      await client.request("textDocument/hover", {
        textDocument: { uri: "file:///nowhere.ts" },
        position: { line: 0, character: 0 },
      }),
      null,
    );
    // Still serving.
    const h = await client.request<Hover | null>("textDocument/hover", {
      textDocument: { uri: C1 },
      position: positionOf(TEXT1, "learningRate"),
    });
    assert.match(markdown(h), /learningRate/);
  });

  it("clears a notebook's diagnostics when it closes", async () => {
    const beforeClose = client.published.length;
    await client.notify("notebookDocument/didClose", {
      notebookDocument: { uri: nbUri },
      cellTextDocuments: [{ uri: C1 }, { uri: MD }, { uri: C3 }, { uri: C4 }],
    });
    await client.waitFor(
      () =>
        [C1, C3, C4].every((u) =>
          client.published.slice(beforeClose).some((p) => p.uri === u && p.diagnostics.length === 0),
        ),
      "diagnostics cleared on close",
    );
    assert.equal(
      await client.request("textDocument/hover", { textDocument: { uri: C1 }, position: { line: 0, character: 7 } }),
      null,
    );
  });

  it("shuts down and exits with code 0", async () => {
    assert.equal(await client.shutdown(), 0);
  });
});
