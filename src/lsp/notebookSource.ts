/**
 * The program the kernel compiles, as one virtual TypeScript file with a position map back to the cells.
 *
 * The kernel (tslab) runs the code cells in order; every cell sees the declarations of the cells before it, and a
 * later cell may declare a name again (the new declaration wins). One file reproduces that with nested blocks:
 *
 *     export {};                          ← a module, like tslab's own prefix (top-level await is allowed)
 *     import … from "…";                  ← the cells' imports and `declare`/namespace statements, hoisted in
 *                                            cell order (they are only legal at the top level of a module)
 *     {
 *     <cell 1>
 *     {
 *     <cell 2>                             ← sees cell 1; a `const x` here shadows cell 1's `x`
 *     …
 *     }}
 *
 * Each cell body is copied verbatim, except that hoisted statements and `export` keywords are replaced by spaces
 * of the same length (newlines kept), so a cell offset maps to the virtual file by adding one number. Hoisted
 * statements are copies with their own offset, so positions inside an import (completions of module names,
 * hover on imported names) map to the hoisted copy. An import whose text repeats an earlier one is not hoisted
 * twice (notebooks often import the same module in several cells).
 *
 * Syntax errors are taken from parsing each cell on its own, so an unbalanced brace in one cell is reported in that
 * cell (the combined program still recovers as well as TypeScript's parser can).
 */
import * as ts from "typescript";

/** One code cell: its document URI and text. */
export interface CellText {
  readonly uri: string;
  readonly text: string;
}

/** A copied range: `length` characters of cell `cell` from `cellStart` sit at `virtualStart` in the virtual text. */
export interface Segment {
  readonly virtualStart: number;
  readonly length: number;
  readonly cell: number;
  readonly cellStart: number;
  /** true for the hoisted copy of a statement (preferred when mapping a cell offset into the virtual file). */
  readonly hoisted: boolean;
}

/** A position inside one cell. */
export interface CellOffset {
  readonly cell: number;
  readonly offset: number;
}

/** A syntax error of one cell, parsed on its own (offsets are cell offsets). */
export interface CellSyntaxError {
  readonly start: number;
  readonly length: number;
  readonly message: string;
  readonly code: number;
}

/** What one cell contributes: statements to hoist, ranges to blank, and its own syntax errors. */
interface CellAnalysis {
  readonly text: string;
  readonly hoisted: readonly { start: number; end: number; key: string | null }[];
  readonly blanks: readonly { start: number; end: number }[];
  readonly syntaxErrors: readonly CellSyntaxError[];
}

/** Module marker at the top of the virtual file (the kernel compiles cells as modules too). */
export const MODULE_HEADER = "export {};\n";

const analysisCache = new Map<string, CellAnalysis>();
const ANALYSIS_CACHE_MAX = 512;

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

/** Statements that TypeScript only accepts at the top level of a module: they are hoisted out of the cell block. */
function isTopLevelOnly(stmt: ts.Statement): boolean {
  if (ts.isImportDeclaration(stmt)) return true;
  if (ts.isImportEqualsDeclaration(stmt)) return true;
  if (ts.isModuleDeclaration(stmt)) return true; // namespace N {}, declare module "x" {}, declare global {}
  return hasModifier(stmt, ts.SyntaxKind.DeclareKeyword);
}

/** Cell-local syntax errors: the cell parsed alone as a module (as the kernel compiles it). */
function cellSyntaxErrors(text: string): CellSyntaxError[] {
  const out = ts.transpileModule(text, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, noEmit: false },
    reportDiagnostics: true,
    fileName: "cell.ts",
  });
  const errors: CellSyntaxError[] = [];
  for (const d of out.diagnostics ?? []) {
    if (d.file === undefined || d.start === undefined) continue; // option diagnostics
    errors.push({
      start: d.start,
      length: d.length ?? 0,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      code: d.code,
    });
  }
  return errors;
}

function analyseCell(text: string): CellAnalysis {
  const cached = analysisCache.get(text);
  if (cached !== undefined) return cached;
  const sf = ts.createSourceFile("cell.ts", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const hoisted: { start: number; end: number; key: string | null }[] = [];
  const blanks: { start: number; end: number }[] = [];
  for (const stmt of sf.statements) {
    const start = stmt.getStart(sf);
    if (isTopLevelOnly(stmt)) {
      const isImport = ts.isImportDeclaration(stmt) || ts.isImportEqualsDeclaration(stmt);
      const key = isImport ? text.slice(start, stmt.end).replace(/\s+/g, " ").replace(/;\s*$/, "") : null;
      hoisted.push({ start, end: stmt.end, key });
      blanks.push({ start, end: stmt.end });
    } else if (ts.isExportDeclaration(stmt)) {
      // `export { a }` / `export * from "m"`: nothing to declare in a cell.
      blanks.push({ start, end: stmt.end });
    } else if (ts.isExportAssignment(stmt)) {
      // `export default expr` / `export = expr` → the expression statement `expr`.
      blanks.push({ start, end: stmt.expression.getStart(sf) });
    } else if (ts.canHaveModifiers(stmt)) {
      for (const m of ts.getModifiers(stmt) ?? []) {
        if (m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword) {
          blanks.push({ start: m.getStart(sf), end: m.end });
        }
      }
    }
  }
  const result: CellAnalysis = { text, hoisted, blanks, syntaxErrors: cellSyntaxErrors(text) };
  if (analysisCache.size >= ANALYSIS_CACHE_MAX) {
    const first = analysisCache.keys().next();
    if (first.done !== true) analysisCache.delete(first.value);
  }
  analysisCache.set(text, result);
  return result;
}

/** Replace `ranges` of `text` by spaces, keeping line breaks (so offsets and line numbers are unchanged). */
function blankOut(text: string, ranges: readonly { start: number; end: number }[]): string {
  if (ranges.length === 0) return text;
  const chars = text.split("");
  for (const r of ranges) {
    for (let i = r.start; i < r.end; i++) {
      const c = chars[i];
      if (c !== "\n" && c !== "\r") chars[i] = " ";
    }
  }
  return chars.join("");
}

/** The virtual file for a list of code cells, and the maps between cell offsets and virtual offsets. */
export class NotebookSource {
  readonly text: string;
  readonly segments: readonly Segment[];
  readonly syntaxErrors: readonly (readonly CellSyntaxError[])[];

  constructor(readonly cells: readonly CellText[]) {
    const analyses = cells.map((c) => analyseCell(c.text));
    const segments: Segment[] = [];
    let text = MODULE_HEADER;
    const seenImports = new Set<string>();
    analyses.forEach((a, cell) => {
      for (const h of a.hoisted) {
        if (h.key !== null) {
          if (seenImports.has(h.key)) continue;
          seenImports.add(h.key);
        }
        segments.push({ virtualStart: text.length, length: h.end - h.start, cell, cellStart: h.start, hoisted: true });
        text += a.text.slice(h.start, h.end) + "\n";
      }
    });
    analyses.forEach((a, cell) => {
      text += "{\n";
      segments.push({ virtualStart: text.length, length: a.text.length, cell, cellStart: 0, hoisted: false });
      text += blankOut(a.text, a.blanks) + "\n";
    });
    text += "}".repeat(cells.length) + "\n";
    this.text = text;
    this.segments = segments;
    this.syntaxErrors = analyses.map((a) => a.syntaxErrors);
  }

  /** Virtual offset of `offset` in cell `cell` (the end of a cell is a valid offset); undefined when out of range. */
  toVirtual(cell: number, offset: number): number | undefined {
    const c = this.cells[cell];
    if (c === undefined || offset < 0 || offset > c.text.length) return undefined;
    let body: number | undefined;
    for (const s of this.segments) {
      if (s.cell !== cell || offset < s.cellStart || offset > s.cellStart + s.length) continue;
      const v = s.virtualStart + (offset - s.cellStart);
      if (s.hoisted) return v;
      body = v;
    }
    return body;
  }

  /** Cell position of virtual offset `offset`, or undefined inside generated text (header, braces). */
  fromVirtual(offset: number): CellOffset | undefined {
    for (const s of this.segments) {
      if (offset >= s.virtualStart && offset <= s.virtualStart + s.length) {
        return { cell: s.cell, offset: s.cellStart + (offset - s.virtualStart) };
      }
    }
    return undefined;
  }

  /**
   * Cell range of the virtual span [start, start + length): the start must lie in a cell; the end is clamped to
   * that cell (a span that runs on into generated text or the next cell ends where its cell ends).
   */
  spanToCell(start: number, length: number): { cell: number; start: number; end: number } | undefined {
    const from = this.fromVirtual(start);
    if (from === undefined) return undefined;
    const seg = this.segments.find(
      (s) => s.cell === from.cell && start >= s.virtualStart && start <= s.virtualStart + s.length,
    );
    if (seg === undefined) return undefined;
    const segEnd = seg.virtualStart + seg.length;
    const end = Math.min(start + Math.max(0, length), segEnd);
    return { cell: from.cell, start: from.offset, end: seg.cellStart + (end - seg.virtualStart) };
  }
}
