/**
 * The contract between the display helpers and the kernel that runs them. The kernel (src/jupyter/kernel/)
 * installs a `KernelBridge` on `globalThis[BRIDGE_KEY]` before the first cell; the helpers look it up on every
 * call, so they also work (printing text/plain) in plain Node, and they fall back to tslab's own display channel
 * (through src/jupyter/kernel/tslab.ts) when they run inside a stock tslab kernel.
 */
import { tslabDisplayChannel } from "../jupyter/kernel/tslab";

/** A mime bundle: mime type → data (strings, or JSON for `application/*+json` types). */
export type MimeBundle = Record<string, unknown>;

/** Options of one display message. */
export interface DisplayOptions {
  /** Ties the output to an id so that later `update` calls replace it in place (`transient.display_id`). */
  displayId?: string;
  /** Send `update_display_data` (replace the output with `displayId`) instead of a new `display_data`. */
  update?: boolean;
  /** Per-mime metadata (e.g. `{"image/svg+xml": {isolated: true}}`). */
  metadata?: Record<string, unknown>;
}

/** What a kernel provides to the display helpers. */
export interface KernelBridge {
  /** Send one `display_data` (or `update_display_data`) message carrying the whole bundle. */
  display(bundle: MimeBundle, options?: DisplayOptions): void;
  /** Send `clear_output` (with `wait`, the frontend clears when the next output arrives). */
  clearOutput(wait: boolean): void;
  /**
   * The AbortSignal of the cell that is running now (or of the cell whose async work is calling): aborted when the
   * user interrupts the kernel. Outside a cell, a signal that never aborts.
   */
  interruptSignal(): AbortSignal;
  /** Run `fn` after every cell finishes, before the kernel reports idle (flush pending live updates). */
  onCellEnd(fn: () => void): void;
  /** A random id of this kernel process (a restart gives a new one): "the page" for once-per-page assets. */
  readonly sessionId: string;
}

/** The global slot where a kernel installs its bridge. */
export const BRIDGE_KEY: unique symbol = Symbol.for("virel.kernel.bridge") as never;

/**
 * A value whose evaluation as a cell's last expression must not produce an `execute_result` (a display handle:
 * the output was already sent).
 */
export const SILENT_RESULT = Symbol.for("virel.display.silentResult");

/** A value that renders itself as a mime bundle when it is a cell's last expression. */
export const MIME_BUNDLE = Symbol.for("virel.display.mimeBundle");

/** Objects carrying `[MIME_BUNDLE]()`. */
export interface RichValue {
  [MIME_BUNDLE](): MimeBundle;
}

type TslabWriter = (
  data: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/** tslab's own channel (`lastWriteDisplayData`), for the helpers running under a stock tslab kernel. */
function tslabBridge(): KernelBridge | null {
  let jupyter: { lastWriteDisplayData: TslabWriter | null } | undefined;
  try {
    jupyter = tslabDisplayChannel() as { lastWriteDisplayData: TslabWriter | null };
  } catch {
    return null;
  }
  const write = jupyter.lastWriteDisplayData;
  if (!write) return null;
  const never = new AbortController().signal;
  return {
    display(bundle, options = {}) {
      const transient: { display_id?: string } = {};
      if (options.displayId) transient.display_id = options.displayId;
      write({ data: bundle, metadata: options.metadata ?? {}, transient }, options.update === true);
    },
    clearOutput() {
      /* tslab has no clear_output channel */
    },
    interruptSignal: () => never,
    onCellEnd() {
      /* tslab has no cell-end hook */
    },
    sessionId: "tslab",
  };
}

/** The bridge of the kernel this process runs in, or null in plain Node. */
export function currentBridge(): KernelBridge | null {
  const g = globalThis as { [BRIDGE_KEY]?: KernelBridge };
  return g[BRIDGE_KEY] ?? tslabBridge();
}

/** Install (or remove, with null) the bridge — called by the kernel; tests use it to capture messages. */
export function installBridge(bridge: KernelBridge | null): void {
  const g = globalThis as { [BRIDGE_KEY]?: KernelBridge };
  if (bridge) g[BRIDGE_KEY] = bridge;
  else delete g[BRIDGE_KEY];
}
