/**
 * Source-mapped run-time errors: the VLQ decoder against maps TypeScript itself writes, and the kernel reporting
 * a throw at the cell's own TypeScript line and column (not the compiled JavaScript's), with the cell's line echoed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as ts from "typescript";
import { KernelClient } from "../../../src/jupyter/client";
import { decodeMappings, SourceMap } from "../../../src/jupyter/kernel/source-map";

describe("source map decoding", () => {
  it("decodes hand-computed VLQ segments", () => {
    // "AAAA" = [0,0,0,0]; "SAAS" = [9,0,0,9]; ";" = next line; "EAAC" = [2,0,0,1]; "gBAAgB" = [16,0,0,16]
    const lines = decodeMappings("AAAA,SAAS;EAAC,gBAAgB");
    assert.deepEqual(lines[0], [
      { genCol: 0, source: 0, line: 0, col: 0 },
      { genCol: 9, source: 0, line: 0, col: 9 },
    ]);
    assert.deepEqual(lines[1], [
      { genCol: 2, source: 0, line: 0, col: 10 },
      { genCol: 18, source: 0, line: 0, col: 26 },
    ]);
    assert.deepEqual(decodeMappings("AACA")[0], [{ genCol: 0, source: 0, line: 1, col: 0 }], "C = +1 source line");
    assert.deepEqual(decodeMappings("AAAD")[0], [{ genCol: 0, source: 0, line: 0, col: -1 }], "D = -1");
    assert.throws(() => decodeMappings("A!"), /invalid base64 VLQ digit "!"/);
  });

  it("maps every identifier of a TypeScript emit back to where it was written", () => {
    const src =
      "const a: number = 1;\ninterface P { x: number }\nfunction twice(p: P): number {\n  return p.x * 2;\n}\nconst answer = twice({ x: a });\n";
    const out = ts.transpileModule(src, {
      compilerOptions: { sourceMap: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS },
    });
    const map = new SourceMap(out.sourceMapText!);
    const js = out.outputText.split("\n");
    const srcLines = src.split("\n");
    let checked = 0;
    for (const name of ["twice", "answer", "return"]) {
      const jl = js.findIndex((l) => l.includes(name));
      const sl = srcLines.findIndex((l) => l.includes(name));
      const p = map.map(jl, js[jl]!.indexOf(name));
      assert.deepEqual(p, { line: sl, col: srcLines[sl]!.indexOf(name) }, name);
      checked++;
    }
    assert.equal(checked, 3);
    assert.throws(() => new SourceMap('{"version":2,"mappings":""}'), /version must be 3, got 2/);
  });
});

describe("virel-ts kernel: errors at the cell's own positions", () => {
  let k: KernelClient;
  before(async () => {
    k = await KernelClient.start({ env: { ...process.env, VIREL_KERNEL_NO_WARMUP: "1" } });
  });
  after(async () => {
    await k.shutdown();
  });

  it("a throw on line 4 of a typed cell reports In[N]:4:col and echoes the TypeScript line", async () => {
    // Type annotations, an interface and an enum make the compiled JavaScript's lines differ from the cell's.
    const code = [
      "interface Config { lr: number; steps: number }",
      "enum Mode { Fast, Slow }",
      "const cfg: Config = { lr: 0.1, steps: 3 };",
      "if (cfg.steps > 2) throw new RangeError(`too many steps: ${cfg.steps}`);",
    ].join("\n");
    const r = await k.execute(code);
    const err = r.outputs.find((o) => o.header.msg_type === "error")!;
    const tb = (err.content.traceback as string[]).map((l) => l.replace(/\x1b\[[0-9;]*m/g, ""));
    const col = code.split("\n")[3]!.indexOf("new RangeError") + 1;
    assert.ok(
      tb.some((l) => l.includes(`In[${r.executionCount}]:4:${col}`)),
      tb.join("\n"),
    );
    assert.equal(tb[1], `    ${code.split("\n")[3]}`, "the echoed source is the cell's TypeScript line");
    assert.equal(tb[2], `    ${" ".repeat(col - 1)}^`);
    assert.ok(!tb.some((l) => /var Mode|Mode\[Mode/.test(l)), "no compiled JavaScript in the traceback");
  });

  it("maps frames of a function declared in an earlier cell to that cell", async () => {
    const def = await k.execute(
      "// helper\n\nfunction check(x: number): number {\n  if (x < 0) throw new Error(`negative: ${x}`);\n  return x;\n}",
    );
    const use = await k.execute("const ok: number = check(1);\ncheck(-2);");
    const tb = (use.outputs.find((o) => o.header.msg_type === "error")!.content.traceback as string[])
      .join("\n")
      .replace(/\x1b\[[0-9;]*m/g, "");
    const col = "  if (x < 0) throw ".length + 1; // V8 points at `new Error`
    assert.match(tb, new RegExp(`check \\(In\\[${def.executionCount}\\]:4:${col}\\)`));
    assert.match(tb, new RegExp(`In\\[${use.executionCount}\\]:2:1`));
  });
});
