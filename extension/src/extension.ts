/**
 * VIREL notebooks — the VS Code side, kept thin:
 * - the "VIREL (TypeScript)" notebook controller (controller.ts): runs Jupyter notebooks' cells on the virel-ts
 *   kernel of the virel package, no Python or Jupyter extension needed; a plotly renderer (renderer.ts) draws
 *   `application/vnd.plotly.v1+json` outputs offline;
 * - starts the bundled notebook language server (dist/server.js) once a Jupyter notebook with TypeScript cells is
 *   open, and connects it with a document selector for those cells;
 * - "VIREL: Install kernel" runs `node <virel>/bin/virel.js kernel install --user` (trusted workspaces only);
 * - "VIREL: Open tutorial notebooks" opens the lab's tutorials (copies the bundled ones to a writable folder first).
 * Every disposable goes into context.subscriptions.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { VirelController } from "./controller";

const NOTEBOOK_TYPE = "jupyter-notebook";
const CELL_LANGUAGE = "typescript";
const CELL_SCHEME = "vscode-notebook-cell";

let client: LanguageClient | undefined;

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("virel");
}

/** `virel.packagePath`, resolved against the first workspace folder ("" when unset). */
function packagePathSetting(): string {
  const raw = (config().get<string>("packagePath") ?? "").trim();
  if (raw === "") return "";
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return path.isAbsolute(raw) || base === undefined ? raw : path.resolve(base, raw);
}

function isVirelPackage(dir: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown };
    return pkg.name === "virel";
  } catch {
    return false;
  }
}

/** The virel package to run commands from: the setting, a workspace folder that is the lab, or its node_modules. */
function findPackage(): string | undefined {
  const candidates: string[] = [];
  const setting = packagePathSetting();
  if (setting !== "") candidates.push(setting);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== "file") continue;
    candidates.push(folder.uri.fsPath, path.join(folder.uri.fsPath, "node_modules", "virel"));
  }
  return candidates.find(isVirelPackage);
}

function hasTypeScriptCells(nb: vscode.NotebookDocument): boolean {
  return nb.notebookType === NOTEBOOK_TYPE && nb.getCells().some((c) => c.document.languageId === CELL_LANGUAGE);
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  if (client !== undefined || config().get<boolean>("languageServer.enabled") === false) return;
  const serverModule = context.asAbsolutePath(path.join("dist", "server.js"));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ["--nolazy", "--inspect=6019"] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ notebook: NOTEBOOK_TYPE, language: CELL_LANGUAGE }],
    // Re-read on every (re)start, so a changed virel.packagePath applies after a restart.
    initializationOptions: () => ({ virelPath: packagePathSetting() || undefined }),
    outputChannelName: "VIREL Language Server",
  };
  client = new LanguageClient("virel", "VIREL notebook language server", serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

function run(command: string, args: string[], cwd: string, output: vscode.OutputChannel): Promise<number> {
  return new Promise((resolve) => {
    output.appendLine(`$ ${[command, ...args].join(" ")}`);
    const child = spawn(command, args, { cwd, shell: false });
    child.stdout.on("data", (d: Buffer) => output.append(d.toString()));
    child.stderr.on("data", (d: Buffer) => output.append(d.toString()));
    child.on("error", (err) => {
      output.appendLine(`could not start ${command}: ${err.message}`);
      resolve(-1);
    });
    child.on("close", (code) => resolve(code ?? -1));
  });
}

async function installKernel(output: vscode.OutputChannel): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(
      "VIREL: installing the kernel runs the virel package's code; trust this workspace first (Manage Workspace Trust).",
    );
    return;
  }
  const pkg = findPackage();
  if (pkg === undefined) {
    const pick = await vscode.window.showErrorMessage(
      "VIREL: no virel package found. Open the VIREL lab folder, install it (npm install virel), or set virel.packagePath.",
      "Open Settings",
    );
    if (pick === "Open Settings")
      await vscode.commands.executeCommand("workbench.action.openSettings", "virel.packagePath");
    return;
  }
  const node = (config().get<string>("nodePath") ?? "").trim() || "node";
  output.show(true);
  const code = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "VIREL: installing the Jupyter kernel…" },
    () => run(node, [path.join(pkg, "bin", "virel.js"), "kernel", "install", "--user"], pkg, output),
  );
  if (code === 0) {
    void vscode.window.showInformationMessage(
      "VIREL: kernel installed. Pick “VIREL (TypeScript)” in a notebook's kernel picker (Jupyter Kernel…).",
    );
  } else {
    void vscode.window.showErrorMessage(`VIREL: kernel install failed (exit ${code}); see the VIREL output.`);
  }
}

/** The notebooks under `dir` as relative paths: the tutorials, then `exercises/…` and `exercises/solutions/…`. */
function listNotebooks(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ["", "exercises", path.join("exercises", "solutions")]) {
    try {
      for (const f of fs
        .readdirSync(path.join(dir, sub))
        .filter((n) => n.endsWith(".ipynb"))
        .sort())
        out.push(path.join(sub, f));
    } catch {
      /* no such folder */
    }
  }
  return out;
}

/** Folder holding the tutorials to open: the package's own (editable), or a writable copy of the bundled ones. */
function tutorialFolder(context: vscode.ExtensionContext): string | undefined {
  const pkg = findPackage();
  if (pkg !== undefined && listNotebooks(path.join(pkg, "notebooks")).length > 0) return path.join(pkg, "notebooks");
  const bundled = context.asAbsolutePath(path.join("dist", "notebooks"));
  const names = listNotebooks(bundled);
  if (names.length === 0) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0];
  const target =
    vscode.workspace.isTrusted && folder !== undefined && folder.uri.scheme === "file"
      ? path.join(folder.uri.fsPath, "virel-notebooks")
      : path.join(context.globalStorageUri.fsPath, "notebooks");
  fs.mkdirSync(target, { recursive: true });
  for (const name of names) {
    const dest = path.join(target, name);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (!fs.existsSync(dest)) fs.copyFileSync(path.join(bundled, name), dest); // never overwrite the user's edits
  }
  return target;
}

async function openTutorials(context: vscode.ExtensionContext): Promise<void> {
  const folder = tutorialFolder(context);
  if (folder === undefined) {
    void vscode.window.showErrorMessage(
      "VIREL: no tutorial notebooks found (set virel.packagePath to the virel package).",
    );
    return;
  }
  const picks = await vscode.window.showQuickPick(
    listNotebooks(folder).map((name) => ({ label: name, description: folder })),
    { canPickMany: true, title: "VIREL: notebooks to open (tutorials, exercises, solutions)" },
  );
  for (const pick of picks ?? []) {
    const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(path.join(folder, pick.label)));
    await vscode.window.showNotebookDocument(doc);
  }
}

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel("VIREL");
  context.subscriptions.push(output);
  const controller = new VirelController(
    findPackage,
    () => (config().get<string>("nodePath") ?? "").trim() || "node",
    output,
    context.subscriptions,
  );
  const activeNotebook = (): vscode.NotebookDocument | undefined => vscode.window.activeNotebookEditor?.notebook;
  context.subscriptions.push(
    controller,
    vscode.commands.registerCommand("virel.installKernel", () => installKernel(output)),
    vscode.commands.registerCommand("virel.openTutorials", () => openTutorials(context)),
    vscode.commands.registerCommand("virel.restartKernel", () => {
      const nb = activeNotebook();
      if (nb !== undefined) controller.restart(nb);
    }),
  );
  // Start the server only when there is something for it: a Jupyter notebook with TypeScript cells (cells turn
  // TypeScript when the kernel is picked, which reopens their documents).
  const consider = (nb: vscode.NotebookDocument | undefined): void => {
    if (nb !== undefined && client === undefined && hasTypeScriptCells(nb)) {
      startClient(context).catch((err: unknown) =>
        output.appendLine(`language server failed to start: ${String(err)}`),
      );
    }
  };
  vscode.workspace.notebookDocuments.forEach(consider);
  context.subscriptions.push(
    vscode.workspace.onDidOpenNotebookDocument(consider),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (doc.uri.scheme !== CELL_SCHEME || doc.languageId !== CELL_LANGUAGE) return;
      consider(vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === doc)));
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration("virel.packagePath") && !e.affectsConfiguration("virel.languageServer")) return;
      const enabled = config().get<boolean>("languageServer.enabled") !== false;
      if (client === undefined) {
        if (enabled) vscode.workspace.notebookDocuments.forEach(consider);
      } else if (!enabled) {
        const c = client;
        client = undefined;
        void c.stop();
      } else {
        void client.restart();
      }
    }),
  );
}

export function deactivate(): Promise<void> | undefined {
  const c = client;
  client = undefined;
  return c?.stop();
}
