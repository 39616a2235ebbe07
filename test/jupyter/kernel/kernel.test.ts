/**
 * Drives the real virel-ts kernel over ZeroMQ with our TypeScript Jupyter client: execute, execute_result,
 * errors (run-time and type errors), display / update_display, interrupts (async and synchronous loops) with the
 * state kept, completion, inspection, is_complete, aborts, shutdown.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient, type ExecuteResult } from "../../../src/jupyter/client";
import type { JupyterMessage } from "../../../src/jupyter/protocol/wire";

function types(r: ExecuteResult): string[] {
  return r.outputs.map((o) => o.header.msg_type);
}
function plain(m: JupyterMessage): string {
  return String((m.content.data as Record<string, unknown>)["text/plain"]);
}
function streamText(r: ExecuteResult): string {
  return r.outputs
    .filter((o) => o.header.msg_type === "stream")
    .map((o) => String(o.content.text))
    .join("");
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("virel-ts kernel over ZeroMQ (cwd outside the repo: no node_modules)", () => {
  let k: KernelClient;
  let cwd: string;
  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), "virel-kernel-test-"));
    k = await KernelClient.start({ cwd });
  });
  after(async () => {
    const code = await k.shutdown();
    rmSync(cwd, { recursive: true, force: true });
    assert.equal(code, 0, "kernel exits cleanly after shutdown_request");
  });

  it("answers kernel_info with status ok and the TypeScript language", () => {
    assert.equal(k.kernelInfo.status, "ok");
    assert.equal(k.kernelInfo.implementation, "virel-ts");
    const li = k.kernelInfo.language_info as Record<string, unknown>;
    assert.equal(li.name, "typescript");
    assert.equal(li.file_extension, ".ts");
  });

  it("executes cells with execute_result for the last expression and increasing execution counts", async () => {
    const a = await k.execute("const answer: number = 6 * 7;\nanswer");
    assert.equal(a.reply.content.status, "ok");
    assert.deepEqual(types(a), ["execute_result"]);
    assert.equal(plain(a.outputs[0]!), "42");
    const b = await k.execute("answer + 1");
    assert.equal(b.executionCount, a.executionCount! + 1);
    assert.equal(b.outputs[0]!.content.execution_count, b.executionCount);
    assert.equal(plain(b.outputs[0]!), "43");
    const none = await k.execute("let unused = 1;");
    assert.deepEqual(types(none), [], "a declaration has no execute_result");
  });

  it('preloads virel and display, and `import * as virel from "virel"` is the same module', async () => {
    const r = await k.execute(
      'import * as v from "virel";\nimport * as d from "virel/display";\n[v === virel, d === display, typeof virel.Rng, typeof display.plot]',
    );
    assert.equal(r.reply.content.status, "ok", JSON.stringify(r.reply.content));
    assert.equal(plain(r.outputs[0]!), "[ true, true, 'function', 'function' ]");
    const t = await k.execute("const n: number = virel.version;");
    assert.equal(t.reply.content.status, "error", "virel is typed: version is a string");
    assert.match(String(t.reply.content.evalue), /not assignable to type 'number'/);
  });

  it("streams stdout and stderr, and Node's types are available", async () => {
    const r = await k.execute('console.log("out"); console.error("err"); setTimeout(() => {}, 0); 1');
    assert.equal(r.reply.content.status, "ok");
    const streams = r.outputs
      .filter((o) => o.header.msg_type === "stream")
      .map((o) => [o.content.name, o.content.text]);
    assert.deepEqual(streams, [
      ["stdout", "out\n"],
      ["stderr", "err\n"],
    ]);
  });

  it("reports a run-time error as ONE error message with ename/evalue/traceback, and keeps the state", async () => {
    await k.execute("let counter = 1;");
    const r = await k.execute('counter = 5;\nfunction boom(): never { throw new RangeError("bad range"); }\nboom();');
    assert.equal(r.reply.content.status, "error");
    assert.equal(r.reply.content.ename, "RangeError");
    assert.deepEqual(types(r), ["error"]);
    const e = r.outputs[0]!.content;
    assert.equal(e.ename, "RangeError");
    assert.equal(e.evalue, "bad range");
    assert.ok(Array.isArray(e.traceback) && e.traceback.length >= 2, "traceback has the message and frames");
    assert.ok(
      (e.traceback as string[]).some((l) => l.includes("boom")),
      "the cell's frame is in the traceback",
    );
    const after = await k.execute("[counter, typeof boom]");
    assert.equal(
      plain(after.outputs[0]!),
      "[ 5, 'function' ]",
      "assignments and declarations before the throw are kept",
    );
  });

  it("reports type errors as ONE TSError with the position and a caret line", async () => {
    const r = await k.execute('const s: string = 1;\nconst t: number = "x";');
    assert.equal(r.reply.content.status, "error");
    assert.deepEqual(types(r), ["error"]);
    const e = r.outputs[0]!.content;
    assert.equal(e.ename, "TSError");
    assert.match(
      String(e.evalue),
      /^1:7 - Type 'number' is not assignable to type 'string'\. \(TS2322\) \(and 1 more\)$/,
    );
    const tb = (e.traceback as string[]).join("\n");
    assert.match(tb, /2:7 - error TS2322/);
    assert.match(tb, /const t: number = "x";/);
  });

  it("does not abort a request sent right after an error reply; aborts requests already queued behind it", async () => {
    const bad = await k.execute('throw new Error("first")');
    assert.equal(bad.reply.content.status, "error");
    const next = await k.execute("2 + 2"); // sent immediately after the error reply
    assert.equal(next.reply.content.status, "ok");
    assert.equal(plain(next.outputs[0]!), "4");
    const e = k.startExecute('await new Promise((r) => setTimeout(r, 500)); throw new Error("queued")');
    const queued = k.startExecute("3 + 3");
    const [re, rq] = await Promise.all([e.done, queued.done]);
    assert.equal(re.reply.content.status, "error");
    assert.equal(rq.reply.content.status, "aborted");
  });

  it("sends display_data and update_display_data with the same display_id", async () => {
    const r = await k.execute('const h = display.text("first");\nh.update({ "text/plain": "second" });\nh');
    assert.equal(r.reply.content.status, "ok");
    assert.deepEqual(
      types(r),
      ["display_data", "update_display_data"],
      "a handle as last expression shows no execute_result",
    );
    const [d, u] = r.outputs as [JupyterMessage, JupyterMessage];
    const id = (d.content.transient as Record<string, unknown>).display_id;
    assert.equal(typeof id, "string");
    assert.equal((u.content.transient as Record<string, unknown>).display_id, id);
    assert.equal(plain(u), "second");
    // a later cell updates the earlier output
    const later = await k.execute('h.update({ "text/plain": "third" })');
    assert.deepEqual(types(later), ["update_display_data"]);
  });

  it("plots as ONE display_data carrying plotly JSON, HTML and text; live charts update in place", async () => {
    const r = await k.execute('display.lines([{ name: "y", y: [1, 2, 3] }], { title: "t" });');
    assert.deepEqual(types(r), ["display_data"]);
    const data = r.outputs[0]!.content.data as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
    assert.deepEqual((data["application/vnd.plotly.v1+json"] as { data: { y: number[] }[] }).data[0]!.y, [1, 2, 3]);
    const live = await k.execute(
      "const chart = display.live({ throttleMs: 0 });\nfor (let i = 0; i < 3; i++) chart.push({ loss: 1 / (i + 1) });",
    );
    assert.deepEqual(types(live), [
      "display_data",
      "update_display_data",
      "update_display_data",
      "update_display_data",
    ]);
    const last = live.outputs[3]!.content.data as Record<string, { data: { y: number[] }[] }>;
    assert.deepEqual(last["application/vnd.plotly.v1+json"]!.data[0]!.y, [1, 1 / 2, 1 / 3]);
  });

  it("interrupts a running async loop for real; its state and AbortSignal survive for the next cell", async () => {
    await k.execute("let steps = 0; let sig: AbortSignal | null = null;");
    const run = k.startExecute(
      "sig = display.interruptSignal();\nwhile (true) { steps++; await new Promise((r) => setTimeout(r, 2)); }",
    );
    let seen = 0;
    for (let i = 0; i < 200 && seen < 5; i++) {
      await sleep(20);
      const probe = await k.request("control", "kernel_info_request", {}); // the event loop stays free
      assert.equal(probe.content.status, "ok");
      seen++;
    }
    k.interrupt();
    const r = await run.done;
    assert.equal(r.reply.content.status, "error");
    assert.equal(r.reply.content.ename, "InterruptError");
    assert.deepEqual(types(r), ["error"]);
    const a = await k.execute("[steps > 0, sig!.aborted]");
    assert.equal(plain(a.outputs[0]!), "[ true, true ]");
    const b = await k.execute("const before = steps; await new Promise((r) => setTimeout(r, 150)); steps === before");
    assert.equal(plain(b.outputs[0]!), "true", "the interrupted loop no longer runs");
  });

  it("interrupts a synchronous infinite loop (vm breakOnSigint) and keeps running", async () => {
    const run = k.startExecute("let spins = 0;\nwhile (true) { spins++; }");
    await sleep(400);
    k.interrupt();
    const r = await run.done;
    assert.equal(r.reply.content.ename, "InterruptError");
    const a = await k.execute("answer");
    assert.equal(plain(a.outputs[0]!), "42");
  });

  it("completes and inspects with the cells' declarations in scope", async () => {
    await k.execute("const myLongVariable = { alpha: 1, beta: 2 };");
    const c = await k.request("shell", "complete_request", { code: "myLongVariable.al", cursor_pos: 17 });
    assert.equal(c.content.status, "ok");
    assert.deepEqual(c.content.matches, ["alpha"]);
    assert.equal(c.content.cursor_start, 15);
    assert.equal(c.content.cursor_end, 17);
    const g = await k.request("shell", "complete_request", { code: "myLongV", cursor_pos: 7 });
    assert.ok((g.content.matches as string[]).includes("myLongVariable"));
    const i = await k.request("shell", "inspect_request", { code: "myLongVariable", cursor_pos: 14, detail_level: 0 });
    assert.equal(i.content.found, true);
    assert.match(String((i.content.data as Record<string, unknown>)["text/plain"]), /alpha: number/);
    const none = await k.request("shell", "inspect_request", { code: "   ", cursor_pos: 1 });
    assert.equal(none.content.found, false);
  });

  it("answers is_complete with complete / incomplete (+indent) / invalid", async () => {
    const ask = async (code: string) => (await k.request("shell", "is_complete_request", { code })).content;
    assert.equal((await ask("let a = 1;")).status, "complete");
    assert.deepEqual(await ask("function f() {"), { status: "incomplete", indent: "  " });
    assert.equal((await ask("const s = `abc")).status, "incomplete");
    assert.equal((await ask("x = )")).status, "invalid");
    assert.equal((await ask("let 3 = 4;")).status, "invalid");
  });

  it("keeps history (tail) with execution counts", async () => {
    const h = await k.request("shell", "history_request", { output: false, raw: true, hist_access_type: "tail", n: 2 });
    const hist = h.content.history as [number, number, string][];
    assert.equal(hist.length, 2);
    assert.ok(hist[1]![1] > hist[0]![1]);
  });
});

describe('virel-ts kernel inside the repository (where "virel" is the package itself)', () => {
  it("resolves virel for the type-check and at run time from a folder of this repo", async () => {
    const root = join(__dirname, "..", "..", "..", "..");
    const k = await KernelClient.start({ cwd: join(root, "test") });
    try {
      const r = await k.execute('import { Rng } from "virel";\nconst rng = new Rng(1);\ntypeof rng.uniform');
      assert.equal(r.reply.content.status, "ok", JSON.stringify(r.reply.content));
      assert.equal(plain(r.outputs[0]!), "'function'");
      assert.equal(streamText(r), "");
    } finally {
      assert.equal(await k.shutdown(), 0);
    }
  });
});
