/**
 * Declaration maps (`.d.ts.map`, source map v3): take a position in the library's `.d.ts` back to its `.ts` source,
 * so go-to-definition lands in `src/` when the sources are present.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { decodeMappings, mappingAt } from "../source-map-vlq";
import type { Mapping } from "../source-map-vlq";

/** A zero-based line/character position in a file. */
export interface FilePosition {
  readonly file: string;
  readonly line: number;
  readonly character: number;
}

export { decodeVlq, decodeMappings } from "../source-map-vlq";

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
  const best = mappingAt(map.lines[generated.line], generated.character);
  if (best === undefined) return undefined;
  const file = map.sources[best.source];
  if (file === undefined || !fs.existsSync(file)) return undefined;
  return { file, line: best.line, character: best.col + Math.max(0, generated.character - best.genCol) };
}
