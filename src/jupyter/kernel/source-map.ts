/**
 * Cell positions for run-time errors: stack frames `In[N]:line:col` of the compiled JavaScript are mapped back to
 * the line and column of the cell's own TypeScript, through the two source maps of tslab's two compile steps
 * (TypeScript → ES module, `__tslab__.ts` → `__tslab__.js`; then ES module → CommonJS, `ts.transpileModule`).
 *
 * tslab (1.0.22) emits neither map; we switch them on by wrapping two functions of the TypeScript it uses
 * (`@tslab/typescript-for-tslab`): `createWatchCompilerHost` (adds `sourceMap: true` to tslab's options and keeps
 * the `.js.map` its emit writes, which tslab itself ignores) and `transpileModule` (adds `sourceMap: true` to
 * tslab's CommonJS step). Both are recognised by tslab's own option values (outDir "outDir"; file "custom.js").
 * That module's exports are non-configurable getters, so the wrapping is a new object forwarding to it, put in
 * its place in `require.cache` before tslab's converter loads — this module must be imported before
 * tslab's converter loads (executor.ts imports it first, and tslab.ts loads the converter lazily; when it comes too
 * late it warns and errors keep the compiled positions).
 */
import * as ts from "@tslab/typescript-for-tslab";
import { converterModuleId } from "./tslab";
import { decodeMappings, mappingAt } from "../../source-map-vlq";
import type { Mapping } from "../../source-map-vlq";

export { decodeMappings } from "../../source-map-vlq";

/** A parsed source map: generated (line, col) → source (line, col), 0-based; undefined where nothing maps. */
export class SourceMap {
  private readonly lines: Mapping[][];
  constructor(json: string) {
    const raw = JSON.parse(json) as { version?: unknown; mappings?: unknown };
    if (raw.version !== 3) throw new Error(`source map version must be 3, got ${JSON.stringify(raw.version)}`);
    if (typeof raw.mappings !== "string")
      throw new Error(`source map mappings must be a string, got ${typeof raw.mappings}`);
    this.lines = decodeMappings(raw.mappings);
  }
  /** The segment at or before `col` on `line` (like mozilla source-map's GREATEST_LOWER_BOUND); else the line's first. */
  map(line: number, col: number): { line: number; col: number } | undefined {
    const m = mappingAt(this.lines[line], col);
    return m === undefined ? undefined : { line: m.line, col: m.col };
  }
}

/** Maps positions of one cell's final JavaScript to the cell's TypeScript (0-based lines and columns). */
export class CellPositions {
  constructor(
    private readonly cjs: SourceMap,
    private readonly esm: SourceMap,
    /** Lines of tslab's prefix before the cell in `__tslab__.ts` (`export {};\n`: 1). */
    private readonly prefixLines: number,
    /** Columns our wrapper adds before the first line of the output. */
    private readonly firstLineShift: number,
    readonly code: string,
  ) {}

  /** 1-based line/column of the executed script → 1-based line/column of the cell, or undefined. */
  toCell(line1: number, col1: number): { line: number; col: number } | undefined {
    const line = line1 - 1;
    const col = col1 - 1 - (line === 0 ? this.firstLineShift : 0);
    if (col < 0) return undefined;
    const mid = this.cjs.map(line, col);
    if (mid === undefined) return undefined;
    const src = this.esm.map(mid.line, mid.col);
    if (src === undefined) return undefined;
    const cellLine = src.line - this.prefixLines;
    const lines = this.code.split("\n");
    if (cellLine < 0 || cellLine >= lines.length) return undefined;
    return { line: cellLine + 1, col: Math.min(src.col, lines[cellLine]!.length) + 1 };
  }
}

interface Captured {
  esm: string | null;
  cjs: string | null;
}
const captured: Captured = { esm: null, cjs: null };
let installed = false;

type TsModule = typeof ts;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Switch on and capture tslab's source maps (once per process; before `createConverter`). */
export function installSourceMapCapture(): void {
  if (installed) return;
  installed = true;
  const converterId = converterModuleId();
  if (require.cache[converterId] !== undefined) {
    // Too late in this process (something loaded tslab's converter first): errors keep compiled positions.
    process.emitWarning("source-map.ts loaded after tslab's converter: run-time errors are not source-mapped");
    return;
  }
  const tsId = require.resolve("@tslab/typescript-for-tslab");
  const cached = require.cache[tsId];
  if (cached === undefined) throw new Error("@tslab/typescript-for-tslab is not loaded");
  // Own forwarding getters (tslab's __importStar copies own properties only).
  const tsm = {} as Mutable<TsModule>;
  for (const key of Object.getOwnPropertyNames(ts)) {
    if (key === "createWatchCompilerHost" || key === "transpileModule") continue;
    Object.defineProperty(tsm, key, {
      get: () => (ts as unknown as Record<string, unknown>)[key],
      enumerable: true,
      configurable: false,
    });
  }
  cached.exports = tsm;
  const origHost = ts.createWatchCompilerHost as (
    ...args: unknown[]
  ) => ts.WatchCompilerHostOfFilesAndCompilerOptions<ts.EmitAndSemanticDiagnosticsBuilderProgram>;
  const define = (name: "createWatchCompilerHost" | "transpileModule", value: unknown): void => {
    Object.defineProperty(tsm, name, { value, enumerable: true, writable: false, configurable: false });
  };
  define("createWatchCompilerHost", function (this: unknown, ...args: unknown[]) {
    const options = args[1] as ts.CompilerOptions | undefined;
    const isTslab =
      Array.isArray(args[0]) && options !== undefined && options.outDir === "outDir" && options.declaration === true;
    if (isTslab) args[1] = { ...options, sourceMap: true };
    const host = origHost.apply(this, args);
    if (!isTslab) return host;
    let after: ((b: ts.EmitAndSemanticDiagnosticsBuilderProgram) => void) | undefined;
    Object.defineProperty(host, "afterProgramCreate", {
      configurable: true,
      get: () => (b: ts.EmitAndSemanticDiagnosticsBuilderProgram) => {
        const emit = b.emit.bind(b);
        b.emit = (sf, writeFile, ...rest) =>
          emit(
            sf,
            writeFile === undefined
              ? undefined
              : (fileName, data, ...w) => {
                  if (fileName.endsWith("__tslab__.js.map")) captured.esm = data;
                  return writeFile(fileName, data, ...w);
                },
            ...rest,
          );
        after?.(b);
      },
      set: (f: typeof after) => {
        after = f;
      },
    });
    return host;
  });
  const origTranspile = ts.transpileModule;
  define("transpileModule", function (input: string, opts: ts.TranspileOptions): ts.TranspileOutput {
    if (opts.fileName === "custom.js" && opts.compilerOptions?.module === ts.ModuleKind.CommonJS) {
      const out = origTranspile(input, { ...opts, compilerOptions: { ...opts.compilerOptions, sourceMap: true } });
      captured.cjs = out.sourceMapText ?? null;
      // The map comment would point at a file that does not exist: drop it.
      return { ...out, outputText: out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n") };
    }
    return origTranspile(input, opts);
  });
}

installSourceMapCapture();

/** Forget the last captured maps (call before converting a cell). */
export function resetCapturedMaps(): void {
  captured.esm = null;
  captured.cjs = null;
}

/** The maps of the last converted cell as a position mapper, or undefined when a map is missing. */
export function takeCellPositions(code: string, firstLineShift: number): CellPositions | undefined {
  const { esm, cjs } = captured;
  resetCapturedMaps();
  if (esm === null || cjs === null) return undefined;
  try {
    return new CellPositions(new SourceMap(cjs), new SourceMap(esm), 1, firstLineShift, code);
  } catch {
    return undefined;
  }
}

/** Strip the `//# sourceMappingURL=` comment the TypeScript step leaves in the output. */
export function stripMapComment(js: string): string {
  return js.replace(/^\/\/# sourceMappingURL=\S+\s*$/gm, "");
}
