// The layering of src/: no import cycle, type-only imports, re-exports and `import("…")` type queries included
// (the check madge --circular does, written with TypeScript's own import scanner); and the agents' algorithms
// told apart by the algorithm table, not by `algo ===` branches.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";

const ROOT = path.join(__dirname, "..", "..", "..");

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** The relative imports of every .ts file under dir (static, type-only, re-exports, dynamic and type queries). */
export function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of tsFiles(dir)) {
    const info = ts.preProcessFile(fs.readFileSync(f, "utf8"), true, true);
    const deps: string[] = [];
    for (const r of info.importedFiles) {
      if (!r.fileName.startsWith(".")) continue;
      const t = path.resolve(path.dirname(f), r.fileName.replace(/\.js$/, ""));
      const hit = [`${t}.ts`, path.join(t, "index.ts")].find((c) => fs.existsSync(c));
      if (hit !== undefined) deps.push(hit);
    }
    graph.set(f, deps);
  }
  return graph;
}

/** The strongly connected components with more than one file (or a self-import): the import cycles (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(comp);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test("the cycle check finds a type-only cycle and a type-query cycle (it can fail)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virel-cycles-"));
  try {
    fs.writeFileSync(path.join(dir, "a.ts"), 'import type { B } from "./b";\nexport interface A { b?: B }\n');
    fs.writeFileSync(path.join(dir, "b.ts"), 'export type B = (typeof import("./a"))["x"];\n');
    fs.writeFileSync(path.join(dir, "c.ts"), 'import { A } from "./a";\nexport const c: A = {};\n');
    const found = cycles(importGraph(dir)).map((c) => c.map((f) => path.basename(f)).sort());
    assert.deepEqual(found, [["a.ts", "b.ts"]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("src/ has no import cycle, type-only imports included", () => {
  const found = cycles(importGraph(path.join(ROOT, "src")));
  assert.deepEqual(
    found.map((c) => c.map((f) => path.relative(ROOT, f))),
    [],
  );
});

test("src/agents compares algorithm names at most twice (the algorithm table holds the differences)", () => {
  const hits: string[] = [];
  for (const f of tsFiles(path.join(ROOT, "src", "agents"))) {
    fs.readFileSync(f, "utf8")
      .split("\n")
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, "");
        const name = `["'](?:virel1|virel2|sac-v1|sac)["']`;
        const n = (
          code.match(
            new RegExp(`\\balgo\\s*[!=]==?\\s*${name}|${name}\\s*[!=]==?\\s*[\\w.?]*\\balgo\\b|case\\s+${name}`, "g"),
          ) ?? []
        ).length;
        for (let k = 0; k < n; k++) hits.push(`${path.relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.ok(hits.length <= 2, `${hits.length} algo comparisons:\n${hits.join("\n")}`);
});
