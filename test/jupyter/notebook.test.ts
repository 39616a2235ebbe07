/** The wire protocol, nbformat output collection, the Markdown/HTML renderers and the kernelspec installer. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMessage, decodeMessage, encodeMessage, DELIMITER, sign } from "../../src/jupyter/protocol/wire";
import { OutputCollector, parseNotebook, splitLines } from "../../src/jupyter/nbformat";
import { renderMarkdown } from "../../src/jupyter/markdown";
import { notebookToHtml } from "../../src/jupyter/html";
import { installKernelSpec, kernelsDir, uninstallKernelSpec, userDataDir } from "../../src/jupyter/kernelspec";
import { isComplete } from "../../src/jupyter/kernel/is-complete";
import { cpToUtf16, utf16ToCp } from "../../src/jupyter/kernel/server";

describe("wire protocol", () => {
  it("signs header|parent|metadata|content with HMAC-SHA256 and round-trips", () => {
    const msg = createMessage("execute_request", { code: "1" }, { session: "S" });
    msg.identities = [Buffer.from("peer")];
    const frames = encodeMessage(msg, "secret");
    assert.ok(frames[1]!.equals(DELIMITER));
    const expected = createHmac("sha256", "secret");
    for (const f of frames.slice(3, 7)) expected.update(f);
    assert.equal(frames[2]!.toString(), expected.digest("hex"));
    const back = decodeMessage(frames, "secret");
    assert.deepEqual(back.content, { code: "1" });
    assert.deepEqual(back.identities.map(String), ["peer"]);
    assert.equal(sign("", ["x"]), "", "an empty key means no signature");
  });

  it("rejects a tampered message", () => {
    const frames = encodeMessage(createMessage("x", { a: 1 }, { session: "S" }), "k", false);
    frames[5] = Buffer.from('{"a":2}');
    assert.throws(() => decodeMessage(frames, "k"), /invalid signature/);
  });
});

describe("nbformat", () => {
  it("collects outputs like a frontend: merged streams, clear_output(wait), display updates across cells", () => {
    const displays = new Map();
    const a = new OutputCollector(displays);
    const m = (t: string, content: Record<string, unknown>) => ({
      ...createMessage(t, content as never, { session: "s" }),
    });
    a.add(m("stream", { name: "stdout", text: "a" }));
    a.add(m("stream", { name: "stdout", text: "b\n" }));
    a.add(m("display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d" } }));
    const b = new OutputCollector(displays);
    b.add(m("update_display_data", { data: { "text/plain": "v2" }, metadata: {}, transient: { display_id: "d" } }));
    assert.deepEqual(a.outputs, [
      { output_type: "stream", name: "stdout", text: "ab\n" },
      { output_type: "display_data", data: { "text/plain": "v2" }, metadata: {} },
    ]);
    b.add(m("stream", { name: "stderr", text: "x" }));
    b.add(m("clear_output", { wait: true }));
    assert.equal(b.outputs.length, 1, "wait: cleared only when the next output comes");
    b.add(m("execute_result", { execution_count: 3, data: { "text/plain": "3" }, metadata: {} }));
    assert.deepEqual(b.outputs, [
      { output_type: "execute_result", execution_count: 3, data: { "text/plain": "3" }, metadata: {} },
    ]);
  });

  it("parses nbformat 4 and names the bad field", () => {
    const nb = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ cell_type: "code", metadata: {}, source: ["a\n", "b"] }],
      }),
    );
    assert.equal(nb.cells[0]!.cell_type, "code");
    assert.equal(typeof nb.cells[0]!.id, "string", "4.5 cells get an id");
    assert.throws(
      () => parseNotebook(JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, cells: [] })),
      /not an nbformat-4 notebook: nbformat/,
    );
    assert.deepEqual(splitLines("a\nb\n\nc"), ["a\n", "b\n", "\n", "c"]);
  });
});

describe("HTML rendering", () => {
  it("renders Markdown: headings, emphasis, code, lists, tables, math kept verbatim, no raw script", () => {
    const html = renderMarkdown(
      "# Title\nSome *it* and **bold** with `x<y` and $\\beta_1$.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>",
    );
    assert.match(html, /<h1 id="title">Title<\/h1>/);
    assert.match(html, /<em>it<\/em> and <strong>bold<\/strong> with <code>x&lt;y<\/code>/);
    assert.match(html, /<span class="math">\$\\beta_1\$<\/span>/);
    assert.match(html, /<ul><li>one<\/li><li>two<\/li><\/ul>/);
    assert.match(html, /<td>1<\/td><td>2<\/td>/);
    assert.ok(!html.includes("<script>"));
  });

  it("draws plotly outputs from their JSON with plotly.js included once", () => {
    const plot = {
      output_type: "display_data",
      data: { "application/vnd.plotly.v1+json": { data: [{ y: [1] }], layout: {} }, "text/plain": "p" },
      metadata: {},
    };
    const nb = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 4,
        metadata: {},
        cells: [
          { cell_type: "code", metadata: {}, source: "a", execution_count: 1, outputs: [plot, plot] },
          {
            cell_type: "code",
            metadata: {},
            source: "b",
            execution_count: 2,
            outputs: [{ output_type: "error", ename: "E", evalue: "v", traceback: ["\x1b[31mE\x1b[0m: v"] }],
          },
        ],
      }),
    );
    const html = notebookToHtml(nb);
    assert.equal(html.split("window.Plotly = Plotly").length - 1, 1);
    assert.equal((html.match(/class="virel-plot"/g) ?? []).length, 2);
    assert.match(html, /<pre class="error">E: v<\/pre>/);
  });
});

describe("kernelspec install without Python", () => {
  it("writes kernel.json with absolute node and launcher paths plus logos, atomically, and uninstalls", () => {
    const prefix = mkdtempSync(join(tmpdir(), "virel-ks-"));
    try {
      const dir = installKernelSpec({ prefix });
      assert.equal(dir, join(prefix, "share", "jupyter", "kernels", "virel-ts"));
      const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
      assert.equal(spec.display_name, "VIREL (TypeScript)");
      assert.equal(spec.language, "typescript");
      assert.equal(spec.interrupt_mode, "signal");
      assert.equal(spec.argv[0], process.execPath);
      assert.ok(
        spec.argv[1].endsWith(join("dist", "src", "jupyter", "kernel", "launcher.js")) && existsSync(spec.argv[1]),
      );
      assert.deepEqual(spec.argv.slice(2), ["--connection-file", "{connection_file}"]);
      assert.deepEqual(readdirSync(dir).sort(), ["kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]);
      const png = readFileSync(join(dir, "logo-64x64.png"));
      assert.equal(png.readUInt32BE(16), 64, "64×64 PNG");
      installKernelSpec({ prefix }); // reinstall over an existing one
      assert.deepEqual(readdirSync(join(prefix, "share", "jupyter", "kernels")), ["virel-ts"], "no temp folders left");
      assert.equal(uninstallKernelSpec({ prefix }), dir);
      assert.equal(existsSync(dir), false);
      assert.equal(uninstallKernelSpec({ prefix }), null);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("knows Jupyter's directories", () => {
    assert.equal(userDataDir({ JUPYTER_DATA_DIR: "/x/data" }), "/x/data");
    assert.equal(userDataDir({ XDG_DATA_HOME: "/x/share" }, "linux"), "/x/share/jupyter");
    assert.equal(kernelsDir({ sysPrefix: true }, { VIRTUAL_ENV: "/venv" }), "/venv/share/jupyter/kernels");
    assert.throws(
      () => kernelsDir({ sysPrefix: true }, {}),
      /--sys-prefix needs an active conda environment or virtualenv/,
    );
    assert.throws(() => kernelsDir({ user: true, prefix: "/p" }), /choose one of --user, --prefix DIR, --sys-prefix/);
  });
});

describe("is_complete and cursor units", () => {
  it("classifies code by the TypeScript parser's syntactic diagnostics", () => {
    assert.deepEqual(isComplete("const a = 1"), { status: "complete" });
    assert.deepEqual(isComplete("if (a) {\n  f(1,"), { status: "incomplete", indent: "    " });
    assert.equal(isComplete("/* comment").status, "incomplete");
    assert.equal(isComplete("`template ${1}").status, "incomplete");
    assert.equal(isComplete("'unterminated").status, "invalid");
    assert.equal(isComplete("a b c").status, "invalid");
  });

  it("converts Jupyter's code-point cursor to UTF-16 and back", () => {
    const s = "𝒪 = 1; x";
    assert.equal(cpToUtf16(s, 8), 9);
    assert.equal(utf16ToCp(s, 9), 8);
  });
});
