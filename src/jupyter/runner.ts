/**
 * `virel notebook run`: execute every code cell of a notebook in our kernel through the Jupyter protocol (as a
 * real client over ZeroMQ), write the outputs into the notebook (nbformat 4, atomically), and stop at the first
 * failing cell with an error that names the cell.
 */
import { dirname, resolve } from "node:path";
import { KernelClient, type KernelStartOptions } from "./client";
import { DISPLAY_NAME, KERNEL_NAME } from "./kernelspec";
import { OutputCollector, readNotebook, sourceText, writeNotebook, type CodeCell, type Notebook } from "./nbformat";
import type { JsonObject } from "./protocol/wire";

export interface RunOptions {
  /** Where to write the executed notebook (default: in place). */
  out?: string;
  /** Per-cell time limit in seconds (default: none). */
  timeoutS?: number;
  /** Run every cell even after an error (the errors stay in the outputs). */
  allowErrors?: boolean;
  /** Kernel working directory (default: the notebook's folder). */
  cwd?: string;
  /** Start a different kernel (tests); default ours. */
  kernel?: KernelStartOptions;
  /** Progress callback: (index of the code cell, number of code cells). */
  onCell?: (index: number, total: number, cell: CodeCell) => void;
}

/** The first failing cell. */
export class CellFailure extends Error {
  constructor(
    readonly cellIndex: number,
    readonly cellId: string | undefined,
    readonly ename: string,
    readonly evalue: string,
  ) {
    super(`cell ${cellIndex}${cellId ? ` (id ${cellId})` : ""} failed: ${ename}: ${evalue}`);
    this.name = "CellFailure";
  }
}

export interface RunResult {
  notebook: Notebook;
  out: string;
  executed: number;
  /** Errors of cells (only more than one with `allowErrors`). */
  failures: CellFailure[];
  /** Seconds from kernel start to the end. */
  seconds: number;
}

/** Execute `nb` in a running kernel (outputs are replaced in place). */
export async function executeNotebook(
  nb: Notebook,
  client: KernelClient,
  opts: Pick<RunOptions, "timeoutS" | "allowErrors" | "onCell"> = {},
): Promise<{ executed: number; failures: CellFailure[] }> {
  const displays = new Map<string, Array<{ data: JsonObject; metadata: JsonObject }>>();
  const code = nb.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === "code") as Array<
    readonly [CodeCell, number]
  >;
  const failures: CellFailure[] = [];
  let executed = 0;
  for (const [k, [cell, index]] of code.entries()) {
    opts.onCell?.(k, code.length, cell);
    const src = sourceText(cell.source);
    cell.outputs = [];
    cell.execution_count = null;
    if (src.trim() === "") continue;
    const collector = new OutputCollector(displays);
    let result;
    try {
      result = await client.execute(src, {
        timeoutMs: opts.timeoutS !== undefined && opts.timeoutS > 0 ? opts.timeoutS * 1000 : undefined,
        onOutput: (m) => collector.add(m),
      });
    } catch (e) {
      cell.outputs = collector.outputs;
      const f = new CellFailure(index, cell.id, "KernelError", (e as Error).message);
      failures.push(f);
      cell.outputs.push({ output_type: "error", ename: f.ename, evalue: f.evalue, traceback: [f.message] });
      break;
    }
    executed++;
    cell.outputs = collector.outputs;
    cell.execution_count = result.executionCount;
    const rc = result.reply.content;
    if (rc.status === "error") {
      failures.push(new CellFailure(index, cell.id, String(rc.ename ?? "Error"), String(rc.evalue ?? "")));
      if (!opts.allowErrors) break;
    }
  }
  return { executed, failures };
}

/** Run a notebook file: start the kernel, execute, write; throws `CellFailure` at the first failing cell (after writing). */
export async function runNotebook(file: string, opts: RunOptions = {}): Promise<RunResult> {
  const path = resolve(file);
  const nb = readNotebook(path);
  const out = resolve(opts.out ?? path);
  const t0 = Date.now();
  const client = await KernelClient.start({ cwd: opts.cwd ?? dirname(path), ...opts.kernel });
  let res: { executed: number; failures: CellFailure[] };
  try {
    res = await executeNotebook(nb, client, opts);
    const li = client.kernelInfo.language_info;
    nb.metadata.kernelspec = { name: KERNEL_NAME, display_name: DISPLAY_NAME, language: "typescript" };
    if (li && typeof li === "object" && !Array.isArray(li)) nb.metadata.language_info = li;
  } finally {
    await client.shutdown();
  }
  writeNotebook(out, nb);
  const result: RunResult = {
    notebook: nb,
    out,
    executed: res.executed,
    failures: res.failures,
    seconds: (Date.now() - t0) / 1000,
  };
  if (res.failures.length > 0 && !opts.allowErrors) throw res.failures[0]!;
  return result;
}
