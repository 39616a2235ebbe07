// The agent config declared once (src/agents/config.ts FIELDS): types, defaults, validation, explain-config and
// docs/config.md all derived from it; error messages that show the real bad value; one seed check; a disposed
// agent that says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  ALGOS,
  BETA_RULES,
  CONFIG_DOCS,
  DEFAULTS,
  FIELDS,
  SCHEMAS,
  configMarkdown,
  configTable,
  parseConfig,
  showValue,
} from "../../src/agents/config";
import { checkSeed, isSeed, Rng } from "../../src/rng";
import * as agents from "../../src/agents/index";

const ROOT = path.join(__dirname, "..", "..", "..");

test("docs/config.md is the generated text (run `node scripts/gen-config-docs.mjs` after changing FIELDS)", () => {
  const committed = fs.readFileSync(path.join(ROOT, "docs", "config.md"), "utf8");
  assert.equal(committed, configMarkdown());
  // every field appears once in the table, with its default for each algorithm it belongs to
  for (const [name, f] of Object.entries(FIELDS)) {
    const rows = committed.split("\n").filter((l) => l.startsWith(`| \`${name}\` |`));
    assert.equal(rows.length, 1, name);
    for (const a of ALGOS) {
      const d = (DEFAULTS[a] as unknown as Record<string, unknown>)[name];
      assert.equal(d === undefined, !f.algos.includes(a), `${name} default for ${a}`);
    }
  }
});

test("one declaration: each algorithm's schema has exactly the fields FIELDS assigns to it; defaults validate", () => {
  for (const a of ALGOS) {
    const fromFields = Object.entries(FIELDS)
      .filter(([, f]) => (f.algos as readonly string[]).includes(a))
      .map(([k]) => k)
      .sort();
    const fromSchema = Object.keys(SCHEMAS[a].shape)
      .filter((k) => k !== "algo")
      .sort();
    assert.deepEqual(fromSchema, fromFields, a);
    assert.deepEqual(SCHEMAS[a].parse(DEFAULTS[a]), { ...DEFAULTS[a] });
  }
  assert.deepEqual(Object.keys(CONFIG_DOCS), Object.keys(FIELDS));
  assert.deepEqual([...FIELDS.betaRule.schema.options], [...BETA_RULES]);
  // per-algorithm defaults come from the declaration: SAC-v1's reward scale 5 (haarnoja/sac), SAC-v2's policyReg 0
  assert.equal(DEFAULTS["sac-v1"].rewardScale, 5);
  assert.equal(DEFAULTS.virel1.rewardScale, 1);
  assert.equal(DEFAULTS.sac.policyReg, 0);
  assert.equal(configTable().split("\n").length, 2 + Object.keys(FIELDS).length);
});

test("Infinity, -Infinity and NaN are named as written, not as JSON's null", () => {
  for (const v of [Infinity, -Infinity, NaN]) {
    for (const [algo, field] of [
      ["virel1", "lr"],
      ["virel2", "betaScale"],
      ["sac", "alphaInit"],
      ["sac-v1", "alpha"],
      ["sac", "targetEntropy"],
      ["virel1", "logStdMax"],
    ] as const) {
      assert.throws(
        () => parseConfig({ algo, [field]: v }),
        (e: Error) => {
          assert.equal(e.message, `config.${field} must be a finite number, got ${String(v)}`);
          return true;
        },
      );
    }
    assert.throws(
      () => parseConfig({ algo: "virel1", hidden: [64, v] }),
      new RegExp(`config\\.hidden\\.1 must be a finite number, got ${String(v)}`),
    );
  }
  assert.equal(showValue(-0), "-0");
  assert.equal(showValue([1, NaN]), "[1, NaN]");
  assert.equal(showValue("x"), '"x"');
  assert.throws(() => parseConfig({ algo: "virel1", batchSize: 1.5 }), /config\.batchSize .*, got 1\.5$/);
});

test("β rule names: the deep agents' rules are not tabular EM's; the old names load as aliases", () => {
  assert.deepEqual([...BETA_RULES], ["td-residual", "fixed", "twin-q-residual"]);
  assert.ok(!(BETA_RULES as readonly string[]).includes("posterior-msbe"));
  assert.equal(
    (parseConfig({ algo: "virel1", betaRule: "msbe" as never }) as { betaRule: string }).betaRule,
    "td-residual",
  );
  assert.equal(
    (parseConfig({ algo: "virel2", betaRule: "twin-q" as never }) as { betaRule: string }).betaRule,
    "twin-q-residual",
  );
  assert.throws(
    () => parseConfig({ algo: "virel1", betaRule: "posterior-msbe" as never }),
    /config\.betaRule .*"posterior-msbe"/,
  );
});

test("one seed check: isSeed/checkSeed used by Rng, create(), the env base and tabular EM, with the value as written", async () => {
  assert.equal(checkSeed(0), 0);
  assert.equal(checkSeed(0xffffffff), 0xffffffff);
  for (const bad of [-1, 1.5, 2 ** 32, Infinity, NaN, "7", null]) {
    assert.equal(isSeed(bad), false);
    assert.throws(
      () => checkSeed(bad, "opts.seed"),
      (e: Error) => {
        assert.equal(
          e.message,
          `opts.seed must be an integer in [0, 2^32 - 1], got ${typeof bad === "string" ? '"7"' : String(bad)}`,
        );
        return true;
      },
    );
  }
  assert.throws(() => new Rng(NaN), /^Error: seed must be an integer in \[0, 2\^32 - 1\], got NaN$/);
  await assert.rejects(
    agents.create({ algo: "virel1", env: "Pendulum-v1", seed: Infinity }),
    /^Error: seed must be an integer in \[0, 2\^32 - 1\], got Infinity$/,
  );
  const { variationalEM } = await import("../../src/tabular/em.js");
  const { randomMDP } = await import("../../src/tabular/index.js");
  assert.throws(
    () => variationalEM(randomMDP({ states: 3, actions: 2, gamma: 0.9, seed: 1 }), { seed: -1 }),
    /seed.*-1/,
  );
});

test('act(), actions(), train(), evaluate(), mStep() after dispose() throw "agent was disposed"', async () => {
  const agent = await agents.create({
    algo: "sac",
    env: "Pendulum-v1",
    seed: 1,
    config: { hidden: [8], batchSize: 8, randomSteps: 8, evalEvery: 0, evalEpisodes: 1 },
  });
  agent.collect(10);
  agent.update();
  agent.dispose();
  agent.dispose(); // idempotent
  const msg = (m: string) => new RegExp(`^Error: agent was disposed: ${m}\\(\\) cannot run after dispose\\(\\)`);
  assert.throws(() => agent.act([1, 0, 0]), msg("act"));
  assert.throws(() => agent.actions([[1, 0, 0]]), msg("actions"));
  assert.throws(() => agent.evaluate(1), msg("evaluate"));
  assert.throws(() => agent.mStep(), msg("mStep"));
  assert.throws(() => agent.eStep(), msg("eStep"));
  assert.throws(() => agent.collect(1), msg("collect"));
  assert.throws(() => agent.qValues([[1, 0, 0]], [[0]]), msg("qValues"));
  await assert.rejects(agent.train(5), msg("train"));
});
