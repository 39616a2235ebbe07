/** The mean squared Bellman error of Table 1 and its sample form β̂ of §4.1. */
import { checkFinite, checkTable, checkWeights, type Table } from "./validate";

/**
 * MSBE (Table 1; β̂ of §4.1): `β = E_{h∼d}[(Q_target(h) − Q̂(h))²] = Σ_h d(h) (Q_target(h) − Q̂(h))² / Σ_h d(h)`;
 * `weights` is the weighting d (non-negative, normalised here; uniform when omitted).
 */
export function msbe(qHat: ArrayLike<number>, qTarget: ArrayLike<number>, weights?: ArrayLike<number>): number {
  checkFinite(qHat, "qHat");
  if (qHat.length === 0) throw new Error("qHat must be non-empty, got length 0");
  checkFinite(qTarget, "qTarget", qHat.length);
  if (weights !== undefined) checkWeights(weights, "weights", qHat.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < qHat.length; i++) {
    const w = weights === undefined ? 1 : weights[i]!;
    const e = qTarget[i]! - qHat[i]!;
    num += w * e * e;
    den += w;
  }
  if (!(den > 0)) throw new Error(`weights must have a positive sum, got ${den}`);
  return num / den;
}

/** MSBE on tables `[s][a]` (Table 1): `β = Σ_{s,a} d(s,a) (Q_target(s,a) − Q̂(s,a))² / Σ d` (d uniform if omitted). */
export function msbeTable(qHat: Table, qTarget: Table, weights?: Table): number {
  checkTable(qHat, "qHat");
  const nS = qHat.length;
  const nA = qHat[0]!.length;
  checkTable(qTarget, "qTarget", nS, nA);
  if (weights !== undefined) checkTable(weights, "weights", nS, nA);
  const flat = (t: Table) => {
    const out = new Float64Array(nS * nA);
    t.forEach((row, s) => {
      for (let a = 0; a < nA; a++) out[s * nA + a] = row[a]!;
    });
    return out;
  };
  return msbe(flat(qHat), flat(qTarget), weights === undefined ? undefined : flat(weights));
}
