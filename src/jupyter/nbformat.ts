/** nbformat 4: reading, checking and atomically writing notebooks, and turning iopub messages into outputs. */
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { z } from "zod";
import type { JsonObject, JupyterMessage } from "./protocol/wire";

/** Notebook source text: a string or a list of lines. */
export type MultilineString = string | string[];

/** One output of a code cell. */
export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: MultilineString }
  | { output_type: "display_data"; data: JsonObject; metadata: JsonObject }
  | { output_type: "execute_result"; execution_count: number | null; data: JsonObject; metadata: JsonObject }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface CodeCell {
  cell_type: "code";
  id?: string;
  metadata: JsonObject;
  source: MultilineString;
  execution_count: number | null;
  outputs: Output[];
}
export interface TextCell {
  cell_type: "markdown" | "raw";
  id?: string;
  metadata: JsonObject;
  source: MultilineString;
  attachments?: JsonObject;
}
export type Cell = CodeCell | TextCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: JsonObject;
  cells: Cell[];
}

const multiline = z.union([z.string(), z.array(z.string())]);
const cellSchema = z.object({
  cell_type: z.enum(["code", "markdown", "raw"]),
  id: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  source: multiline,
  execution_count: z.number().int().nullable().optional(),
  outputs: z.array(z.record(z.string(), z.unknown())).optional(),
  attachments: z.record(z.string(), z.unknown()).optional(),
});
const notebookSchema = z.object({
  nbformat: z.literal(4),
  nbformat_minor: z.number().int().min(0),
  metadata: z.record(z.string(), z.unknown()).default({}),
  cells: z.array(cellSchema),
});

/** Join a multiline string. */
export function sourceText(s: MultilineString): string {
  return Array.isArray(s) ? s.join("") : s;
}

/** Split text into nbformat's list of lines (each keeps its `\n`). */
export function splitLines(s: string): string[] {
  return s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Parse and check a notebook (nbformat 4); throws naming the bad field. */
export function parseNotebook(text: string, where = "notebook"): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  const r = notebookSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${where} is not an nbformat-4 notebook: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const nb = r.data as unknown as Notebook;
  for (const c of nb.cells) {
    if (c.cell_type === "code") {
      c.outputs = (c.outputs ?? []) as Output[];
      c.execution_count = c.execution_count ?? null;
    }
    if (nb.nbformat_minor >= 5 && !c.id) c.id = randomBytes(4).toString("hex");
  }
  return nb;
}

/** Read a notebook file. */
export function readNotebook(path: string): Notebook {
  return parseNotebook(readFileSync(path, "utf8"), path);
}

/** Write a notebook atomically (temp file + rename), in Jupyter's layout (1-space indent, trailing newline). */
export function writeNotebook(path: string, nb: Notebook): void {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, JSON.stringify(nb, null, 1) + "\n");
  renameSync(tmp, path);
}

/**
 * Collects the outputs of one cell from iopub messages like a Jupyter frontend: merges consecutive stream text,
 * honours `clear_output` (with `wait`), and applies `update_display_data` to every output with that display id
 * (in any cell, through the shared `displays` map).
 */
export class OutputCollector {
  readonly outputs: Output[] = [];
  private clearPending = false;
  constructor(private readonly displays: Map<string, Array<{ data: JsonObject; metadata: JsonObject }>>) {}

  add(msg: JupyterMessage): void {
    const c = msg.content;
    const t = msg.header.msg_type;
    if (t === "clear_output") {
      if (c.wait === true) this.clearPending = true;
      else this.outputs.length = 0;
      return;
    }
    if (t === "update_display_data") {
      const id = displayIdOf(c);
      for (const o of (id && this.displays.get(id)) || []) {
        o.data = (c.data ?? {}) as JsonObject;
        o.metadata = (c.metadata ?? {}) as JsonObject;
      }
      return;
    }
    if (!["stream", "display_data", "execute_result", "error"].includes(t)) return;
    if (this.clearPending) {
      this.outputs.length = 0;
      this.clearPending = false;
    }
    if (t === "stream") {
      const name = c.name === "stderr" ? "stderr" : "stdout";
      const last = this.outputs[this.outputs.length - 1];
      if (last && last.output_type === "stream" && last.name === name)
        last.text = sourceText(last.text) + String(c.text ?? "");
      else this.outputs.push({ output_type: "stream", name, text: String(c.text ?? "") });
      return;
    }
    if (t === "error") {
      this.outputs.push({
        output_type: "error",
        ename: String(c.ename ?? "Error"),
        evalue: String(c.evalue ?? ""),
        traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
      });
      return;
    }
    const out =
      t === "display_data"
        ? {
            output_type: "display_data" as const,
            data: (c.data ?? {}) as JsonObject,
            metadata: (c.metadata ?? {}) as JsonObject,
          }
        : {
            output_type: "execute_result" as const,
            execution_count: typeof c.execution_count === "number" ? c.execution_count : null,
            data: (c.data ?? {}) as JsonObject,
            metadata: (c.metadata ?? {}) as JsonObject,
          };
    this.outputs.push(out);
    const id = displayIdOf(c);
    if (id) {
      const list = this.displays.get(id) ?? [];
      list.push(out);
      this.displays.set(id, list);
    }
  }
}

function displayIdOf(c: JsonObject): string | null {
  const tr = c.transient;
  if (tr && typeof tr === "object" && !Array.isArray(tr) && typeof tr.display_id === "string") return tr.display_id;
  return null;
}
