/**
 * Declaration maps (`.d.ts.map`, source map v3): take a position in the library's `.d.ts` back to its `.ts` source,
 * so go-to-definition lands in `src/` when the sources are present.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** A zero-based line/character position in a file. */
export interface FilePosition {
  readonly file: string;
  readonly line: number;
  readonly character: number;
}

interface Mapping {
  readonly genCol: number;
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
      throw new Error(`invalid base64 VLQ digit ${JSON.stringify(ch)} in ${JSON.stringify(segment)}`);
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

/** Decode a `mappings` string into per-generated-line lists of mappings that carry a source position. */
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
        source += f[1] ?? 0;
        line += f[2] ?? 0;
        col += f[3] ?? 0;
        row.push({ genCol, source, line, col });
      }
    }
    lines.push(row);
  }
  return lines;
}

interface LoadedMap {
  readonly mtimeMs: number;
  readonly sources: readonly string[];
  readonly lines: readonly (readonly Mapping[])[];
}
const cache = new Map<string, LoadedMap>();

function loadMap(mapFile: string): LoadedMap | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(mapFile);
  } catch {
    return undefined;
  }
  const hit = cache.get(mapFile);
  if (hit !== undefined && hit.mtimeMs === st.mtimeMs) return hit;
  try {
    const raw = JSON.parse(fs.readFileSync(mapFile, "utf8")) as {
      sources?: unknown;
      sourceRoot?: unknown;
      mappings?: unknown;
    };
    if (!Array.isArray(raw.sources) || typeof raw.mappings !== "string") return undefined;
    const root = typeof raw.sourceRoot === "string" ? raw.sourceRoot : "";
    const dir = path.dirname(mapFile);
    const sources = raw.sources.map((s) => path.resolve(dir, root, String(s)));
    const loaded: LoadedMap = { mtimeMs: st.mtimeMs, sources, lines: decodeMappings(raw.mappings) };
    cache.set(mapFile, loaded);
    return loaded;
  } catch {
    return undefined;
  }
}

/**
 * The source position of a position in a generated file that has a `<file>.map` beside it, when the source file
 * exists; undefined otherwise (no map, no mapping on that line, or the source is not shipped).
 */
export function originalPosition(generated: FilePosition): FilePosition | undefined {
  const map = loadMap(generated.file + ".map");
  if (map === undefined) return undefined;
  const row = map.lines[generated.line];
  if (row === undefined || row.length === 0) return undefined;
  let best: Mapping | undefined;
  for (const m of row) {
    if (m.genCol <= generated.character) best = m;
    else break;
  }
  best ??= row[0];
  if (best === undefined) return undefined;
  const file = map.sources[best.source];
  if (file === undefined || !fs.existsSync(file)) return undefined;
  return { file, line: best.line, character: best.col + Math.max(0, generated.character - best.genCol) };
}
