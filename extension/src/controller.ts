/**
 * The "VIREL (TypeScript)" notebook controller: runs the cells of Jupyter notebooks (`jupyter-notebook`) on the
 * virel-ts kernel with no Python and no Jupyter extension. Per notebook it starts the virel package's
 * `dist/src/jupyter/stdio-bridge.js` (the kernel plus the package's ZeroMQ Jupyter client, relayed as JSON lines)
 * in the notebook's folder, and maps the kernel's iopub messages to cell outputs:
 *   stream → stdout/stderr items (consecutive text of one stream joins one output);
 *   display_data / execute_result → one output per bundle (a plotly figure keeps only its plotly JSON and
 *     text/plain, drawn by the extension's renderer, `renderer.ts`);
 *   update_display_data → the output with that display_id is replaced in place;
 *   error → an error item (its stack: the kernel's traceback, positions in the cell's own lines);
 *   clear_output → the cell's outputs cleared (at once, or before the next output when `wait`).
 * Execution order is the kernel's execution count; timing is the start/end of each request. Interrupt sends
 * SIGINT to the kernel; "VIREL: Restart kernel" starts a fresh one; a kernel that dies ends the running cell
 * with a message saying so (exit code and the end of its stderr), and the next run starts a new kernel.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import * as vscode from "vscode";

export const CONTROLLER_ID = "virel-ts";
export const CONTROLLER_LABEL = "VIREL (TypeScript)";
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const NOTEBOOK_TYPE = "jupyter-notebook";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

interface BridgeEvent {
  event: "ready" | "output" | "done" | "died" | "fatal" | "protocol-error";
  id?: string;
  msgType?: string;
  content?: JsonObject;
  status?: string;
  executionCount?: number | null;
  message?: string;
  exitCode?: number | null;
  signal?: string | null;
  stderr?: string;
  kernelInfo?: JsonObject;
}

/** Order of the items of one output: VS Code shows the first one it has a renderer for. */
const MIME_ORDER = [
  PLOTLY_MIME,
  "text/html",
  "image/svg+xml",
  "image/png",
  "image/jpeg",
  "text/markdown",
  "application/json",
  "text/plain",
];

/** The output items of a Jupyter mime bundle. */
export function bundleItems(data: JsonObject): vscode.NotebookCellOutputItem[] {
  let mimes = Object.keys(data);
  // A plotly bundle carries text/html for classic Jupyter; here our renderer draws the JSON (offline, no scripts).
  if (mimes.includes(PLOTLY_MIME)) mimes = mimes.filter((m) => m === PLOTLY_MIME || m === "text/plain");
  mimes.sort((a, b) => rank(a) - rank(b));
  return mimes.map((mime) => {
    const v = data[mime];
    if (typeof v === "string") {
      if (mime.startsWith("image/") && mime !== "image/svg+xml")
        return new vscode.NotebookCellOutputItem(Buffer.from(v, "base64"), mime);
      return vscode.NotebookCellOutputItem.text(v, mime);
    }
    if (Array.isArray(v) && v.every((x) => typeof x === "string"))
      return vscode.NotebookCellOutputItem.text(v.join(""), mime);
    return vscode.NotebookCellOutputItem.json(v, mime);
  });
}
function rank(mime: string): number {
  const i = MIME_ORDER.indexOf(mime);
  return i < 0 ? MIME_ORDER.length - 1 : i;
}

/** One kernel (bridge process) per notebook. */
class KernelSession {
  private child: ChildProcess | null = null;
  private readonly handlers = new Map<string, (e: BridgeEvent) => void>();
  private seq = 0;
  private exitMessage: string | null = null;

  constructor(
    private readonly node: string,
    private readonly bridgePath: string,
    private readonly cwd: string,
    private readonly output: vscode.OutputChannel,
    private readonly onDied: (text: string) => void,
  ) {}

  private ensure(): ChildProcess {
    if (this.child !== null && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    this.exitMessage = null;
    const child = spawn(this.node, [this.bridgePath], { cwd: this.cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      let ev: BridgeEvent;
      try {
        ev = JSON.parse(line) as BridgeEvent;
      } catch {
        this.output.appendLine(`[kernel] ${line}`);
        return;
      }
      this.onEvent(ev);
    });
    child.stderr!.on("data", (d: Buffer) => this.output.append(`[kernel stderr] ${d.toString()}`));
    child.on("error", (err) => this.fail(`could not start ${this.node}: ${err.message} (set virel.nodePath)`));
    child.on("exit", (code, signal) => {
      if (this.child === child) this.child = null;
      this.fail(this.exitMessage ?? `the kernel bridge exited (code ${code}, signal ${signal})`);
    });
    return child;
  }

  private fail(message: string): void {
    for (const [id, h] of this.handlers) {
      this.handlers.delete(id);
      h({ event: "done", id, status: "error", executionCount: null, message });
    }
  }

  private onEvent(ev: BridgeEvent): void {
    if (ev.event === "ready") {
      this.output.appendLine(`[kernel] ready (pid ${String((ev as { pid?: unknown }).pid)}) in ${this.cwd}`);
      return;
    }
    if (ev.event === "died") {
      const text =
        `The VIREL kernel died (exit code ${ev.exitCode ?? "none"}${ev.signal ? `, signal ${ev.signal}` : ""}). ` +
        `Its variables are lost; the next run starts a new kernel.` +
        (ev.stderr ? `\nLast kernel stderr:\n${ev.stderr}` : "");
      this.output.appendLine(`[kernel] ${text}`);
      this.onDied(text);
      return;
    }
    if (ev.event === "fatal" || ev.event === "protocol-error") {
      this.output.appendLine(`[kernel] ${ev.event}: ${ev.message ?? ""}`);
      if (ev.event === "fatal") this.onDied(`The VIREL kernel could not start: ${ev.message ?? ""}`);
      return;
    }
    if (ev.id !== undefined) {
      const h = this.handlers.get(ev.id);
      if (h !== undefined) {
        if (ev.event === "done") this.handlers.delete(ev.id);
        h(ev);
      }
    }
  }

  private send(req: Record<string, unknown>): void {
    this.ensure().stdin!.write(JSON.stringify(req) + "\n");
  }

  /** Run code; `onOutput` gets each iopub output; resolves with the done event. */
  execute(code: string, onOutput: (msgType: string, content: JsonObject) => void): Promise<BridgeEvent> {
    const id = `c${++this.seq}`;
    return new Promise((resolve) => {
      this.handlers.set(id, (ev) => {
        if (ev.event === "output") onOutput(ev.msgType ?? "", ev.content ?? {});
        else if (ev.event === "done") resolve(ev);
      });
      this.send({ op: "execute", id, code });
    });
  }

  interrupt(): void {
    if (this.child !== null) this.send({ op: "interrupt" });
  }

  restart(): void {
    if (this.child !== null) this.send({ op: "restart" });
  }

  dispose(): void {
    const c = this.child;
    this.child = null;
    if (c !== null) {
      this.exitMessage = "the notebook was closed";
      c.stdin?.end(JSON.stringify({ op: "shutdown" }) + "\n");
      setTimeout(() => c.kill("SIGKILL"), 5000).unref();
    }
  }
}

/** The virel package folder the kernel comes from, or undefined. */
export type PackageFinder = () => string | undefined;

export class VirelController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  private readonly sessions = new Map<string, KernelSession>();
  private readonly running = new Map<string, vscode.NotebookCellExecution>();
  /** display_id → the output showing it (and the cell it is in). */
  private readonly displays = new Map<string, { cell: vscode.NotebookCell; output: vscode.NotebookCellOutput }>();
  /**
   * @param subscriptions where the controller and its listeners go (the extension's `context.subscriptions`, so
   *   every disposable is owned there); `dispose()` stops the kernels.
   */
  constructor(
    private readonly findPackage: PackageFinder,
    private readonly nodePath: () => string,
    private readonly output: vscode.OutputChannel,
    subscriptions: vscode.Disposable[],
  ) {
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, CONTROLLER_LABEL);
    this.controller.supportedLanguages = ["typescript"];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = "virel-ts kernel, no Python needed";
    this.controller.detail =
      "Runs TypeScript cells on the VIREL lab's kernel (tslab compiler) started by this extension.";
    this.controller.executeHandler = (cells, nb) => this.run(cells, nb);
    this.controller.interruptHandler = (nb) => this.session(nb, false)?.interrupt();
    // Offer ourselves first for notebooks written for our kernel.
    const prefer = (nb: vscode.NotebookDocument): void => {
      if (nb.notebookType !== NOTEBOOK_TYPE) return;
      const ks = (nb.metadata as { metadata?: { kernelspec?: { name?: string } } }).metadata?.kernelspec?.name;
      if (ks === "virel-ts" || ks === "tslab")
        this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
    };
    vscode.workspace.notebookDocuments.forEach(prefer);
    subscriptions.push(
      this.controller,
      vscode.workspace.onDidOpenNotebookDocument(prefer),
      vscode.workspace.onDidCloseNotebookDocument((nb) => {
        const key = nb.uri.toString();
        this.sessions.get(key)?.dispose();
        this.sessions.delete(key);
      }),
    );
  }

  private session(nb: vscode.NotebookDocument, create: boolean): KernelSession | undefined {
    const key = nb.uri.toString();
    let s = this.sessions.get(key);
    if (s === undefined && create) {
      const pkg = this.findPackage();
      if (pkg === undefined) {
        throw new Error(
          "no virel package found: open the VIREL lab folder, install it (npm install virel) or set virel.packagePath",
        );
      }
      const bridge = path.join(pkg, "dist", "src", "jupyter", "stdio-bridge.js");
      if (!fs.existsSync(bridge))
        throw new Error(`the virel package at ${pkg} is not built: ${bridge} is missing (run npm run build there)`);
      const cwd =
        nb.uri.scheme === "file"
          ? path.dirname(nb.uri.fsPath)
          : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? pkg);
      s = new KernelSession(this.nodePath(), bridge, cwd, this.output, (text) => {
        void vscode.window.showErrorMessage(`VIREL: ${text.split("\n")[0]}`);
        for (const [cellKey, exec] of this.running) {
          if (!cellKey.startsWith(key)) continue;
          void exec.appendOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(text + "\n")]));
        }
      });
      this.sessions.set(key, s);
    }
    return s;
  }

  restart(nb: vscode.NotebookDocument): void {
    const s = this.session(nb, false);
    if (s === undefined) return;
    for (const [k, v] of this.displays) if (v.cell.notebook === nb) this.displays.delete(k);
    s.restart();
    void vscode.window.showInformationMessage("VIREL: kernel restarted (variables cleared).");
  }

  private async run(cells: vscode.NotebookCell[], nb: vscode.NotebookDocument): Promise<void> {
    for (const cell of cells) {
      if (cell.kind !== vscode.NotebookCellKind.Code) continue;
      const ok = await this.runCell(cell, nb);
      if (!ok) break; // like Jupyter's "run all": stop at the first error
    }
  }

  private async runCell(cell: vscode.NotebookCell, nb: vscode.NotebookDocument): Promise<boolean> {
    const exec = this.controller.createNotebookCellExecution(cell);
    const cellKey = `${nb.uri.toString()}#${cell.document.uri.fragment}#${cell.index}`;
    exec.start(Date.now());
    await exec.clearOutput();
    let session: KernelSession;
    try {
      if (!vscode.workspace.isTrusted)
        throw new Error("VIREL: cells run code; trust this workspace first (Manage Workspace Trust)");
      session = this.session(nb, true)!;
    } catch (e) {
      await exec.appendOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error(e as Error)]));
      exec.end(false, Date.now());
      return false;
    }
    this.running.set(cellKey, exec);
    // Outputs are applied in order (each edit awaits the previous one).
    let chain: Thenable<void> = Promise.resolve();
    const later = (f: () => Thenable<void> | void): void => {
      chain = chain.then(f, f);
    };
    let lastStream: { name: string; output: vscode.NotebookCellOutput; text: string } | null = null;
    let clearPending = false;
    const beforeOutput = async (): Promise<void> => {
      if (clearPending) {
        clearPending = false;
        lastStream = null;
        await exec.clearOutput();
      }
    };
    const onOutput = (msgType: string, content: JsonObject): void =>
      later(async () => {
        switch (msgType) {
          case "stream": {
            await beforeOutput();
            const name = content.name === "stderr" ? "stderr" : "stdout";
            const text = typeof content.text === "string" ? content.text : "";
            const item = (t: string) =>
              name === "stderr" ? vscode.NotebookCellOutputItem.stderr(t) : vscode.NotebookCellOutputItem.stdout(t);
            if (lastStream !== null && lastStream.name === name) {
              lastStream.text += text;
              await exec.replaceOutputItems(item(lastStream.text), lastStream.output);
            } else {
              const out = new vscode.NotebookCellOutput([item(text)]);
              lastStream = { name, output: out, text };
              await exec.appendOutput(out);
            }
            return;
          }
          case "display_data":
          case "execute_result": {
            await beforeOutput();
            lastStream = null;
            const data = (content.data ?? {}) as JsonObject;
            const displayId = (content.transient as JsonObject | undefined)?.display_id;
            const metadata: Record<string, unknown> = { ...(content.metadata as JsonObject | undefined) };
            if (typeof displayId === "string") metadata.display_id = displayId;
            if (msgType === "execute_result") metadata.execution_count = content.execution_count ?? null;
            const out = new vscode.NotebookCellOutput(bundleItems(data), metadata);
            if (typeof displayId === "string") this.displays.set(displayId, { cell, output: out });
            await exec.appendOutput(out);
            return;
          }
          case "update_display_data": {
            const displayId = (content.transient as JsonObject | undefined)?.display_id;
            if (typeof displayId !== "string") return;
            const target = this.displays.get(displayId);
            if (target === undefined) return;
            const items = bundleItems((content.data ?? {}) as JsonObject);
            if (target.cell === cell) {
              await exec.replaceOutputItems(items, target.output);
            } else {
              // A display shown by an earlier cell: replace it through that cell's own execution when one runs.
              const other = [...this.running.entries()].find(
                ([k]) => k.endsWith(`#${target.cell.index}`) && k.startsWith(nb.uri.toString()),
              )?.[1];
              if (other !== undefined) await other.replaceOutputItems(items, target.output);
            }
            return;
          }
          case "error": {
            await beforeOutput();
            lastStream = null;
            const ename = typeof content.ename === "string" ? content.ename : "Error";
            const evalue = typeof content.evalue === "string" ? content.evalue : "";
            const tb = Array.isArray(content.traceback)
              ? content.traceback.filter((l): l is string => typeof l === "string")
              : [];
            await exec.appendOutput(
              new vscode.NotebookCellOutput([
                vscode.NotebookCellOutputItem.error({ name: ename, message: evalue, stack: tb.join("\n") }),
              ]),
            );
            return;
          }
          case "clear_output":
            if (content.wait === true) clearPending = true;
            else {
              lastStream = null;
              await exec.clearOutput();
            }
            return;
          default:
            return;
        }
      });
    const token = exec.token;
    const cancel = token.onCancellationRequested(() => session.interrupt());
    try {
      const done = await session.execute(cell.document.getText(), onOutput);
      await chain;
      if (typeof done.executionCount === "number") exec.executionOrder = done.executionCount;
      if (done.message !== undefined && done.status === "error") {
        await exec.appendOutput(
          new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(`${done.message}\n`)]),
        );
      }
      const ok = done.status === "ok";
      exec.end(ok, Date.now());
      return ok;
    } finally {
      cancel.dispose();
      this.running.delete(cellKey);
    }
  }

  dispose(): void {
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
  }
}
