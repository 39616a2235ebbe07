// The `paper` preset (issue 13 item 4): §5's β(ω) = α fixed and reward scaling, the official code's values where the
// paper is silent, haarnoja/sac's per-environment reward scale and initial exploration for SAC-v1; each value with
// its source; `virel train --preset paper` for all four algorithms and `virel explain-config --preset paper`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfig, ALGOS } from "../../src/agents/config";
import { presetConfig, presetValues, presetTable, sacRandomSteps, sacRewardScale } from "../../src/agents/presets";

const root = path.join(__dirname, "..", "..", "..");
const bin = path.join(root, "bin", "virel.js");

test("paper preset: §5's β(ω) = α (fixed β) and reward scale; official code and haarnoja/sac values; every value sourced", () => {
  for (const algo of ALGOS) {
    for (const env of ["Pendulum-v1", "Humanoid-v4", "HalfCheetah-v4", "Ant-v4", "Hopper-v4"]) {
      const cfg = parseConfig({ ...presetConfig("paper", algo, env), algo }); // valid for every algorithm
      for (const [k, v] of Object.entries(presetValues("paper", algo, env))) {
        assert.deepEqual((cfg as unknown as Record<string, unknown>)[k], v.value, `${algo} ${env} ${k}`);
        assert.ok(v.source.length > 3, `${algo} ${k} has a source`);
      }
    }
  }
  const v2 = parseConfig({ ...presetConfig("paper", "virel2", "Humanoid-v4"), algo: "virel2" }) as {
    betaRule: string;
    beta: number;
    rewardScale: number;
    hidden: number[];
    tau: number;
    batchSize: number;
  };
  assert.deepEqual(
    [v2.betaRule, v2.beta, v2.rewardScale, v2.hidden, v2.tau, v2.batchSize],
    ["fixed", 1, 20, [300, 300], 0.001, 128],
  );
  const s1 = parseConfig({ ...presetConfig("paper", "sac-v1", "HalfCheetah-v4"), algo: "sac-v1" }) as {
    randomSteps: number;
    rewardScale: number;
    actorCritic: string;
    alpha: number;
  };
  assert.deepEqual([s1.randomSteps, s1.rewardScale, s1.actorCritic, s1.alpha], [10_000, 5, "q1", 1]);
  assert.deepEqual(
    [
      sacRewardScale("Humanoid-v4"),
      sacRewardScale("Walker2d-v4"),
      sacRandomSteps("Ant-v4"),
      sacRandomSteps("Hopper-v4"),
    ],
    [20, 5, 10_000, 1000],
  );
  assert.match(presetValues("paper", "virel1", "Hopper-v4").betaRule!.source, /§5/);
  assert.throws(() => presetValues("fast", "virel1", "Hopper-v4"), /preset must be one of paper, got "fast"/);
  assert.throws(() => presetValues("paper", "ppo", "Hopper-v4"), /algo must be one of/);
  assert.match(presetTable("paper", "virel2", "Pendulum-v1"), /\| `betaRule` \| "fixed" \| fixed: paper §5/);
});

test("virel explain-config --preset paper shows each field's value and source; virel train --preset paper runs all four algorithms", () => {
  const ex = spawnSync(
    process.execPath,
    [bin, "explain-config", "--preset", "paper", "--algo", "virel2", "--env", "Humanoid-v4"],
    { encoding: "utf8", cwd: root, timeout: 120_000 },
  );
  assert.equal(ex.status, 0, ex.stderr);
  assert.match(ex.stdout, /\| `rewardScale` \| 20 \| 20: §5 scales rewards/);
  assert.match(ex.stdout, /\| `hidden` \| \[300, 300\] \| 2×300: official VIREL code/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virel-preset-"));
  try {
    for (const algo of ALGOS) {
      const out = path.join(dir, algo);
      const r = spawnSync(
        process.execPath,
        [
          bin,
          "train",
          "--preset",
          "paper",
          "--algo",
          algo,
          "--env",
          "Pendulum-v1",
          "--steps",
          "40",
          "--eval-every",
          "0",
          "--hidden",
          "8,6",
          "--out",
          out,
          "--progress",
          "none",
          "--json",
        ],
        { encoding: "utf8", cwd: root, timeout: 300_000 },
      );
      assert.equal(r.status, 0, `${algo}: ${r.stderr}`);
      const spec = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8")) as {
        config: Record<string, unknown>;
      };
      const want = presetConfig("paper", algo, "Pendulum-v1") as Record<string, unknown>;
      for (const [k, v] of Object.entries(want)) {
        if (k === "hidden" || k === "evalEvery") continue; // overridden by the flags above (flags win over the preset)
        assert.deepEqual(spec.config[k], v, `${algo} ${k}`);
      }
      assert.deepEqual(spec.config.hidden, [8, 6]);
      assert.equal(spec.config.evalEvery, 0);
    }
    const bad = spawnSync(
      process.execPath,
      [bin, "train", "--preset", "paper", "--env", "Pendulum-v1", "--steps", "5", "--out", path.join(dir, "x")],
      { encoding: "utf8", cwd: root, timeout: 120_000 },
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--preset paper needs --algo and --env/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
