#!/usr/bin/env node
// Builds the tutorial and exercise notebooks (nbformat 4.5, no outputs) from their readable sources:
//
//   notebooks/src/NN-name.md             → notebooks/NN-name.ipynb
//   notebooks/src/exercises/name.md      → notebooks/exercises/name.ipynb            (the stubs)
//                                        → notebooks/exercises/solutions/name.ipynb  (the worked solutions)
//
// Source format: Markdown. Every ```ts fence is one code cell; the Markdown between code cells is one
// Markdown cell (a line holding only `+++` splits it into two). Other fences (```sh, ```text) stay Markdown.
// Inside exercise code cells, `// @stub` … `// @solution` … `// @end` give the stub body and the solution
// body of the same cell (the marker lines themselves are dropped).
//
//   node notebooks/build.mjs          write every notebook (atomically; unchanged files are left alone)
//   node notebooks/build.mjs --check  exit 1 if a committed notebook differs from its source
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Notebook metadata of our kernel (src/jupyter/kernel/kernelspec/kernel.json, src/jupyter/kernel/server.ts LANGUAGE_INFO). */
const METADATA = {
  kernelspec: { name: "virel-ts", display_name: "VIREL (TypeScript)", language: "typescript" },
  language_info: {
    name: "typescript",
    mimetype: "text/typescript",
    file_extension: ".ts",
    pygments_lexer: "typescript",
    codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
  },
};

/** Split a Markdown source into cells: [{ type: "markdown" | "code", text }]. */
export function parseSource(text, file) {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const cells = [];
  let md = [];
  const flushMd = () => {
    const t = md.join("\n").trim();
    if (t) cells.push({ type: "markdown", text: t });
    md = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "```ts") {
      flushMd();
      const code = [];
      i++;
      while (i < lines.length && lines[i].trim() !== "```") code.push(lines[i++]);
      if (i >= lines.length) throw new Error(`${file}: unclosed \`\`\`ts fence`);
      cells.push({ type: "code", text: code.join("\n").replace(/\s+$/, "") });
    } else if (line.trim() === "+++") {
      flushMd();
    } else if (/^```\S*/.test(line.trim())) {
      // another fence: copy it verbatim (it stays in the Markdown cell)
      md.push(line);
      i++;
      while (i < lines.length && lines[i].trim() !== "```") md.push(lines[i++]);
      if (i >= lines.length) throw new Error(`${file}: unclosed fence at line ${i}`);
      md.push(lines[i]);
    } else {
      md.push(line);
    }
  }
  flushMd();
  return cells;
}

/** Keep the stub part (`variant = "stub"`) or the solution part of `// @stub / @solution / @end` blocks. */
export function selectVariant(code, variant, file) {
  const out = [];
  let mode = null; // null | "stub" | "solution"
  for (const line of code.split("\n")) {
    const m = /^\s*\/\/ @(stub|solution|end)\s*$/.exec(line);
    if (m) {
      const tag = m[1];
      if (tag === "stub" && mode !== null) throw new Error(`${file}: @stub inside a block`);
      if (tag === "solution" && mode !== "stub") throw new Error(`${file}: @solution without @stub`);
      if (tag === "end" && mode !== "solution") throw new Error(`${file}: @end without @solution`);
      mode = tag === "end" ? null : tag;
      continue;
    }
    if (mode === null || mode === variant) out.push(line);
  }
  if (mode !== null) throw new Error(`${file}: unterminated @stub/@solution block`);
  return out.join("\n");
}

function splitLines(s) {
  return s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** nbformat-4.5 notebook without outputs; cell ids are stable (name + index + content hash). */
export function toNotebook(cells, name) {
  return {
    cells: cells.map((c, i) => {
      const id = `${name.replace(/[^A-Za-z0-9]/g, "").slice(0, 24)}-${String(i).padStart(2, "0")}-${createHash("sha1").update(c.text).digest("hex").slice(0, 6)}`;
      return c.type === "markdown"
        ? { cell_type: "markdown", id, metadata: {}, source: splitLines(c.text) }
        : { cell_type: "code", id, metadata: {}, execution_count: null, outputs: [], source: splitLines(c.text) };
    }),
    metadata: METADATA,
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** Every notebook this script produces: [{ out, notebook }]. */
export function buildAll(root = here) {
  const result = [];
  const srcDir = join(root, "src");
  for (const f of readdirSync(srcDir)
    .filter((f) => f.endsWith(".md"))
    .sort()) {
    const name = f.replace(/\.md$/, "");
    const cells = parseSource(readFileSync(join(srcDir, f), "utf8"), f);
    result.push({ out: join(root, `${name}.ipynb`), notebook: toNotebook(cells, name) });
  }
  const exDir = join(srcDir, "exercises");
  if (existsSync(exDir)) {
    for (const f of readdirSync(exDir)
      .filter((f) => f.endsWith(".md"))
      .sort()) {
      const name = f.replace(/\.md$/, "");
      const cells = parseSource(readFileSync(join(exDir, f), "utf8"), f);
      for (const variant of ["stub", "solution"]) {
        const vc = cells.map((c) => (c.type === "code" ? { ...c, text: selectVariant(c.text, variant, f) } : c));
        const out =
          variant === "stub"
            ? join(root, "exercises", `${name}.ipynb`)
            : join(root, "exercises", "solutions", `${name}.ipynb`);
        result.push({ out, notebook: toNotebook(vc, variant === "stub" ? name : `${name}-solution`) });
      }
    }
  }
  return result;
}

export function serialise(nb) {
  return JSON.stringify(nb, null, 1) + "\n";
}

function main() {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const { out, notebook } of buildAll()) {
    const text = serialise(notebook);
    const old = existsSync(out) ? readFileSync(out, "utf8") : null;
    if (old === text) continue;
    if (check) {
      console.error(`stale: ${relative(process.cwd(), out)} differs from its source (run node notebooks/build.mjs)`);
      stale++;
      continue;
    }
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, out);
    console.log(`wrote ${relative(process.cwd(), out)}`);
  }
  if (stale > 0) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
