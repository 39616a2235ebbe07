/**
 * Runs cells: tslab's converter (TypeScript 5.0.4, CommonJS, not strict) type-checks and compiles each cell
 * against the declarations of the previous cells; we run the output in the kernel's context inside the cell's
 * scope (async-scope.ts) and report a structured outcome (the last expression's value, or an error with
 * ename/evalue/traceback) instead of tslab's console printing.
 *
 * Differences from tslab's own executor (`tslab/dist/executor`), which we cannot reuse because it prints values and
 * errors to a console and races interrupts without stopping the cell:
 * - an interrupt aborts the cell's AbortSignal and cancels its timers (the async loop really stops);
 * - a cell that fails at run time keeps its declarations (what ran before the error stays usable);
 * - the preloaded names (src/jupyter/prelude.ts) are declared before the first cell and load lazily;
 * - run-time errors point at the cell's own TypeScript: stack frames `In[N]:line:col` are mapped through the
 *   source maps of tslab's compile steps (source-map.ts), and the source line echoed under the error is
 *   the cell's line, not the compiled JavaScript.
 */
// First: switches on tslab's source maps, which must happen before tslab's converter loads (./tslab loads it lazily).
import {
  type CellPositions,
  installSourceMapCapture,
  resetCapturedMaps,
  stripMapComment,
  takeCellPositions,
} from "./source-map";
import Module from "node:module";
import { dirname, extname, join, resolve } from "node:path";
import { inspect as utilInspect } from "node:util";
import vm from "node:vm";
import { createConverter, getCodeMetadata, printQuickInfo, type Converter, type Diagnostic } from "./tslab";
import { PRELOADED, PRELUDE_DTS } from "../prelude";
import { CellScope, cellStorage, realTimers, trackScope } from "./async-scope";
import { runtimeModules } from "./resolve";

/** The result of running one cell. */
export type CellOutcome =
  | { status: "ok"; hasValue: boolean; value: unknown }
  | { status: "error"; ename: string; evalue: string; traceback: string[]; interrupted: boolean };

/** Completion candidates in UTF-16 offsets of the cell. */
export interface Completion {
  start: number;
  end: number;
  matches: string[];
}

/** The error an interrupted cell ends with. */
export class InterruptError extends Error {
  constructor() {
    super("the cell was interrupted (SIGINT / interrupt_request); kernel state is kept");
    this.name = "InterruptError";
  }
}

const RED = "\x1b[31m";
const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";

interface CellGlobal {
  exports: Record<string, unknown>;
  require: NodeJS.Require;
}
const CELL_GLOBAL = "__virel_cell__";

export interface ExecutorOptions {
  /** The notebook's directory (module resolution, relative imports). */
  cwd: string;
  /** The virel package root (what `virel` means). */
  root: string;
}

export class CellExecutor {
  private readonly converter: Converter;
  private prevDecl = PRELUDE_DTS;
  /** The variables of all cells (tslab's `exports` object): later cells read and write them. */
  readonly locals: Record<string, unknown>;
  private readonly cellRequire: NodeJS.Require;
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, NodeJS.Module>();
  private running: CellScope | null = null;
  private rejectRunning: ((e: Error) => void) | null = null;
  private readonly cwd: string;
  private readonly modules: Map<string, string>;
  /** Position maps of the cells that ran (`In[N]` → map), for stack frames of any earlier cell. */
  readonly positions = new Map<string, CellPositions>();

  constructor(opts: ExecutorOptions) {
    this.cwd = resolve(opts.cwd);
    this.modules = runtimeModules(opts.root);
    installSourceMapCapture();
    this.converter = createConverter({ isJS: false, isBrowser: false });
    this.locals = createLocals(
      PRELOADED.map((p) => {
        const file = this.modules.get(p.module);
        if (!file) throw new Error(`prelude module ${p.module} has no runtime mapping`);
        return [p.name, () => require(file) as unknown] as const;
      }),
    );
    this.cellRequire = this.wrapRequire(Module.createRequire(join(this.cwd, "__cell__.js")), this.cwd);
  }

  /** Load the preloaded modules and type-check a cell that uses them (first-cell latency moves to startup). */
  warmUp(): void {
    for (const p of PRELOADED) void this.locals[p.name];
    this.converter.convert(this.prevDecl, PRELOADED.map((p) => `${p.name};`).join("\n"));
  }

  /** Is a cell running now? */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Interrupt the running cell (or the one being compiled); false when none runs. */
  interrupt(): boolean {
    if (this.compiling) {
      this.interruptedWhileCompiling = true;
      return true;
    }
    const scope = this.running;
    if (!scope) return false;
    const err = new InterruptError();
    scope.interrupt(err);
    this.rejectRunning?.(err);
    return true;
  }

  private compiling = false;
  private interruptedWhileCompiling = false;

  /** Type-check, compile and run one cell in `scope`. */
  async execute(code: string, scope: CellScope): Promise<CellOutcome> {
    this.compiling = true;
    this.interruptedWhileCompiling = false;
    try {
      return await this.executeImpl(code, scope);
    } finally {
      this.compiling = false;
    }
  }

  private async executeImpl(code: string, scope: CellScope): Promise<CellOutcome> {
    const meta = getCodeMetadata(code);
    if (meta.module) {
      const diags = this.converter.addModule(meta.module, code, meta);
      return diags.length > 0
        ? typeErrorOutcome(diags, code, scope.executionCount)
        : { status: "ok", hasValue: false, value: undefined };
    }
    if (meta.mode === "browser") {
      return errorOutcome(
        new Error("browser-mode cells (/** @browser */) are not supported by the VIREL kernel"),
        scope.executionCount,
      );
    }
    resetCapturedMaps();
    const converted = this.converter.convert(this.prevDecl, code);
    if (converted.sideOutputs) {
      for (const out of converted.sideOutputs) {
        this.sideModules.delete(out.path);
        this.sideOutputs.set(out.path, out.data);
      }
    }
    if (converted.diagnostics.length > 0) return typeErrorOutcome(converted.diagnostics, code, scope.executionCount);
    if (!converted.output) {
      this.prevDecl = converted.declOutput ?? this.prevDecl;
      return { status: "ok", hasValue: false, value: undefined };
    }
    const head = converted.hasToplevelAwait
      ? "(async function (exports, require) { "
      : "(function (exports, require) { ";
    const wrapped =
      head +
      stripMapComment(converted.output) +
      `\n})(globalThis.${CELL_GLOBAL}.exports, globalThis.${CELL_GLOBAL}.require)`;
    const cellPositions = takeCellPositions(code, head.length);
    if (cellPositions !== undefined) this.positions.set(`In[${scope.executionCount}]`, cellPositions);
    // A SIGINT that arrived while compiling is still pending in libuv: let the event loop deliver it to the
    // kernel's handler now (vm's breakOnSigint only catches signals that arrive while the script runs).
    // Two turns: the first ends this loop iteration, the second comes after the next poll phase, where libuv
    // reads its signal pipe.
    await new Promise<void>((r) => realTimers.setImmediate(() => realTimers.setImmediate(r)));
    this.compiling = false;
    if (this.interruptedWhileCompiling) return interruptOutcome(scope.executionCount);
    const cellGlobal: CellGlobal = { exports: this.locals, require: this.cellRequire };
    (globalThis as Record<string, unknown>)[CELL_GLOBAL] = cellGlobal;
    trackScope(scope);
    this.running = scope;
    const interrupted = new Promise<never>((_, reject) => {
      this.rejectRunning = reject;
    });
    interrupted.catch(() => {});
    try {
      let result: unknown;
      try {
        result = cellStorage.run(scope, () =>
          vm.runInThisContext(wrapped, { filename: `In[${scope.executionCount}]`, breakOnSigint: true }),
        );
      } catch (e) {
        if (isSigintBreak(e) || scope.interrupted) return interruptOutcome(scope.executionCount);
        return this.failed(converted.declOutput, e, scope.executionCount);
      }
      if (converted.hasToplevelAwait) {
        try {
          await Promise.race([result as Promise<unknown>, interrupted]);
        } catch (e) {
          if (e instanceof InterruptError || scope.interrupted) {
            this.prevDecl = converted.declOutput ?? this.prevDecl;
            return interruptOutcome(scope.executionCount);
          }
          return this.failed(converted.declOutput, e, scope.executionCount);
        }
      }
      if (scope.interrupted) {
        this.prevDecl = converted.declOutput ?? this.prevDecl;
        return interruptOutcome(scope.executionCount);
      }
      this.prevDecl = converted.declOutput ?? "";
      if (!converted.lastExpressionVar) return { status: "ok", hasValue: false, value: undefined };
      let value = this.locals[converted.lastExpressionVar];
      delete this.locals[converted.lastExpressionVar];
      // A promise as the last expression is awaited (like `await` on it): `agent.train(…)` shows its result and
      // stays interruptible.
      if (isThenable(value)) {
        try {
          value = await Promise.race([value, interrupted]);
        } catch (e) {
          if (e instanceof InterruptError || scope.interrupted) return interruptOutcome(scope.executionCount);
          return errorOutcome(e, scope.executionCount, this.positions);
        }
      }
      return { status: "ok", hasValue: value !== undefined, value };
    } finally {
      this.running = null;
      this.rejectRunning = null;
    }
  }

  /** A run-time failure keeps the cell's declarations: what ran before the throw is still there. */
  private failed(declOutput: string | undefined, e: unknown, count: number): CellOutcome {
    if (declOutput !== undefined) this.prevDecl = declOutput;
    return errorOutcome(e, count, this.positions);
  }

  /** Evaluate one expression against the cells' state without recording it (`user_expressions`). */
  evaluate(
    expr: string,
  ): { status: "ok"; value: unknown } | { status: "error"; ename: string; evalue: string; traceback: string[] } {
    const converted = this.converter.convert(this.prevDecl, `(${expr});`);
    if (converted.diagnostics.length > 0) {
      const o = typeErrorOutcome(converted.diagnostics, expr, this.running?.executionCount ?? 0);
      return o.status === "error" ? o : { status: "ok", value: undefined };
    }
    if (!converted.output || !converted.lastExpressionVar || converted.hasToplevelAwait) {
      return { status: "error", ename: "ValueError", evalue: `not a synchronous expression: ${expr}`, traceback: [] };
    }
    (globalThis as Record<string, unknown>)[CELL_GLOBAL] = {
      exports: this.locals,
      require: this.cellRequire,
    } satisfies CellGlobal;
    try {
      vm.runInThisContext(
        "(function (exports, require) { " +
          converted.output +
          `\n})(globalThis.${CELL_GLOBAL}.exports, globalThis.${CELL_GLOBAL}.require)`,
        { filename: "user_expression" },
      );
      const value = this.locals[converted.lastExpressionVar];
      delete this.locals[converted.lastExpressionVar];
      return { status: "ok", value };
    } catch (e) {
      const o = errorOutcome(e, 0);
      return o.status === "error" ? o : { status: "ok", value: undefined };
    }
  }

  /** Completion at UTF-16 offset `pos`. */
  complete(code: string, pos: number): Completion {
    const info = this.converter.complete(this.prevDecl, code, pos);
    return { start: info.start, end: info.end, matches: info.candidates };
  }

  /** Quick info (signature + docs) at UTF-16 offset `pos`, or null. */
  inspect(code: string, pos: number): string | null {
    for (const p of [pos, pos - 1]) {
      if (p < 0) continue;
      const info = this.converter.inspect(this.prevDecl, code, p);
      if (info) return printQuickInfo(info);
    }
    return null;
  }

  /** Release tslab's watchers. */
  close(): void {
    this.converter.close();
  }

  /** `require` for cells: `virel…` → this package, `tslab` → tslab, local .ts modules from tslab's side outputs. */
  private wrapRequire(base: NodeJS.Require, dir: string): NodeJS.Require {
    const fn = ((id: string): unknown => {
      const mapped = this.modules.get(id);
      if (mapped) return require(mapped);
      if (id === "tslab") return require("tslab");
      const side = this.requireSideOutput(id, dir);
      if (side !== undefined) return side;
      return base(id);
    }) as NodeJS.Require;
    fn.resolve = base.resolve;
    fn.cache = base.cache;
    fn.main = base.main;
    fn.extensions = base.extensions;
    return fn;
  }

  private requireSideOutput(id: string, dir: string): unknown {
    if (!id.startsWith(".") && !id.startsWith("/")) return undefined;
    let filename = join(dir, id);
    if (extname(filename) === "") filename += ".js";
    const cached = this.sideModules.get(filename);
    if (cached) return cached.exports;
    const src = this.sideOutputs.get(filename);
    if (src === undefined) return undefined;
    const ModuleCtor = Module as unknown as new (
      id: string,
      parent?: NodeJS.Module,
    ) => NodeJS.Module & {
      _compile(src: string, filename: string): void;
      paths: string[];
    };
    const mod = new ModuleCtor(filename, module);
    mod.filename = filename;
    mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(dirname(filename));
    (mod as unknown as { require: NodeJS.Require }).require = this.wrapRequire(
      Module.createRequire(filename),
      dirname(filename),
    );
    this.sideModules.set(filename, mod);
    mod._compile(src, filename);
    return mod.exports;
  }
}

/**
 * tslab-style `exports`: named imports become plain rewritable values. `lazy` names are accessors on the target
 * that load on first read and then become plain values (assignable by later cells).
 */
function createLocals(lazy: ReadonlyArray<readonly [string, () => unknown]>): Record<string, unknown> {
  const target: Record<string | symbol, unknown> = {};
  const settle = (name: string, v: unknown): void => {
    Object.defineProperty(target, name, { value: v, writable: true, configurable: true, enumerable: true });
  };
  for (const [name, load] of lazy) {
    Object.defineProperty(target, name, {
      configurable: true,
      enumerable: true,
      get() {
        const v = load();
        settle(name, v);
        return v;
      },
      set(v: unknown) {
        settle(name, v);
      },
    });
  }
  return new Proxy(target, {
    defineProperty(_t, prop, attrs) {
      if (prop === "__esModule") return true;
      target[prop] = attrs.get ? (attrs.get as () => unknown)() : attrs.value;
      return true;
    },
  }) as Record<string, unknown>;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === "object" || typeof v === "function") &&
    v !== null &&
    typeof (v as { then?: unknown }).then === "function"
  );
}

function isSigintBreak(e: unknown): boolean {
  return e instanceof Error && /Script execution (was )?interrupted/.test(e.message);
}

function interruptOutcome(count: number): CellOutcome {
  const e = new InterruptError();
  return {
    status: "error",
    ename: e.name,
    evalue: e.message,
    traceback: [`${RED}${BOLD}InterruptError${RESET}: ${e.message} (In[${count}])`],
    interrupted: true,
  };
}

/** `In[N]:line:col` in a stack line → the cell's own TypeScript line and column, where a map is known. */
export function mapStackLine(line: string, positions: ReadonlyMap<string, CellPositions>): string {
  return line.replace(/In\[(\d+)\]:(\d+):(\d+)/g, (m, n: string, l: string, c: string) => {
    const p = positions.get(`In[${n}]`)?.toCell(Number(l), Number(c));
    return p !== undefined ? `In[${n}]:${p.line}:${p.col}` : m;
  });
}

/**
 * Structured error for a thrown value; the stack is cut where the kernel's own frames begin, its `In[N]` frames
 * are mapped to the cells' TypeScript lines (`positions`), and under the message the cell's line of the first such
 * frame is echoed with a caret (V8's own echo of the compiled JavaScript line is dropped).
 */
export function errorOutcome(
  e: unknown,
  count: number,
  positions: ReadonlyMap<string, CellPositions> = new Map(),
): CellOutcome {
  if (e instanceof Error || (typeof e === "object" && e !== null && "message" in e && "name" in e)) {
    const err = e as Error;
    const ename = typeof err.name === "string" && err.name ? err.name : "Error";
    const evalue = typeof err.message === "string" ? err.message : String(err.message);
    let lines = typeof err.stack === "string" ? err.stack.split("\n") : [`${ename}: ${evalue}`];
    // Node prepends "<compiled source line>\n<caret>\n\n" to errors thrown by vm scripts: drop it.
    const headAt = lines.findIndex((l) => l.startsWith(`${ename}:`) || l === ename || l.startsWith(`${ename} [`));
    if (headAt > 0) lines = lines.slice(headAt);
    const frames: string[] = [];
    for (const line of lines.slice(1)) {
      if (/kernel[\\/](executor|server|launcher)\.js|node:vm|node:internal|\(vm\.js/.test(line)) break;
      // A frame of a mapped cell that maps nowhere is our wrapper's call (after the cell's last line): drop it.
      const m = /In\[(\d+)\]:(\d+):(\d+)/.exec(line);
      if (
        m !== null &&
        positions.get(`In[${m[1]}]`) !== undefined &&
        positions.get(`In[${m[1]}]`)!.toCell(Number(m[2]), Number(m[3])) === undefined
      )
        continue;
      frames.push(mapStackLine(line, positions));
    }
    const echo: string[] = [];
    for (const f of frames) {
      const m = /In\[(\d+)\]:(\d+):(\d+)/.exec(f);
      const pos = m !== null ? positions.get(`In[${m[1]}]`) : undefined;
      if (m === null || pos === undefined) continue;
      const src = pos.code.split("\n")[Number(m[2]) - 1];
      if (src !== undefined) echo.push(`    ${src}`, `    ${" ".repeat(Math.max(0, Number(m[3]) - 1))}${RED}^${RESET}`);
      break;
    }
    return {
      status: "error",
      ename,
      evalue,
      traceback: [`${RED}${BOLD}${ename}${RESET}: ${evalue}`, ...echo, ...frames],
      interrupted: false,
    };
  }
  const text = typeof e === "string" ? e : utilInspect(e, { depth: 3 });
  return {
    status: "error",
    ename: "Uncaught",
    evalue: text,
    traceback: [`${RED}${BOLD}Uncaught${RESET} ${text} (In[${count}])`],
    interrupted: false,
  };
}

/** One `TSError` for all diagnostics of a cell: `line:col - message (TScode)` plus the source line and a caret. */
export function typeErrorOutcome(diags: readonly Diagnostic[], code: string, count: number): CellOutcome {
  const lines = code.split("\n");
  const tb: string[] = [];
  const first = diags[0]!;
  for (const d of diags) {
    const where = `${d.fileName ? d.fileName + " " : `In[${count}] `}${d.start.line + 1}:${d.start.character + 1}`;
    tb.push(`${RED}${BOLD}${where} - error TS${d.code}${RESET}: ${d.messageText}`);
    if (!d.fileName) {
      const src = lines[d.start.line];
      if (src !== undefined) {
        const width =
          d.end.line === d.start.line
            ? Math.max(1, d.end.character - d.start.character)
            : Math.max(1, src.length - d.start.character);
        tb.push(`    ${src}`);
        tb.push(`    ${" ".repeat(d.start.character)}${RED}${"~".repeat(width)}${RESET}`);
      }
    }
  }
  const more = diags.length > 1 ? ` (and ${diags.length - 1} more)` : "";
  return {
    status: "error",
    ename: "TSError",
    evalue: `${first.start.line + 1}:${first.start.character + 1} - ${first.messageText} (TS${first.code})${more}`,
    traceback: tb,
    interrupted: false,
  };
}
