/**
 * Language-server scale benchmark: a synthetic notebook of N TypeScript cells (test/lsp/scaleNotebook.ts) is opened
 * in `virel lsp --stdio`; prints the time until every cell has diagnostics, then the edit-to-diagnostics time (an
 * edit in the middle cell until every cell's diagnostics are published again, the median of --edits edits), and
 * the server's resident memory (VmRSS now, VmHWM peak, from /proc). The server's diagnostics debounce is set to 0
 * here; an editor adds the default 150 ms on top.
 *
 *   npm run build && node dist/bench/lsp-scale.js [--cells 500,1000,2000] [--edits 5] [--server bin/virel.js]
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import { LspTestClient } from "../test/lsp/lspClient";
import { TYPE_ERROR_LINE, openParams, scaleCells } from "../test/lsp/scaleNotebook";

const root = join(__dirname, "..", "..");

function memoryMB(pid: number | undefined): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

async function measure(server: string, n: number, edits: number): Promise<void> {
  const client = LspTestClient.start(process.execPath, [server, "lsp", "--stdio"], root);
  try {
    await client.request("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      capabilities: {},
      initializationOptions: { diagnosticsDelayMs: 0 },
    });
    await client.notify("initialized", {});
    const nbPath = join(root, "bench", `scale${n}.ipynb`);
    const uri = (i: number): string => `vscode-notebook-cell:${nbPath}#b${i}`;
    const cells = scaleCells(n, uri);
    const t0 = performance.now();
    await client.notify("notebookDocument/didOpen", openParams(pathToFileURL(nbPath).href, cells));
    await client.waitFor(() => cells.every((c) => client.diagnostics.has(c.uri)), `open ${n}`, 600_000);
    const openMs = performance.now() - t0;

    // Each edit toggles the type error of the middle cell (removes it, then puts it back).
    const mid = Math.floor(n / 2);
    const line = cells[mid]!.text.split("\n").findIndex((l) => l + "\n" === TYPE_ERROR_LINE);
    const times: number[] = [];
    let present = true;
    for (let e = 0; e < edits; e++) {
      const from = client.published.length;
      const text = present ? "" : TYPE_ERROR_LINE;
      const range = present
        ? { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }
        : { start: { line, character: 0 }, end: { line, character: 0 } };
      const t = performance.now();
      await client.notify("notebookDocument/didChange", {
        notebookDocument: { uri: pathToFileURL(nbPath).href, version: e + 2 },
        change: {
          cells: { textContent: [{ document: { uri: uri(mid), version: e + 2 }, changes: [{ range, text }] }] },
        },
      });
      await client.waitFor(() => client.published.length - from >= n, `edit ${e} of ${n}`, 600_000);
      times.push(performance.now() - t);
      present = !present;
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const mem = memoryMB(client.child.pid);
    console.log(
      `${String(n).padStart(5)} cells  open→diagnostics ${(openMs / 1000).toFixed(2)} s  ` +
        `edit→diagnostics median ${(median / 1000).toFixed(2)} s (min ${(times[0]! / 1000).toFixed(2)}, max ${(times[times.length - 1]! / 1000).toFixed(2)})  ` +
        `RSS ${mem.rss.toFixed(0)} MB (peak ${mem.peak.toFixed(0)} MB)`,
    );
    if (/Maximum call stack|Cannot read properties/.test(client.log))
      console.log(`  server errors: ${client.log.slice(0, 300)}`);
  } finally {
    client.kill();
  }
}

async function main(): Promise<void> {
  const program = new Command()
    .name("bench/lsp-scale")
    .option("--cells <list>", "comma-separated cell counts", "500,1000,2000")
    .option("--edits <n>", "edits to time per size (median printed)", "5")
    .option("--server <path>", "the virel CLI to start as `lsp --stdio`", join(root, "bin", "virel.js"))
    .parse(process.argv);
  const opts = program.opts<{ cells: string; edits: string; server: string }>();
  const sizes = opts.cells.split(",").map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 2) throw new Error(`--cells: not a cell count ≥ 2: ${JSON.stringify(s)}`);
    return n;
  });
  const edits = Number(opts.edits);
  if (!Number.isInteger(edits) || edits < 1)
    throw new Error(`--edits: not a positive integer: ${JSON.stringify(opts.edits)}`);
  const [l1, l5] = loadavg();
  console.log(
    `node ${process.version}, server ${resolve(opts.server)}, load average ${l1!.toFixed(2)} / ${l5!.toFixed(2)} (1 / 5 min)`,
  );
  for (const n of sizes) await measure(resolve(opts.server), n, edits);
  const [e1] = loadavg();
  console.log(`load average at the end ${e1!.toFixed(2)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
