// Checkpoint / resume: an interrupted and resumed run produces exactly the numbers of an uninterrupted one;
// corrupt or mismatched checkpoints are clear errors and are never overwritten; a non-finite loss stops the
// run and keeps the last good checkpoint.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as engine from "../../src/engine/backend";
import { trainRun, readMetrics, RUN_FILES } from "../../src/agents/run";
import { readCheckpoint, writeCheckpoint } from "../../src/agents/checkpoint";
import type { AgentConfigInput } from "../../src/agents/config";
import type { MetricRecord } from "../../src/agents/metrics";
import * as envs from "../../src/envs";
import type { Env } from "../../src/envs/types";

before(async () => {
  await engine.ready(process.env.VIREL_BACKEND ?? "auto");
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virel-ckpt-"));
const SMALL: Partial<AgentConfigInput> = {
  hidden: [16, 16],
  batchSize: 32,
  bufferSize: 5000,
  randomSteps: 100,
  evalEvery: 150,
  evalEpisodes: 1,
  logEvery: 50,
  checkpointEvery: 0,
};
const virelSmall = { ...SMALL, betaBatch: 128 };

/** Metrics without the wall-clock perf/* entries. */
function numbers(dir: string): MetricRecord[] {
  return readMetrics(dir).map(
    (r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("perf/"))) as MetricRecord,
  );
}

function arrays(dir: string): Map<string, Float32Array> {
  return readCheckpoint(path.join(dir, RUN_FILES.checkpoint)).arrays;
}

for (const algo of ["virel1", "virel2", "sac-v1", "sac"] as const) {
  test(`${algo}: stop mid-episode and resume = the uninterrupted run, number for number`, async () => {
    const config = algo.startsWith("virel") ? virelSmall : SMALL;
    const a = path.join(tmp, `${algo}-straight`);
    const b = path.join(tmp, `${algo}-resumed`);
    const ra = await trainRun({ out: a, algo, env: "Pendulum-v1", steps: 420, seed: 3, config });
    assert.equal(ra.step, 420);
    const r1 = await trainRun({ out: b, algo, env: "Pendulum-v1", steps: 230, seed: 3, config }); // mid-episode (200-step episodes)
    assert.equal(r1.step, 230);
    const r2 = await trainRun({ out: b, steps: 420 }); // resume: spec from config.json
    assert.equal(r2.resumed, true);
    assert.equal(r2.step, 420);
    const ma = numbers(a);
    assert.ok(ma.some((r) => r["losses/q1"] !== undefined) && ma.some((r) => r["eval/return_mean"] !== undefined));
    assert.deepEqual(numbers(b), ma);
    const xa = arrays(a);
    const xb = arrays(b);
    assert.deepEqual([...xb.keys()], [...xa.keys()]);
    for (const [k, v] of xa) assert.deepEqual(xb.get(k), v, `array ${k} differs`);
  });
}

test("an abort at an arbitrary step saves a checkpoint; resuming reaches the uninterrupted numbers", async () => {
  const a = path.join(tmp, "virel1-straight");
  const b = path.join(tmp, "virel1-aborted");
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 150);
  const r1 = await trainRun({
    out: b,
    algo: "virel1",
    env: "Pendulum-v1",
    steps: 420,
    seed: 3,
    config: virelSmall,
    signal: ac.signal,
  });
  assert.equal(r1.aborted, true);
  assert.ok(r1.step < 420);
  assert.ok(fs.existsSync(path.join(b, RUN_FILES.checkpoint)));
  assert.ok(!fs.existsSync(path.join(b, RUN_FILES.summary)));
  const r2 = await trainRun({ out: b, steps: 420 });
  assert.equal(r2.step, 420);
  assert.deepEqual(numbers(b), numbers(a));
});

test("a corrupt checkpoint is a clear error and is left untouched", async () => {
  const src = path.join(tmp, "sac-straight");
  const dir = path.join(tmp, "corrupt");
  fs.cpSync(src, dir, { recursive: true });
  const file = path.join(dir, RUN_FILES.checkpoint);
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 10] ^= 0xff; // flip bits in the data
  fs.writeFileSync(file, bytes);
  await assert.rejects(
    trainRun({ out: dir, steps: 500 }),
    /checkpoint .*corrupt \(sha256 of the header and data does not match the one stored\); it was left untouched/,
  );
  assert.deepEqual(fs.readFileSync(file), bytes);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100)); // truncated
  await assert.rejects(trainRun({ out: dir, steps: 500 }), /corrupt .*truncated/);
  fs.writeFileSync(file, "not a checkpoint");
  await assert.rejects(trainRun({ out: dir, steps: 500 }), /corrupt \(bad magic bytes/);
  assert.equal(fs.readFileSync(file, "utf8"), "not a checkpoint");
});

test("format 2 hashes the header: an edited header is corrupt; format 1 files (hash of the data only) are still read", () => {
  const file = path.join(tmp, "fmt.ckpt");
  const a = new Float32Array([1.5, -2, 3.25]);
  writeCheckpoint(file, { state: { envSteps: 300 } }, [["a", a]]);
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.toString("latin1", 0, 12), "VIRELCKPT02\n");
  const at = bytes.indexOf('"envSteps":300');
  const edited = Buffer.from(bytes);
  edited.write('"envSteps":200', at, "latin1");
  fs.writeFileSync(file, edited);
  assert.throws(() => readCheckpoint(file), /corrupt \(sha256 of the header and data does not match the one stored\)/);
  // a format-1 file built by hand: magic, header length, JSON header with the sha256 of the data, the data
  const data = Buffer.from(a.buffer);
  let header = JSON.stringify({
    format: 1,
    meta: { state: { envSteps: 300 } },
    arrays: [{ name: "a", offset: 0, length: 3 }],
    dataBytes: 12,
    sha256: createHash("sha256").update(data).digest("hex"),
  });
  while (header.length % 4 !== 0) header += " ";
  const prefix = Buffer.alloc(16);
  prefix.write("VIRELCKPT01\n", 0, "latin1");
  prefix.writeUInt32LE(header.length, 12);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header), data]));
  const r = readCheckpoint(file);
  assert.deepEqual(r.meta, { state: { envSteps: 300 } });
  assert.deepEqual(r.arrays.get("a"), a);
});

test("a mismatched checkpoint or spec is a clear error and is left untouched", async () => {
  const src = path.join(tmp, "sac-straight");
  const dir = path.join(tmp, "mismatch");
  fs.cpSync(src, dir, { recursive: true });
  await assert.rejects(
    trainRun({ out: dir, algo: "virel1", steps: 500 }),
    /--algo virel1 does not match the run in .* \(algo sac\)/,
  );
  await assert.rejects(trainRun({ out: dir, seed: 4, steps: 500 }), /--seed 4 does not match .*seed 3/);
  await assert.rejects(trainRun({ out: dir, config: { lr: 0.01 }, steps: 500 }), /config does not match/);
  const file = path.join(dir, RUN_FILES.checkpoint);
  const before = fs.readFileSync(file);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.config), "utf8")) as { seed: number };
  spec.seed = 9;
  fs.writeFileSync(path.join(dir, RUN_FILES.config), JSON.stringify(spec));
  await assert.rejects(trainRun({ out: dir, steps: 500 }), /does not match .*config\.json .*left untouched/);
  assert.deepEqual(fs.readFileSync(file), before);
  // a checkpoint whose arrays do not fit the networks
  const { meta, arrays: arr } = readCheckpoint(file);
  spec.seed = 3;
  fs.writeFileSync(path.join(dir, RUN_FILES.config), JSON.stringify(spec));
  arr.set("pi/0/w", new Float32Array(3));
  writeCheckpoint(file, meta, [...arr.entries()]);
  const bad = fs.readFileSync(file);
  await assert.rejects(trainRun({ out: dir, steps: 500 }), /checkpoint array pi\/0\/w has 3 values, expected 48/);
  assert.deepEqual(fs.readFileSync(file), bad);
});

test("a non-finite loss stops the run with a clear message and keeps the last good checkpoint", async () => {
  // Pendulum whose rewards become NaN after 150 steps
  envs.register(
    {
      id: "NaNPendulum-test",
      observationSpace: (await envs.make("Pendulum-v1")).observationSpace,
      actionSpace: (await envs.make("Pendulum-v1")).actionSpace,
      maxEpisodeSteps: 200,
      make: async (opts) => {
        const inner = await envs.make("Pendulum-v1", opts);
        let t = 0;
        const env: Env = {
          id: "NaNPendulum-test",
          observationSpace: inner.observationSpace,
          actionSpace: inner.actionSpace,
          maxEpisodeSteps: inner.maxEpisodeSteps,
          reset: (o) => inner.reset(o),
          step: (a) => {
            const r = inner.step(a);
            return { ...r, reward: ++t > 150 ? NaN : r.reward };
          },
          setState: (s, q) => inner.setState(s, q),
          observe: () => inner.observe(),
          render: () => inner.render(),
          close: () => inner.close(),
        };
        return env;
      },
    },
    { replace: true },
  );
  const dir = path.join(tmp, "nan");
  await assert.rejects(
    trainRun({
      out: dir,
      algo: "sac",
      env: "NaNPendulum-test",
      steps: 400,
      seed: 1,
      config: { ...SMALL, checkpointEvery: 100 },
    }),
    /non-finite losses\/q\d = NaN at env step 1\d\d; training stopped \(a run on disk keeps its last good checkpoint\)/,
  );
  const { meta } = readCheckpoint(path.join(dir, RUN_FILES.checkpoint));
  assert.equal((meta as { state: { envSteps: number } }).state.envSteps, 100);
  envs.unregister("NaNPendulum-test");
});
