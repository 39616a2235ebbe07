// Reading a training child's output (virel sweep, virel experiment run): JSON lines split across chunks anywhere,
// other lines skipped, a bounded stderr tail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { onJsonLines, stderrTail } from "../../src/runs/train-child";
import type { TrainChildMessage } from "../../src/runs/train-child";

test("onJsonLines: messages split across chunks arrive whole, in order; non-JSON and non-object lines are skipped", async () => {
  const s = new PassThrough();
  const got: TrainChildMessage[] = [];
  onJsonLines(s, (m) => got.push(m));
  const text =
    '{"progress":{"step":1000,"target":3000,"stepsPerSec":95.5,"lastEval":null}}\n' +
    "warning: not json\n[1,2]\nnull\n" +
    '{"progress":{"step":2000,"target":3000,"stepsPerSec":96,"lastEval":-150.25}}\n' +
    '{"summary":{"steps":3000}}\n{"unterminated":';
  for (let i = 0; i < text.length; i += 7) s.write(text.slice(i, i + 7)); // cuts inside keys, numbers, UTF-8-free text
  s.end();
  await new Promise((r) => s.on("end", r));
  assert.equal(got.length, 3);
  assert.equal(got[0]!.progress!.step, 1000);
  assert.equal(got[1]!.progress!.lastEval, -150.25);
  assert.deepEqual(got[2]!.summary, { steps: 3000 });
});

test("stderrTail keeps the last characters and gives the last lines joined", async () => {
  const s = new PassThrough();
  const tail = stderrTail(s, 30);
  s.write("line one\nline two\n");
  s.write("line three\nline four is longer\n");
  s.end();
  await new Promise((r) => s.on("end", r));
  assert.equal(tail(), "ine three | line four is longer"); // the 30-character window cut into "line three"
  assert.equal(tail(1), "line four is longer");
});
