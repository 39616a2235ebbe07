/**
 * The VIREL (TypeScript) kernel: Jupyter messaging protocol 5.3 over ZeroMQ, cells run by `CellExecutor`
 * (tslab's converter). Shell requests run one at a time in arrival order; control requests (interrupt, shutdown,
 * kernel_info) are answered at once. Every shell request is wrapped in iopub `status: busy` / `idle`.
 */
import { randomUUID } from "node:crypto";
import { inspect as utilInspect } from "node:util";
import * as zmq from "zeromq";
import { installBridge, MIME_BUNDLE, SILENT_RESULT, type KernelBridge, type MimeBundle } from "../../display/bridge";
import { version as virelVersion } from "../../version";
import {
  createMessage,
  decodeMessage,
  DigestHistory,
  encodeMessage,
  endpoint,
  SendQueue,
  signatureOf,
  type ConnectionInfo,
  type Json,
  type JsonObject,
  type JupyterMessage,
} from "../protocol/wire";
import {
  CellScope,
  cellStorage,
  installTimerTracking,
  interruptBackground,
  outsideCells,
  pruneScopes,
  realTimers,
} from "./async-scope";
import { CellExecutor, type CellOutcome } from "./executor";
import { isComplete } from "./is-complete";
import { tslabDisplayChannel } from "./tslab";

/** What `kernel_info_reply` says about the language. */
export const LANGUAGE_INFO = {
  name: "typescript",
  version: "5.0.4",
  mimetype: "text/typescript",
  file_extension: ".ts",
  pygments_lexer: "typescript",
  codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
} as const;

export interface KernelServerOptions {
  connection: ConnectionInfo;
  /** The notebook's directory. */
  cwd: string;
  /** The virel package root. */
  root: string;
  /** Load the library and type-check a first cell before answering (default true). */
  warmUp?: boolean;
}

interface HistoryEntry {
  line: number;
  input: string;
  output: string | null;
}

type Write = typeof process.stdout.write;

export class KernelServer {
  private readonly conn: ConnectionInfo;
  private readonly session = randomUUID();
  private readonly executor: CellExecutor;
  private readonly iopub = new zmq.Publisher();
  private readonly shell = new zmq.Router();
  private readonly control = new zmq.Router();
  private readonly stdin = new zmq.Router();
  private readonly hb = new zmq.Reply();
  private iopubQ!: SendQueue;
  private shellQ!: SendQueue;
  private controlQ!: SendQueue;
  private executionCount = 0;
  private readonly history: HistoryEntry[] = [];
  /** Shell requests waiting for their turn. */
  private readonly queue: JupyterMessage[] = [];
  private draining = false;
  /** The last execute request: outputs from background work with no cell scope go there. */
  private lastParent: JupyterMessage | null = null;
  private readonly cellEndHooks: Array<() => void> = [];
  private streamBuf: { parent: JupyterMessage; name: "stdout" | "stderr"; text: string } | null = null;
  private streamTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly realStderr: Write;
  private readonly warm: boolean;
  /** Signatures of the shell/control messages accepted so far: a replayed message is dropped. */
  private readonly digests = new DigestHistory();

  constructor(opts: KernelServerOptions) {
    this.conn = opts.connection;
    this.warm = opts.warmUp ?? true;
    installTimerTracking();
    this.executor = new CellExecutor({ cwd: opts.cwd, root: opts.root });
    this.realStderr = process.stderr.write.bind(process.stderr) as Write;
  }

  /** Bind the five sockets, route stdout/stderr and displays to iopub, and start serving. */
  async start(): Promise<void> {
    const log = (e: unknown) => this.log(`send failed: ${String(e)}`);
    this.iopubQ = new SendQueue(this.iopub, log);
    this.shellQ = new SendQueue(this.shell, log);
    this.controlQ = new SendQueue(this.control, log);
    await Promise.all([
      this.iopub.bind(endpoint(this.conn, "iopub")),
      this.shell.bind(endpoint(this.conn, "shell")),
      this.control.bind(endpoint(this.conn, "control")),
      this.stdin.bind(endpoint(this.conn, "stdin")),
      this.hb.bind(endpoint(this.conn, "hb")),
    ]);
    if (this.conn.key === "") {
      // Jupyter allows an empty key (signing off); say so loudly, it lets anyone who reaches the ports run code.
      this.log(
        "WARNING: the connection file's key is empty: message signing and the replay check are OFF. Any process " +
          "that can reach the kernel's ports can run code as this user. Use a connection file with a random key.",
      );
    }
    this.installIo();
    process.on("SIGINT", () => this.interrupt());
    process.on("uncaughtException", (err) => this.backgroundError("Uncaught exception", err));
    process.on("unhandledRejection", (reason) => this.backgroundError("Unhandled promise rejection", reason));
    if (this.warm) {
      try {
        this.executor.warmUp();
      } catch (e) {
        this.log(`warm-up failed (cells will load the library on first use): ${String(e)}`);
      }
    }
    void this.serveHeartbeat();
    void this.serve(this.shell, (msg) => this.enqueue(msg));
    void this.serve(this.control, (msg) => void this.handleControl(msg));
  }

  private log(text: string): void {
    this.realStderr(`[virel-ts] ${text}\n`);
  }

  private async serve(sock: zmq.Router, onMessage: (msg: JupyterMessage) => void): Promise<void> {
    try {
      for await (const frames of sock) {
        let msg: JupyterMessage;
        try {
          msg = decodeMessage(frames, this.conn.key);
        } catch (e) {
          this.log(`dropped a message: ${(e as Error).message}`);
          continue;
        }
        // Like ipykernel: a signature seen before is a replayed message (signing is what makes this meaningful).
        const sig = signatureOf(frames);
        if (this.conn.key !== "" && sig !== undefined && !this.digests.accept(sig)) {
          this.log(`dropped a replayed ${msg.header.msg_type} (duplicate signature, msg_id ${msg.header.msg_id})`);
          continue;
        }
        onMessage(msg);
      }
    } catch (e) {
      if (!this.closed) this.log(`socket loop ended: ${String(e)}`);
    }
  }

  private async serveHeartbeat(): Promise<void> {
    try {
      for await (const frames of this.hb) await this.hb.send(frames);
    } catch {
      /* closed */
    }
  }

  // ---- sending -------------------------------------------------------------------------------------------------

  private send(q: SendQueue, msg: JupyterMessage, withIdentities = true): void {
    if (this.closed) return;
    outsideCells(() => void q.send(encodeMessage(msg, this.conn.key, withIdentities)));
  }

  private reply(q: SendQueue, req: JupyterMessage, msgType: string, content: JsonObject): void {
    this.flushStream();
    this.send(q, createMessage(msgType, content, { session: this.session, parent: req }));
  }

  /** Publish on iopub (stream text buffered before it is flushed first, so order is kept). */
  private publish(msgType: string, content: JsonObject, parent: JupyterMessage | null): void {
    this.flushStream();
    const msg = createMessage(msgType, content, { session: this.session, parent });
    this.send(this.iopubQ, msg, false);
  }

  private status(state: "busy" | "idle" | "starting", parent: JupyterMessage): void {
    this.publish("status", { execution_state: state }, parent);
  }

  private stream(name: "stdout" | "stderr", text: string): void {
    const parent = cellStorage.getStore()?.request ?? this.lastParent;
    if (!parent || this.closed) {
      this.realStderr(text);
      return;
    }
    if (this.streamBuf && (this.streamBuf.parent !== parent || this.streamBuf.name !== name)) this.flushStream();
    if (this.streamBuf) this.streamBuf.text += text;
    else this.streamBuf = { parent, name, text };
    if (!this.streamTimer) {
      this.streamTimer = realTimers.setTimeout(() => {
        this.streamTimer = null;
        this.flushStream();
      }, 50);
    }
  }

  private flushStream(): void {
    if (this.streamTimer) {
      realTimers.clearTimeout(this.streamTimer);
      this.streamTimer = null;
    }
    const b = this.streamBuf;
    if (!b) return;
    this.streamBuf = null;
    const msg = createMessage("stream", { name: b.name, text: b.text }, { session: this.session, parent: b.parent });
    this.send(this.iopubQ, msg, false);
  }

  /** stdout/stderr → iopub streams; the display bridge; tslab's own display channel. */
  private installIo(): void {
    const make = (name: "stdout" | "stderr"): Write =>
      ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        this.stream(name, text);
        const done = typeof encoding === "function" ? encoding : cb;
        if (typeof done === "function") (done as () => void)();
        return true;
      }) as Write;
    process.stdout.write = make("stdout");
    process.stderr.write = make("stderr");
    const never = new AbortController().signal;
    const bridge: KernelBridge = {
      display: (bundle, options = {}) => {
        const parent = cellStorage.getStore()?.request ?? this.lastParent;
        if (!parent) return;
        const transient: JsonObject = {};
        if (options.displayId) transient.display_id = options.displayId;
        this.publish(
          options.update ? "update_display_data" : "display_data",
          { data: toJson(bundle) as JsonObject, metadata: toJson(options.metadata ?? {}) as JsonObject, transient },
          parent,
        );
      },
      clearOutput: (wait) => {
        const parent = cellStorage.getStore()?.request ?? this.lastParent;
        if (parent) this.publish("clear_output", { wait }, parent);
      },
      interruptSignal: () => cellStorage.getStore()?.controller.signal ?? never,
      onCellEnd: (fn) => {
        this.cellEndHooks.push(fn);
      },
      sessionId: this.session,
    };
    installBridge(bridge);
    // `import { display } from "tslab"` keeps working: tslab's display writes through this function.
    try {
      tslabDisplayChannel().lastWriteDisplayData = (d, update) =>
        bridge.display(d.data as MimeBundle, { displayId: d.transient?.display_id, update, metadata: d.metadata });
    } catch {
      /* tslab's display is optional */
    }
  }

  private backgroundError(what: string, err: unknown): void {
    const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : utilInspect(err);
    this.stream("stderr", `${what}: ${text}\n`);
  }

  // ---- dispatch ------------------------------------------------------------------------------------------------

  private enqueue(msg: JupyterMessage): void {
    this.queue.push(msg);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const msg = this.queue.shift()!;
        this.status("busy", msg);
        try {
          await this.handle(msg, this.shellQ);
        } catch (e) {
          this.log(`error handling ${msg.header.msg_type}: ${(e as Error).stack ?? String(e)}`);
        }
        this.status("idle", msg);
      }
    } finally {
      this.draining = false;
    }
  }

  private async handleControl(msg: JupyterMessage): Promise<void> {
    this.status("busy", msg);
    try {
      await this.handle(msg, this.controlQ);
    } catch (e) {
      this.log(`error handling ${msg.header.msg_type}: ${(e as Error).stack ?? String(e)}`);
    }
    this.status("idle", msg);
  }

  private async handle(msg: JupyterMessage, q: SendQueue): Promise<void> {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case "kernel_info_request":
        this.reply(q, msg, "kernel_info_reply", this.kernelInfo());
        return;
      case "execute_request":
        await this.execute(msg, q);
        return;
      case "is_complete_request": {
        const r = isComplete(str(c.code));
        this.reply(q, msg, "is_complete_reply", r);
        return;
      }
      case "complete_request":
        this.reply(q, msg, "complete_reply", this.complete(str(c.code), num(c.cursor_pos, codePoints(str(c.code)))));
        return;
      case "inspect_request":
        this.reply(q, msg, "inspect_reply", this.inspect(str(c.code), num(c.cursor_pos, codePoints(str(c.code)))));
        return;
      case "history_request":
        this.reply(q, msg, "history_reply", { status: "ok", history: this.historyReply(c) });
        return;
      case "comm_info_request":
        this.reply(q, msg, "comm_info_reply", { status: "ok", comms: {} });
        return;
      case "connect_request":
        this.reply(q, msg, "connect_reply", {
          shell_port: this.conn.shell_port,
          iopub_port: this.conn.iopub_port,
          stdin_port: this.conn.stdin_port,
          hb_port: this.conn.hb_port,
          control_port: this.conn.control_port,
        });
        return;
      case "interrupt_request":
        this.interrupt();
        this.reply(q, msg, "interrupt_reply", { status: "ok" });
        return;
      case "shutdown_request":
        this.reply(q, msg, "shutdown_reply", { status: "ok", restart: c.restart === true });
        this.status("idle", msg);
        await this.shutdown(); // later messages (the caller's idle) are dropped: the sockets are closed
        return;
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        return; // no comm targets
      default:
        this.log(`unsupported message type ${msg.header.msg_type}`);
    }
  }

  private kernelInfo(): JsonObject {
    return {
      status: "ok",
      protocol_version: "5.3",
      implementation: "virel-ts",
      implementation_version: virelVersion,
      language_info: LANGUAGE_INFO as unknown as JsonObject,
      banner:
        `VIREL (TypeScript) ${virelVersion} — tslab 1.0.22 compiler (TypeScript 5.0.4), Node ${process.version}. ` +
        "`virel` and `display` are preloaded.",
      debugger: false,
      help_links: [{ text: "VIREL lab README", url: "https://www.npmjs.com/package/virel" }],
    };
  }

  /** Interrupt the running cell, or (when idle) the background work earlier cells left running. */
  interrupt(): void {
    if (!this.executor.interrupt()) {
      const n = interruptBackground(new Error("interrupted"));
      if (n > 0) this.stream("stderr", `[interrupt] stopped the background work of ${n} earlier cell(s)\n`);
    }
  }

  private async execute(msg: JupyterMessage, q: SendQueue): Promise<void> {
    const c = msg.content;
    const code = str(c.code);
    const silent = c.silent === true;
    const storeHistory = silent ? false : c.store_history !== false;
    const stopOnError = c.stop_on_error !== false;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    this.lastParent = msg;
    if (!silent) this.publish("execute_input", { code, execution_count: count }, msg);
    const scope = new CellScope(msg, count);
    const outcome = await this.executor.execute(code, scope);
    this.runCellEndHooks();
    pruneScopes();
    let output: string | null = null;
    if (outcome.status === "ok") {
      if (outcome.hasValue && !silent && !isSilentValue(outcome.value)) {
        const data = bundleOf(outcome.value);
        output = typeof data["text/plain"] === "string" ? data["text/plain"] : null;
        this.publish("execute_result", { execution_count: count, data: toJson(data) as JsonObject, metadata: {} }, msg);
      }
      const userExpressions = this.userExpressions(c.user_expressions);
      if (storeHistory) this.history.push({ line: count, input: code, output });
      this.reply(q, msg, "execute_reply", {
        status: "ok",
        execution_count: count,
        payload: [],
        user_expressions: userExpressions,
      });
      return;
    }
    if (storeHistory) this.history.push({ line: count, input: code, output: null });
    this.publish("error", { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback }, msg);
    this.reply(q, msg, "execute_reply", {
      status: "error",
      execution_count: count,
      ename: outcome.ename,
      evalue: outcome.evalue,
      traceback: outcome.traceback,
    });
    // Like ipykernel: execute requests that were already waiting when the error happened are aborted; requests that
    // arrive later run normally.
    if (stopOnError && !silent) this.abortQueued();
  }

  private abortQueued(): void {
    const keep: JupyterMessage[] = [];
    const aborted: JupyterMessage[] = [];
    for (const m of this.queue) (m.header.msg_type === "execute_request" ? aborted : keep).push(m);
    this.queue.splice(0, this.queue.length, ...keep);
    for (const m of aborted) {
      this.status("busy", m);
      this.reply(this.shellQ, m, "execute_reply", { status: "aborted", execution_count: null });
      this.status("idle", m);
    }
  }

  private runCellEndHooks(): void {
    for (const fn of this.cellEndHooks) {
      try {
        outsideCells(fn);
      } catch (e) {
        this.log(`cell-end hook failed: ${String(e)}`);
      }
    }
  }

  private userExpressions(raw: Json | undefined): JsonObject {
    const out: JsonObject = {};
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) return out;
    for (const [name, expr] of Object.entries(raw)) {
      if (typeof expr !== "string") continue;
      const r = this.executor.evaluate(expr);
      out[name] =
        r.status === "ok"
          ? { status: "ok", data: toJson(bundleOf(r.value)) as JsonObject, metadata: {} }
          : { status: "error", ename: r.ename, evalue: r.evalue, traceback: r.traceback };
    }
    return out;
  }

  private complete(code: string, cursorCp: number): JsonObject {
    const pos = cpToUtf16(code, cursorCp);
    const r = this.executor.complete(code, pos);
    return {
      status: "ok",
      matches: r.matches,
      cursor_start: utf16ToCp(code, r.start),
      cursor_end: utf16ToCp(code, r.end),
      metadata: {},
    };
  }

  private inspect(code: string, cursorCp: number): JsonObject {
    const text = this.executor.inspect(code, cpToUtf16(code, cursorCp));
    if (text === null) return { status: "ok", found: false, data: {}, metadata: {} };
    return {
      status: "ok",
      found: true,
      data: { "text/plain": text, "text/markdown": "```typescript\n" + text + "\n```" },
      metadata: {},
    };
  }

  private historyReply(c: JsonObject): Json[] {
    const withOutput = c.output === true;
    const entry = (h: HistoryEntry): Json => [1, h.line, withOutput ? [h.input, h.output] : h.input];
    const n = typeof c.n === "number" ? c.n : this.history.length;
    switch (c.hist_access_type) {
      case "tail":
        return this.history.slice(Math.max(0, this.history.length - n)).map(entry);
      case "range": {
        const start = typeof c.start === "number" ? c.start : 1;
        const stop = typeof c.stop === "number" ? c.stop : Infinity;
        return this.history.filter((h) => h.line >= start && h.line < stop).map(entry);
      }
      case "search": {
        const re = globToRegExp(typeof c.pattern === "string" ? c.pattern : "*");
        let hits = this.history.filter((h) => re.test(h.input));
        if (c.unique === true) {
          const seen = new Set<string>();
          hits = hits
            .reverse()
            .filter((h) => (seen.has(h.input) ? false : (seen.add(h.input), true)))
            .reverse();
        }
        if (typeof c.n === "number") hits = hits.slice(Math.max(0, hits.length - c.n));
        return hits.map(entry);
      }
      default:
        return [];
    }
  }

  /** Close the sockets and exit the process (the client restarts us for a restart). */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.flushStream();
    this.closed = true;
    this.executor.interrupt();
    interruptBackground(new Error("kernel shutdown"));
    await Promise.race([
      Promise.all([this.iopubQ.drain(), this.shellQ.drain(), this.controlQ.drain()]),
      new Promise((r) => realTimers.setTimeout(r, 500)),
    ]);
    for (const s of [this.iopub, this.shell, this.control, this.stdin, this.hb]) s.close();
    this.executor.close();
    realTimers.setTimeout(() => process.exit(0), 50);
  }
}

function str(v: Json | undefined): string {
  return typeof v === "string" ? v : "";
}
function num(v: Json | undefined, dflt: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : dflt;
}

/** Number of Unicode code points (Jupyter's cursor unit since protocol 5.2). */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
/** Code-point offset → UTF-16 offset. */
export function cpToUtf16(s: string, cp: number): number {
  let i = 0;
  let n = 0;
  for (const ch of s) {
    if (n >= cp) break;
    i += ch.length;
    n++;
  }
  return i;
}
/** UTF-16 offset → code-point offset. */
export function utf16ToCp(s: string, u: number): number {
  return codePoints(s.slice(0, Math.max(0, u)));
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "s");
}

function isSilentValue(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[SILENT_RESULT] === true;
}

/** The mime bundle of a cell's value: its own `[MIME_BUNDLE]()` when it has one, else `util.inspect` text. */
export function bundleOf(v: unknown): MimeBundle {
  if (typeof v === "object" && v !== null) {
    const f = (v as Record<symbol, unknown>)[MIME_BUNDLE];
    if (typeof f === "function") {
      try {
        const b = (f as () => MimeBundle).call(v);
        if (b && typeof b === "object" && typeof b["text/plain"] === "string") return b;
      } catch {
        /* fall back to text */
      }
    }
  }
  return { "text/plain": utilInspect(v, { depth: 4, maxArrayLength: 100, breakLength: 100 }) };
}

/** Make a value JSON-safe for a message (drops functions/undefined like JSON.stringify would). */
function toJson(v: unknown): Json {
  return JSON.parse(JSON.stringify(v ?? null)) as Json;
}

export type { CellOutcome };
