// Mutation check of the agents' losses (issue 13 item 6): each mutation below is applied to the COMPILED file in
// dist/ (no rebuild), the named tests run, and the file is restored. Every mutation must make a test fail.
// Usage (after `npm run build`): node scripts/mutate-agents.mjs [name-substring…]
// The list and the test that catches each are in docs/testing.md.
import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const REF = "dist/src/agents/reference-update.js";
const FUSED = "dist/src/agents/fused/update.js";
const KERN = "dist/src/agents/fused/kernels.js";
const LOSSES = ["test/agents/losses"];
export const MUTATIONS = [
  {
    name: "reference: entropy sign in J^π",
    file: REF,
    from: "tf.sub(tf.mul(logPi, temp), qHat)",
    to: "tf.sub(tf.mul(logPi, -temp), qHat)",
    tests: LOSSES,
  },
  {
    name: "fused: entropy sign in ∇J^π",
    file: FUSED,
    from: "dLogPi: temp / B",
    to: "dLogPi: -temp / B",
    tests: LOSSES,
  },
  {
    name: "reference: SAC-v1 V̂ entropy sign",
    file: REF,
    from: "vHat = tf.sub(vHat, tf.mul(now.logPi, temp))",
    to: "vHat = tf.add(vHat, tf.mul(now.logPi, temp))",
    tests: LOSSES,
  },
  {
    name: "reference: VIREL2 soft bootstrap from Q₂ instead of Q̄₂",
    file: REF,
    from: "tf.sub(S.q2Target.apply(sa2), tf.mul(next.logPi, temp))",
    to: "tf.sub(S.q2.apply(sa2), tf.mul(next.logPi, temp))",
    tests: LOSSES,
  },
  {
    name: "reference: VIREL2 soft bootstrap without the entropy term",
    file: REF,
    from: "tf.sub(S.q2Target.apply(sa2), tf.mul(next.logPi, temp))",
    to: "S.q2Target.apply(sa2)",
    tests: LOSSES,
  },
  {
    name: "fused: VIREL2 soft bootstrap entropy sign",
    file: FUSED,
    from: "{ a: t2, logPi: next.logPi }, { temp }",
    to: "{ a: t2, logPi: next.logPi }, { temp: -temp }",
    tests: LOSSES,
  },
  {
    name: "fused: VIREL2 soft bootstrap from V̄ (hard)",
    file: FUSED,
    from: '[y2] = run("VirelTdTarget", { rd, next: soft }, { gamma: cfg.gamma, temp });',
    to: "y2 = y1;",
    tests: LOSSES,
  },
  {
    name: "fused: VIREL2 soft critic credits entropy one step (V̄ − T log π, the old target)",
    file: FUSED,
    from: "{ a: t2, logPi: next.logPi }",
    to: "{ a: vNext, logPi: next.logPi }",
    tests: ["test/agents/virel2-soft"],
  },
  {
    name: "reference: γ",
    file: REF,
    from: "tf.mul(tf.sub(1, d), cfg.gamma)",
    to: "tf.mul(tf.sub(1, d), 0.99)",
    tests: LOSSES,
  },
  {
    name: "fused: γ of the hard target",
    file: FUSED,
    from: '[y1] = run("VirelTdTarget", { rd, next: vNext }, { gamma: cfg.gamma, temp });',
    to: '[y1] = run("VirelTdTarget", { rd, next: vNext }, { gamma: 0.99, temp });',
    tests: LOSSES,
  },
  {
    name: "reference: (1 − d) dropped",
    file: REF,
    from: "tf.mul(tf.sub(1, d), cfg.gamma)",
    to: "tf.mul(tf.onesLike(d), cfg.gamma)",
    tests: LOSSES,
  },
  {
    name: "fused: (1 − d) dropped",
    file: KERN,
    from: "const gd = gamma * (1 - rd[2 * i + 1]);",
    to: "const gd = gamma;",
    tests: LOSSES,
  },
  {
    name: "agent: reward scale not applied",
    file: "dist/src/agents/agent.js",
    from: "res.reward * this.config.rewardScale",
    to: "res.reward",
    tests: LOSSES,
  },
  {
    name: "reference: SAC-v1 actor on min instead of Q₁",
    file: REF,
    from: 'S.actorCritic === "q1" ? S.q1.apply(sa, true, false)',
    to: "false ? S.q1.apply(sa, true, false)",
    tests: LOSSES,
  },
  {
    name: "fused: SAC-v1 actor on min instead of Q₁",
    file: FUSED,
    from: 'L.actorCritic === "q1" ? q1Out',
    to: "false ? q1Out",
    tests: LOSSES,
  },
];

const only = process.argv.slice(2);
let survived = 0;
for (const m of MUTATIONS.filter((x) => only.length === 0 || only.some((o) => x.name.includes(o)))) {
  const path = join(root, m.file);
  const orig = readFileSync(path, "utf8");
  if (!orig.includes(m.from)) {
    console.log(`SKIP (pattern not found) ${m.name}`);
    survived += 1;
    continue;
  }
  writeFileSync(path, orig.replace(m.from, m.to));
  try {
    const r = spawnSync(process.execPath, ["scripts/run-tests.mjs", ...m.tests], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, VIREL_TEST_CONCURRENCY: "1" },
    });
    const failed = (r.stdout.match(/^not ok \d+ - (.*)$/gm) ?? []).map((l) => l.replace(/^not ok \d+ - /, ""));
    if (r.status === 0) survived += 1;
    console.log(
      `${r.status === 0 ? "SURVIVED" : "killed  "} ${m.name}${failed.length ? ` — caught by: ${failed.slice(0, 3).join(" | ")}${failed.length > 3 ? ` (+${failed.length - 3})` : ""}` : ""}`,
    );
  } finally {
    writeFileSync(path, orig);
  }
}
process.exit(survived === 0 ? 0 : 1);
