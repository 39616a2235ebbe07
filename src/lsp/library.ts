/**
 * Where the language server finds the `virel` library's types, and where it finds `@types/node`.
 *
 * The kernel preloads the library it was installed from; the editor should type-check against the same
 * declarations. Candidates, first usable one wins:
 *   1. an explicit path (the extension's `virel.packagePath` setting, passed as `initializationOptions.virelPath`);
 *   2. walking up from the notebook's folder: a folder whose package.json is named "virel" (the lab checkout
 *      itself), or a `node_modules/virel` beside it (a project that installed the package);
 *   3. the server's own copy: `types/` next to the bundled server (in the .vsix), or the package the server was
 *      started from (`virel lsp --stdio`).
 * A candidate is usable when its package.json is named "virel" and its declared `types` file exists (the library
 * is built).
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** A located copy of the library. */
export interface LibraryLocation {
  /** Package root (the folder holding package.json). */
  readonly root: string;
  /** How it was found. */
  readonly via: "setting" | "checkout" | "node_modules" | "bundled";
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** True when `dir` holds the virel package with its declarations built. */
export function isUsableLibrary(dir: string): boolean {
  const pkg = readJson(path.join(dir, "package.json"));
  if (pkg === undefined || pkg["name"] !== "virel") return false;
  const types =
    typeof pkg["types"] === "string"
      ? pkg["types"]
      : typeof pkg["typings"] === "string"
        ? pkg["typings"]
        : "index.d.ts";
  return fs.existsSync(path.join(dir, types));
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    out.push(d);
    const parent = path.dirname(d);
    if (parent === d) return out;
    d = parent;
  }
}

/** The server's own copies of the library, most specific first (see the module comment, item 3). */
export function bundledLibraryRoots(serverDir: string): string[] {
  return [path.join(serverDir, "types"), path.resolve(serverDir, "..", "..", "..")];
}

/**
 * Find the library for a notebook in `notebookDir` (undefined for a notebook that is not a file).
 * @param explicit a path given by the user (ignored when unusable)
 * @param bundled the server's own copies, tried last
 */
export function findLibrary(
  notebookDir: string | undefined,
  explicit: string | undefined,
  bundled: readonly string[],
): LibraryLocation | undefined {
  if (explicit !== undefined && explicit !== "" && isUsableLibrary(path.resolve(explicit))) {
    return { root: path.resolve(explicit), via: "setting" };
  }
  if (notebookDir !== undefined) {
    for (const d of ancestors(notebookDir)) {
      if (isUsableLibrary(d)) return { root: d, via: "checkout" };
      const nm = path.join(d, "node_modules", "virel");
      if (isUsableLibrary(nm)) return { root: fs.realpathSync(nm), via: "node_modules" };
    }
  }
  for (const b of bundled) if (isUsableLibrary(b)) return { root: b, via: "bundled" };
  return undefined;
}

/**
 * Folders to look for `@types/node` in, in order: beside the notebook (the user's own version), beside the library,
 * then the server's bundled copy.
 */
export function typeRootsFor(
  notebookDir: string | undefined,
  library: LibraryLocation | undefined,
  bundled: readonly string[],
): string[] {
  const candidates: string[] = [];
  if (notebookDir !== undefined)
    for (const d of ancestors(notebookDir)) candidates.push(path.join(d, "node_modules", "@types"));
  if (library !== undefined)
    for (const d of ancestors(library.root)) candidates.push(path.join(d, "node_modules", "@types"));
  for (const b of bundled) candidates.push(path.join(b, "node_modules", "@types"));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of candidates) {
    if (seen.has(c)) continue;
    seen.add(c);
    if (fs.existsSync(path.join(c, "node", "package.json"))) out.push(c);
  }
  return out;
}
