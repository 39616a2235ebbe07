/**
 * Message security of the virel-ts kernel: a validly signed message sent twice runs once (ipykernel's
 * "Duplicate Signature" check), a forged signature is dropped, and an empty key makes the kernel warn loudly.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as zmq from "zeromq";
import { KernelClient } from "../../../src/jupyter/client";
import {
  createMessage,
  DigestHistory,
  encodeMessage,
  endpoint,
  parentId,
  type JupyterMessage,
} from "../../../src/jupyter/protocol/wire";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("DigestHistory", () => {
  it("accepts a signature once, and drops the oldest tenth when full", () => {
    const h = new DigestHistory(10);
    assert.equal(h.accept("a"), true);
    assert.equal(h.accept("a"), false);
    for (let i = 0; i < 9; i++) assert.equal(h.accept(`s${i}`), true);
    assert.equal(h.size, 10);
    assert.equal(h.accept("new"), true, 'full: the oldest ("a") is dropped to make room');
    assert.equal(h.size, 10);
    assert.equal(h.accept("a"), true, '"a" was the oldest entry, so it was culled');
    assert.equal(h.accept("s8"), false, "recent entries are kept");
    assert.throws(() => new DigestHistory(3), /maxSize must be an integer >= 10, got 3/);
  });
});

describe("virel-ts kernel: replayed and forged messages", () => {
  let k: KernelClient;
  let dealer: zmq.Dealer;
  const inputs: JupyterMessage[] = [];
  before(async () => {
    k = await KernelClient.start({ env: { ...process.env, VIREL_KERNEL_NO_WARMUP: "1" } });
    k.onIopub((m) => {
      if (m.header.msg_type === "execute_input") inputs.push(m);
    });
    dealer = new zmq.Dealer({ routingId: "replayer" });
    dealer.connect(endpoint(k.conn, "shell"));
  });
  after(async () => {
    dealer.linger = 0;
    dealer.close();
    assert.equal(await k.shutdown(), 0);
  });

  it("runs a validly signed message sent twice only once", async () => {
    await k.execute("let replayCount = 0;");
    const msg = createMessage(
      "execute_request",
      {
        code: "replayCount++;",
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
      },
      { session: k.session },
    );
    const frames = encodeMessage(msg, k.conn.key, false);
    await dealer.send(frames);
    await dealer.send(frames); // the same bytes, same signature: a replay
    const deadline = Date.now() + 20_000;
    while (inputs.filter((m) => parentId(m) === msg.header.msg_id).length < 1 && Date.now() < deadline) await sleep(20);
    const after = await k.execute("replayCount");
    assert.equal(
      inputs.filter((m) => parentId(m) === msg.header.msg_id).length,
      1,
      "one execute_input for the replayed request",
    );
    const result = after.outputs.find((o) => o.header.msg_type === "execute_result")!;
    assert.equal((result.content.data as Record<string, string>)["text/plain"], "1", "replayCount++ ran once");
    assert.match(k.stderr, /dropped a replayed execute_request \(duplicate signature/);
  });

  it("drops a message signed with another key", async () => {
    const msg = createMessage(
      "execute_request",
      {
        code: "replayCount += 100;",
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
      },
      { session: k.session },
    );
    await dealer.send(encodeMessage(msg, "not-the-key", false));
    await sleep(300);
    const r = await k.execute("replayCount");
    const result = r.outputs.find((o) => o.header.msg_type === "execute_result")!;
    assert.equal((result.content.data as Record<string, string>)["text/plain"], "1");
    assert.match(k.stderr, /dropped a message: message has an invalid signature/);
  });
});

describe("virel-ts kernel: empty key", () => {
  it("warns loudly on its stderr that signing is off, and still runs cells", async () => {
    const k = await KernelClient.start({ key: "", env: { ...process.env, VIREL_KERNEL_NO_WARMUP: "1" } });
    try {
      const r = await k.execute("1 + 1");
      assert.equal(r.reply.content.status, "ok");
      assert.match(
        k.stderr,
        /WARNING: the connection file's key is empty: message signing and the replay check are OFF/,
      );
    } finally {
      await k.shutdown();
    }
  });
  it("does not warn with a key", async () => {
    const k = await KernelClient.start({ env: { ...process.env, VIREL_KERNEL_NO_WARMUP: "1" } });
    try {
      await k.execute("1");
      assert.doesNotMatch(k.stderr, /WARNING/);
    } finally {
      await k.shutdown();
    }
  });
});
