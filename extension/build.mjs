// Builds the VS Code extension and packages it as a .vsix — offline, from what `npm ci` installed.
//
//   node extension/build.mjs [--out FILE.vsix] [--no-package]
//
// Needs the library built first (`npm run build`: its .d.ts files are what `virel.` completes against).
// Steps, all into extension/dist/ (git-ignored):
//   1. type-check the client (extension/tsconfig.json);
//   2. bundle the client (extension.js: vscode-languageclient inside, `vscode` external), the language server
//      (server.js: src/lsp/server.ts with vscode-languageserver, TypeScript 5.9.3 and zod inside) and the plotly
//      notebook renderer (renderer.js: an ES module for the output webview with plotly.js-dist-min inside) with
//      esbuild;
//   3. copy the TypeScript lib files the server uses (lib.es2022 and what it references) next to server.js, where
//      the bundled TypeScript looks for them;
//   4. copy the library's declarations and everything they reference (@types/node, …) into dist/types/, laid out
//      as a package named "virel" — found by the same program the server builds, so nothing is missed;
//   5. copy the tutorial notebooks (notebooks/*.ipynb) and the coursework (notebooks/exercises/*.ipynb with their
//      worked solutions in notebooks/exercises/solutions/), keeping the folders (the notebooks link to each other);
//   6. `vsce package --no-dependencies` (everything is already bundled).
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const dist = join(here, "dist");
const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const manifest = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
const out =
  outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1] : join(here, `${manifest.name}-${manifest.version}.vsix`);
const doPackage = !args.includes("--no-package");

function step(name) {
  process.stdout.write(`vsix: ${name}\n`);
}
function fail(message) {
  process.stderr.write(`vsix: ${message}\n`);
  process.exit(1);
}

if (!existsSync(join(root, "dist", "src", "index.d.ts")))
  fail("dist/src/index.d.ts is missing; run `npm run build` first");

step("type-check the client");
const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(here, "tsconfig.json")], {
  stdio: "inherit",
});
if (tsc.status !== 0) fail("the client has type errors");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

step("bundle client and server (esbuild)");
const esbuild = require("esbuild");
const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  logLevel: "warning",
  legalComments: "none",
};
await esbuild.build({
  ...common,
  entryPoints: [join(here, "src", "extension.ts")],
  outfile: join(dist, "extension.js"),
  external: ["vscode"],
});
await esbuild.build({
  ...common,
  entryPoints: [join(root, "src", "lsp", "server.ts")],
  outfile: join(dist, "server.js"),
});
// The plotly renderer runs in the output webview: an ES module with plotly.js (plotly.js-dist-min) inside.
await esbuild.build({
  bundle: true,
  platform: "browser",
  format: "esm",
  target: "es2020",
  logLevel: "warning",
  legalComments: "none",
  entryPoints: [join(here, "src", "renderer.ts")],
  outfile: join(dist, "renderer.js"),
});

step("copy TypeScript lib files");
const tsLibDir = dirname(require.resolve("typescript/lib/lib.es2022.d.ts"));
const libs = new Set();
const pending = ["es2022"];
while (pending.length > 0) {
  const name = pending.pop();
  if (libs.has(name)) continue;
  libs.add(name);
  const text = readFileSync(join(tsLibDir, `lib.${name}.d.ts`), "utf8");
  for (const m of text.matchAll(/<reference\s+lib="([^"]+)"/g)) pending.push(m[1]);
}
for (const name of libs) copyFileSync(join(tsLibDir, `lib.${name}.d.ts`), join(dist, `lib.${name}.d.ts`));

step("copy the library's declarations and what they reference");
const { NotebookProject } = require(join(root, "dist", "src", "lsp", "project.js"));
const ts = require("typescript");
const project = new NotebookProject(pathToFileURL(join(root, "__vsix_build__.ipynb")).href, {
  registry: ts.createDocumentRegistry(),
  explicitLibrary: root,
  bundledLibraries: [],
  fallbackDir: root,
});
project.setCells([
  { uri: "cell:1", text: 'import * as virel from "virel";\nimport * as display from "virel/display";\n' },
]);
const program = project.service.getProgram();
const typesDir = join(dist, "types");
const packageRoots = new Set();
let typeFiles = 0;
for (const sf of program.getSourceFiles()) {
  const file = sf.fileName;
  if (file === project.cellsFile || file === project.preludeFile || program.isSourceFileDefaultLibrary(sf)) continue;
  if (dirname(file) === tsLibDir) continue;
  const rel = relative(root, file);
  if (rel.startsWith("..")) fail(`a declaration outside the package: ${file}`);
  mkdirSync(dirname(join(typesDir, rel)), { recursive: true });
  copyFileSync(file, join(typesDir, rel));
  typeFiles++;
  // Each node_modules package needs its package.json (types / exports) to resolve.
  const parts = rel.split(sep);
  const nm = parts.lastIndexOf("node_modules");
  if (nm >= 0) packageRoots.add(parts.slice(0, nm + (parts[nm + 1]?.startsWith("@") ? 3 : 2)).join(sep));
}
for (const pkgRoot of packageRoots) {
  const src = join(root, pkgRoot, "package.json");
  if (existsSync(src)) copyFileSync(src, join(typesDir, pkgRoot, "package.json"));
}
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
/** Keep only the `types` targets of an exports map (the bundle ships no JavaScript of the library). */
function typesOnly(exportsMap) {
  const outMap = {};
  for (const [key, value] of Object.entries(exportsMap ?? {})) {
    if (value && typeof value === "object" && typeof value.types === "string") outMap[key] = { types: value.types };
  }
  return outMap;
}
writeFileSync(
  join(typesDir, "package.json"),
  JSON.stringify(
    { name: "virel", version: rootPkg.version, types: rootPkg.types, exports: typesOnly(rootPkg.exports) },
    null,
    2,
  ) + "\n",
);

step("copy tutorial notebooks and exercises");
const notebooksDir = join(root, "notebooks");
let notebooks = 0;
/** The notebook folders that ship: the tutorials, the exercises (stubs) and their solutions. */
const NOTEBOOK_FOLDERS = ["", "exercises", join("exercises", "solutions")];
for (const sub of NOTEBOOK_FOLDERS) {
  const from = join(notebooksDir, sub);
  if (!existsSync(from)) continue;
  for (const name of readdirSync(from)) {
    if (!name.endsWith(".ipynb")) continue;
    mkdirSync(join(dist, "notebooks", sub), { recursive: true });
    copyFileSync(join(from, name), join(dist, "notebooks", sub, name));
    notebooks++;
  }
}

function sizeOf(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    total += st.isDirectory() ? sizeOf(p) : st.size;
  }
  return total;
}
const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
process.stdout.write(
  `vsix: dist/ ${mb(sizeOf(dist))}: extension.js ${mb(statSync(join(dist, "extension.js")).size)}, ` +
    `server.js ${mb(statSync(join(dist, "server.js")).size)}, renderer.js ${mb(statSync(join(dist, "renderer.js")).size)}, ${libs.size} lib files, ${typeFiles} declaration files, ` +
    `${notebooks} notebooks\n`,
);

if (doPackage) {
  step(`package ${relative(process.cwd(), out) || out}`);
  const vsce = join(dirname(require.resolve("@vscode/vsce/package.json")), "vsce");
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp.vsix`;
  const r = spawnSync(
    process.execPath,
    [vsce, "package", "--no-dependencies", "--allow-missing-repository", "--out", tmp],
    {
      cwd: here,
      stdio: "inherit",
    },
  );
  if (r.status !== 0) fail("vsce package failed");
  renameSync(tmp, out);
  process.stdout.write(`vsix: wrote ${out} (${mb(statSync(out).size)})\n`);
}
