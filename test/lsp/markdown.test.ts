/** JSDoc → Markdown (formulas survive) and declaration-map decoding (go-to-definition into sources). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docToMarkdown, escapeProse, jsdocToMarkdown, partsToMarkdown } from "../../src/lsp/markdown";
import { decodeMappings, decodeVlq, originalPosition } from "../../src/lsp/sourceMap";

describe("JSDoc to Markdown", () => {
  it("escapes what Markdown would eat, outside code spans only", () => {
    assert.equal(escapeProse("q*pi*r"), "q\\*pi\\*r");
    assert.equal(escapeProse("(xoshiro128**)"), "(xoshiro128\\*\\*)");
    assert.equal(escapeProse("a * b"), "a * b");
    assert.equal(escapeProse("**bold** stays"), "**bold** stays");
    assert.equal(escapeProse("if x<y then"), "if x&lt;y then");
    assert.equal(escapeProse("q_pi_targ"), "q\\_pi\\_targ");
    assert.equal(jsdocToMarkdown("code `2*x*y` and 2*x*y"), "code `2*x*y` and 2\\*x\\*y");
  });

  it("keeps the author's line breaks and fenced blocks", () => {
    assert.equal(jsdocToMarkdown("β = E[(T*Q̂ − Q̂)²]\nEq. 9"), "β = E[(T\\*Q̂ − Q̂)²]  \nEq. 9");
    assert.equal(jsdocToMarkdown("para\n\n```ts\nx*y\n```"), "para\n\n```ts\nx*y\n```");
  });

  it("renders {@link} as code and tags as a list", () => {
    const parts = [
      { kind: "text", text: "Restore a state produced by " },
      { kind: "link", text: "{@link " },
      { kind: "linkName", text: "Rng.getState" },
      { kind: "link", text: "}" },
      { kind: "text", text: "." },
    ];
    assert.equal(partsToMarkdown(parts), "Restore a state produced by `Rng.getState`.");
    const md = docToMarkdown(
      [{ kind: "text", text: "Uniform double." }],
      [
        {
          name: "param",
          text: [
            { kind: "parameterName", text: "low" },
            { kind: "space", text: " " },
            { kind: "text", text: "lower bound" },
          ],
        },
        { name: "returns", text: [{ kind: "text", text: "a number" }] },
      ],
    );
    assert.equal(md, "Uniform double.\n\n*@param* `low` — lower bound\n\n*@returns* — a number");
  });
});

describe("declaration maps", () => {
  it("decodes base64 VLQ fields", () => {
    assert.deepEqual(decodeVlq("AAAA"), [0, 0, 0, 0]);
    assert.deepEqual(decodeVlq("D"), [-1]);
    assert.deepEqual(decodeVlq("gB"), [16]);
    assert.deepEqual(decodeVlq("2H"), [123]);
    assert.deepEqual(decodeVlq("3H"), [-123]);
    assert.throws(() => decodeVlq("A!"), /invalid base64 VLQ digit "!"/);
  });

  it("accumulates fields across segments and lines", () => {
    // line 0: col 0 → src 0 (0, 0); col 4 → (0, 2); line 1: col 2 → (1, 2)
    const lines = decodeMappings("AAAA,IAAE;EACA");
    assert.deepEqual(lines, [
      [
        { genCol: 0, source: 0, line: 0, col: 0 },
        { genCol: 4, source: 0, line: 0, col: 2 },
      ],
      [{ genCol: 2, source: 0, line: 1, col: 2 }],
    ]);
  });

  it("maps a .d.ts position to the .ts source when the source exists", () => {
    const dir = mkdtempSync(join(tmpdir(), "virel-map-"));
    try {
      writeFileSync(join(dir, "a.ts"), "export class Foo {}\n");
      writeFileSync(join(dir, "a.d.ts"), "export declare class Foo {\n}\n");
      // `Foo` at d.ts col 21 ↔ a.ts col 13.
      writeFileSync(
        join(dir, "a.d.ts.map"),
        JSON.stringify({ version: 3, file: "a.d.ts", sources: ["a.ts"], mappings: "AAAA,qBAAa" }),
      );
      assert.deepEqual(originalPosition({ file: join(dir, "a.d.ts"), line: 0, character: 21 }), {
        file: join(dir, "a.ts"),
        line: 0,
        character: 13,
      });
      rmSync(join(dir, "a.ts"));
      assert.equal(originalPosition({ file: join(dir, "a.d.ts"), line: 0, character: 21 }), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
