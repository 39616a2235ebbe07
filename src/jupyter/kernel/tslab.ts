/**
 * The one door to tslab's private modules. The kernel compiles cells with tslab's converter and reuses its code
 * metadata, quick-info printer and display channel; these live in `tslab/dist/*`, which tslab does not publish as
 * an API and may change in any release. So virel pins tslab 1.0.22 exactly (package.json), no other file imports
 * `tslab/dist/*`, and every function here checks the installed version first: another version fails with an
 * error that names both versions instead of breaking somewhere inside a cell.
 *
 * The modules load lazily (on first use): loading the converter loads tslab's TypeScript, which must happen after
 * source-map.ts has wrapped it (source-map.ts checks `converterModuleId()` in `require.cache` to know).
 */
import type { Converter, ConverterOptions, Diagnostic, IsCompleteResult } from "tslab/dist/converter";
import type { CodeMetadata } from "tslab/dist/metadata";
import type * as ts from "@tslab/typescript-for-tslab";

export type { Converter, Diagnostic };

/** The tslab version whose private modules this adapter was written against. */
export const TSLAB_VERSION = "1.0.22";

/** Throws unless `found` is {@link TSLAB_VERSION} (exact: tslab's private modules have no compatibility rule). */
export function checkTslabVersion(found: unknown): void {
  if (found !== TSLAB_VERSION)
    throw new Error(
      `tslab version: the virel-ts kernel needs tslab ${TSLAB_VERSION} exactly (it uses tslab's private ` +
        `dist/ modules: converter, metadata, inspect, jupyter), but tslab ${JSON.stringify(found)} is installed; ` +
        `reinstall virel's dependencies (npm ci)`,
    );
}

let checked = false;

/** Check the installed tslab once per process (see {@link checkTslabVersion}). */
function ensureVersion(): void {
  if (checked) return;
  checkTslabVersion((require("tslab/package.json") as { version?: unknown }).version);
  checked = true;
}

/** The resolved file of tslab's converter module (to tell whether it was loaded already), without loading it. */
export function converterModuleId(): string {
  return require.resolve("tslab/dist/converter");
}

/** tslab's incremental cell converter: type-checks a cell against earlier declarations and compiles it. */
export function createConverter(options: ConverterOptions): Converter {
  ensureVersion();
  return (require("tslab/dist/converter") as typeof import("tslab/dist/converter")).createConverter(options);
}

/** tslab's guess of the indentation the next line of unfinished code needs. */
export function isCompleteCode(code: string): IsCompleteResult {
  ensureVersion();
  return (require("tslab/dist/converter") as typeof import("tslab/dist/converter")).isCompleteCode(code);
}

/** The cell's `%%` magic metadata (e.g. `%%module`), as tslab parses it. */
export function getCodeMetadata(code: string): CodeMetadata {
  ensureVersion();
  return (require("tslab/dist/metadata") as typeof import("tslab/dist/metadata")).getCodeMetadata(code);
}

/** A quick info (signature and docs) as tslab prints it for `inspect_request`. */
export function printQuickInfo(info: ts.QuickInfo): string {
  ensureVersion();
  return (require("tslab/dist/inspect") as typeof import("tslab/dist/inspect")).printQuickInfo(info);
}

/** What tslab's `display` writes through (`import { display } from "tslab"`). */
export type TslabDisplayWriter = (
  data: {
    data: Record<string, unknown>;
    metadata?: Record<string, unknown>;
    transient?: { display_id?: string };
  },
  update: boolean,
) => void;

/**
 * tslab's display channel (the module holding `lastWriteDisplayData`): the kernel sets the writer, and the display
 * helpers read it when they run under a stock tslab kernel.
 */
export function tslabDisplayChannel(): { lastWriteDisplayData: TslabDisplayWriter | null } {
  ensureVersion();
  return require("tslab/dist/jupyter") as { lastWriteDisplayData: TslabDisplayWriter | null };
}
