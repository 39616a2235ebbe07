/**
 * `is_complete_request`: is the code ready to run (complete), does it need more lines (incomplete), or can no
 * continuation fix it (invalid)? The TypeScript parser's syntactic diagnostics decide: none → complete; only
 * "… expected." at the very end of the input, or an unterminated template literal / comment → incomplete;
 * anything else → invalid.
 */
import * as ts from "@tslab/typescript-for-tslab";
import { isCompleteCode } from "./tslab";

export type IsComplete = { status: "complete" } | { status: "incomplete"; indent: string } | { status: "invalid" };

interface ParsedDiag {
  start: number;
  length: number;
  message: string;
}

function parseDiagnostics(code: string): ParsedDiag[] {
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const diags = (sf as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  return diags.map((d) => ({
    start: d.start,
    length: d.length,
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
}

/** Classify `code` as complete / incomplete (with the indent of the next line) / invalid. */
export function isComplete(code: string): IsComplete {
  if (code.trim() === "") return { status: "complete" };
  const diags = parseDiagnostics(code);
  if (diags.length === 0) return { status: "complete" };
  const end = code.length;
  const trimmedEnd = code.trimEnd().length;
  const continuable = diags.every(
    (d) =>
      (d.message.endsWith(" expected.") && d.start >= trimmedEnd && d.start + d.length <= end) ||
      /^Unterminated template literal/.test(d.message) ||
      /^'\*\/' expected/.test(d.message),
  );
  if (!continuable) return { status: "invalid" };
  const indent = isCompleteCode(code).indent ?? "";
  return { status: "incomplete", indent };
}
