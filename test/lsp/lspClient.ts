/**
 * A minimal LSP client for tests: starts a server process, talks JSON-RPC over its stdio with vscode-jsonrpc, and
 * records the diagnostics it publishes.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import {
  createMessageConnection,
  type MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import type { Diagnostic, PublishDiagnosticsParams } from "vscode-languageserver";

export class LspTestClient {
  /** Latest diagnostics per document URI. */
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Every publishDiagnostics notification, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  /** Everything the server logged (window/logMessage) and wrote to stderr. */
  log = "";
  readonly exited: Promise<number | null>;
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
  ) {
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    child.stderr.on("data", (d: Buffer) => (this.log += d.toString()));
    connection.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
      this.published.push(p);
      this.diagnostics.set(p.uri, p.diagnostics);
      for (const l of [...this.listeners]) l();
    });
    connection.onNotification("window/logMessage", (p: { message: string }) => {
      this.log += p.message + "\n";
    });
    connection.listen();
  }

  /** Start `command args` (a server talking LSP over stdio). */
  static start(command: string, args: readonly string[], cwd: string): LspTestClient {
    const child = spawn(command, [...args], { cwd, stdio: ["pipe", "pipe", "pipe"] });
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    return new LspTestClient(child, connection);
  }

  request<R>(method: string, params?: unknown): Promise<R> {
    return this.connection.sendRequest<R>(method, params);
  }

  notify(method: string, params?: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  /**
   * Resolve once `check()` is true after a publishDiagnostics notification (or already now); reject after
   * `timeoutMs` with `label` and the last diagnostics.
   */
  waitFor(check: () => boolean, label: string, timeoutMs = 30_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(
          new Error(
            `timed out waiting for ${label}; diagnostics: ${JSON.stringify([...this.diagnostics])}\n${this.log}`,
          ),
        );
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  /** Send shutdown then exit; resolves with the process exit code. */
  async shutdown(): Promise<number | null> {
    await this.request("shutdown");
    await this.notify("exit");
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }

  /** Kill the process if a test failed half-way. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
    this.connection.dispose();
  }
}
