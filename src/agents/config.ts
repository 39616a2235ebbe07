/**
 * One documented config per algorithm (VIREL1, VIREL2, SAC-v1, SAC-v2), validated once at the boundary.
 *
 * Every field has a meaning, a range, a default and the place the default comes from ({@link CONFIG_DOCS}).
 * {@link parseConfig} fills defaults and throws an Error that names the field and the bad value.
 * This module is cheap to import (zod only; no tfjs).
 */
import { z } from "zod";

/** The algorithms: `virel1`, `virel2` (§5), `sac-v1` (haarnoja/sac: V network, fixed α), `sac` (SAC-v2: auto α). */
export const ALGOS = ["virel1", "virel2", "sac-v1", "sac"] as const;
export type Algo = (typeof ALGOS)[number];

/** β rules for VIREL (see {@link CONFIG_DOCS}.betaRule). */
export const BETA_RULES = ["msbe", "fixed", "twin-q"] as const;
export type BetaRule = (typeof BETA_RULES)[number];

/** Fields shared by every algorithm. */
export interface CommonConfig {
  /** Hidden layer widths of every MLP (π, V, Q). */
  hidden: number[];
  /** Adam learning rate of every network (λ_V, λ_Q, λ_π in Algorithm 1). */
  lr: number;
  /** Discount factor γ. */
  gamma: number;
  /** Polyak rate τ of the target networks: φ̄ ← τφ + (1 − τ)φ̄. */
  tau: number;
  /** Minibatch size of each gradient step. */
  batchSize: number;
  /** Replay buffer capacity (transitions); a ring buffer. */
  bufferSize: number;
  /** Initial exploration: uniform random actions for this many env steps; gradient steps start after it. */
  randomSteps: number;
  /** Gradient steps per environment step. */
  updatesPerStep: number;
  /** Rewards are multiplied by this when stored (so β, α and Q are in scaled-reward units). */
  rewardScale: number;
  /** Weight of the policy mean/log-std L2 regulariser, reg · (mean(μ²) + mean(log σ²)). */
  policyReg: number;
  /** Lower clip of the policy's log σ. */
  logStdMin: number;
  /** Upper clip of the policy's log σ. */
  logStdMax: number;
  /** Evaluate every this many env steps (0 = never). */
  evalEvery: number;
  /** Deterministic (mean-action) episodes per evaluation, on a separate env. */
  evalEpisodes: number;
  /** Write aggregated losses to metrics.jsonl every this many env steps. */
  logEvery: number;
  /** Write a checkpoint every this many env steps in `virel train` (0 = only at the end / on SIGINT). */
  checkpointEvery: number;
}

/** VIREL1 / VIREL2 fields (§4–§5, official beta.py). */
export interface VirelConfig extends CommonConfig {
  algo: "virel1" | "virel2";
  /** How β(ω) is set: `msbe` (official beta.py), `fixed` (§5's β(ω) = α), `twin-q` (softlearning's MSBE). */
  betaRule: BetaRule;
  /** The fixed β (rule `fixed`), and β before the buffer holds `betaBatch` transitions (other rules). */
  beta: number;
  /** β = betaScale × MSBE estimate (rules `msbe` and `twin-q`). */
  betaScale: number;
  /** Replay samples used to estimate the MSBE for β; β = `beta` until the buffer holds this many. */
  betaBatch: number;
  /** Re-estimate β every this many gradient steps (official: every step). */
  betaEvery: number;
}

/** SAC-v1 (haarnoja/sac): V + target V + twin Q, fixed temperature α. */
export interface SacV1Config extends CommonConfig {
  algo: "sac-v1";
  /** Fixed entropy temperature α. */
  alpha: number;
}

/** SAC-v2 (CleanRL/SB3): twin Q + twin target Q, automatic α. */
export interface SacConfig extends CommonConfig {
  algo: "sac";
  /** Initial temperature α (log α is learned). */
  alphaInit: number;
  /** Target entropy H̄ of the α update; "auto" = −|A|. */
  targetEntropy: number | "auto";
  /** Adam learning rate of log α. */
  alphaLr: number;
}

export type AgentConfig = VirelConfig | SacV1Config | SacConfig;
/** Partial config as a user writes it (algo required). */
export type AgentConfigInput = { algo: Algo } & Partial<Omit<VirelConfig, "algo">> &
  Partial<Omit<SacV1Config, "algo">> & Partial<Omit<SacConfig, "algo">>;

/** One field's documentation: meaning, range, default per algorithm and where it comes from. */
export interface FieldDoc {
  readonly meaning: string;
  readonly range: string;
  readonly source: string;
  readonly algos: readonly Algo[];
}

const ALL: readonly Algo[] = ALGOS;
const VIREL: readonly Algo[] = ["virel1", "virel2"];

/** The documentation of every config field (used by the README table and `virel explain-config`). */
export const CONFIG_DOCS: Readonly<Record<string, FieldDoc>> = {
  hidden: { meaning: "hidden layer widths of π, V and every Q (ReLU MLPs)", range: "1–8 integers in [1, 4096]", source: "SAC paper / haarnoja/sac 2×256 (official VIREL code: 2×300)", algos: ALL },
  lr: { meaning: "Adam learning rate of every network (λ_V, λ_Q, λ_π of Algorithm 1)", range: "(0, 1]", source: "3e-4: official VIREL code, haarnoja/sac", algos: ALL },
  gamma: { meaning: "discount factor γ", range: "[0, 1)", source: "0.99: official code, haarnoja/sac", algos: ALL },
  tau: { meaning: "Polyak rate τ of the target networks, φ̄ ← τφ + (1 − τ)φ̄ (Algorithm 1)", range: "(0, 1]", source: "0.005: haarnoja/sac (official VIREL code: 0.001)", algos: ALL },
  batchSize: { meaning: "minibatch size of each gradient step", range: "[1, bufferSize]", source: "256: haarnoja/sac (official VIREL code: 128)", algos: ALL },
  bufferSize: { meaning: "replay buffer capacity (a Float32Array ring buffer)", range: "[1, 1e8]", source: "1e6: haarnoja/sac, official code", algos: ALL },
  randomSteps: { meaning: "initial exploration: uniform random actions for this many env steps, then gradient steps start", range: "[0, ∞)", source: "1000: haarnoja/sac, rlkit", algos: ALL },
  updatesPerStep: { meaning: "gradient steps per environment step", range: "[1, 100]", source: "1: haarnoja/sac", algos: ALL },
  rewardScale: { meaning: "rewards are multiplied by this when stored, so β, α and Q are in scaled-reward units", range: "(0, ∞)", source: "VIREL: 1 (official example uses 3 with betaScale 0.004); SAC-v1: 5 (haarnoja/sac); SAC-v2: 1", algos: ALL },
  policyReg: { meaning: "policy mean / log-std L2 regulariser weight, reg·(mean μ² + mean log σ²)", range: "[0, ∞)", source: "1e-3: official VIREL code and rlkit; 0 for SAC-v2 (CleanRL)", algos: ALL },
  logStdMin: { meaning: "lower clip of the policy's log σ", range: "< logStdMax", source: "-20: rlkit / haarnoja/sac", algos: ALL },
  logStdMax: { meaning: "upper clip of the policy's log σ", range: "> logStdMin", source: "2: rlkit / haarnoja/sac", algos: ALL },
  evalEvery: { meaning: "evaluate every this many env steps (0 = never)", range: "[0, ∞)", source: "1000: paper §5 (\"every 1000 steps\")", algos: ALL },
  evalEpisodes: { meaning: "deterministic (mean-action) episodes per evaluation, on a separate env", range: "[1, 1000]", source: "5 (haarnoja/sac uses 1)", algos: ALL },
  logEvery: { meaning: "write the losses, averaged, to metrics.jsonl every this many env steps", range: "[1, ∞)", source: "1000 (ours)", algos: ALL },
  checkpointEvery: { meaning: "checkpoint every this many env steps in `virel train` (0 = only at the end and on SIGINT)", range: "[0, ∞)", source: "10000 (ours)", algos: ALL },
  betaRule: { meaning: "how β(ω) is set: `msbe` = official beta.py, β = betaScale·MSE(Q(s,a), r + γ(1−d)V(s′)) with the online V, no gradient; `fixed` = §5's simplification β(ω) = α; `twin-q` = softlearning's MSBE, betaScale·mean_i 0.5·MSE(Q_i(s,a), r + γ(1−d)·min_j Q̄_j(s′, a′∼π))", range: "msbe | fixed | twin-q", source: "msbe: official code (beta.py); fixed: paper §5; twin-q: hartikainen/softlearning virel branch", algos: VIREL },
  beta: { meaning: "β for the `fixed` rule, and β before the buffer holds betaBatch transitions (other rules)", range: "(0, ∞)", source: "1: official beta.py", algos: VIREL },
  betaScale: { meaning: "β = betaScale × the MSBE estimate (rules msbe and twin-q)", range: "(0, ∞)", source: "0.01 (ours, for Pendulum; official example 0.004 with rewardScale 3; softlearning 4e-4)", algos: VIREL },
  betaBatch: { meaning: "replay samples used to estimate the MSBE for β; β = beta until the buffer holds this many", range: "[1, 1e6]", source: "4096: official beta.py, softlearning", algos: VIREL },
  betaEvery: { meaning: "re-estimate β every this many gradient steps", range: "[1, ∞)", source: "1: official code (every training step)", algos: VIREL },
  alpha: { meaning: "fixed entropy temperature α (the soft value V = E[min Q − α log π])", range: "(0, ∞)", source: "1 with rewardScale 5: haarnoja/sac", algos: ["sac-v1"] },
  alphaInit: { meaning: "initial temperature α; log α is learned so that the entropy tracks targetEntropy", range: "(0, ∞)", source: "1: CleanRL, SB3 (ent_coef auto)", algos: ["sac"] },
  targetEntropy: { meaning: "target entropy H̄ of the α update, loss = −log α·mean(log π + H̄); \"auto\" = −|A|", range: "number or \"auto\"", source: "−|A|: SAC-v2 (Haarnoja et al. 2018b), CleanRL, SB3", algos: ["sac"] },
  alphaLr: { meaning: "Adam learning rate of log α", range: "(0, 1]", source: "3e-4: SB3 (same as lr)", algos: ["sac"] },
};

const COMMON_DEFAULTS: CommonConfig = {
  hidden: [256, 256],
  lr: 3e-4,
  gamma: 0.99,
  tau: 0.005,
  batchSize: 256,
  bufferSize: 1_000_000,
  randomSteps: 1000,
  updatesPerStep: 1,
  rewardScale: 1,
  policyReg: 1e-3,
  logStdMin: -20,
  logStdMax: 2,
  evalEvery: 1000,
  evalEpisodes: 5,
  logEvery: 1000,
  checkpointEvery: 10000,
};

/** Frozen defaults per algorithm. */
export const DEFAULTS: Readonly<{ virel1: Readonly<VirelConfig>; virel2: Readonly<VirelConfig>; "sac-v1": Readonly<SacV1Config>; sac: Readonly<SacConfig> }> = Object.freeze({
  virel1: Object.freeze({ ...COMMON_DEFAULTS, algo: "virel1", betaRule: "msbe", beta: 1, betaScale: 0.01, betaBatch: 4096, betaEvery: 1 } as VirelConfig),
  virel2: Object.freeze({ ...COMMON_DEFAULTS, algo: "virel2", betaRule: "msbe", beta: 1, betaScale: 0.01, betaBatch: 4096, betaEvery: 1 } as VirelConfig),
  "sac-v1": Object.freeze({ ...COMMON_DEFAULTS, algo: "sac-v1", rewardScale: 5, alpha: 1 } as SacV1Config),
  sac: Object.freeze({ ...COMMON_DEFAULTS, algo: "sac", policyReg: 0, alphaInit: 1, targetEntropy: "auto", alphaLr: 3e-4 } as SacConfig),
});

const int = () => z.number().int();
const common = {
  hidden: z.array(int().min(1).max(4096)).min(1).max(8),
  lr: z.number().gt(0).lte(1),
  gamma: z.number().gte(0).lt(1),
  tau: z.number().gt(0).lte(1),
  batchSize: int().min(1),
  bufferSize: int().min(1).max(1e8),
  randomSteps: int().min(0),
  updatesPerStep: int().min(1).max(100),
  rewardScale: z.number().gt(0).refine(Number.isFinite, "must be finite"),
  policyReg: z.number().gte(0).refine(Number.isFinite, "must be finite"),
  logStdMin: z.number().refine(Number.isFinite, "must be finite"),
  logStdMax: z.number().refine(Number.isFinite, "must be finite"),
  evalEvery: int().min(0),
  evalEpisodes: int().min(1).max(1000),
  logEvery: int().min(1),
  checkpointEvery: int().min(0),
};
const virel = {
  betaRule: z.enum(BETA_RULES),
  beta: z.number().gt(0).refine(Number.isFinite, "must be finite"),
  betaScale: z.number().gt(0).refine(Number.isFinite, "must be finite"),
  betaBatch: int().min(1).max(1_000_000),
  betaEvery: int().min(1),
};
const SCHEMAS = {
  virel1: z.strictObject({ algo: z.literal("virel1"), ...common, ...virel }),
  virel2: z.strictObject({ algo: z.literal("virel2"), ...common, ...virel }),
  "sac-v1": z.strictObject({ algo: z.literal("sac-v1"), ...common, alpha: z.number().gt(0).refine(Number.isFinite, "must be finite") }),
  sac: z.strictObject({
    algo: z.literal("sac"),
    ...common,
    alphaInit: z.number().gt(0).refine(Number.isFinite, "must be finite"),
    targetEntropy: z.union([z.literal("auto"), z.number().refine(Number.isFinite, "must be finite")]),
    alphaLr: z.number().gt(0).lte(1),
  }),
} as const;

/** Parse an algorithm name (aliases: `sac-v2` → `sac`); the error names the field and the value. */
export function parseAlgo(value: unknown, field = "algo"): Algo {
  const v = typeof value === "string" ? value.trim().toLowerCase() : value;
  const name = v === "sac-v2" || v === "sacv2" ? "sac" : v === "sacv1" ? "sac-v1" : v;
  if (typeof name !== "string" || !(ALGOS as readonly string[]).includes(name)) {
    throw new Error(`${field} must be one of ${ALGOS.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return name as Algo;
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = obj;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/**
 * Validate a config: fill the algorithm's defaults, check every field and the cross-field rules
 * (batchSize ≤ bufferSize, logStdMin < logStdMax). Throws `config.FIELD …, got VALUE` on the first problem.
 */
export function parseConfig(input: unknown): AgentConfig {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new Error(`config must be an object with an algo field, got ${JSON.stringify(input)}`);
  }
  const raw = input as Record<string, unknown>;
  const algo = parseAlgo(raw.algo, "config.algo");
  const merged: Record<string, unknown> = { ...DEFAULTS[algo] };
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) merged[k] = v;
  merged.algo = algo;
  const r = SCHEMAS[algo].safeParse(merged);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      throw new Error(`config.${keys[0] ?? "?"} is not a field of the ${algo} config (fields: ${Object.keys(SCHEMAS[algo].shape).join(", ")})`);
    }
    const path = issue.path.map(String).join(".");
    throw new Error(`config.${path} ${issue.message.replace(/^Too (small|big): /, "").replace(/^Invalid input: /, "")}, got ${JSON.stringify(valueAt(merged, issue.path))}`);
  }
  const cfg = r.data as AgentConfig;
  if (cfg.batchSize > cfg.bufferSize) {
    throw new Error(`config.batchSize must be ≤ config.bufferSize (${cfg.bufferSize}), got ${cfg.batchSize}`);
  }
  if (cfg.logStdMin >= cfg.logStdMax) {
    throw new Error(`config.logStdMin must be < config.logStdMax (${cfg.logStdMax}), got ${cfg.logStdMin}`);
  }
  if ((cfg.algo === "virel1" || cfg.algo === "virel2") && cfg.betaRule !== "fixed" && cfg.betaBatch > cfg.bufferSize) {
    throw new Error(`config.betaBatch must be ≤ config.bufferSize (${cfg.bufferSize}), got ${cfg.betaBatch}`);
  }
  return cfg;
}

/**
 * Drop the fields that belong only to other algorithms (so one config file can serve a sweep over
 * algorithms); unknown fields are kept, so that parseConfig still reports them.
 */
export function fieldsForAlgo(cfg: Readonly<Record<string, unknown>>, algo: Algo): { kept: Record<string, unknown>; dropped: string[] } {
  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(cfg)) {
    const doc = CONFIG_DOCS[k];
    if (doc !== undefined && !doc.algos.includes(algo)) dropped.push(k);
    else kept[k] = v;
  }
  return { kept, dropped };
}

/** True for the V-network algorithms (VIREL1, VIREL2, SAC-v1: φ, φ̄ of Algorithm 1). */
export function hasValueNet(cfg: AgentConfig): boolean {
  return cfg.algo !== "sac";
}

/** The config documentation as a Markdown table (README, `virel explain-config`). */
export function configTable(): string {
  const rows = ["| field | meaning | range | default (virel1 / virel2 / sac-v1 / sac) | source |", "|---|---|---|---|---|"];
  for (const [field, doc] of Object.entries(CONFIG_DOCS)) {
    const defs = ALGOS.map((a) => {
      const v = (DEFAULTS[a] as unknown as Record<string, unknown>)[field];
      return v === undefined ? "—" : JSON.stringify(v);
    }).join(" / ");
    rows.push(`| \`${field}\` | ${doc.meaning.replace(/\|/g, "\\|")} | ${doc.range.replace(/\|/g, "\\|")} | ${defs} | ${doc.source} |`);
  }
  return rows.join("\n");
}
