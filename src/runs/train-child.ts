/**
 * Reading a `virel train --progress json` child, as `virel sweep` and `virel experiment run` both do: its stdout
 * is JSON lines (`{"progress": …}` while it trains, `{"summary": …}` at the end; other lines are ignored), its
 * stderr is kept as a bounded tail for the error message when it fails.
 */
import type { Readable } from "node:stream";
import type { TrainProgress } from "../agents/agent";
import type { RunSummary } from "../agents/run";

/** One message of a training child's stdout. */
export interface TrainChildMessage {
  progress?: TrainProgress;
  summary?: RunSummary;
}

/** Calls `onMessage` for every complete JSON-object line of `stream` (chunks split anywhere); other lines are skipped. */
export function onJsonLines(stream: Readable, onMessage: (msg: TrainChildMessage) => void): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      if (msg !== null && typeof msg === "object" && !Array.isArray(msg)) onMessage(msg as TrainChildMessage);
    }
  });
}

/** Keeps the last `max` characters of `stream`; the returned function gives its last `lines` lines joined by " | ". */
export function stderrTail(stream: Readable, max = 4000): (lines?: number) => string {
  let tail = "";
  stream.setEncoding("utf8");
  stream.on("data", (c: string) => {
    tail = (tail + c).slice(-max);
  });
  return (lines = 3) => tail.trim().split("\n").slice(-lines).join(" | ");
}
