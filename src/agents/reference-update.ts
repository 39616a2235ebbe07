/**
 * The reference update of Algorithm 1 (App. C), in the order of the pseudocode, with tfjs autodiff: one
 * tf.variableGrads per loss, Adam per network, numbers read back once per step. What differs between the
 * algorithms is read from the algorithm table (algorithms.ts).
 *
 *   M-step (critic, §4.1 / App. B.2, Eq. 10):
 *     φ  ← φ − λ_V ∇J^V(φ),     J^V(φ)  = E[(V(s) − V̂(s))²]
 *     ω_i ← ω_i − λ_Q ∇J^Q(ω_i), J^Q(ω_i) = E[(Q_i(s,a) − ψ_i)²]
 *     φ̄  ← τφ + (1 − τ)φ̄
 *   E-step (actor, §4.1 / App. B.1, Eq. 9):
 *     θ ← θ − λ_π ∇J^π(θ),      J^π(θ) = E[T log π(ã|s) − Q̂(s, ã)]  (+ policyReg·(mean μ² + mean log σ²))
 *
 * The fused update (fused/update.ts) computes the same numbers on the same state; test/agents/fast.test.ts keeps
 * the two equal.
 */
import * as tf from "@tensorflow/tfjs";
import { mse } from "./nn";
import type { Mlp } from "./nn";
import { drawNoise } from "./policy";
import type { Batch, ReplayBuffer } from "./replay";
import type { Rng } from "../rng";
import { needsNextAction } from "./algorithms";
import type { TargetKind } from "./algorithms";
import type { ActorStepResult, CriticStepResult, LearnerState, UpdateRule } from "./learner-state";

/** Batch tensors (created inside a tidy). */
function batchTensors(b: Batch) {
  return {
    s: tf.tensor2d(b.obs, [b.size, b.obsDim]),
    a: tf.tensor2d(b.act, [b.size, b.actDim]),
    r: tf.tensor2d(b.rew, [b.size, 1]),
    s2: tf.tensor2d(b.nextObs, [b.size, b.obsDim]),
    d: tf.tensor2d(b.done, [b.size, 1]),
  };
}

/** The values of scalar tensors, read in one download; disposes them. */
function readScalars(ts: tf.Tensor[]): number[] {
  if (ts.length === 0) return [];
  const stacked = tf.tidy(() => tf.stack(ts.map((t) => tf.reshape(t, []))));
  const out = Array.from(stacked.dataSync());
  stacked.dispose();
  for (const t of ts) t.dispose();
  return out;
}

/** min(Q₁, Q₂) at the concatenated input sa. */
function minQ(q1: Mlp, q2: Mlp, sa: tf.Tensor2D, training = false): tf.Tensor {
  return training
    ? tf.minimum(q1.apply(sa, true, false), q2.apply(sa, true, false))
    : tf.minimum(q1.apply(sa), q2.apply(sa));
}

/** The td residual mean_i MSE(Q_i(s,a), y) over the spec's betaCritics (Q₁, or Q₁ and Q₂), no gradient. */
function tdResidual(S: LearnerState, sa: tf.Tensor2D, y: tf.Tensor): tf.Scalar {
  const losses = (S.spec.betaCritics === 1 ? [S.q1] : [S.q1, S.q2]).map((q) => mse(q.apply(sa), y));
  return losses.length === 1 ? losses[0]! : tf.div(tf.add(losses[0]!, losses[1]!), 2);
}

export class ReferenceUpdate implements UpdateRule {
  readonly name = "reference";

  constructor(private readonly S: LearnerState) {}

  criticStep(batch: Batch, temp: number, residual = false): CriticStepResult {
    const S = this.S;
    const { cfg, spec } = S;
    const B = batch.size;
    const A = S.actDim;
    // ε for ã ∼ π(·|s) first (V's target), then ε for a′ ∼ π(·|s′) (soft targets) — the fused update draws the same
    const noiseNow = spec.vTarget !== null ? drawNoise(S.noiseRng, B, A) : null;
    const noiseNext = needsNextAction(spec) ? drawNoise(S.noiseRng, B, A) : null;
    const kept: tf.Tensor[] = [];
    tf.tidy(() => {
      const { s, a, r, s2, d } = batchTensors(batch);
      const gd = tf.mul(tf.sub(1, d), cfg.gamma); // γ(1 − d)
      // betaSource minibatch: the β rule's td residual on this minibatch, before any step (online V, beta.py's ψ)
      const sa = tf.concat([s, a], 1);
      if (residual) kept.push(tf.keep(tdResidual(S, sa, tf.add(r, tf.mul(gd, S.v!.apply(s2))))));
      // φ ← φ − λ_V ∇J^V(φ),  J^V = E[(V(s) − V̂(s))²],  V̂(s) = min_i Q_i(s, ã)  [soft: − T log π(ã|s)]
      if (S.v !== null && noiseNow !== null) {
        const now = S.pi.sample(s, noiseNow);
        const saNow = tf.concat([s, now.action], 1);
        let vHat = minQ(S.q1, S.q2, saNow);
        if (spec.vTarget === "soft") vHat = tf.sub(vHat, tf.mul(now.logPi, temp));
        const v = S.v;
        const { value, grads } = tf.variableGrads(() => mse(v.apply(s), vHat), v.variables());
        S.optV!.apply(grads);
        kept.push(tf.keep(value));
      }
      // ψ_i, the TD(0) targets of Q₁ and Q₂ (§4.1), from the table's target kinds
      const next = noiseNext !== null ? S.pi.sample(s2, noiseNext) : null; // a′ ∼ π(·|s′), log π(a′|s′)
      let hardV: tf.Tensor | null = null;
      const psi = (kind: TargetKind): tf.Tensor => {
        if (kind === "soft-min-target") {
          // ψ = r + γ(1−d)(min_j Q̄_j(s′, a′) − T log π(a′|s′))
          const sa2 = tf.concat([s2, next!.action], 1);
          return tf.add(r, tf.mul(gd, tf.sub(minQ(S.q1Target!, S.q2Target!, sa2), tf.mul(next!.logPi, temp))));
        }
        if (kind === "soft-own-target") {
          // VIREL2's soft Q₂, its own soft bootstrap: ψ₂ = r + γ(1−d)(Q̄₂(s′, a′) − T log π(a′|s′))
          const sa2 = tf.concat([s2, next!.action], 1);
          return tf.add(r, tf.mul(gd, tf.sub(S.q2Target!.apply(sa2), tf.mul(next!.logPi, temp))));
        }
        // ψ = r + γ(1−d) V̄(s′)
        hardV ??= tf.add(r, tf.mul(gd, S.vTarget!.apply(s2)));
        return hardV;
      };
      const [k1, k2] = spec.qTargets;
      const y1 = psi(k1);
      const y2 = k2 === k1 ? y1 : psi(k2);
      // ω_i ← ω_i − λ_Q ∇J^Q(ω_i),  J^Q = E[(Q_i(s,a) − ψ_i)²]
      const { grads } = tf.variableGrads(() => {
        const p1 = S.q1.apply(sa);
        const p2 = S.q2.apply(sa);
        const l1 = mse(p1, y1);
        const l2 = mse(p2, y2);
        kept.push(tf.keep(l1), tf.keep(l2), tf.keep(tf.mean(p1)), tf.keep(tf.mean(p2)));
        return tf.add(l1, l2);
      }, [...S.q1.variables(), ...S.q2.variables()]);
      S.optQ.apply(grads);
      // φ̄ ← τφ + (1 − τ)φ̄  (Algorithm 1, last line; the actor step reads neither φ̄ nor Q̄, so doing it here equals
      // doing it after the E-step). SAC-v2: Q̄_i ← τQ_i + (1 − τ)Q̄_i.
      const tau = tf.scalar(cfg.tau);
      const omt = tf.scalar(1 - cfg.tau);
      if (S.vTarget !== null) S.vTarget.polyakFrom(S.v!, tau, omt);
      if (S.q1Target !== null) S.q1Target.polyakFrom(S.q1, tau, omt);
      if (S.q2Target !== null) S.q2Target.polyakFrom(S.q2, tau, omt);
    });
    const vals = readScalars(kept);
    const res = residual ? vals.shift()! : null;
    const off = S.v !== null ? 1 : 0;
    const lossV = S.v !== null ? vals[0]! : null;
    const [lossQ1, lossQ2, q1Mean, q2Mean] = vals.slice(off) as [number, number, number, number];
    return { lossV, lossQ1, lossQ2, q1Mean, q2Mean, residual: res };
  }

  actorStep(batch: Batch, temp: number): ActorStepResult {
    const S = this.S;
    const cfg = S.cfg;
    const noise = drawNoise(S.noiseRng, batch.size, S.actDim);
    const kept: tf.Tensor[] = [];
    tf.tidy(() => {
      const s = tf.tensor2d(batch.obs, [batch.size, batch.obsDim]);
      const { grads } = tf.variableGrads(() => {
        // ã = tanh(μ + σε) (reparametrised), Q̂(s, ã) = min_i Q_i(s, ã) or Q₁(s, ã) (the critics' weights held fixed)
        const smp = S.pi.sample(s, noise);
        const sa = tf.concat([s, smp.action], 1);
        const qHat = tf.mean(S.actorCritic === "q1" ? S.q1.apply(sa, true, false) : minQ(S.q1, S.q2, sa, true));
        const logPi = tf.mean(smp.logPi);
        // Eq. 9: J^π(θ) = E[T log π(ã|s) − Q̂(s, ã)]
        let loss: tf.Scalar = tf.sub(tf.mul(logPi, temp), qHat);
        let reg: tf.Scalar = tf.scalar(0);
        if (cfg.policyReg > 0) {
          reg = tf.add(tf.mean(tf.square(smp.mean)), tf.mean(tf.square(smp.logStd)));
          loss = tf.add(loss, tf.mul(reg, cfg.policyReg));
        }
        kept.push(tf.keep(qHat), tf.keep(logPi), tf.keep(reg));
        return loss;
      }, S.pi.net.variables());
      S.optPi.apply(grads);
    });
    const [qHat, logPi, reg] = readScalars(kept) as [number, number, number];
    return { qHat, logPi, reg };
  }

  betaResidual(buffer: ReplayBuffer, sampleRng: Rng, n: number, kind: "td" | "twin-q"): number {
    const S = this.S;
    const b = buffer.sample(n, sampleRng);
    const noise = kind === "twin-q" ? drawNoise(S.noiseRng, b.size, S.actDim) : null;
    const qs = S.spec.betaCritics === 1 ? [S.q1] : [S.q1, S.q2];
    const m = tf.tidy(() => {
      const { s, a, r, s2, d } = batchTensors(b);
      const gd = tf.mul(tf.sub(1, d), S.cfg.gamma);
      const sa = tf.concat([s, a], 1);
      let y: tf.Tensor;
      let half = 1;
      if (noise === null) {
        // official beta.py: ψ = r + γ(1−d) V(s′) with the online V
        y = tf.add(r, tf.mul(gd, S.v!.apply(s2)));
      } else {
        // softlearning: ψ = r + γ(1−d) min_j Q_j(s′, a′∼π), 0.5·MSE (VIREL keeps no target Qs: online Q_j)
        const next = S.pi.sample(s2, noise);
        y = tf.add(r, tf.mul(gd, minQ(S.q1, S.q2, tf.concat([s2, next.action], 1))));
        half = 0.5;
      }
      if (half === 1) return tdResidual(S, sa, y);
      const losses = qs.map((q) => tf.mul(mse(q.apply(sa), y), half));
      return losses.length === 1 ? losses[0]! : tf.div(tf.add(losses[0]!, losses[1]!), 2);
    });
    const value = m.dataSync()[0]!;
    m.dispose();
    return value;
  }

  act(obs: ArrayLike<number>, deterministic: boolean): Float32Array {
    const S = this.S;
    const n = obs.length / S.obsDim;
    const noise = deterministic ? null : drawNoise(S.noiseRng, n, S.actDim);
    const a = tf.tidy(() => {
      const s = tf.tensor2d(Float32Array.from(obs), [n, S.obsDim]);
      return noise === null ? S.pi.deterministic(s) : S.pi.sample(s, noise).action;
    });
    const out = a.dataSync() as Float32Array;
    a.dispose();
    return Float32Array.from(out);
  }

  dispose(): void {}
}
