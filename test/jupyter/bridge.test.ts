/**
 * The stdio bridge the VS Code notebook controller talks to (src/jupyter/stdio-bridge.ts): JSON lines in, the
 * kernel's outputs out — streams, displays and in-place updates, errors at the cell's own lines, interrupt,
 * restart (state cleared) and a kernel that dies (reported, then a fresh kernel on the next run).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseRequest } from "../../src/jupyter/stdio-bridge";

interface Ev {
  event: string;
  id?: string;
  msgType?: string;
  content?: Record<string, unknown>;
  status?: string;
  executionCount?: number | null;
  exitCode?: number | null;
  signal?: string | null;
  pid?: number;
  message?: string;
}

describe("stdio bridge request parsing", () => {
  it("names the bad field and value", () => {
    assert.deepEqual(parseRequest('{"op":"execute","id":"a","code":"1"}'), { op: "execute", id: "a", code: "1" });
    assert.throws(() => parseRequest('{"op":"execute","id":"","code":"1"}'), /id must be a non-empty string, got ""/);
    assert.throws(() => parseRequest('{"op":"execute","id":"a","code":3}'), /code must be a string, got 3/);
    assert.throws(() => parseRequest('{"op":"run"}'), /op must be execute, interrupt, restart or shutdown, got "run"/);
  });
});

describe("stdio bridge over a real kernel", () => {
  let child: ChildProcessWithoutNullStreams;
  let cwd: string;
  const events: Ev[] = [];
  const waiters: Array<() => void> = [];
  let seq = 0;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), "virel-bridge-test-"));
    child = spawn(process.execPath, [join(__dirname, "..", "..", "src", "jupyter", "stdio-bridge.js")], {
      cwd,
      env: { ...process.env, VIREL_KERNEL_NO_WARMUP: "1" },
    });
    createInterface({ input: child.stdout }).on("line", (l) => {
      events.push(JSON.parse(l) as Ev);
      for (const w of waiters.splice(0)) w();
    });
  });
  after(() => {
    child.stdin.end(JSON.stringify({ op: "shutdown" }) + "\n");
    rmSync(cwd, { recursive: true, force: true });
  });
  async function until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events.slice(-5))}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
  async function run(code: string): Promise<{ outputs: Ev[]; done: Ev }> {
    const id = `t${++seq}`;
    child.stdin.write(JSON.stringify({ op: "execute", id, code }) + "\n");
    await until(() => events.some((e) => e.id === id && e.event === "done"), `done of ${id}`);
    return {
      outputs: events.filter((e) => e.id === id && e.event === "output"),
      done: events.find((e) => e.id === id && e.event === "done")!,
    };
  }

  it("starts a kernel and runs cells with increasing execution counts", async () => {
    const a = await run('console.log("hello"); 6 * 7');
    assert.ok(
      events.some((e) => e.event === "ready"),
      "ready event",
    );
    assert.equal(a.done.status, "ok");
    assert.deepEqual(
      a.outputs.map((o) => o.msgType),
      ["stream", "execute_result"],
    );
    assert.equal(a.outputs[0]!.content!.text, "hello\n");
    assert.equal((a.outputs[1]!.content!.data as Record<string, string>)["text/plain"], "42");
    const b = await run("let kept = 5;");
    assert.equal(b.done.executionCount, a.done.executionCount! + 1);
  });

  it("relays a live display and its updates in place (same display_id)", async () => {
    const r = await run(
      "const h = display.text('step 0');\nfor (let i = 1; i <= 3; i++) h.update({ 'text/plain': `step ${i}` });",
    );
    assert.equal(r.done.status, "ok");
    assert.deepEqual(
      r.outputs.map((o) => o.msgType),
      ["display_data", "update_display_data", "update_display_data", "update_display_data"],
    );
    const ids = new Set(r.outputs.map((o) => (o.content!.transient as Record<string, string>).display_id));
    assert.equal(ids.size, 1, "every update names the first output's display_id");
    assert.equal((r.outputs[3]!.content!.data as Record<string, string>)["text/plain"], "step 3");
  });

  it("reports a run-time error with the cell's own line", async () => {
    const r = await run("const a = 1;\nconst b = 2;\nthrow new Error('on line three');");
    assert.equal(r.done.status, "error");
    const err = r.outputs.find((o) => o.msgType === "error")!;
    assert.equal(err.content!.evalue, "on line three");
    assert.match((err.content!.traceback as string[]).join("\n"), /In\[\d+\]:3:7/);
  });

  it("interrupts a running cell and keeps the state", async () => {
    const id = `t${++seq}`;
    child.stdin.write(
      JSON.stringify({ op: "execute", id, code: "kept = 6;\nawait new Promise((r) => setTimeout(r, 60000));" }) + "\n",
    );
    // execute_input is not relayed; give the kernel time to enter the await before interrupting.
    await new Promise((r) => setTimeout(r, 1500));
    child.stdin.write(JSON.stringify({ op: "interrupt" }) + "\n");
    await until(() => events.some((e) => e.id === id && e.event === "done"), "interrupted cell");
    const err = events.find((e) => e.id === id && e.msgType === "error")!;
    assert.equal(err.content!.ename, "InterruptError");
    const v = await run("kept");
    assert.equal((v.outputs[0]!.content!.data as Record<string, string>)["text/plain"], "6");
  });

  it("restarts: a fresh kernel without the old variables", async () => {
    const readyBefore = events.filter((e) => e.event === "ready").length;
    child.stdin.write(JSON.stringify({ op: "restart" }) + "\n");
    await until(() => events.filter((e) => e.event === "ready").length > readyBefore, "ready after restart");
    const r = await run("kept");
    assert.equal(r.done.status, "error");
    assert.match(String(r.outputs.find((o) => o.msgType === "error")!.content!.evalue), /Cannot find name 'kept'/);
    assert.equal(r.done.executionCount, 1, "execution counts start again at 1");
  });

  it("says when the kernel dies, and starts a new one on the next run", async () => {
    const ready = events.filter((e) => e.event === "ready");
    const pid = ready[ready.length - 1]!.pid!;
    const died = events.filter((e) => e.event === "died").length;
    process.kill(pid, "SIGKILL");
    await until(() => events.filter((e) => e.event === "died").length > died, "died event");
    const ev = events.filter((e) => e.event === "died").at(-1)!;
    assert.equal(ev.signal, "SIGKILL");
    const r = await run("1 + 1");
    assert.equal(r.done.status, "ok");
    assert.equal((r.outputs[0]!.content!.data as Record<string, string>)["text/plain"], "2");
  });
});
