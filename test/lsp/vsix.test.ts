/**
 * The .vsix: built offline by extension/build.mjs, it holds the manifest, the bundled client and server, the lib
 * files and the library's declarations. The server is run from the unpacked .vsix on a notebook outside any virel
 * checkout (so it must use what it ships), and the client is activated against a stand-in `vscode` module.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CompletionList, Diagnostic, Hover, Location, MarkupContent } from "vscode-languageserver";
import { LspTestClient } from "./lspClient";
import { type ZipEntry, zipEntries, zipRead } from "./zip";

const root = join(__dirname, "..", "..", "..");

describe("the .vsix", { timeout: 90_000 }, () => {
  let tmp: string;
  let vsix: Buffer;
  let entries: ZipEntry[];
  let ext: string; // the unpacked `extension/` folder

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "virel-vsix-"));
    const out = join(tmp, "virel-notebooks.vsix");
    const r = spawnSync(process.execPath, [join(root, "extension", "build.mjs"), "--out", out], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, `build.mjs failed:\n${r.stdout}\n${r.stderr}`);
    vsix = readFileSync(out);
    entries = zipEntries(vsix);
    ext = join(tmp, "unpacked");
    for (const e of entries) {
      if (!e.name.startsWith("extension/") || e.name.endsWith("/")) continue;
      const dest = join(ext, e.name.slice("extension/".length));
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, zipRead(vsix, e));
    }
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("contains the manifest, the bundled client and server, lib files and the library's declarations", () => {
    const names = new Set(entries.map((e) => e.name));
    for (const n of [
      "[Content_Types].xml",
      "extension.vsixmanifest",
      "extension/package.json",
      "extension/readme.md",
      "extension/LICENSE.txt",
      "extension/dist/extension.js",
      "extension/dist/server.js",
      "extension/dist/renderer.js",
      "extension/dist/lib.es2022.d.ts",
      "extension/dist/lib.es5.d.ts",
      "extension/dist/types/package.json",
      "extension/dist/types/dist/src/index.d.ts",
      "extension/dist/types/dist/src/rng.d.ts",
      "extension/dist/types/node_modules/@types/node/index.d.ts",
      "extension/dist/notebooks/01-graphical-model.ipynb",
      "extension/dist/notebooks/exercises/01-action-posterior-and-msbe.ipynb",
      "extension/dist/notebooks/exercises/02-e-step-and-m-step.ipynb",
      "extension/dist/notebooks/exercises/solutions/01-action-posterior-and-msbe.ipynb",
      "extension/dist/notebooks/exercises/solutions/02-e-step-and-m-step.ipynb",
    ]) {
      assert.ok(names.has(n), `${n} in the .vsix`);
    }
    assert.ok(!names.has("extension/dist/lib.dom.d.ts"), "no DOM lib");
    for (const n of names) {
      assert.ok(!n.startsWith("extension/src/") && !n.startsWith("extension/node_modules/"), `${n} should not ship`);
      assert.ok(!n.endsWith(".map"), `${n}: no source maps`);
    }
  });

  it("has a manifest for notebook cells with the commands, the plotly renderer and limited untrusted support", () => {
    const manifest = JSON.parse(readFileSync(join(ext, "package.json"), "utf8"));
    assert.equal(manifest.main, "./dist/extension.js");
    assert.equal(manifest.engines.vscode, "^1.82.0");
    assert.equal(manifest.dependencies["vscode-languageclient"], "9.0.1");
    assert.deepEqual(manifest.activationEvents, ["onNotebook:jupyter-notebook"]);
    const titles = manifest.contributes.commands.map((c: { category: string; title: string; command: string }) => [
      c.command,
      `${c.category}: ${c.title}`,
    ]);
    assert.deepEqual(titles, [
      ["virel.installKernel", "VIREL: Install kernel"],
      ["virel.openTutorials", "VIREL: Open tutorial notebooks"],
      ["virel.restartKernel", "VIREL: Restart kernel"],
    ]);
    assert.deepEqual(manifest.contributes.notebookRenderer, [
      {
        id: "virel-plotly",
        displayName: "VIREL plotly (offline)",
        entrypoint: "./dist/renderer.js",
        mimeTypes: ["application/vnd.plotly.v1+json"],
        requiresMessaging: "never",
      },
    ]);
    assert.deepEqual(
      Object.keys(
        manifest.contributes.configurationDefaults["[typescript]"]["editor.unicodeHighlight.allowedCharacters"],
      ),
      ["−", "𝒪", "𝒯", "𝒰", "𝓛"],
    );
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, "limited");
    assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, [
      "virel.packagePath",
      "virel.nodePath",
    ]);
    const xml = zipRead(
      vsix,
      entries.find((e) => e.name === "extension.vsixmanifest")!,
    ).toString("utf8");
    assert.match(xml, /Id="virel-notebooks"/);
    assert.match(xml, /Publisher="virel-lab"/);
  });

  it("bundles its dependencies: only node built-ins and `vscode` are required at run time", () => {
    const external = (file: string): string[] => {
      const code = readFileSync(join(ext, "dist", file), "utf8");
      const names = new Set<string>();
      for (const m of code.matchAll(/\brequire\("([^"./][^"]*)"\)/g)) names.add(m[1]!);
      return [...names].filter((n) => !n.startsWith("node:") && !Module.builtinModules.includes(n)).sort();
    };
    assert.deepEqual(external("extension.js"), ["vscode"]);
    // TypeScript keeps a few optional requires behind try/catch (source-map-support, inspector); they never load here.
    for (const n of external("server.js"))
      assert.match(n, /^(source-map-support|@microsoft\/typescript-etw|inspector)$/, n);
  });

  it("serves a notebook outside any virel checkout from what the .vsix ships", async () => {
    const nbDir = join(tmp, "elsewhere");
    const nbPath = join(nbDir, "demo.ipynb");
    const c1 = `vscode-notebook-cell:${nbPath}#a`;
    const c2 = `vscode-notebook-cell:${nbPath}#b`;
    const text1 =
      "const r = new virel.Rng(1);\nconst has = [1, 2].includes(2);\nconst home = process.env.HOME;\nconst h = virel.hashSeed('x');\n";
    const text2 = "const s: string = r.uniform();\n";
    const client = LspTestClient.start(
      process.execPath,
      [join(ext, "dist", "server.js"), "--stdio"],
      nbDir.replace(/elsewhere$/, ""),
    );
    try {
      await client.request("initialize", {
        processId: process.pid,
        rootUri: null,
        capabilities: {},
        initializationOptions: { diagnosticsDelayMs: 10 },
      });
      await client.notify("initialized", {});
      await client.notify("notebookDocument/didOpen", {
        notebookDocument: {
          uri: pathToFileURL(nbPath).href,
          notebookType: "jupyter-notebook",
          version: 1,
          cells: [
            { kind: 2, document: c1 },
            { kind: 2, document: c2 },
          ],
        },
        cellTextDocuments: [
          { uri: c1, languageId: "typescript", version: 1, text: text1 },
          { uri: c2, languageId: "typescript", version: 1, text: text2 },
        ],
      });
      await client.waitFor(() => client.diagnostics.has(c1) && client.diagnostics.has(c2), "diagnostics of both cells");
      assert.match(client.log, /types \(bundled\)/, "the bundled library types are used");
      assert.deepEqual(client.diagnostics.get(c1), [], "ES2022 lib and @types/node are found");
      const d2: Diagnostic[] = client.diagnostics.get(c2)!;
      assert.equal(d2.length, 1);
      assert.equal(d2[0]!.code, 2322);
      const list = await client.request<CompletionList>("textDocument/completion", {
        textDocument: { uri: c1 },
        position: { line: 0, character: 20 },
      });
      for (const name of ["Rng", "actionPosterior"])
        assert.ok(
          list.items.some((i) => i.label === name),
          `virel.${name}`,
        );
      const hover = await client.request<Hover>("textDocument/hover", {
        textDocument: { uri: c1 },
        position: { line: 3, character: 18 },
      });
      assert.match(
        (hover.contents as MarkupContent).value,
        /\(alias\) hashSeed\(label: string\): number[\s\S]*Hash a string label into a 32-bit seed \(FNV-1a\)/,
      );
      const defs = await client.request<Location[]>("textDocument/definition", {
        textDocument: { uri: c1 },
        position: { line: 0, character: 21 },
      });
      // `new virel.Rng(…)`: the class and its constructor, both in the shipped declarations (no sources there).
      const dts = join(ext, "dist", "types", "dist", "src", "rng.d.ts");
      const lines = readFileSync(dts, "utf8").split("\n");
      assert.deepEqual(
        defs.map((d) => [d.uri, d.range.start.line]),
        [
          [pathToFileURL(dts).href, lines.findIndex((l) => l.startsWith("export declare class Rng"))],
          [pathToFileURL(dts).href, lines.findIndex((l) => l.trim().startsWith("constructor("))],
        ],
      );
      assert.equal(await client.shutdown(), 0);
    } finally {
      client.kill();
    }
  });

  it("activates the client: commands registered, every disposable in context.subscriptions, nothing installed untrusted", async () => {
    const created: { disposed: boolean; dispose(): void }[] = [];
    const disposable = () => {
      const d = { disposed: false, dispose: () => void (d.disposed = true) };
      created.push(d);
      return d;
    };
    const commands = new Map<string, () => Promise<void>>();
    const warnings: string[] = [];
    let progressRuns = 0;
    const offered: string[] = [];
    const controllers: { id: string; type: string; label: string }[] = [];
    const fake = stub({
      window: stub({
        createOutputChannel: () => Object.assign(disposable(), { append() {}, appendLine() {}, show() {} }),
        showWarningMessage: async (m: string) => void warnings.push(m),
        withProgress: async () => void progressRuns++,
        showQuickPick: async (items: { label: string }[]) => {
          offered.push(...items.map((i) => i.label));
          return undefined; // the user closes the picker
        },
        showErrorMessage: async (m: string) => assert.fail(`unexpected error message: ${m}`),
      }),
      notebooks: stub({
        createNotebookController: (id: string, type: string, label: string) => {
          controllers.push({ id, type, label });
          return Object.assign(disposable(), { updateNotebookAffinity() {} });
        },
      }),
      commands: stub({
        registerCommand: (id: string, fn: () => Promise<void>) => {
          commands.set(id, fn);
          return disposable();
        },
      }),
      workspace: stub({
        isTrusted: false,
        workspaceFolders: [],
        notebookDocuments: [],
        onDidOpenNotebookDocument: () => disposable(),
        onDidCloseNotebookDocument: () => disposable(),
        onDidOpenTextDocument: () => disposable(),
        onDidChangeConfiguration: () => disposable(),
        getConfiguration: () => ({ get: () => undefined }),
      }),
    });
    const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
    const original = loader._load;
    loader._load = function (request: string, parent: unknown, isMain: boolean) {
      return request === "vscode" ? fake : original.call(this, request, parent, isMain);
    };
    try {
      const extension = require(join(ext, "dist", "extension.js")) as {
        activate(context: unknown): void;
        deactivate(): Promise<void> | undefined;
      };
      const context = {
        subscriptions: [] as unknown[],
        asAbsolutePath: (p: string) => join(ext, p),
        globalStorageUri: { fsPath: join(tmp, "storage") },
      };
      extension.activate(context);
      assert.deepEqual([...commands.keys()].sort(), [
        "virel.installKernel",
        "virel.openTutorials",
        "virel.restartKernel",
      ]);
      assert.deepEqual(controllers, [{ id: "virel-ts", type: "jupyter-notebook", label: "VIREL (TypeScript)" }]);
      assert.equal(
        created.length,
        10,
        "output channel, the notebook controller and its 2 listeners, 3 commands, 3 listeners",
      );
      for (const d of created)
        assert.ok(context.subscriptions.includes(d), "every disposable is in context.subscriptions");
      await commands.get("virel.installKernel")!();
      assert.equal(progressRuns, 0, "no install in an untrusted workspace");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /trust this workspace/);
      // "Open tutorial notebooks" outside a virel package: the bundled tutorials, exercises and solutions are
      // copied (folders kept) to the extension's storage (Restricted Mode) and offered
      await commands.get("virel.openTutorials")!();
      const shipped = readdirSync(join(root, "notebooks")).filter((n) => n.endsWith(".ipynb")).length;
      assert.equal(offered.length, shipped + 4, `offered: ${offered.join(", ")}`);
      for (const rel of [
        "01-graphical-model.ipynb",
        join("exercises", "02-e-step-and-m-step.ipynb"),
        join("exercises", "solutions", "02-e-step-and-m-step.ipynb"),
      ]) {
        assert.ok(offered.includes(rel), `${rel} offered`);
        assert.deepEqual(
          readFileSync(join(tmp, "storage", "notebooks", rel)),
          readFileSync(join(root, "notebooks", rel)),
          `${rel} copied`,
        );
      }
      assert.equal(extension.deactivate(), undefined, "no language client without a TypeScript notebook");
    } finally {
      loader._load = original;
    }
  });
});

/** A stand-in object: the given members, and for anything else a callable, constructible stub (for import-time use). */
function stub(members: Record<string, unknown> = {}): unknown {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(function () {}, {
    get(_target, prop) {
      if (typeof prop === "string" && prop in members) return members[prop];
      if (prop === "then") return undefined;
      if (prop === Symbol.toPrimitive) return () => "stub";
      if (!cache.has(prop)) cache.set(prop, stub());
      return cache.get(prop);
    },
    // Own keys = the given members (esbuild's ESM interop copies a module's own properties).
    ownKeys: (target) => [...Reflect.ownKeys(target), ...Object.keys(members)],
    getOwnPropertyDescriptor: (target, prop) =>
      typeof prop === "string" && prop in members
        ? { configurable: true, enumerable: true, writable: true, value: members[prop] }
        : Reflect.getOwnPropertyDescriptor(target, prop),
    apply: () => stub(),
    construct: () => stub() as object,
  });
}
