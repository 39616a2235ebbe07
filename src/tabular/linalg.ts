/** A small dense linear solver: LU decomposition with partial pivoting (enough for exact policy evaluation). */
import { checkFinite, formatValue } from "../model/validate";

/** Solve `A x = b` by LU with partial pivoting (`A` is n×n given as rows; inputs are not modified). */
export function solveLinear(A: readonly ArrayLike<number>[], b: ArrayLike<number>): Float64Array {
  const n = A.length;
  if (!Array.isArray(A) || n === 0) throw new Error(`A must be a non-empty array of rows, got ${formatValue(A)}`);
  checkFinite(b, "b", n);
  const M = A.map((row, i) => {
    checkFinite(row, `A[${i}]`, n);
    return Float64Array.from(row);
  });
  const x = Float64Array.from(b);
  let scale = 0;
  for (const row of M) for (let j = 0; j < n; j++) scale = Math.max(scale, Math.abs(row[j]!));
  for (let k = 0; k < n; k++) {
    // partial pivoting: the largest |entry| in column k at or below the diagonal
    let p = k;
    let best = Math.abs(M[k]![k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(M[i]![k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > scale * 1e-14)) throw new Error(`A is singular to working precision (pivot ${best} in column ${k})`);
    if (p !== k) {
      const t = M[k]!;
      M[k] = M[p]!;
      M[p] = t;
      const tb = x[k]!;
      x[k] = x[p]!;
      x[p] = tb;
    }
    const rk = M[k]!;
    const piv = rk[k]!;
    for (let i = k + 1; i < n; i++) {
      const ri = M[i]!;
      const f = ri[k]! / piv;
      if (f === 0) continue;
      ri[k] = f;
      for (let j = k + 1; j < n; j++) ri[j]! -= f * rk[j]!;
      x[i]! -= f * x[k]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    const ri = M[i]!;
    let s = x[i]!;
    for (let j = i + 1; j < n; j++) s -= ri[j]! * x[j]!;
    x[i] = s / ri[i]!;
  }
  return x;
}
