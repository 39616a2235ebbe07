/**
 * The program the kernel compiles, as one virtual TypeScript file with a position map back to the cells.
 *
 * The kernel (tslab) runs the code cells in order; every cell sees the declarations of the cells before it, and a
 * later cell may declare a name again (the new declaration wins). One file reproduces that with blocks that nest
 * only where a cell declares a name again:
 *
 *     export {};                          ← a module, like tslab's own prefix (top-level await is allowed)
 *     import … from "…";                  ← the cells' imports and `declare`/namespace statements, hoisted in
 *                                            cell order (they are only legal at the top level of a module)
 *     {
 *     <cell 1>                            ← declares x
 *     <cell 2>                            ← declares y; sees cell 1 (same block)
 *     {
 *     <cell 3>                            ← declares x again: a new block, so its `x` shadows cell 1's for
 *     <cell 4>                               cells 3, 4, … while cell 2 still sees cell 1's
 *     }}
 *
 * A cell opens a new block exactly when one of its top-level names was declared by an earlier cell (in the same
 * block the later declaration would be a redeclaration error, or — hoisted — would change what earlier cells
 * see). So the depth is the number of re-declaring cells, not the number of cells: a 2000-cell notebook with
 * distinct names is one flat block (the old layout nested every cell, which cost O(cells) per name lookup and
 * overflowed TypeScript's recursive parser near 2500 cells). A notebook that re-declares in very many cells
 * still nests that deep (docs/language-server.md, "Scale"). The names of a cell's hoisted statements (imports,
 * `declare`) count as that cell's names for this rule, so a later `const path = …` does not hide an earlier import.
 *
 * In a shared block, a name that only a LATER cell declares is in scope too (in its temporal dead zone, or hoisted
 * for functions and types), where the kernel does not know it yet; `declaredOnlyLater` tells the features
 * (src/lsp/features.ts), which report such a use as the kernel does (2304 "Cannot find name") and leave such names
 * out of completions, hover and go-to-definition.
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
  /** Names the cell declares at its top level (variables, functions, classes, interfaces, types, enums). */
  readonly names: readonly string[];
  readonly hoisted: readonly { start: number; end: number; key: string | null; names: readonly string[] }[];
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

/** Options of the one-file program that reads a cell's syntax errors (no lib, no module resolution). */
const SYNTAX_ONLY_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  noLib: true,
  noResolve: true,
  isolatedModules: true,
  types: [],
};

/**
 * Cell-local syntax errors: the cell parsed alone as a module (as the kernel compiles it). The already-parsed
 * source file is handed to a one-file program, whose syntactic diagnostics are the parser's (what
 * ts.transpileModule reported before, at a fraction of its cost: transpileModule re-parsed and emitted each cell,
 * 6 s for 1000 cells).
 */
function cellSyntaxErrors(sf: ts.SourceFile): CellSyntaxError[] {
  const host: ts.CompilerHost = {
    getSourceFile: (name) => (name === sf.fileName ? sf : undefined),
    getDefaultLibFileName: () => "lib.d.ts",
    writeFile: () => {},
    getCurrentDirectory: () => "/",
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (f) => f === sf.fileName,
    readFile: () => undefined,
  };
  const program = ts.createProgram({ rootNames: [sf.fileName], options: SYNTAX_ONLY_OPTIONS, host });
  const errors: CellSyntaxError[] = [];
  for (const d of program.getSyntacticDiagnostics(sf)) {
    if (d.start === undefined) continue;
    errors.push({
      start: d.start,
      length: d.length ?? 0,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      code: d.code,
    });
  }
  return errors;
}

/** The names a binding pattern declares (`const { a, b: [c] } = …` → a, c). */
function bindingNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
}

/** Top-level names of one statement (none for hoisted / export-only statements). */
function declaredNames(stmt: ts.Statement, out: string[]): void {
  if (ts.isVariableStatement(stmt)) {
    for (const d of stmt.declarationList.declarations) bindingNames(d.name, out);
  } else if (
    ts.isFunctionDeclaration(stmt) ||
    ts.isClassDeclaration(stmt) ||
    ts.isInterfaceDeclaration(stmt) ||
    ts.isTypeAliasDeclaration(stmt) ||
    ts.isEnumDeclaration(stmt)
  ) {
    if (stmt.name !== undefined) out.push(stmt.name.text);
  }
}

/** Names a hoisted statement declares (import bindings, `declare` names, namespaces). */
function hoistedNames(stmt: ts.Statement): string[] {
  const out: string[] = [];
  if (ts.isImportDeclaration(stmt)) {
    const clause = stmt.importClause;
    if (clause?.name !== undefined) out.push(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings !== undefined && ts.isNamespaceImport(bindings)) out.push(bindings.name.text);
    if (bindings !== undefined && ts.isNamedImports(bindings)) for (const e of bindings.elements) out.push(e.name.text);
  } else if (ts.isImportEqualsDeclaration(stmt)) {
    out.push(stmt.name.text);
  } else if (ts.isModuleDeclaration(stmt)) {
    if (ts.isIdentifier(stmt.name)) out.push(stmt.name.text);
  } else {
    declaredNames(stmt, out);
  }
  return out;
}

/**
 * The analysis of a cell text, cached by text (least recently used out first). `keep` is the notebook's cell count:
 * the cache holds at least twice that, so rebuilding after an edit re-analyses only the edited cell (a fixed bound
 * below the cell count made every rebuild re-parse every cell once a notebook outgrew it).
 */
/**
 * The analysis of a cell text, cached by text (least recently used out first). `keep` is the notebook's cell count:
 * the cache holds at least twice that, so rebuilding after an edit re-analyses only the edited cell (a fixed bound
 * below the cell count made every rebuild re-parse every cell once a notebook outgrew it).
 */
function analyseCell(text: string, keep: number): CellAnalysis {
  const cached = analysisCache.get(text);
  if (cached !== undefined) {
    analysisCache.delete(text);
    analysisCache.set(text, cached);
    return cached;
  }
  const sf = ts.createSourceFile("cell.ts", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const hoisted: { start: number; end: number; key: string | null; names: string[] }[] = [];
  const blanks: { start: number; end: number }[] = [];
  const names: string[] = [];
  for (const stmt of sf.statements) {
    const start = stmt.getStart(sf);
    if (!isTopLevelOnly(stmt)) declaredNames(stmt, names);
    if (isTopLevelOnly(stmt)) {
      const isImport = ts.isImportDeclaration(stmt) || ts.isImportEqualsDeclaration(stmt);
      const key = isImport ? text.slice(start, stmt.end).replace(/\s+/g, " ").replace(/;\s*$/, "") : null;
      hoisted.push({ start, end: stmt.end, key, names: hoistedNames(stmt) });
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
  const result: CellAnalysis = { text, names, hoisted, blanks, syntaxErrors: cellSyntaxErrors(sf) };
  while (analysisCache.size >= Math.max(ANALYSIS_CACHE_MAX, 2 * keep)) {
    const first = analysisCache.keys().next();
    if (first.done === true) break;
    analysisCache.delete(first.value);
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
  /** How many blocks the cells are nested in (1 + the number of cells that declare a name again). */
  readonly depth: number;
  /** Top-level names declared by the cell bodies: name → the first cell that declares it. */
  private readonly firstDeclared = new Map<string, number>();

  constructor(readonly cells: readonly CellText[]) {
    const analyses = cells.map((c) => analyseCell(c.text, cells.length));
    const segments: Segment[] = [];
    let text = MODULE_HEADER;
    const seenImports = new Set<string>();
    // Names of the hoisted statements per cell (a repeated import declares nothing new): a later cell that declares
    // one of them again must open a block, as for the cells' own names.
    const hoistedBy: string[][] = analyses.map(() => []);
    analyses.forEach((a, cell) => {
      for (const h of a.hoisted) {
        if (h.key !== null) {
          if (seenImports.has(h.key)) continue;
          seenImports.add(h.key);
        }
        hoistedBy[cell]!.push(...h.names);
        segments.push({ virtualStart: text.length, length: h.end - h.start, cell, cellStart: h.start, hoisted: true });
        text += a.text.slice(h.start, h.end) + "\n";
      }
    });
    const parts: string[] = [text];
    let length = text.length;
    const push = (piece: string): void => {
      parts.push(piece);
      length += piece.length;
    };
    const declared = new Set<string>();
    let depth = 0;
    analyses.forEach((a, cell) => {
      if (depth === 0 || a.names.some((n) => declared.has(n)) || hoistedBy[cell]!.some((n) => declared.has(n))) {
        push("{\n");
        depth++;
      }
      for (const n of hoistedBy[cell]!) declared.add(n);
      for (const n of a.names) {
        declared.add(n);
        if (!this.firstDeclared.has(n)) this.firstDeclared.set(n, cell);
      }
      segments.push({ virtualStart: length, length: a.text.length, cell, cellStart: 0, hoisted: false });
      push(blankOut(a.text, a.blanks) + "\n");
    });
    push("}".repeat(depth) + "\n");
    text = parts.join("");
    this.depth = depth;
    this.text = text;
    this.segments = segments;
    this.syntaxErrors = analyses.map((a) => a.syntaxErrors);
  }

  /**
   * True when `name` is declared at the top level of a cell after `cell` and of no cell up to `cell`: in the kernel
   * the name does not exist yet when `cell` runs, although in the shared block of the virtual file it is in scope
   * (in its temporal dead zone, or hoisted for functions, types and interfaces). The features hide such names.
   */
  declaredOnlyLater(name: string, cell: number): boolean {
    const first = this.firstDeclared.get(name);
    return first !== undefined && first > cell;
  }

  /** Virtual offset of `offset` in cell `cell` (the end of a cell is a valid offset); undefined when out of range. */
  toVirtual(cell: number, offset: number): number | undefined {
    const c = this.cells[cell];
    if (c === undefined || offset < 0 || offset > c.text.length) return undefined;
    let body: number | undefined;
    for (const s of this.byCell()[cell] ?? []) {
      if (offset < s.cellStart || offset > s.cellStart + s.length) continue;
      const v = s.virtualStart + (offset - s.cellStart);
      if (s.hoisted) return v;
      body = v;
    }
    return body;
  }

  private cellIndex: Segment[][] | undefined;
  /** Segments grouped by cell (built on first use). */
  private byCell(): Segment[][] {
    if (this.cellIndex === undefined) {
      const index: Segment[][] = this.cells.map(() => []);
      for (const s of this.segments) index[s.cell]!.push(s);
      this.cellIndex = index;
    }
    return this.cellIndex;
  }

  /** The segment holding virtual offset `offset` (segments are in text order and never touch): binary search. */
  private segmentAt(offset: number): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.segments[mid]!.virtualStart <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const s = found >= 0 ? this.segments[found] : undefined;
    return s !== undefined && offset <= s.virtualStart + s.length ? s : undefined;
  }

  /** Cell position of virtual offset `offset`, or undefined inside generated text (header, braces). */
  fromVirtual(offset: number): CellOffset | undefined {
    const s = this.segmentAt(offset);
    return s === undefined ? undefined : { cell: s.cell, offset: s.cellStart + (offset - s.virtualStart) };
  }

  /**
   * Cell range of the virtual span [start, start + length): the start must lie in a cell; the end is clamped to
   * that cell (a span that runs on into generated text or the next cell ends where its cell ends).
   */
  spanToCell(start: number, length: number): { cell: number; start: number; end: number } | undefined {
    const from = this.fromVirtual(start);
    if (from === undefined) return undefined;
    const seg = this.segmentAt(start);
    if (seg === undefined) return undefined;
    const segEnd = seg.virtualStart + seg.length;
    const end = Math.min(start + Math.max(0, length), segEnd);
    return { cell: from.cell, start: from.offset, end: seg.cellStart + (end - seg.virtualStart) };
  }
}
