/**
 * Source map v3 `mappings` (base64 VLQ), decoded once for both readers: the kernel's cell positions
 * (src/jupyter/kernel/source-map.ts) and the language server's declaration maps (src/lsp/sourceMap.ts).
 * No dependencies.
 */

/** One decoded mapping that carries a source position (all 0-based). */
export interface Mapping {
  readonly genCol: number;
  /** Index into the map's `sources`. */
  readonly source: number;
  readonly line: number;
  readonly col: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_VALUE = new Map<string, number>([...BASE64].map((c, i) => [c, i]));

/** Decode one segment's base64 VLQ fields (each: 5 data bits per digit, continuation bit 32, sign in bit 0). */
export function decodeVlq(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64_VALUE.get(ch);
    if (digit === undefined)
      throw new Error(
        `source map mappings: invalid base64 VLQ digit ${JSON.stringify(ch)} in ${JSON.stringify(segment)}`,
      );
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/**
 * Decode a `mappings` string into per-generated-line lists of the mappings that carry a source position, sorted by
 * generated column (fields are deltas: the column within the line, the rest across the whole string).
 */
export function decodeMappings(mappings: string): Mapping[][] {
  const lines: Mapping[][] = [];
  let source = 0;
  let line = 0;
  let col = 0;
  for (const lineText of mappings.split(";")) {
    const row: Mapping[] = [];
    let genCol = 0;
    for (const seg of lineText.split(",")) {
      if (seg === "") continue;
      const f = decodeVlq(seg);
      genCol += f[0] ?? 0;
      if (f.length >= 4) {
        source += f[1]!;
        line += f[2]!;
        col += f[3]!;
        row.push({ genCol, source, line, col });
      }
    }
    row.sort((a, b) => a.genCol - b.genCol);
    lines.push(row);
  }
  return lines;
}

/** The mapping at or before `col` in a row (mozilla source-map's GREATEST_LOWER_BOUND), else the row's first. */
export function mappingAt(row: readonly Mapping[] | undefined, col: number): Mapping | undefined {
  if (row === undefined || row.length === 0) return undefined;
  let best: Mapping | undefined;
  for (const m of row) {
    if (m.genCol <= col) best = m;
    else break;
  }
  return best ?? row[0];
}
