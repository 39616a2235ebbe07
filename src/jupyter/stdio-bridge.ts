#!/usr/bin/env node
/**
 * The kernel side of the VS Code extension's notebook controller: a small Node program that starts the virel-ts
 * kernel with the Jupyter client of this package (ZeroMQ, signed messages) and relays it over stdin/stdout as
 * JSON lines, so the extension needs neither ZeroMQ (a native module) nor Python nor the Jupyter extension.
 *
 *   node dist/src/jupyter/stdio-bridge.js          (working directory: the notebook's folder)
 *
 * Requests (one JSON object per line on stdin):
 *   {"op":"execute","id":"…","code":"…"}    run a cell; outputs and the end are reported with the same id
 *   {"op":"interrupt"}                       SIGINT to the kernel (the running cell ends with InterruptError)
 *   {"op":"restart"}                         stop the kernel and start a fresh one
 *   {"op":"shutdown"}                        stop the kernel and exit
 * Events (one JSON object per line on stdout):
 *   {"event":"ready","kernelInfo":{…},"pid":N}           a kernel is up (after start and each restart)
 *   {"event":"output","id":"…","msgType":"stream"|"display_data"|"update_display_data"|"execute_result"|"error"|"clear_output","content":{…}}
 *   {"event":"done","id":"…","status":"ok"|"error"|"aborted","executionCount":N|null}
 *   {"event":"died","exitCode":N|null,"signal":"…"|null,"stderr":"…"}   the kernel process ended unasked
 *   {"event":"fatal","message":"…"}                       the kernel could not start
 */
import { createInterface } from "node:readline";
import { KernelClient } from "./client";
import type { JsonObject } from "./protocol/wire";

type Request =
  { op: "execute"; id: string; code: string } | { op: "interrupt" } | { op: "restart" } | { op: "shutdown" };

function emit(event: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(event) + "\n");
}

/** Parse one request line; throws naming the bad field. */
export function parseRequest(line: string): Request {
  const raw = JSON.parse(line) as Record<string, unknown>;
  if (typeof raw !== "object" || raw === null) throw new Error(`request must be a JSON object, got ${line}`);
  switch (raw.op) {
    case "execute":
      if (typeof raw.id !== "string" || raw.id === "")
        throw new Error(`execute request: id must be a non-empty string, got ${JSON.stringify(raw.id)}`);
      if (typeof raw.code !== "string")
        throw new Error(`execute request: code must be a string, got ${JSON.stringify(raw.code)}`);
      return { op: "execute", id: raw.id, code: raw.code };
    case "interrupt":
    case "restart":
    case "shutdown":
      return { op: raw.op };
    default:
      throw new Error(`request op must be execute, interrupt, restart or shutdown, got ${JSON.stringify(raw.op)}`);
  }
}

class Bridge {
  private kernel: KernelClient | null = null;
  private starting: Promise<KernelClient> | null = null;
  /** Bumped on every (re)start: exit events of an older kernel are not reported as a death. */
  private generation = 0;
  private stopping = false;

  async ensureKernel(): Promise<KernelClient> {
    if (this.kernel !== null && this.kernel.exitStatus === undefined) return this.kernel;
    if (this.starting === null) {
      const gen = ++this.generation;
      this.starting = KernelClient.start({ cwd: process.cwd() }).then(
        (k) => {
          this.kernel = k;
          this.starting = null;
          k.child.once("exit", (code, signal) => {
            if (gen === this.generation && !this.stopping)
              emit({ event: "died", exitCode: code, signal, stderr: k.stderr.slice(-2000) });
          });
          emit({ event: "ready", kernelInfo: k.kernelInfo, pid: k.child.pid ?? null });
          return k;
        },
        (e: unknown) => {
          this.starting = null;
          emit({ event: "fatal", message: (e as Error).message });
          throw e;
        },
      );
    }
    return this.starting;
  }

  async execute(id: string, code: string): Promise<void> {
    let k: KernelClient;
    try {
      k = await this.ensureKernel();
    } catch (e) {
      emit({ event: "done", id, status: "error", executionCount: null, message: (e as Error).message });
      return;
    }
    try {
      const r = await k.execute(code, {
        stopOnError: false,
        onOutput: (m) => emit({ event: "output", id, msgType: m.header.msg_type, content: m.content as JsonObject }),
      });
      emit({ event: "done", id, status: r.reply.content.status ?? "ok", executionCount: r.executionCount });
    } catch (e) {
      emit({ event: "done", id, status: "error", executionCount: null, message: (e as Error).message });
    }
  }

  interrupt(): void {
    this.kernel?.interrupt();
  }

  async stop(): Promise<void> {
    const k = this.kernel;
    this.kernel = null;
    this.generation++;
    if (k !== null) await k.shutdown(3000).catch(() => k.kill());
  }

  async restart(): Promise<void> {
    this.stopping = true;
    try {
      await this.stop();
    } finally {
      this.stopping = false;
    }
    await this.ensureKernel().catch(() => {});
  }
}

async function main(): Promise<void> {
  const bridge = new Bridge();
  void bridge.ensureKernel().catch(() => {});
  // Cells run one after another in arrival order (as the kernel would); interrupt/restart act at once.
  let chain: Promise<void> = Promise.resolve();
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (line.trim() === "") return;
    let req: Request;
    try {
      req = parseRequest(line);
    } catch (e) {
      emit({ event: "protocol-error", message: (e as Error).message });
      return;
    }
    if (req.op === "execute") {
      const { id, code } = req;
      chain = chain.then(() => bridge.execute(id, code));
    } else if (req.op === "interrupt") {
      bridge.interrupt();
    } else if (req.op === "restart") {
      void bridge.restart(); // at once: a running cell ends with "kernel died", queued ones run on the new kernel
    } else {
      void bridge.stop().then(() => process.exit(0));
    }
  });
  rl.on("close", () => void bridge.stop().then(() => process.exit(0)));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    emit({ event: "fatal", message: (e as Error).message });
    process.exit(1);
  });
}
