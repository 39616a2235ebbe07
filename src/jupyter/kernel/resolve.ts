/**
 * How cells find the library: `virel` and `virel/display` always mean the package this kernel belongs to, for
 * tslab's TypeScript 5.0.4 type-check (Node10 module resolution, which ignores package.json `exports`) and for the
 * runtime `require`. This also covers notebooks inside this repository, where "virel" is the package itself and
 * no `node_modules/virel` exists.
 *
 * Type-check: tslab's compiler host reads the file system through `ts.sys` of `@tslab/typescript-for-tslab`, so we
 * overlay a virtual `<cwd>/node_modules/virel` (mapped onto the package root; `display/…` onto
 * `dist/src/display/…`), and a virtual `<cwd>/node_modules/@types/node` when no `@types/node` is visible from the
 * notebook's directory (otherwise cells fail with "Cannot find name 'setTimeout'").
 * Runtime: `require("virel…")` from a cell is answered by the package's own self-reference.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";

export { packageRoot } from "../paths";

/** Map of runtime module ids → absolute file the kernel loads for them. */
export function runtimeModules(root: string): Map<string, string> {
  return new Map([
    ["virel", join(root, "dist", "src", "index.js")],
    ["virel/display", join(root, "dist", "src", "display", "index.js")],
  ]);
}

interface SysLike {
  fileExists(path: string): boolean;
  readFile(path: string, encoding?: string): string | undefined;
  directoryExists(path: string): boolean;
  getDirectories(path: string): string[];
  realpath?(path: string): string;
}

/** A prefix rewrite: paths under `from` are read from under `to`. */
interface Overlay {
  from: string;
  map(rest: string): string;
}

function slash(p: string): string {
  return p.split(sep).join("/");
}

/** Find `@types/node` visible from `dir` (walking up like Node10 type roots do). */
function typesNodeVisibleFrom(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, "node_modules", "@types", "node", "package.json"))) return true;
    if (dirname(d) === d) return false;
  }
}

/** The `@types/node` directory the kernel can always use (ours, else tslab's). */
function fallbackTypesNode(root: string): string | null {
  for (const base of [root, dirname(require.resolve("tslab/package.json"))]) {
    try {
      return dirname(require.resolve("@types/node/package.json", { paths: [base] }));
    } catch {
      /* try the next */
    }
  }
  return null;
}

/**
 * Patch `ts.sys` of tslab's TypeScript so that, seen from `cwd`, `node_modules/virel` is this package (and
 * `node_modules/@types/node` exists). Must run before tslab's converter is created.
 */
export function installTypeOverlay(sys: SysLike, cwd: string, root: string): void {
  const nm = slash(join(resolve(cwd), "node_modules"));
  const rootS = slash(root);
  const overlays: Overlay[] = [
    {
      from: `${nm}/virel`,
      map: (rest) =>
        rest === "/display" || rest.startsWith("/display/")
          ? `${rootS}/dist/src/display${rest.slice("/display".length)}`
          : `${rootS}${rest}`,
    },
  ];
  const typesNode = typesNodeVisibleFrom(cwd) ? null : fallbackTypesNode(root);
  if (typesNode) overlays.push({ from: `${nm}/@types/node`, map: (rest) => `${slash(typesNode)}${rest}` });

  const virtualDirs = new Set<string>([nm]);
  for (const o of overlays) {
    // every ancestor of an overlay root inside node_modules exists virtually
    for (let d = o.from; d.length > nm.length; d = d.slice(0, d.lastIndexOf("/"))) virtualDirs.add(d);
  }
  const mapPath = (p: string): string | null => {
    const s = slash(p);
    for (const o of overlays) {
      if (s === o.from || s.startsWith(o.from + "/")) return o.map(s.slice(o.from.length));
    }
    return null;
  };
  const { fileExists, readFile, directoryExists, getDirectories } = sys;
  const realpath = sys.realpath;
  sys.fileExists = (p) => {
    const m = mapPath(p);
    return m !== null ? fileExists.call(sys, m) : fileExists.call(sys, p);
  };
  sys.readFile = (p, enc) => {
    const m = mapPath(p);
    return readFile.call(sys, m ?? p, enc);
  };
  sys.directoryExists = (p) => {
    if (virtualDirs.has(slash(p))) return true;
    const m = mapPath(p);
    return directoryExists.call(sys, m ?? p);
  };
  sys.getDirectories = (p) => {
    const s = slash(p);
    // Automatic type inclusion: only @types/node (fast start, and no stray globals from unrelated @types packages;
    // explicitly imported packages still find their @types through module resolution).
    if (s.endsWith("/node_modules/@types")) return typesNodeIn(s) ? ["node"] : [];
    const m = mapPath(p);
    const real = directoryExists.call(sys, m ?? p) ? getDirectories.call(sys, m ?? p) : [];
    const extra: string[] = [];
    for (const d of virtualDirs) {
      if (d.startsWith(s + "/") && !d.slice(s.length + 1).includes("/")) extra.push(d.slice(s.length + 1));
    }
    return [...new Set([...real, ...extra])];
  };
  const typesNodeIn = (dir: string): boolean =>
    virtualDirs.has(`${dir}/node`) || directoryExists.call(sys, `${dir}/node`);
  if (realpath) {
    sys.realpath = (p) => {
      const m = mapPath(p);
      return m !== null ? realpath.call(sys, m) : realpath.call(sys, p);
    };
  }
}
