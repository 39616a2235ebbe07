/**
 * LSP features over a notebook's program: diagnostics per cell, completions, hover, signature help and
 * go-to-definition, with every position mapped between the cell documents and the virtual cells file.
 */
import { pathToFileURL } from "node:url";
import * as ts from "typescript";
import {
  type CompletionItem,
  CompletionItemKind,
  CompletionItemTag,
  type CompletionList,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  DiagnosticSeverity,
  DiagnosticTag,
  type Hover,
  type Location,
  MarkupKind,
  type ParameterInformation,
  type Position,
  type Range,
  type SignatureHelp,
  type SignatureInformation,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { PRELOADED } from "../jupyter/prelude";
import { codeBlock, docToMarkdown, partsToMarkdown } from "./markdown";
import type { NotebookSource } from "./notebookSource";
import type { NotebookProject } from "./project";
import { originalPosition } from "./sourceMap";

/** `source` of every diagnostic this server publishes. */
export const DIAGNOSTIC_SOURCE = "virel-ts";

const cellDocs = new WeakMap<NotebookSource, TextDocument[]>();

/** A TextDocument for cell `cell` of `source` (for offset ↔ line/character). */
function cellDoc(source: NotebookSource, cell: number): TextDocument {
  let docs = cellDocs.get(source);
  if (docs === undefined) {
    docs = source.cells.map((c) => TextDocument.create(c.uri, "typescript", 0, c.text));
    cellDocs.set(source, docs);
  }
  const doc = docs[cell];
  if (doc === undefined)
    throw new Error(`cell index out of range: ${cell} (the notebook has ${docs.length} code cells)`);
  return doc;
}

function cellRange(source: NotebookSource, cell: number, start: number, end: number): Range {
  const doc = cellDoc(source, cell);
  return { start: doc.positionAt(start), end: doc.positionAt(end) };
}

/**
 * Diagnostic codes TypeScript gives a name used before its declaration in the same block (2448 block-scoped
 * variable, 2449 class, 2450 enum, 2454 used before being assigned). On a name that only a LATER cell declares they
 * are an artefact of the shared block; the kernel reports 2304 "Cannot find name" there instead.
 */
const USED_BEFORE_DECLARATION = new Set([2448, 2449, 2450, 2454]);

/** The declaring statement of a declaration (variables and binding patterns walk up to their statement). */
function declaringStatement(decl: ts.Node): ts.Node {
  let n: ts.Node = decl;
  while (ts.isBindingElement(n) || ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n)) n = n.parent;
  if (ts.isVariableDeclaration(n) && ts.isVariableDeclarationList(n.parent)) return n.parent.parent;
  return n;
}

/**
 * True when `id` (an identifier of cell `cell`) resolves to a top-level declaration of a LATER cell only: a name
 * the kernel does not know yet when `cell` runs. The virtual file shares one block between cells that declare
 * distinct names, so such a name is in scope there (in its temporal dead zone, or hoisted: functions, types).
 */
function isLaterCellName(project: NotebookProject, checker: ts.TypeChecker, id: ts.Identifier, cell: number): boolean {
  if (!project.source.declaredOnlyLater(id.text, cell)) return false;
  return isLaterCellSymbol(project, checker.getSymbolAtLocation(id), cell);
}

/** True when every declaration of `symbol` is a top-level declaration of a cell after `cell`. */
function isLaterCellSymbol(project: NotebookProject, symbol: ts.Symbol | undefined, cell: number): boolean {
  const source = project.source;
  const decls = symbol?.declarations ?? [];
  if (decls.length === 0) return false;
  return decls.every((d) => {
    if (d.getSourceFile().fileName !== project.cellsFile) return false;
    const stmt = declaringStatement(d);
    if (!ts.isBlock(stmt.parent)) return false; // a property or a nested declaration, not a cell's top-level name
    const at = source.fromVirtual(stmt.getStart());
    return at !== undefined && at.cell > cell;
  });
}

/** Uses of later cells' names, in every cell: [virtual start, name]. Walks the cells file once (no recursion). */
function laterCellNameUses(project: NotebookProject): { start: number; end: number; cell: number; name: string }[] {
  const program = project.service.getProgram();
  const sf = program?.getSourceFile(project.cellsFile);
  if (program === undefined || sf === undefined) return [];
  const checker = program.getTypeChecker();
  const source = project.source;
  const out: { start: number; end: number; cell: number; name: string }[] = [];
  const stack: ts.Node[] = [sf];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (ts.isIdentifier(node)) {
      const start = node.getStart(sf);
      const at = source.fromVirtual(start);
      if (at !== undefined && isLaterCellName(project, checker, node, at.cell)) {
        out.push({ start, end: node.end, cell: at.cell, name: node.text });
      }
      continue;
    }
    ts.forEachChild(node, (child) => {
      stack.push(child);
    });
  }
  return out;
}

/** The identifier of the cells file at virtual offset `pos` (touching it at either end), if any. */
function identifierAt(sf: ts.SourceFile, pos: number): ts.Identifier | undefined {
  let node: ts.Node = sf;
  for (;;) {
    if (ts.isIdentifier(node)) return node;
    let next: ts.Node | undefined;
    ts.forEachChild(node, (child) => {
      if (next === undefined && child.getStart(sf) <= pos && pos <= child.end) next = child;
    });
    if (next === undefined) return undefined;
    node = next;
  }
}

/** True when the name at `pos` of cell `cell` belongs to a later cell (hover and definition then answer nothing). */
function atLaterCellName(project: NotebookProject, cell: number, pos: number): boolean {
  const program = project.service.getProgram();
  const sf = program?.getSourceFile(project.cellsFile);
  if (program === undefined || sf === undefined) return false;
  const id = identifierAt(sf, pos);
  return id !== undefined && isLaterCellName(project, program.getTypeChecker(), id, cell);
}

/** Virtual offset of an LSP position in cell `cell` (positions past a line's end are clamped, as LSP asks). */
export function virtualOffset(project: NotebookProject, cell: number, position: Position): number | undefined {
  const source = project.source;
  return source.toVirtual(cell, cellDoc(source, cell).offsetAt(position));
}

/** A location in a file of the program that is not the cells file (library declarations, lib files). */
function fileLocation(project: NotebookProject, fileName: string, start: number, length: number): Location | undefined {
  const sf = project.service.getProgram()?.getSourceFile(fileName);
  if (sf === undefined) return undefined;
  const s = sf.getLineAndCharacterOfPosition(start);
  const e = sf.getLineAndCharacterOfPosition(start + length);
  if (fileName.endsWith(".d.ts")) {
    // Declaration maps lead to the .ts sources when they are present (the lab checkout); the bundled library
    // ships declarations only.
    const orig = originalPosition({ file: fileName, line: s.line, character: s.character });
    if (orig !== undefined) {
      const width = s.line === e.line ? e.character - s.character : 0;
      return {
        uri: pathToFileURL(orig.file).href,
        range: {
          start: { line: orig.line, character: orig.character },
          end: { line: orig.line, character: orig.character + width },
        },
      };
    }
  }
  return { uri: pathToFileURL(fileName).href, range: { start: s, end: e } };
}

/** Location of a span of any program file: cells map to their cell documents. */
function spanLocation(project: NotebookProject, fileName: string, start: number, length: number): Location | undefined {
  const source = project.source;
  if (fileName === project.cellsFile) {
    const span = source.spanToCell(start, length);
    const cell = span === undefined ? undefined : source.cells[span.cell];
    if (span === undefined || cell === undefined) return undefined;
    return { uri: cell.uri, range: cellRange(source, span.cell, span.start, span.end) };
  }
  if (fileName === project.preludeFile) return undefined;
  return fileLocation(project, fileName, start, length);
}

function severity(category: ts.DiagnosticCategory): DiagnosticSeverity {
  switch (category) {
    case ts.DiagnosticCategory.Error:
      return DiagnosticSeverity.Error;
    case ts.DiagnosticCategory.Warning:
      return DiagnosticSeverity.Warning;
    case ts.DiagnosticCategory.Suggestion:
      return DiagnosticSeverity.Hint;
    default:
      return DiagnosticSeverity.Information;
  }
}

/**
 * Diagnostics of every code cell, keyed by cell URI (cells without problems get an empty list): each cell's own
 * syntax errors, then the semantic errors of the whole program mapped back to the cell they start in.
 */
export function notebookDiagnostics(project: NotebookProject): Map<string, Diagnostic[]> {
  const source = project.source;
  const out = new Map<string, Diagnostic[]>();
  source.cells.forEach((c, i) => {
    const list: Diagnostic[] = [];
    for (const e of source.syntaxErrors[i] ?? []) {
      list.push({
        range: cellRange(source, i, e.start, e.start + e.length),
        severity: DiagnosticSeverity.Error,
        code: e.code,
        source: DIAGNOSTIC_SOURCE,
        message: e.message,
      });
    }
    out.set(c.uri, list);
  });
  const semantic = project.service.getSemanticDiagnostics(project.cellsFile);
  const later = laterCellNameUses(project);
  const laterStarts = new Set(later.map((u) => u.start));
  for (const u of later) {
    out.get(source.cells[u.cell]!.uri)?.push({
      range: cellRange(source, u.cell, source.fromVirtual(u.start)!.offset, source.fromVirtual(u.end)!.offset),
      severity: DiagnosticSeverity.Error,
      code: 2304,
      source: DIAGNOSTIC_SOURCE,
      message: `Cannot find name '${u.name}'.`,
    });
  }
  for (const d of semantic) {
    if (d.start === undefined) continue;
    if (laterStarts.has(d.start) && USED_BEFORE_DECLARATION.has(d.code)) continue;
    const span = source.spanToCell(d.start, d.length ?? 0);
    const cell = span === undefined ? undefined : source.cells[span.cell];
    if (span === undefined || cell === undefined) continue;
    const diagnostic: Diagnostic = {
      range: cellRange(source, span.cell, span.start, span.end),
      severity: severity(d.category),
      code: d.code,
      source: DIAGNOSTIC_SOURCE,
      message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    };
    const tags: DiagnosticTag[] = [];
    if (d.reportsUnnecessary !== undefined) tags.push(DiagnosticTag.Unnecessary);
    if (d.reportsDeprecated !== undefined) tags.push(DiagnosticTag.Deprecated);
    if (tags.length > 0) diagnostic.tags = tags;
    const related: DiagnosticRelatedInformation[] = [];
    for (const r of d.relatedInformation ?? []) {
      if (r.file === undefined || r.start === undefined) continue;
      const location = spanLocation(project, r.file.fileName, r.start, r.length ?? 0);
      if (location !== undefined)
        related.push({ location, message: ts.flattenDiagnosticMessageText(r.messageText, "\n") });
    }
    if (related.length > 0) diagnostic.relatedInformation = related;
    out.get(cell.uri)?.push(diagnostic);
  }
  return out;
}

const KIND = ts.ScriptElementKind;
/** LSP completion kind of a TypeScript element kind. */
export function completionKind(kind: ts.ScriptElementKind): CompletionItemKind {
  switch (kind) {
    case KIND.primitiveType:
    case KIND.keyword:
      return CompletionItemKind.Keyword;
    case KIND.constElement:
    case KIND.letElement:
    case KIND.variableElement:
    case KIND.localVariableElement:
    case KIND.alias:
    case KIND.parameterElement:
      return CompletionItemKind.Variable;
    case KIND.memberVariableElement:
    case KIND.memberGetAccessorElement:
    case KIND.memberSetAccessorElement:
      return CompletionItemKind.Field;
    case KIND.functionElement:
    case KIND.localFunctionElement:
      return CompletionItemKind.Function;
    case KIND.memberFunctionElement:
    case KIND.constructSignatureElement:
    case KIND.callSignatureElement:
    case KIND.indexSignatureElement:
      return CompletionItemKind.Method;
    case KIND.enumElement:
      return CompletionItemKind.Enum;
    case KIND.enumMemberElement:
      return CompletionItemKind.EnumMember;
    case KIND.moduleElement:
    case KIND.externalModuleName:
      return CompletionItemKind.Module;
    case KIND.classElement:
    case KIND.typeElement:
      return CompletionItemKind.Class;
    case KIND.interfaceElement:
      return CompletionItemKind.Interface;
    case KIND.warning:
      return CompletionItemKind.Text;
    case KIND.scriptElement:
      return CompletionItemKind.File;
    case KIND.directory:
      return CompletionItemKind.Folder;
    case KIND.string:
      return CompletionItemKind.Constant;
    default:
      return CompletionItemKind.Property;
  }
}

/** What a completion item carries to `completionItem/resolve`. */
export interface CompletionData {
  readonly cellUri: string;
  readonly offset: number;
  readonly name: string;
  readonly source?: string;
  readonly entryData?: ts.CompletionEntryData;
}

/** Completions at `position` of cell `cell`. */
export function completions(
  project: NotebookProject,
  cell: number,
  position: Position,
  triggerCharacter: string | undefined,
): CompletionList | null {
  const source = project.source;
  const c = source.cells[cell];
  const pos = virtualOffset(project, cell, position);
  if (c === undefined || pos === undefined) return null;
  const cellOffset = cellDoc(source, cell).offsetAt(position);
  const allowed = [".", '"', "'", "`", "/", "@", "<", "#", " "] as const;
  const trigger = allowed.find((t) => t === triggerCharacter);
  const info = project.service.getCompletionsAtPosition(project.cellsFile, pos, {
    includeCompletionsWithInsertText: true,
    includeCompletionsForModuleExports: false,
    triggerCharacter: trigger,
  });
  if (info === undefined) return null;
  const items: CompletionItem[] = [];
  for (const e of info.entries) {
    // A later cell's name is in scope in the shared block, but not in the kernel when this cell runs.
    if (
      !info.isMemberCompletion &&
      source.declaredOnlyLater(e.name, cell) &&
      isLaterCellSymbol(
        project,
        project.service.getCompletionEntrySymbol(project.cellsFile, pos, e.name, e.source),
        cell,
      )
    ) {
      continue;
    }
    const item: CompletionItem = { label: e.name, kind: completionKind(e.kind), sortText: e.sortText };
    if (e.insertText !== undefined) item.insertText = e.insertText;
    if (e.filterText !== undefined) item.filterText = e.filterText;
    if (e.replacementSpan !== undefined) {
      const span = source.spanToCell(e.replacementSpan.start, e.replacementSpan.length);
      if (span !== undefined && span.cell === cell) {
        item.textEdit = { range: cellRange(source, cell, span.start, span.end), newText: e.insertText ?? e.name };
      }
    }
    if (e.kindModifiers?.split(",").includes("deprecated")) item.tags = [CompletionItemTag.Deprecated];
    const data: CompletionData = {
      cellUri: c.uri,
      offset: cellOffset,
      name: e.name,
      source: e.source,
      entryData: e.data,
    };
    item.data = data;
    items.push(item);
  }
  return { isIncomplete: false, items };
}

/** Fill in the signature and documentation of a completion item. */
export function resolveCompletion(
  project: NotebookProject,
  item: CompletionItem,
  data: CompletionData,
): CompletionItem {
  const cell = project.cellIndex(data.cellUri);
  if (cell < 0) return item;
  const pos = project.source.toVirtual(cell, data.offset);
  if (pos === undefined) return item;
  const details = project.service.getCompletionEntryDetails(
    project.cellsFile,
    pos,
    data.name,
    {},
    data.source,
    {},
    data.entryData,
  );
  if (details === undefined) return item;
  const detail = ts.displayPartsToString(details.displayParts);
  if (detail !== "") item.detail = detail;
  const doc = docToMarkdown(details.documentation, details.tags);
  if (doc !== "") item.documentation = { kind: MarkupKind.Markdown, value: doc };
  return item;
}

/** Hover: the declaration as TypeScript, then the JSDoc as Markdown. */
export function hover(project: NotebookProject, cell: number, position: Position): Hover | null {
  const pos = virtualOffset(project, cell, position);
  if (pos === undefined || atLaterCellName(project, cell, pos)) return null;
  const info = project.service.getQuickInfoAtPosition(project.cellsFile, pos);
  if (info === undefined) return null;
  const blocks = [codeBlock(ts.displayPartsToString(info.displayParts))];
  const doc = docToMarkdown(info.documentation, info.tags);
  if (doc !== "") blocks.push(doc);
  const result: Hover = { contents: { kind: MarkupKind.Markdown, value: blocks.join("\n\n") } };
  const span = project.source.spanToCell(info.textSpan.start, info.textSpan.length);
  if (span !== undefined && span.cell === cell) result.range = cellRange(project.source, cell, span.start, span.end);
  return result;
}

/** Signature help inside a call's argument list. */
export function signatureHelp(project: NotebookProject, cell: number, position: Position): SignatureHelp | null {
  const pos = virtualOffset(project, cell, position);
  if (pos === undefined) return null;
  const items = project.service.getSignatureHelpItems(project.cellsFile, pos, undefined);
  if (items === undefined) return null;
  const signatures: SignatureInformation[] = items.items.map((item) => {
    let label = ts.displayPartsToString(item.prefixDisplayParts);
    const parameters: ParameterInformation[] = [];
    item.parameters.forEach((p, i) => {
      if (i > 0) label += ts.displayPartsToString(item.separatorDisplayParts);
      const start = label.length;
      label += ts.displayPartsToString(p.displayParts);
      const parameter: ParameterInformation = { label: [start, label.length] };
      const pdoc = partsToMarkdown(p.documentation).trim();
      if (pdoc !== "") parameter.documentation = { kind: MarkupKind.Markdown, value: pdoc };
      parameters.push(parameter);
    });
    label += ts.displayPartsToString(item.suffixDisplayParts);
    const sig: SignatureInformation = { label, parameters };
    const doc = docToMarkdown(
      item.documentation,
      item.tags.filter((t) => t.name !== "param"),
    );
    if (doc !== "") sig.documentation = { kind: MarkupKind.Markdown, value: doc };
    return sig;
  });
  return { signatures, activeSignature: items.selectedItemIndex, activeParameter: items.argumentIndex };
}

/** Go to definition: cells map to cell documents, library declarations to their .ts sources when present. */
export function definition(project: NotebookProject, cell: number, position: Position): Location[] | null {
  const pos = virtualOffset(project, cell, position);
  if (pos === undefined || atLaterCellName(project, cell, pos)) return null;
  const defs = project.service.getDefinitionAtPosition(project.cellsFile, pos);
  if (defs === undefined) return null;
  const out: Location[] = [];
  for (const d of defs) {
    if (d.fileName === project.preludeFile) {
      // `virel` / `display` themselves: the module they stand for.
      const preloaded = PRELOADED.find((p) => p.name === d.name);
      const file = preloaded === undefined ? undefined : project.resolveModule(preloaded.module);
      if (file !== undefined)
        out.push({
          uri: pathToFileURL(file).href,
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        });
      continue;
    }
    const loc = spanLocation(project, d.fileName, d.textSpan.start, d.textSpan.length);
    if (loc !== undefined) out.push(loc);
  }
  return out;
}
