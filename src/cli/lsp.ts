/** `virel lsp`: the notebook language server for editors (LSP 3.17 with notebook document sync). */
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("lsp")
    .description("start the notebook language server (LSP 3.17, notebook cells in TypeScript) for an editor")
    .option("--stdio", "talk LSP over stdin/stdout (the default)")
    .option("--node-ipc", "talk LSP over the Node IPC channel (when the editor forks this process)")
    .allowUnknownOption(true) // editors add their own flags, e.g. --clientProcessId=1234
    .action(async (opts: { stdio?: boolean; nodeIpc?: boolean }) => {
      const { startServer } = await import("../lsp/server.js");
      startServer({ transport: opts.nodeIpc === true ? "ipc" : "stdio" });
    });
}
