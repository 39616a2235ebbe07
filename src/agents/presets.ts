/**
 * Config presets: named sets of config values, each value with its source. `paper` reproduces §5's setup:
 * β(ω) = α fixed (the paper's "simplification β(ω) = α"), rewards scaled (§5: "so that the means of the
 * Q-function estimates in VIREL2 are approximately aligned"), and, where the paper is silent, the official VIREL
 * code's values (AnujMahajanOxf/VIREL, an rlkit SAC-v1 drop-in) for VIREL1/VIREL2 and haarnoja/sac's values (the
 * SAC the paper compares to) for SAC-v1, with its per-environment reward scale and initial exploration steps.
 * SAC-v2 is not in §5; its `paper` preset uses the same network and batch sizes as SAC-v1 with the learned α.
 *
 * tfjs-free and cheap to import.
 */
import type { Algo } from "./algorithms";
import { parseAlgo, showValue } from "./config";
import type { AgentConfigInput } from "./config";

/** One preset value and where it comes from. */
export interface PresetValue {
  readonly value: unknown;
  readonly source: string;
}

export const PRESETS = ["paper"] as const;
export type PresetName = (typeof PRESETS)[number];

/** haarnoja/sac's reward scale per environment (SAC paper, App. D: 5 for every task but Humanoid, 20). */
export function sacRewardScale(env: string): number {
  return /humanoid/i.test(env) ? 20 : 5;
}

/** haarnoja/sac's initial exploration steps per environment (1000; 10000 for HalfCheetah and Ant). */
export function sacRandomSteps(env: string): number {
  return /halfcheetah|half-cheetah|^ant/i.test(env) ? 10_000 : 1000;
}

const OFFICIAL = "official VIREL code (AnujMahajanOxf/VIREL, rlkit SAC-v1 defaults); the paper is silent";
const HAARNOJA = "haarnoja/sac (the SAC-v1 the paper compares to, §5 footnote 2)";

/** The `paper` preset's fields shared by every algorithm. */
function paperCommon(): Record<string, PresetValue> {
  return {
    lr: { value: 3e-4, source: `3e-4: ${OFFICIAL}; haarnoja/sac the same` },
    gamma: { value: 0.99, source: "0.99: official VIREL code, haarnoja/sac" },
    policyReg: {
      value: 1e-3,
      source: "1e-3: official VIREL code (rlkit policy mean/std regularisation), haarnoja/sac",
    },
    evalEvery: { value: 1000, source: '1000: paper §5 ("The evaluation was performed every 1000 steps")' },
    evalEpisodes: {
      value: 1,
      source: "1: haarnoja/sac and rlkit evaluate one deterministic episode per evaluation; the paper is silent",
    },
  };
}

/** `paper` for VIREL1 / VIREL2: §5's β(ω) = α and reward scaling, the official code elsewhere. */
function paperVirel(env: string): Record<string, PresetValue> {
  const rewardScale = sacRewardScale(env);
  return {
    ...paperCommon(),
    hidden: { value: [300, 300], source: `2×300: ${OFFICIAL}` },
    batchSize: { value: 128, source: `128: ${OFFICIAL}` },
    tau: { value: 0.001, source: `0.001: ${OFFICIAL}` },
    randomSteps: { value: 1000, source: `1000: ${OFFICIAL} (min_num_steps_before_training)` },
    betaRule: { value: "fixed", source: 'fixed: paper §5, "with the simplification β(ω) = α"' },
    beta: {
      value: 1,
      source: "1: §5's β(ω) = α with α = 1, haarnoja/sac's temperature (its reward scale sets the entropy weight)",
    },
    rewardScale: {
      value: rewardScale,
      source: `${rewardScale}: §5 scales rewards to align VIREL2's two Q means but gives no values; haarnoja/sac's per-environment scale for α = 1 (5; Humanoid 20)`,
    },
  };
}

/** `paper` for SAC-v1: haarnoja/sac. */
function paperSacV1(env: string): Record<string, PresetValue> {
  const rewardScale = sacRewardScale(env);
  return {
    ...paperCommon(),
    hidden: { value: [256, 256], source: `2×256: ${HAARNOJA}` },
    batchSize: { value: 256, source: `256: ${HAARNOJA}` },
    tau: { value: 0.005, source: `0.005: ${HAARNOJA}` },
    randomSteps: {
      value: sacRandomSteps(env),
      source: `${sacRandomSteps(env)}: ${HAARNOJA} variant specs (1000; HalfCheetah and Ant 10000)`,
    },
    alpha: { value: 1, source: `1: ${HAARNOJA} (the reward scale sets the entropy weight)` },
    rewardScale: { value: rewardScale, source: `${rewardScale}: ${HAARNOJA} variant specs (5; Humanoid 20)` },
    actorCritic: { value: "q1", source: `q1: ${HAARNOJA}, the policy loss reads Q₁` },
  };
}

/** `paper` for SAC-v2 (not in §5): SAC-v1's sizes with the learned α. */
function paperSacV2(env: string): Record<string, PresetValue> {
  return {
    ...paperCommon(),
    hidden: { value: [256, 256], source: "2×256: SAC-v2 (Haarnoja et al. 2018b), as SAC-v1; not in §5" },
    batchSize: { value: 256, source: "256: SAC-v2 (Haarnoja et al. 2018b); not in §5" },
    tau: { value: 0.005, source: "0.005: SAC-v2 (Haarnoja et al. 2018b); not in §5" },
    randomSteps: { value: sacRandomSteps(env), source: `${sacRandomSteps(env)}: as SAC-v1 (${HAARNOJA}); not in §5` },
    rewardScale: { value: 1, source: "1: SAC-v2 learns α, no reward scale; not in §5" },
    policyReg: { value: 0, source: "0: SAC-v2 / CleanRL have no policy regulariser; not in §5" },
  };
}

const PAPER: Readonly<Record<Algo, (env: string) => Record<string, PresetValue>>> = {
  virel1: paperVirel,
  virel2: paperVirel,
  "sac-v1": paperSacV1,
  sac: paperSacV2,
};

/**
 * A preset's values for one algorithm and environment, with the source of each.
 * @param env the environment id (some values depend on it: reward scale, initial exploration).
 */
export function presetValues(name: string, algo: string, env: string): Record<string, PresetValue> {
  if (!(PRESETS as readonly string[]).includes(name))
    throw new Error(`preset must be one of ${PRESETS.join(", ")}, got ${showValue(name)}`);
  if (typeof env !== "string" || env.length === 0)
    throw new Error(`preset ${name}: env must be an environment id, got ${showValue(env)}`);
  return PAPER[parseAlgo(algo)](env);
}

/** A preset as config overrides (what `virel train --preset paper` merges under the explicit flags). */
export function presetConfig(name: string, algo: string, env: string): Partial<AgentConfigInput> {
  return Object.fromEntries(
    Object.entries(presetValues(name, algo, env)).map(([k, v]) => [k, v.value]),
  ) as Partial<AgentConfigInput>;
}

/** A preset as a Markdown table: field, value, source (for `virel explain-config --preset`). */
export function presetTable(name: string, algo: string, env: string): string {
  const rows = [`| field | ${name} value (${parseAlgo(algo)}, ${env}) | source |`, "|---|---|---|"];
  for (const [k, v] of Object.entries(presetValues(name, algo, env)))
    rows.push(`| \`${k}\` | ${showValue(v.value)} | ${v.source} |`);
  return rows.join("\n");
}
