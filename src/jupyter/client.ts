/**
 * A Jupyter client in TypeScript: starts a kernel process with a fresh connection file and talks to it over
 * ZeroMQ (shell/control DEALER, iopub SUB, heartbeat REQ) with signed messages — what `virel notebook run` and the
 * kernel tests use, with no Python involved.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { launcherPath } from "./paths";
import {
  createMessage,
  decodeMessage,
  encodeMessage,
  endpoint,
  parentId,
  SendQueue,
  type ConnectionInfo,
  type JsonObject,
  type JupyterMessage,
} from "./protocol/wire";

/** How to start a kernel: a kernelspec-style argv where `{connection_file}` is replaced. */
export interface KernelStartOptions {
  /** Defaults to our kernel: `[node, dist/src/jupyter/kernel/launcher.js, --connection-file, {connection_file}]`. */
  argv?: string[];
  /** The kernel's working directory (the notebook's directory). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for kernel_info and iopub (default 60 s). */
  startupTimeoutMs?: number;
  /**
   * The connection file's HMAC key (default: 16 random bytes as hex). `""` turns signing off, as Jupyter allows;
   * the kernel then warns on its stderr. Only for tests of that path.
   */
  key?: string;
}

/** Everything one execute request produced. */
export interface ExecuteResult {
  reply: JupyterMessage;
  /** iopub messages of this request between busy and idle, without status and execute_input. */
  outputs: JupyterMessage[];
  /** The execution count from execute_input / the reply. */
  executionCount: number | null;
}

export interface ExecuteOptions {
  silent?: boolean;
  storeHistory?: boolean;
  stopOnError?: boolean;
  userExpressions?: Record<string, string>;
  /** Fail (after interrupting the kernel) when the request takes longer (default: no limit). */
  timeoutMs?: number;
  /** Called for each output as it arrives. */
  onOutput?: (msg: JupyterMessage) => void;
}

/** The default argv of our kernel. */
export function defaultKernelArgv(): string[] {
  return [process.execPath, launcherPath(), "--connection-file", "{connection_file}"];
}

/** Ports that were free a moment ago (like jupyter_client, bind to 0 and release). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (!a || typeof a === "string") throw new Error("could not get a free port");
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

interface Collector {
  outputs: JupyterMessage[];
  executionCount: number | null;
  idle: boolean;
  reply: JupyterMessage | null;
  onOutput?: (msg: JupyterMessage) => void;
  wake: () => void;
}

/** A running kernel and the sockets to it. */
export class KernelClient {
  readonly session = randomUUID();
  private readonly shell: zmq.Dealer;
  private readonly control: zmq.Dealer;
  private readonly iopub = new zmq.Subscriber();
  private readonly shellQ: SendQueue;
  private readonly controlQ: SendQueue;
  private readonly pending = new Map<string, (m: JupyterMessage) => void>();
  private readonly collectors = new Map<string, Collector>();
  private readonly iopubListeners = new Set<(m: JupyterMessage) => void>();
  private stderrTail = "";
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;
  private closed = false;

  private constructor(
    readonly conn: ConnectionInfo,
    readonly child: ChildProcess,
    private readonly tmpDir: string,
  ) {
    this.shell = new zmq.Dealer({ routingId: `shell-${this.session}` });
    this.control = new zmq.Dealer({ routingId: `control-${this.session}` });
    this.shellQ = new SendQueue(this.shell);
    this.controlQ = new SendQueue(this.control);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code) => {
        this.exitCode = code;
        for (const c of this.collectors.values()) c.wake();
        resolve(code);
      });
    });
    child.stderr?.on("data", (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString("utf8")).slice(-4000);
    });
    child.stdout?.on("data", () => {});
  }

  /**
   * Start a kernel process and wait until it answers kernel_info and its iopub is connected. Ports are picked
   * free and released before the kernel binds them (like jupyter_client), so another process can take one in
   * between: a kernel that fails with "Address already in use" is started again on new ports (3 tries).
   */
  static async start(opts: KernelStartOptions = {}): Promise<KernelClient> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await KernelClient.startOnce(opts);
      } catch (e) {
        if (attempt >= 3 || !/Address already in use/.test((e as Error).message)) throw e;
      }
    }
  }

  private static async startOnce(opts: KernelStartOptions): Promise<KernelClient> {
    const ports = await freePorts(5);
    const conn: ConnectionInfo = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: ports[0]!,
      iopub_port: ports[1]!,
      stdin_port: ports[2]!,
      control_port: ports[3]!,
      hb_port: ports[4]!,
      key: opts.key ?? randomBytes(16).toString("hex"),
      signature_scheme: "hmac-sha256",
      kernel_name: "virel-ts",
    };
    const tmpDir = mkdtempSync(join(tmpdir(), "virel-kernel-"));
    const file = join(tmpDir, "connection.json");
    writeFileSync(file, JSON.stringify(conn, null, 1), { mode: 0o600 });
    const argv = (opts.argv ?? defaultKernelArgv()).map((a) => a.replace("{connection_file}", file));
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd ?? process.cwd(),
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, like jupyter_client: an interrupt signals the group.
      detached: true,
    });
    const client = new KernelClient(conn, child, tmpDir);
    try {
      await client.connect(opts.startupTimeoutMs ?? 60_000);
    } catch (e) {
      await client.kill();
      throw e;
    }
    return client;
  }

  private async connect(timeoutMs: number): Promise<void> {
    this.shell.connect(endpoint(this.conn, "shell"));
    this.control.connect(endpoint(this.conn, "control"));
    this.iopub.connect(endpoint(this.conn, "iopub"));
    this.iopub.subscribe();
    void this.readLoop(this.shell);
    void this.readLoop(this.control);
    void this.iopubLoop();
    const deadline = Date.now() + timeoutMs;
    // Like jupyter_client's wait_for_ready: repeat kernel_info until the reply came AND iopub delivered its status.
    for (;;) {
      if (this.exitCode !== undefined)
        throw new Error(`kernel exited with code ${this.exitCode} during startup:\n${this.stderrTail}`);
      if (Date.now() > deadline)
        throw new Error(`kernel did not become ready within ${timeoutMs} ms:\n${this.stderrTail}`);
      const msg = createMessage("kernel_info_request", {}, { session: this.session });
      let sawIopub = false;
      const listener = (m: JupyterMessage) => {
        if (parentId(m) === msg.header.msg_id) sawIopub = true;
      };
      this.iopubListeners.add(listener);
      try {
        const reply = await this.requestMsg("shell", msg, Math.min(2000, Math.max(1, deadline - Date.now())));
        if (reply) {
          const until = Date.now() + 500;
          while (!sawIopub && Date.now() < until) await sleep(10);
          if (sawIopub) {
            this.kernelInfo = reply.content;
            return;
          }
        }
      } finally {
        this.iopubListeners.delete(listener);
      }
    }
  }

  /** The kernel_info_reply content from startup. */
  kernelInfo: JsonObject = {};

  private async readLoop(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const frames of sock) {
        let m: JupyterMessage;
        try {
          m = decodeMessage(frames, this.conn.key);
        } catch {
          continue;
        }
        const id = parentId(m);
        const waiter = this.pending.get(id);
        if (waiter) {
          this.pending.delete(id);
          waiter(m);
        }
        const c = this.collectors.get(id);
        if (c && m.header.msg_type.endsWith("_reply")) {
          c.reply = m;
          c.wake();
        }
      }
    } catch {
      /* socket closed */
    }
  }

  private async iopubLoop(): Promise<void> {
    try {
      for await (const frames of this.iopub) {
        let m: JupyterMessage;
        try {
          m = decodeMessage(frames, this.conn.key);
        } catch {
          continue;
        }
        for (const l of this.iopubListeners) l(m);
        const c = this.collectors.get(parentId(m));
        if (!c) continue;
        const t = m.header.msg_type;
        if (t === "status") {
          if (m.content.execution_state === "idle") {
            c.idle = true;
            c.wake();
          }
        } else if (t === "execute_input") {
          if (typeof m.content.execution_count === "number") c.executionCount = m.content.execution_count;
        } else {
          c.outputs.push(m);
          c.onOutput?.(m);
        }
      }
    } catch {
      /* socket closed */
    }
  }

  /** Listen to every iopub message (returns an unsubscribe function). */
  onIopub(fn: (m: JupyterMessage) => void): () => void {
    this.iopubListeners.add(fn);
    return () => this.iopubListeners.delete(fn);
  }

  private requestMsg(
    channel: "shell" | "control",
    msg: JupyterMessage,
    timeoutMs: number,
  ): Promise<JupyterMessage | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(msg.header.msg_id);
        resolve(null);
      }, timeoutMs);
      this.pending.set(msg.header.msg_id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      void (channel === "shell" ? this.shellQ : this.controlQ).send(encodeMessage(msg, this.conn.key, false));
    });
  }

  /** Send a request and wait for its reply (throws after `timeoutMs`). */
  async request(
    channel: "shell" | "control",
    msgType: string,
    content: JsonObject,
    timeoutMs = 30_000,
  ): Promise<JupyterMessage> {
    const msg = createMessage(msgType, content, { session: this.session });
    const reply = await this.requestMsg(channel, msg, timeoutMs);
    if (!reply)
      throw new Error(
        `no ${msgType.replace(/_request$/, "_reply")} within ${timeoutMs} ms${this.exitCode !== undefined ? ` (kernel exited with ${this.exitCode})` : ""}`,
      );
    return reply;
  }

  /** Send an execute request now; `done` resolves when the reply and the iopub idle both arrived. */
  startExecute(code: string, opts: ExecuteOptions = {}): { msgId: string; done: Promise<ExecuteResult> } {
    const content: JsonObject = {
      code,
      silent: opts.silent ?? false,
      store_history: opts.storeHistory ?? true,
      user_expressions: opts.userExpressions ?? {},
      allow_stdin: false,
      stop_on_error: opts.stopOnError ?? true,
    };
    const msg = createMessage("execute_request", content, { session: this.session });
    const id = msg.header.msg_id;
    let wake: () => void = () => {};
    const c: Collector = {
      outputs: [],
      executionCount: null,
      idle: false,
      reply: null,
      onOutput: opts.onOutput,
      wake: () => wake(),
    };
    this.collectors.set(id, c);
    const done = (async (): Promise<ExecuteResult> => {
      const started = Date.now();
      let interrupted = false;
      try {
        for (;;) {
          if (c.reply && c.idle) break;
          if (this.exitCode !== undefined) {
            throw new Error(`kernel died (exit code ${this.exitCode}) while executing:\n${this.stderrTail}`);
          }
          const left = opts.timeoutMs !== undefined ? opts.timeoutMs - (Date.now() - started) : 1000;
          if (opts.timeoutMs !== undefined && left <= 0) {
            if (!interrupted) {
              interrupted = true;
              this.interrupt();
              // give the kernel a moment to answer with the interrupt error
              const until = Date.now() + 5000;
              while (!(c.reply && c.idle) && Date.now() < until && this.exitCode === undefined)
                await waitFor((w) => (wake = w), 100);
            }
            throw new Error(`cell timed out after ${opts.timeoutMs / 1000} s (the kernel was interrupted)`);
          }
          await waitFor((w) => (wake = w), Math.min(1000, Math.max(1, left)));
        }
        const reply = c.reply!;
        const count =
          typeof reply.content.execution_count === "number" ? reply.content.execution_count : c.executionCount;
        return { reply, outputs: c.outputs, executionCount: count };
      } finally {
        this.collectors.delete(id);
      }
    })();
    void this.shellQ.send(encodeMessage(msg, this.conn.key, false));
    return { msgId: id, done };
  }

  /** Execute code and wait for everything it produced. */
  execute(code: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    return this.startExecute(code, opts).done;
  }

  /** Interrupt like Jupyter with interrupt_mode "signal": SIGINT to the kernel's process group. */
  interrupt(): void {
    if (this.child.pid === undefined || this.exitCode !== undefined) return;
    try {
      process.kill(-this.child.pid, "SIGINT");
    } catch {
      this.child.kill("SIGINT");
    }
  }

  /** The kernel process's exit code, or undefined while it runs. */
  get exitStatus(): number | null | undefined {
    return this.exitCode;
  }

  /** Ask the kernel to shut down (control channel) and wait for the process to exit; kill it after `timeoutMs`. */
  async shutdown(timeoutMs = 5000): Promise<number | null> {
    if (this.exitCode === undefined) {
      await this.request("control", "shutdown_request", { restart: false }, timeoutMs).catch(() => null);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        this.exited,
        new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (code === undefined) await this.kill();
    }
    this.close();
    return this.exitCode ?? null;
  }

  /** Kill the kernel's process group and close the sockets. */
  async kill(): Promise<void> {
    if (this.exitCode === undefined && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {
        this.child.kill("SIGKILL");
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exited, new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
    }
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.shell, this.control, this.iopub]) {
      s.linger = 0;
      s.close();
    }
    rmSync(this.tmpDir, { recursive: true, force: true });
  }

  /** The last ~4000 characters the kernel wrote to its real stderr. */
  get stderr(): string {
    return this.stderrTail;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function waitFor(register: (wake: () => void) => void, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    register(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
