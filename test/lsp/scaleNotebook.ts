/**
 * A synthetic notebook of `n` TypeScript cells for the language-server scale test and bench/lsp-scale.ts.
 *
 * Cell i declares `v<i>` (= i) and `f<i>()`, reads the previous cell's `v<i-1>`, and every 100th cell declares
 * `v0` again (so the virtual file still needs a few nested blocks). Cell `n/2` also holds a type error and a use
 * of a name that only a later cell declares.
 */
export interface ScaleCell {
  readonly uri: string;
  readonly text: string;
}

export const TYPE_ERROR_LINE = "const bad: string = v1;\n";

/** The line of cell n/2 that uses two names only later cells declare (a `const` and a hoisted function). */
export function laterLine(n: number): string {
  const mid = Math.floor(n / 2);
  return `const later = v${mid + 10} + f${mid + 20}(1);\n`;
}

export function scaleCells(n: number, uri: (i: number) => string): ScaleCell[] {
  const mid = Math.floor(n / 2);
  return Array.from({ length: n }, (_, i) => {
    let text = i === 0 ? "const v0 = 0;\n" : `const v${i} = v${i - 1} + 1;\n`;
    text += `function f${i}(x: number): number {\n  return x * ${i};\n}\n`;
    if (i > 0 && i % 100 === 0) text += "const v0 = 'again';\n";
    if (i === mid) text += TYPE_ERROR_LINE + laterLine(n);
    return { uri: uri(i), text };
  });
}

/** notebookDocument/didOpen params for `cells`. */
export function openParams(notebookUri: string, cells: readonly ScaleCell[]): unknown {
  return {
    notebookDocument: {
      uri: notebookUri,
      notebookType: "jupyter-notebook",
      version: 1,
      cells: cells.map((c) => ({ kind: 2, document: c.uri })),
    },
    cellTextDocuments: cells.map((c) => ({ uri: c.uri, languageId: "typescript", version: 1, text: c.text })),
  };
}
