// Experiment specs: the committed specs are valid; bad specs fail with errors naming the field and the value;
// selections (--reduced, --tasks, --algos, --seeds, --steps) narrow the grid or name the bad flag value.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadSpec, parseSpec, select, runConfig } from "../../src/experiments";

const root = path.join(__dirname, "..", "..", "..");
const base = () => ({
  name: "t",
  tasks: ["Pendulum-v1"],
  algos: ["virel1", "sac-v1"],
  seeds: [0, 1],
  steps: 4000,
  evalEvery: 1000,
  evalEpisodes: 2,
  checkpointEvery: 1000,
  parallel: 1,
});

test("the committed specs are valid; fig3 is the paper's grid with a reduced budget", () => {
  const files = fs.readdirSync(path.join(root, "experiments")).filter((f) => f.endsWith(".json"));
  assert.ok(files.includes("fig3.json") && files.includes("smoke.json"));
  for (const f of files) loadSpec(path.join(root, "experiments", f));
  const fig3 = loadSpec(path.join(root, "experiments", "fig3.json"));
  assert.deepEqual(fig3.tasks, ["HalfCheetah-v5", "Hopper-v5", "Walker2d-v5"]);
  assert.deepEqual(fig3.algos, ["virel1", "virel2", "sac-v1"]);
  assert.equal(fig3.preset, "paper");
  assert.equal(fig3.seeds.length, 5);
  assert.equal(fig3.evalEvery, 1000); // §5: "The evaluation was performed every 1000 steps."
  assert.ok(fig3.reduced !== undefined && fig3.reduced.seeds.length >= 3 && fig3.reduced.steps >= 100_000);
  const smoke = loadSpec(path.join(root, "experiments", "smoke.json"));
  assert.equal(smoke.preset, undefined);
});

test("bad specs: the error names the field and the value", () => {
  const bad = (patch: Record<string, unknown>, ...want: (string | RegExp)[]) => {
    assert.throws(
      () => parseSpec({ ...base(), ...patch }, "spec.json"),
      (err: Error) => {
        for (const w of want)
          assert.match(err.message, typeof w === "string" ? new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : w);
        return true;
      },
    );
  };
  bad({ tasks: ["Pendulum"] }, "tasks[0]", '"Pendulum"');
  bad({ algos: ["virel3"] }, "algos[0]", '"virel3"');
  bad({ steps: -5 }, "steps", "-5");
  bad({ evalEvery: 1.5 }, "evalEvery", "1.5");
  bad({ parallel: 0 }, "parallel", "got 0");
  bad({ colour: "red" }, /colour/);
  bad({ seeds: [0, 0] }, "seeds", "0 appears twice");
  bad({ reduced: { seeds: [7], steps: 1000 } }, "reduced.seeds", "7 is not in seeds");
  bad({ reduced: { seeds: [0], steps: 9000 } }, "reduced.steps", "9000");
  bad({ config: { evalEvery: 10 } }, "config.evalEvery", "10");
  bad({ algoConfig: { virel9: {} } }, /algoConfig/);
  bad({ steps: 4500 }, "evalEvery", "4500");
  bad({ reproduce: { task: "Hopper-v5", algo: "virel1", steps: 1000 } }, "reproduce.task", "Hopper-v5");
  bad(
    { published: [{ task: "Pendulum-v1", algo: "SAC", step: 1000, source: "x paper" }] },
    "published[0]",
    "needs mean, or low and high",
  );
  bad(
    { published: [{ task: "Pendulum-v1", algo: "SAC", step: 1000, low: 5, high: 1, source: "x paper" }] },
    "low must be ≤ high",
  );
  assert.throws(
    () => loadSpec(path.join(root, "no-such-spec.json")),
    /cannot read experiment spec .*no-such-spec\.json/,
  );
});

test("selections and per-run configs", () => {
  const s = parseSpec({
    ...base(),
    optionalTasks: ["Hopper-v5"],
    reduced: { seeds: [0], steps: 2000 },
    config: { lr: 0.001 },
    algoConfig: { "sac-v1": { lr: 0.002 } },
    taskConfig: { "Hopper-v5": { batchSize: 32 } },
  });
  assert.deepEqual(select(s), { tasks: ["Pendulum-v1"], algos: ["virel1", "sac-v1"], seeds: [0, 1], steps: 4000 });
  assert.deepEqual(select(s, { reduced: true }), {
    tasks: ["Pendulum-v1"],
    algos: ["virel1", "sac-v1"],
    seeds: [0],
    steps: 2000,
  });
  assert.deepEqual(select(s, { tasks: ["Hopper-v5"], algos: ["sac-v1"], seeds: [1], steps: 3000 }), {
    tasks: ["Hopper-v5"],
    algos: ["sac-v1"],
    seeds: [1],
    steps: 3000,
  });
  assert.throws(() => select(s, { tasks: ["Ant-v5"] }), /--tasks: "Ant-v5"/);
  assert.throws(() => select(s, { algos: ["sac"] }), /--algos: "sac"/);
  assert.throws(() => select(s, { seeds: [9] }), /--seeds: 9/);
  assert.throws(() => select(s, { steps: 2500 }), /--steps must be a multiple of evalEvery \(1000\), got 2500/);
  assert.throws(() => select(s, { steps: 5000 }), /--steps must be an integer in \[1, 4000\], got 5000/);
  assert.deepEqual(runConfig(s, "Pendulum-v1", "virel1"), { lr: 0.001 });
  assert.deepEqual(runConfig(s, "Hopper-v5", "sac-v1"), { lr: 0.002, batchSize: 32 });
});
