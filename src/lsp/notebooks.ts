/**
 * The notebooks the client has open (LSP 3.17 notebook document sync): cells in order, each cell's text document,
 * updated by didOpen / didChange (cell text edits, insertions, deletions, moves, cell data) / didClose.
 *
 * vscode-languageserver's own `NotebookDocuments` fires no change event for a pure reorder (a cell moved without
 * opening or closing a document), so the server keeps this small store instead. Each notification is validated in
 * full before anything changes; a bad one throws an Error naming the field (the connection logs it) and leaves the
 * store as it was.
 */
import { TextDocument } from "vscode-languageserver-textdocument";
import { z } from "zod";
import type { CellText } from "./notebookSource";

const CODE_CELL = 2;

const CellSchema = z.object({ kind: z.number().int(), document: z.string() }).loose();
const TextDocumentItemSchema = z.object({
  uri: z.string(),
  languageId: z.string(),
  version: z.number().int(),
  text: z.string(),
});
const PositionSchema = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
const ContentChangeSchema = z.union([
  z.object({ range: z.object({ start: PositionSchema, end: PositionSchema }), text: z.string() }).loose(),
  z.object({ text: z.string() }).loose(),
]);

export const DidOpenSchema = z.object({
  notebookDocument: z
    .object({ uri: z.string(), notebookType: z.string(), version: z.number().int(), cells: z.array(CellSchema) })
    .loose(),
  cellTextDocuments: z.array(TextDocumentItemSchema),
});
export const DidChangeSchema = z.object({
  notebookDocument: z.object({ uri: z.string(), version: z.number().int() }),
  change: z
    .object({
      metadata: z.unknown().optional(),
      cells: z
        .object({
          structure: z
            .object({
              array: z.object({
                start: z.number().int().min(0),
                deleteCount: z.number().int().min(0),
                cells: z.array(CellSchema).optional(),
              }),
              didOpen: z.array(TextDocumentItemSchema).optional(),
              didClose: z.array(z.object({ uri: z.string() }).loose()).optional(),
            })
            .optional(),
          data: z.array(CellSchema).optional(),
          textContent: z
            .array(
              z.object({
                document: z.object({ uri: z.string(), version: z.number().int() }),
                changes: z.array(ContentChangeSchema),
              }),
            )
            .optional(),
        })
        .optional(),
    })
    .loose(),
});
export const DidCloseSchema = z.object({
  notebookDocument: z.object({ uri: z.string() }).loose(),
  cellTextDocuments: z.array(z.object({ uri: z.string() }).loose()).optional(),
});

/** Parse notification params, or throw an Error naming the first bad field. */
export function parseNotification<T>(schema: z.ZodType<T>, params: unknown, method: string): T {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "params" : issue.path.join(".");
  throw new Error(`${method}: ${where}: ${issue?.message ?? "invalid"}`);
}

interface Cell {
  readonly kind: number;
  readonly document: string;
}

interface Notebook {
  readonly uri: string;
  version: number;
  cells: Cell[];
}

export class NotebookStore {
  private readonly notebooks = new Map<string, Notebook>();
  private readonly documents = new Map<string, TextDocument>();

  /** Open a notebook (replacing one with the same URI). Returns its URI. */
  open(raw: unknown): string {
    const p = parseNotification(DidOpenSchema, raw, "notebookDocument/didOpen");
    const nb = p.notebookDocument;
    this.closeNotebook(nb.uri);
    this.notebooks.set(nb.uri, {
      uri: nb.uri,
      version: nb.version,
      cells: nb.cells.map((c) => ({ kind: c.kind, document: c.document })),
    });
    for (const d of p.cellTextDocuments)
      this.documents.set(d.uri, TextDocument.create(d.uri, d.languageId, d.version, d.text));
    return nb.uri;
  }

  /** Apply a change; returns the notebook URI, or undefined for a notebook that is not open. */
  change(raw: unknown): string | undefined {
    const p = parseNotification(DidChangeSchema, raw, "notebookDocument/didChange");
    const nb = this.notebooks.get(p.notebookDocument.uri);
    if (nb === undefined) return undefined;
    const cells = p.change.cells;
    // Validate against the current state before changing anything.
    const s = cells?.structure;
    if (s !== undefined && s.array.start > nb.cells.length) {
      throw new Error(
        `notebookDocument/didChange: change.cells.structure.array.start ${s.array.start} is past the end (${nb.cells.length} cells)`,
      );
    }
    for (const t of cells?.textContent ?? []) {
      if (!this.documents.has(t.document.uri) && !(s?.didOpen ?? []).some((d) => d.uri === t.document.uri)) {
        throw new Error(
          `notebookDocument/didChange: change.cells.textContent: unknown cell document ${t.document.uri}`,
        );
      }
    }
    nb.version = p.notebookDocument.version;
    if (s !== undefined) {
      nb.cells.splice(
        s.array.start,
        s.array.deleteCount,
        ...(s.array.cells ?? []).map((c) => ({ kind: c.kind, document: c.document })),
      );
      for (const d of s.didClose ?? []) this.documents.delete(d.uri);
      for (const d of s.didOpen ?? [])
        this.documents.set(d.uri, TextDocument.create(d.uri, d.languageId, d.version, d.text));
    }
    for (const c of cells?.data ?? []) {
      const i = nb.cells.findIndex((x) => x.document === c.document);
      if (i >= 0) nb.cells[i] = { kind: c.kind, document: c.document };
    }
    for (const t of cells?.textContent ?? []) {
      const doc = this.documents.get(t.document.uri);
      if (doc !== undefined) TextDocument.update(doc, t.changes, t.document.version);
    }
    return nb.uri;
  }

  /** Close a notebook; returns its URI, or undefined when it was not open. */
  close(raw: unknown): string | undefined {
    const p = parseNotification(DidCloseSchema, raw, "notebookDocument/didClose");
    const uri = p.notebookDocument.uri;
    if (!this.notebooks.has(uri)) return undefined;
    this.closeNotebook(uri);
    for (const d of p.cellTextDocuments ?? []) this.documents.delete(d.uri);
    return uri;
  }

  private closeNotebook(uri: string): void {
    const nb = this.notebooks.get(uri);
    if (nb === undefined) return;
    for (const c of nb.cells) this.documents.delete(c.document);
    this.notebooks.delete(uri);
  }

  /** The notebook's code cells in `languageId`, in order (markdown cells and other languages are left out). */
  codeCells(notebookUri: string, languageId: string): CellText[] {
    const nb = this.notebooks.get(notebookUri);
    if (nb === undefined) return [];
    const out: CellText[] = [];
    for (const c of nb.cells) {
      if (c.kind !== CODE_CELL) continue;
      const doc = this.documents.get(c.document);
      if (doc === undefined || doc.languageId !== languageId) continue;
      out.push({ uri: c.document, text: doc.getText() });
    }
    return out;
  }

  /** URI of the open notebook holding cell document `cellUri`. */
  notebookOf(cellUri: string): string | undefined {
    for (const nb of this.notebooks.values()) if (nb.cells.some((c) => c.document === cellUri)) return nb.uri;
    return undefined;
  }

  /** URIs of the open notebooks. */
  get uris(): string[] {
    return [...this.notebooks.keys()];
  }
}
