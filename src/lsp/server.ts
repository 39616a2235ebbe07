/**
 * The VIREL notebook language server (LSP 3.17, notebook document sync).
 *
 * Editors send `jupyter-notebook` notebooks whose code cells are TypeScript; the server keeps one TypeScript
 * program per notebook — the cells in order plus the preloaded library, as the kernel compiles them — and serves
 * diagnostics (published per cell document), completions, hover, signature help and go-to-definition.
 *
 * Started by `virel lsp --stdio` (or `--node-ipc`), by `node dist/src/lsp/server.js --stdio`, or by the VS Code
 * extension from its bundled copy. Bad requests get JSON-RPC errors (InvalidParams naming the field); a handler
 * that throws answers InternalError and the server keeps serving.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CancellationToken,
  type CompletionItem,
  type Connection,
  createConnection,
  type Diagnostic,
  ErrorCodes,
  type InitializeParams,
  type InitializeResult,
  IPCMessageReader,
  IPCMessageWriter,
  ResponseError,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import * as ts from "typescript";
import { z } from "zod";
import { version } from "../version";
import { bundledLibraryRoots } from "./library";
import { NotebookProject, type ProjectEnvironment } from "./project";
import { NotebookStore } from "./notebooks";
import {
  type CompletionData,
  completions,
  definition,
  hover,
  notebookDiagnostics,
  resolveCompletion,
  signatureHelp,
} from "./features";

/** The notebook type and cell language this server serves. */
export const NOTEBOOK_TYPE = "jupyter-notebook";
export const CELL_LANGUAGE = "typescript";

/** How the server talks to its client. */
export type Transport = "stdio" | "ipc";

/** Options the client may pass as `initializationOptions`. */
const InitOptions = z
  .object({
    /** Path of the virel package whose types the notebooks should see (overrides the search). */
    virelPath: z.string().optional(),
    /** Milliseconds to wait after the last change before recomputing diagnostics (default 150). */
    diagnosticsDelayMs: z.number().int().min(0).max(10_000).optional(),
  })
  .loose();

const PositionSchema = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
const TextDocumentPositionSchema = z
  .object({ textDocument: z.object({ uri: z.string() }).loose(), position: PositionSchema })
  .loose();
const CompletionParamsSchema = TextDocumentPositionSchema.extend({
  context: z.object({ triggerKind: z.number().int(), triggerCharacter: z.string().optional() }).loose().optional(),
});
const CompletionDataSchema = z.object({
  cellUri: z.string(),
  offset: z.number().int().min(0),
  name: z.string(),
  source: z.string().optional(),
  entryData: z.unknown().optional(),
});
const CompletionItemSchema = z.object({ label: z.string(), data: CompletionDataSchema }).loose();

/** Parse request params or answer InvalidParams naming the bad field. */
function parseParams<T>(schema: z.ZodType<T>, params: unknown, method: string): T {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const issues = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "params"}: ${i.message}`)
    .join("; ");
  throw new ResponseError(ErrorCodes.InvalidParams, `${method}: invalid params — ${issues}`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Wire the server onto `connection` (created from `transport` when not given) and start listening.
 * Returns the connection.
 */
export function startServer(options: { transport?: Transport; connection?: Connection } = {}): Connection {
  const connection =
    options.connection ??
    (options.transport === "ipc"
      ? createConnection(new IPCMessageReader(process), new IPCMessageWriter(process))
      : createConnection(process.stdin, process.stdout));
  // Nothing but protocol messages may reach stdout: route console output to the client's log.
  console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(" "));
  console.info = (...args: unknown[]) => connection.console.info(args.map(String).join(" "));
  console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(" "));
  console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(" "));
  console.debug = console.log;
  process.on("uncaughtException", (err) => connection.console.error(`uncaught exception: ${err.stack ?? String(err)}`));
  process.on("unhandledRejection", (err) => connection.console.error(`unhandled rejection: ${errorText(err)}`));

  const notebooks = new NotebookStore();
  const projects = new Map<string, NotebookProject>();
  const published = new Map<string, Set<string>>();
  const timers = new Map<string, NodeJS.Timeout>();
  let env: ProjectEnvironment | undefined;
  let diagnosticsDelayMs = 150;

  /** Run a request handler; unexpected exceptions become InternalError responses (the server keeps serving). */
  function guard<P, R>(method: string, handler: (params: P, token: CancellationToken) => R) {
    return (params: P, token: CancellationToken): R => {
      try {
        return handler(params, token);
      } catch (err) {
        if (err instanceof ResponseError) throw err;
        connection.console.error(
          `${method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
        throw new ResponseError(ErrorCodes.InternalError, `${method} failed: ${errorText(err)}`);
      }
    };
  }

  function environment(): ProjectEnvironment {
    if (env === undefined) throw new ResponseError(ErrorCodes.ServerNotInitialized, "the server is not initialized");
    return env;
  }

  function publish(notebookUri: string): void {
    const project = projects.get(notebookUri);
    if (project === undefined) return;
    let diagnostics: Map<string, Diagnostic[]>;
    try {
      diagnostics = notebookDiagnostics(project);
    } catch (err) {
      connection.console.error(
        `diagnostics of ${notebookUri} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      return;
    }
    const before = published.get(notebookUri) ?? new Set<string>();
    for (const [uri, list] of diagnostics) void connection.sendDiagnostics({ uri, diagnostics: list });
    for (const uri of before) if (!diagnostics.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    published.set(notebookUri, new Set(diagnostics.keys()));
  }

  function schedule(notebookUri: string): void {
    const old = timers.get(notebookUri);
    if (old !== undefined) clearTimeout(old);
    timers.set(
      notebookUri,
      setTimeout(() => {
        timers.delete(notebookUri);
        publish(notebookUri);
      }, diagnosticsDelayMs),
    );
  }

  /** Bring the notebook's program up to date with its cells (TypeScript code cells only) and schedule diagnostics. */
  function sync(notebookUri: string): void {
    let project = projects.get(notebookUri);
    if (project === undefined) {
      project = new NotebookProject(notebookUri, environment());
      projects.set(notebookUri, project);
      const lib = project.library;
      connection.console.info(
        `${notebookUri}: library ${lib === undefined ? "not found (virel.* is untyped)" : `${lib.root} (${lib.via})`}`,
      );
    }
    if (project.setCells(notebooks.codeCells(notebookUri, CELL_LANGUAGE))) schedule(notebookUri);
  }

  function close(notebookUri: string): void {
    const timer = timers.get(notebookUri);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(notebookUri);
    for (const uri of published.get(notebookUri) ?? []) void connection.sendDiagnostics({ uri, diagnostics: [] });
    published.delete(notebookUri);
    projects.get(notebookUri)?.dispose();
    projects.delete(notebookUri);
  }

  /** The project and cell index of a cell document, or undefined for documents this server does not know. */
  function locate(uri: string): { project: NotebookProject; cell: number } | undefined {
    const nb = notebooks.notebookOf(uri);
    if (nb === undefined) return undefined;
    const project = projects.get(nb);
    if (project === undefined) return undefined;
    const cell = project.cellIndex(uri);
    return cell < 0 ? undefined : { project, cell };
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const init = InitOptions.safeParse(params.initializationOptions ?? {});
    if (!init.success) {
      const issue = init.error.issues[0];
      throw new ResponseError(
        ErrorCodes.InvalidParams,
        `initializationOptions.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`,
      );
    }
    const folders = params.workspaceFolders ?? [];
    const first = folders[0]?.uri ?? params.rootUri ?? undefined;
    let fallbackDir = process.cwd();
    if (first !== undefined && first.startsWith("file:")) fallbackDir = fileURLToPath(first);
    const explicit = init.data.virelPath;
    env = {
      registry: ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, fallbackDir),
      explicitLibrary: explicit === undefined ? undefined : path.resolve(fallbackDir, explicit),
      bundledLibraries: bundledLibraryRoots(__dirname),
      fallbackDir,
    };
    diagnosticsDelayMs = init.data.diagnosticsDelayMs ?? diagnosticsDelayMs;
    return {
      capabilities: {
        // Cells come through notebook sync only; there is no plain text-document sync.
        textDocumentSync: TextDocumentSyncKind.None,
        notebookDocumentSync: {
          notebookSelector: [{ notebook: { notebookType: NOTEBOOK_TYPE }, cells: [{ language: CELL_LANGUAGE }] }],
        },
        completionProvider: { triggerCharacters: [".", '"', "'", "`", "/", "@", "#"], resolveProvider: true },
        hoverProvider: true,
        signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [")"] },
        definitionProvider: true,
      },
      serverInfo: { name: "virel-notebook-lsp", version },
    };
  });

  // Notebook sync: a bad notification throws (the connection logs it) and changes nothing.
  const nbSync = connection.notebooks.synchronization;
  nbSync.onDidOpenNotebookDocument((params) => {
    const uri = notebooks.open(params);
    close(uri); // a re-open starts from a fresh program
    sync(uri);
  });
  nbSync.onDidChangeNotebookDocument((params) => {
    const uri = notebooks.change(params);
    if (uri !== undefined) sync(uri);
  });
  nbSync.onDidCloseNotebookDocument((params) => {
    const uri = notebooks.close(params);
    if (uri !== undefined) close(uri);
  });

  connection.onCompletion(
    guard("textDocument/completion", (raw: unknown) => {
      const p = parseParams(CompletionParamsSchema, raw, "textDocument/completion");
      const at = locate(p.textDocument.uri);
      return at === undefined ? null : completions(at.project, at.cell, p.position, p.context?.triggerCharacter);
    }),
  );
  connection.onCompletionResolve(
    guard("completionItem/resolve", (raw: unknown): CompletionItem => {
      const item = parseParams(CompletionItemSchema, raw, "completionItem/resolve");
      const data = item.data as CompletionData;
      const at = locate(data.cellUri);
      return at === undefined ? (item as CompletionItem) : resolveCompletion(at.project, item as CompletionItem, data);
    }),
  );
  connection.onHover(
    guard("textDocument/hover", (raw: unknown) => {
      const p = parseParams(TextDocumentPositionSchema, raw, "textDocument/hover");
      const at = locate(p.textDocument.uri);
      return at === undefined ? null : hover(at.project, at.cell, p.position);
    }),
  );
  connection.onSignatureHelp(
    guard("textDocument/signatureHelp", (raw: unknown) => {
      const p = parseParams(TextDocumentPositionSchema, raw, "textDocument/signatureHelp");
      const at = locate(p.textDocument.uri);
      return at === undefined ? null : signatureHelp(at.project, at.cell, p.position);
    }),
  );
  connection.onDefinition(
    guard("textDocument/definition", (raw: unknown) => {
      const p = parseParams(TextDocumentPositionSchema, raw, "textDocument/definition");
      const at = locate(p.textDocument.uri);
      return at === undefined ? null : definition(at.project, at.cell, p.position);
    }),
  );
  connection.onShutdown(() => {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    for (const p of projects.values()) p.dispose();
    projects.clear();
  });

  connection.listen();
  return connection;
}

/** Transport named on a command line (`--node-ipc` or `--stdio`; stdio by default). */
export function transportFromArgv(argv: readonly string[]): Transport {
  return argv.includes("--node-ipc") ? "ipc" : "stdio";
}

if (require.main === module) startServer({ transport: transportFromArgv(process.argv) });
