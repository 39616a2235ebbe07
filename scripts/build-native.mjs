// Install-time build of the optional native matmul kernels (native/: a small N-API addon over the system CBLAS).
// Run by `npm ci` / `npm install` (package.json "install") and by hand: `node scripts/build-native.mjs`.
// It never fails the install: when there is no CBLAS, no compiler or no node-gyp, it prints ONE line saying why
// and how to fix it, and exits 0 — the library then runs on the pure wasm path.
// Env: VIREL_NATIVE=0 skips the build; VIREL_BLAS_CFLAGS / VIREL_BLAS_LIBS override the detected BLAS flags.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync, renameSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nativeDir = join(root, "native");
const logPath = join(nativeDir, "build.log");
const FIX =
  "install a CBLAS (Debian/Ubuntu: apt-get install libopenblas-dev; macOS: Xcode command line tools) and run `node scripts/build-native.mjs`";

function say(line) {
  process.stdout.write(`virel: ${line}\n`);
}

const TOOLS_FIX =
  "install a C toolchain and Python for node-gyp (Debian/Ubuntu: apt-get install build-essential python3) and run `node scripts/build-native.mjs`";

function skip(why, fix = FIX) {
  say(`native BLAS kernels not built (${why}); the pure wasm path will be used — to enable them, ${fix}`);
  process.exit(0);
}

function run(cmd, args, env) {
  return spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
}

/** The BLAS compiler/linker flags, or null when no CBLAS header can be found. */
function blasFlags() {
  if (process.env.VIREL_BLAS_LIBS !== undefined) {
    return { cflags: process.env.VIREL_BLAS_CFLAGS ?? "", libs: process.env.VIREL_BLAS_LIBS, via: "VIREL_BLAS_* env" };
  }
  if (process.platform === "darwin") return { cflags: "", libs: "", via: "Accelerate" };
  const pc = run("pkg-config", ["--cflags", "--libs", "openblas"]);
  if (pc.status === 0) {
    const cf = run("pkg-config", ["--cflags", "openblas"]).stdout.trim();
    const lf = run("pkg-config", ["--libs", "openblas"]).stdout.trim();
    const incs = cf
      .split(/\s+/)
      .filter((f) => f.startsWith("-I"))
      .map((f) => f.slice(2));
    const hasHeader =
      incs.length === 0
        ? ["/usr/include", "/usr/local/include"].some((d) => existsSync(join(d, "cblas.h")))
        : incs.some((d) => existsSync(join(d, "cblas.h")));
    if (hasHeader) return { cflags: cf, libs: lf, via: "pkg-config openblas" };
  }
  // No pkg-config: look for cblas.h in the usual places (multiarch included) and link -lopenblas.
  const multiarch = run("gcc", ["-print-multiarch"]).stdout?.trim() ?? "";
  const dirs = ["/usr/include", "/usr/local/include", "/usr/include/openblas", "/opt/homebrew/opt/openblas/include"];
  if (multiarch) dirs.push(join("/usr/include", multiarch));
  for (const d of dirs) {
    if (existsSync(join(d, "cblas.h"))) return { cflags: `-I${d}`, libs: "-lopenblas", via: `cblas.h in ${d}` };
  }
  return null;
}

/** Path to node-gyp's CLI: npm's own (npm_config_node_gyp during npm scripts), else the copy bundled with npm. */
function nodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  const require = createRequire(import.meta.url);
  for (const id of ["node-gyp/bin/node-gyp.js", "npm/node_modules/node-gyp/bin/node-gyp.js"]) {
    try {
      candidates.push(require.resolve(id));
    } catch {
      /* not installed there */
    }
  }
  const npmExec = process.env.npm_execpath;
  if (npmExec) candidates.push(join(dirname(dirname(npmExec)), "node_modules", "node-gyp", "bin", "node-gyp.js"));
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** A --nodedir holding this Node's headers, so node-gyp needs no download (there may be no network). */
function nodeDir() {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : null;
}

function writeLog(text) {
  try {
    writeFileSync(logPath + ".tmp", text);
    renameSync(logPath + ".tmp", logPath);
  } catch {
    /* the log is a convenience */
  }
}

function main() {
  if (process.env.VIREL_NATIVE === "0") {
    say("native BLAS kernels not built (VIREL_NATIVE=0); the pure wasm path will be used");
    process.exit(0);
  }
  if (!existsSync(join(nativeDir, "binding.gyp"))) skip("native/binding.gyp is missing from this install");
  const flags = blasFlags();
  if (!flags) skip("no cblas.h found");
  const gyp = nodeGyp();
  if (!gyp)
    skip(
      "node-gyp not found; it ships with npm",
      "run the install through npm, or `npm install -g node-gyp`, then `node scripts/build-native.mjs`",
    );
  const args = [gyp, "rebuild", `--directory=${nativeDir}`, "--release"];
  const nd = nodeDir();
  if (nd) args.push(`--nodedir=${nd}`);
  const build = run(process.execPath, args, { VIREL_BLAS_CFLAGS: flags.cflags, VIREL_BLAS_LIBS: flags.libs });
  writeLog(
    `$ node ${args.join(" ")}\n# VIREL_BLAS_CFLAGS=${flags.cflags} VIREL_BLAS_LIBS=${flags.libs}\n${build.stdout ?? ""}\n${build.stderr ?? ""}\n${build.error ?? ""}`,
  );
  if (build.status !== 0) {
    const log = `${build.stdout ?? ""}\n${build.stderr ?? ""}`;
    const toolsMissing =
      /find Python|Error 127|not found|No such file or directory.*(cc|make|g\+\+)|ENOENT/.test(log) &&
      !/cblas\.h/.test(log);
    skip(`the native build failed, see ${logPath}`, toolsMissing ? TOOLS_FIX : FIX);
  }
  const out = join(nativeDir, "build", "Release");
  const addon = existsSync(out) ? readdirSync(out).find((f) => f === "virel_blas.node") : undefined;
  if (!addon) skip(`the build produced no native/build/Release/virel_blas.node, see ${logPath}`);
  // Load it once in a child process: a missing runtime library shows up here, not in the user's first matmul.
  const probe = run(process.execPath, [
    "-e",
    `console.log(require(${JSON.stringify(join(out, addon))}).info().library)`,
  ]);
  if (probe.status !== 0) {
    const why = (probe.stderr || "").split("\n").find((l) => l.trim().length > 0) ?? "unknown error";
    skip(`the built addon does not load: ${why.trim()}`);
  }
  say(`native BLAS kernels built (${probe.stdout.trim()}; flags from ${flags.via})`);
}

try {
  main();
} catch (err) {
  skip(`unexpected error: ${String(err?.message ?? err).split("\n")[0]}`);
}
