/** The virtual notebook file: layout, position maps both ways, hoisting, per-cell syntax errors. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MODULE_HEADER, NotebookSource } from "../../src/lsp/notebookSource";

const cells = [
  { uri: "c1", text: 'import * as path from "node:path";\nexport const a = 1;\n' },
  { uri: "c2", text: 'const a = "shadow";\nimport * as path from "node:path";\ndeclare const g: number;\n' },
  { uri: "c3", text: "let b = a + g;" },
];

describe("NotebookSource", () => {
  const src = new NotebookSource(cells);

  it("hoists imports once and declare statements, opens a block only where a cell declares a name again", () => {
    const expected =
      MODULE_HEADER +
      'import * as path from "node:path";\n' +
      "declare const g: number;\n" +
      "{\n" +
      "                                  \n       const a = 1;\n\n" +
      "{\n" +
      'const a = "shadow";\n                                  \n                        \n\n' +
      "let b = a + g;\n" +
      "}}\n";
    assert.equal(src.text, expected);
    assert.equal(src.depth, 2);
  });

  it("keeps distinct names in one block whatever the cell count, and knows which names only later cells declare", () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({
      uri: `c${i}`,
      text: `const v${i} = ${i};\nfunction f${i}() { return v${i}; }\n`,
    }));
    many.push({ uri: "again", text: "const v7 = 0;\n" });
    const big = new NotebookSource(many);
    assert.equal(big.depth, 2); // one block, one more for the cell that declares v7 again
    assert.equal(big.declaredOnlyLater("v10", 9), true);
    assert.equal(big.declaredOnlyLater("f10", 10), false);
    assert.equal(big.declaredOnlyLater("v7", 3000), false);
    assert.equal(big.declaredOnlyLater("Math", 0), false); // not a cell's name
  });

  it("maps every cell offset to the same character (or its blank) and back", () => {
    let blanked = 0;
    cells.forEach((c, i) => {
      for (let off = 0; off <= c.text.length; off++) {
        const v = src.toVirtual(i, off);
        assert.ok(v !== undefined, `cell ${i} offset ${off}`);
        assert.deepEqual(src.fromVirtual(v), { cell: i, offset: off });
        if (off === c.text.length || src.text[v] === c.text[off]) continue;
        assert.equal(src.text[v], " ", `cell ${i} offset ${off}`);
        blanked++;
      }
    });
    // Offsets in hoisted statements map to their hoisted copies (same characters); only the repeated import (not
    // hoisted twice) and the `export` keyword map to blanks.
    // (Spaces of the original count as equal.)
    assert.equal(blanked, 'import * as path from "node:path";'.replace(/ /g, "").length + "export".length);
  });

  it("maps positions inside a hoisted statement to the hoisted copy", () => {
    const off = cells[1]!.text.indexOf("declare") + 8;
    const v = src.toVirtual(1, off)!;
    assert.ok(v < src.text.indexOf("{\n"), "inside the hoisted block at the top");
    assert.equal(src.text.slice(v, v + 5), "const");
  });

  it("returns undefined for generated text and out-of-range offsets", () => {
    assert.equal(src.fromVirtual(0), undefined); // `export {};`
    assert.equal(src.fromVirtual(src.text.length - 2), undefined); // closing braces
    assert.equal(src.toVirtual(0, -1), undefined);
    assert.equal(src.toVirtual(0, cells[0]!.text.length + 1), undefined);
    assert.equal(src.toVirtual(3, 0), undefined);
  });

  it("clamps a span that runs past its cell to the cell's end", () => {
    const start = src.toVirtual(2, 4)!;
    assert.deepEqual(src.spanToCell(start, 1000), { cell: 2, start: 4, end: cells[2]!.text.length });
    assert.deepEqual(src.spanToCell(start, 1), { cell: 2, start: 4, end: 5 });
  });

  it("reports syntax errors per cell at cell offsets", () => {
    const broken = new NotebookSource([
      { uri: "ok", text: "const x = 1;\n" },
      { uri: "bad", text: "const y = (1 + ;\n" },
    ]);
    assert.deepEqual(broken.syntaxErrors[0], []);
    const errs = broken.syntaxErrors[1]!;
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.code, 1109); // Expression expected.
    assert.equal(errs[0]!.start, "const y = (1 + ".length);
  });

  it("accepts top-level await in a cell (the kernel runs cells as async modules)", () => {
    const s = new NotebookSource([
      { uri: "a", text: "const r = await Promise.resolve(1);\nfor await (const v of [r]) {}\n" },
    ]);
    assert.deepEqual(s.syntaxErrors[0], []);
  });
});
