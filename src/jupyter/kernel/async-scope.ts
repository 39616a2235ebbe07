/**
 * Per-cell tracking of asynchronous work, so that an interrupt really stops a running cell: every cell runs in an
 * AsyncLocalStorage scope; the global timer functions are wrapped so that each timer remembers the scope that
 * created it; interrupting a scope aborts its AbortSignal and cancels its timers, and a callback whose scope was
 * interrupted never runs. An `await` chain that waits on a timer (`setTimeout`, `setImmediate`, tfjs' `nextFrame`)
 * therefore ends at the next timer.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { promisify } from "node:util";
import type { JupyterMessage } from "../protocol/wire";

/** The scope of one execute request. */
export class CellScope {
  readonly controller = new AbortController();
  /** Live timers created by this cell (and by the async work it started). */
  readonly timers = new Set<NodeJS.Timeout | NodeJS.Immediate>();
  constructor(
    /** The execute request (outputs of this cell's async work are parented to it). */
    readonly request: JupyterMessage,
    readonly executionCount: number,
  ) {}
  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }
  /** Abort the cell's signal and cancel every timer it still owns. */
  interrupt(reason: Error): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    for (const t of this.timers) {
      // clearTimeout clears both timeouts and intervals; immediates need clearImmediate.
      if (isImmediate(t)) realClearImmediate(t);
      else realClearTimeout(t);
    }
    this.timers.clear();
  }
}

const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
const realSetImmediate = globalThis.setImmediate;
const realClearTimeout = globalThis.clearTimeout;
const realClearInterval = globalThis.clearInterval;
const realClearImmediate = globalThis.clearImmediate;

function isImmediate(t: NodeJS.Timeout | NodeJS.Immediate): t is NodeJS.Immediate {
  return !("refresh" in t);
}

/** The storage whose store is the running cell's scope. */
export const cellStorage = new AsyncLocalStorage<CellScope>();

/** Every scope that may still own timers (finished cells included: background work started by a cell). */
const liveScopes = new Set<CellScope>();

/** Register a scope so that `interruptAll` reaches its background work. */
export function trackScope(scope: CellScope): void {
  liveScopes.add(scope);
}

/** Interrupt every scope that still owns timers (an interrupt while no cell runs stops background work). */
export function interruptBackground(reason: Error): number {
  let n = 0;
  for (const s of liveScopes) {
    if (s.timers.size > 0) n++;
    s.interrupt(reason);
  }
  liveScopes.clear();
  return n;
}

/** Forget scopes with no timers left (keeps the set small over long sessions). */
export function pruneScopes(): void {
  for (const s of liveScopes) if (s.timers.size === 0) liveScopes.delete(s);
}

/** Run `fn` outside any cell scope (kernel bookkeeping must never be cancelled with a cell). */
export function outsideCells<T>(fn: () => T): T {
  return cellStorage.exit(fn);
}

let installed = false;

/** Replace the global timer functions with scope-aware wrappers (idempotent). */
export function installTimerTracking(): void {
  if (installed) return;
  installed = true;
  type Cb = (...args: unknown[]) => void;

  function guard(
    scope: CellScope | undefined,
    cb: Cb,
    once: boolean,
    handle: () => NodeJS.Timeout | NodeJS.Immediate | undefined,
  ): Cb {
    if (!scope) return cb;
    return function (this: unknown, ...args: unknown[]) {
      const h = handle();
      if (once && h) scope.timers.delete(h);
      if (scope.interrupted) return;
      cb.apply(this, args);
    };
  }

  const setTimeoutW = function (cb: Cb, ms?: number, ...args: unknown[]): NodeJS.Timeout {
    if (typeof cb !== "function") return realSetTimeout(cb as never, ms, ...args);
    const scope = cellStorage.getStore();
    if (scope?.interrupted) return realSetTimeout(() => {}, 2 ** 31 - 1).unref();
    const t: NodeJS.Timeout = realSetTimeout(
      guard(scope, cb, true, () => t),
      ms,
      ...args,
    );
    if (scope) scope.timers.add(t);
    return t;
  };
  const setIntervalW = function (cb: Cb, ms?: number, ...args: unknown[]): NodeJS.Timeout {
    if (typeof cb !== "function") return realSetInterval(cb as never, ms, ...args);
    const scope = cellStorage.getStore();
    if (scope?.interrupted) return realSetTimeout(() => {}, 2 ** 31 - 1).unref();
    const t: NodeJS.Timeout = realSetInterval(
      guard(scope, cb, false, () => t),
      ms,
      ...args,
    );
    if (scope) scope.timers.add(t);
    return t;
  };
  const setImmediateW = function (cb: Cb, ...args: unknown[]): NodeJS.Immediate {
    if (typeof cb !== "function") return realSetImmediate(cb as never, ...args);
    const scope = cellStorage.getStore();
    if (scope?.interrupted) {
      const i = realSetImmediate(() => {});
      return i;
    }
    const t: NodeJS.Immediate = realSetImmediate(
      guard(scope, cb, true, () => t),
      ...args,
    );
    if (scope) scope.timers.add(t);
    return t;
  };
  const forget = (t: unknown): void => {
    const scope = cellStorage.getStore();
    if (scope && t && typeof t === "object") scope.timers.delete(t as NodeJS.Timeout);
    else if (t && typeof t === "object") for (const s of liveScopes) s.timers.delete(t as NodeJS.Timeout);
  };
  const clearTimeoutW = function (t?: NodeJS.Timeout | string | number): void {
    forget(t);
    realClearTimeout(t);
  };
  const clearIntervalW = function (t?: NodeJS.Timeout | string | number): void {
    forget(t);
    realClearInterval(t);
  };
  const clearImmediateW = function (t?: NodeJS.Immediate): void {
    forget(t);
    realClearImmediate(t);
  };
  // Keep util.promisify(setTimeout) / promisify(setImmediate) working (they read the custom symbol).
  for (const [w, real] of [
    [setTimeoutW, realSetTimeout],
    [setImmediateW, realSetImmediate],
  ] as const) {
    const custom = (real as unknown as Record<symbol, unknown>)[promisify.custom];
    if (custom) Object.defineProperty(w, promisify.custom, { value: custom });
  }
  const g = globalThis as unknown as Record<string, unknown>;
  g.setTimeout = setTimeoutW;
  g.setInterval = setIntervalW;
  g.setImmediate = setImmediateW;
  g.clearTimeout = clearTimeoutW;
  g.clearInterval = clearIntervalW;
  g.clearImmediate = clearImmediateW;
}

/** The real (untracked) timer functions, for the kernel's own bookkeeping. */
export const realTimers = {
  setTimeout: realSetTimeout,
  clearTimeout: realClearTimeout,
  setImmediate: realSetImmediate,
};
