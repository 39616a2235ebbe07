/**
 * The tslab adapter (src/jupyter/kernel/tslab.ts): the only file that reaches tslab's private `dist/` modules,
 * guarded by an exact version check; the calls it forwards behave as the kernel needs them to.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import {
  checkTslabVersion,
  createConverter,
  getCodeMetadata,
  isCompleteCode,
  TSLAB_VERSION,
} from "../../../src/jupyter/kernel/tslab";

const ROOT = join(__dirname, "..", "..", "..", "..");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(name)) out.push(p);
  }
  return out;
}

describe("tslab adapter", () => {
  it("accepts exactly the pinned tslab version, which is the one installed and declared", () => {
    assert.equal(TSLAB_VERSION, "1.0.22");
    const installed = JSON.parse(readFileSync(join(ROOT, "node_modules", "tslab", "package.json"), "utf8"));
    const declared = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).dependencies.tslab;
    assert.equal(installed.version, TSLAB_VERSION);
    assert.equal(declared, TSLAB_VERSION, "package.json pins tslab exactly");
    assert.doesNotThrow(() => checkTslabVersion("1.0.22"));
  });

  it("refuses any other version with an error naming the needed and the found version", () => {
    for (const v of ["1.0.21", "1.0.23", "1.1.0", "^1.0.22", undefined]) {
      assert.throws(
        () => checkTslabVersion(v),
        (e: Error) =>
          e.message.startsWith("tslab version:") &&
          e.message.includes("needs tslab 1.0.22 exactly") &&
          e.message.includes(`tslab ${JSON.stringify(v)} is installed`),
        String(v),
      );
    }
  });

  it("forwards to tslab's converter, metadata and is-complete helpers", () => {
    const conv = createConverter({ isJS: false, isBrowser: false });
    try {
      const ok = conv.convert("", "const x: number = 1 + 2;\nx * 2");
      assert.deepEqual(ok.diagnostics, []);
      assert.equal(ok.lastExpressionVar !== undefined, true, "the last expression is captured");
      const bad = conv.convert("", 'const y: number = "three";');
      assert.equal(bad.diagnostics.length, 1);
      assert.equal(bad.diagnostics[0]!.code, 2322, "TS2322: type 'string' is not assignable to type 'number'");
    } finally {
      conv.close();
    }
    assert.deepEqual(getCodeMetadata("/** @module mylib */\nexport const a = 1;"), { module: "mylib" });
    assert.deepEqual(getCodeMetadata("/** @browser */\nconst a = 1;"), { mode: "browser" });
    assert.deepEqual(getCodeMetadata("const a = 1;"), {});
    assert.equal(isCompleteCode("function f() {\n  if (x) {").indent, "    ");
  });

  it("is the only file that imports tslab's dist/ modules", () => {
    const offenders: string[] = [];
    for (const dir of ["src", "test", "bench", "scripts", "extension/src", "notebooks", "bin"]) {
      let files: string[];
      try {
        files = sources(join(ROOT, dir));
      } catch {
        continue;
      }
      for (const f of files) {
        const rel = relative(ROOT, f).split(sep).join("/");
        if (rel === "src/jupyter/kernel/tslab.ts" || rel === "test/jupyter/kernel/tslab.test.ts") continue;
        if (/(from|import\(|require\(|require\.resolve\()\s*["']tslab\/dist\//.test(readFileSync(f, "utf8")))
          offenders.push(rel);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
