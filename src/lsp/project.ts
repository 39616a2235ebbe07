/**
 * One notebook's TypeScript program: a LanguageService over two virtual files — the prelude (what every cell sees
 * without an import) and the cells (see `notebookSource.ts`) — plus the library's declarations read from disk.
 *
 * Compiler options follow the kernel (tslab): ES2022 target and lib without the DOM, `@types/node`, ES modules
 * (so top-level `await` type-checks, as tslab accepts it) with esModuleInterop, not strict, skipLibCheck. Modules
 * resolve like a bundler (package `exports` honoured); `virel` and `virel/…` resolve in the located library (see
 * `library.ts`), everything else from the notebook's folder.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as ts from "typescript";
import { PRELUDE_DTS } from "../jupyter/prelude";
import { type CellText, NotebookSource } from "./notebookSource";
import { findLibrary, typeRootsFor, type LibraryLocation } from "./library";

/** Compiler options of the notebook program (close to the kernel's). */
export function notebookCompilerOptions(typeRoots: readonly string[]): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    esModuleInterop: true,
    allowSyntheticDefaultImports: true,
    resolveJsonModule: true,
    experimentalDecorators: true,
    strict: false,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [...typeRoots],
  };
}

/** Environment shared by every notebook the server knows. */
export interface ProjectEnvironment {
  /** Shared parse cache: lib files and the library's declarations are parsed once for all notebooks. */
  readonly registry: ts.DocumentRegistry;
  /** The user's explicit library path (may be undefined). */
  readonly explicitLibrary: string | undefined;
  /** The server's own copies of the library (see `bundledLibraryRoots`). */
  readonly bundledLibraries: readonly string[];
  /** Folder used for notebooks that are not files (untitled): the first workspace folder, or the cwd. */
  readonly fallbackDir: string;
}

const DISK_VERSION_TTL_MS = 1000;
const diskVersions = new Map<string, { version: string; checkedAt: number }>();

/** A version string for a file on disk (mtime and size), re-read at most once a second. */
function diskVersion(file: string): string {
  const now = Date.now();
  const hit = diskVersions.get(file);
  if (hit !== undefined && now - hit.checkedAt < DISK_VERSION_TTL_MS) return hit.version;
  let version: string;
  try {
    const st = fs.statSync(file);
    version = `${st.mtimeMs}:${st.size}`;
  } catch {
    version = "missing";
  }
  diskVersions.set(file, { version, checkedAt: now });
  return version;
}

/** Folder of a notebook URI when it is a file, else undefined. */
export function notebookFolder(notebookUri: string): string | undefined {
  try {
    return notebookUri.startsWith("file:") ? path.dirname(fileURLToPath(notebookUri)) : undefined;
  } catch {
    return undefined;
  }
}

/** The TypeScript program of one notebook. */
export class NotebookProject {
  /** Folder the cells resolve relative imports from. */
  readonly dir: string;
  /** Path of the virtual cells file. */
  readonly cellsFile: string;
  /** Path of the virtual prelude file. */
  readonly preludeFile: string;
  readonly library: LibraryLocation | undefined;
  readonly service: ts.LanguageService;
  private current: NotebookSource = new NotebookSource([]);
  private version = 0;
  private readonly options: ts.CompilerOptions;

  constructor(
    readonly notebookUri: string,
    env: ProjectEnvironment,
  ) {
    const folder = notebookFolder(notebookUri);
    this.dir = folder ?? env.fallbackDir;
    const base = folder !== undefined ? path.basename(fileURLToPath(notebookUri)) : "untitled";
    this.cellsFile = path.join(this.dir, `${base}.virel-cells.ts`);
    this.preludeFile = path.join(this.dir, "__virel_prelude__.d.ts");
    this.library = findLibrary(this.dir, env.explicitLibrary, env.bundledLibraries);
    this.options = notebookCompilerOptions(typeRootsFor(this.dir, this.library, env.bundledLibraries));
    const moduleHost: ts.ModuleResolutionHost = {
      fileExists: (f) => this.fileExists(f),
      readFile: (f) => this.readFile(f),
      directoryExists: (d) => ts.sys.directoryExists(d),
      getDirectories: (d) => ts.sys.getDirectories(d),
      realpath: (f) => (ts.sys.realpath ? ts.sys.realpath(f) : f),
      getCurrentDirectory: () => this.dir,
    };
    this.resolve = (name, containingFile, options, redirected, mode) => {
      const library = this.library;
      if (library !== undefined && (name === "virel" || name.startsWith("virel/"))) {
        // Self-name resolution from inside the library package honours its `exports` map.
        const self = path.join(library.root, "__virel_self__.ts");
        const r = ts.resolveModuleName(name, self, options, moduleHost, undefined, redirected, mode);
        if (r.resolvedModule !== undefined) return r;
      }
      return ts.resolveModuleName(name, containingFile, options, moduleHost, undefined, redirected, mode);
    };
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [this.preludeFile, this.cellsFile],
      getScriptVersion: (f) =>
        f === this.cellsFile ? String(this.version) : f === this.preludeFile ? "0" : diskVersion(f),
      getScriptSnapshot: (f) => {
        const text = this.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => this.dir,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.fileExists(f),
      readFile: (f) => this.readFile(f),
      directoryExists: (d) => ts.sys.directoryExists(d),
      getDirectories: (d) => ts.sys.getDirectories(d),
      realpath: (f) => (ts.sys.realpath ? ts.sys.realpath(f) : f),
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      resolveModuleNameLiterals: (literals, containingFile, redirected, options, containingSourceFile) =>
        literals.map((lit) =>
          this.resolve(
            lit.text,
            containingFile,
            options,
            redirected,
            ts.getModeForUsageLocation(containingSourceFile, lit, options),
          ),
        ),
    };
    this.service = ts.createLanguageService(host, env.registry);
  }

  private readonly resolve: (
    name: string,
    containingFile: string,
    options: ts.CompilerOptions,
    redirected?: ts.ResolvedProjectReference,
    mode?: ts.ResolutionMode,
  ) => ts.ResolvedModuleWithFailedLookupLocations;

  /** The file a module name resolves to from the notebook (e.g. "virel" → the library's index.d.ts). */
  resolveModule(name: string): string | undefined {
    return this.resolve(name, this.cellsFile, this.options).resolvedModule?.resolvedFileName;
  }

  private fileExists(f: string): boolean {
    return f === this.cellsFile || f === this.preludeFile || ts.sys.fileExists(f);
  }

  private readFile(f: string): string | undefined {
    if (f === this.cellsFile) return this.current.text;
    if (f === this.preludeFile) return PRELUDE_DTS;
    return ts.sys.readFile(f);
  }

  /** The current virtual source (cells in order). */
  get source(): NotebookSource {
    return this.current;
  }

  /** Replace the cells (in notebook order); a no-op when nothing changed. Returns true when the program changed. */
  setCells(cells: readonly CellText[]): boolean {
    const old = this.current.cells;
    if (old.length === cells.length && old.every((c, i) => c.uri === cells[i]?.uri && c.text === cells[i]?.text)) {
      return false;
    }
    this.current = new NotebookSource(cells.map((c) => ({ uri: c.uri, text: c.text })));
    this.version++;
    return true;
  }

  /** Index of the cell with document URI `uri`, or -1. */
  cellIndex(uri: string): number {
    return this.current.cells.findIndex((c) => c.uri === uri);
  }

  dispose(): void {
    this.service.dispose();
  }
}
