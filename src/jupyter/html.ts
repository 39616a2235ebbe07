/**
 * `virel notebook html`: render an executed notebook as one self-contained HTML page that works offline. Plotly
 * outputs are drawn from their `application/vnd.plotly.v1+json` data with plotly.js inlined once in the page;
 * SVG/PNG become images, Markdown is rendered, tracebacks lose their ANSI colours.
 */
import { randomBytes } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { plotHtml, plotlyLoaderScript, PLOTLY_MIME, type Figure } from "../display/plotly";
import { escapeHtml, renderMarkdown } from "./markdown";
import { readNotebook, sourceText, type Notebook, type Output } from "./nbformat";
import type { Json, JsonObject } from "./protocol/wire";

const STYLE = `
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
.cell{margin:1em 0}.prompt{color:#307fc1;font-family:monospace;font-size:12px}
pre{background:#f6f8fa;padding:.6em .8em;overflow-x:auto;border-radius:4px;font-size:13px;line-height:1.35}
pre.input{border-left:3px solid #307fc1}pre.stderr{background:#fff4f4}pre.error{background:#fde8e8;color:#7a1010}
.output{margin:.3em 0 .3em 0}.output img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}
.math{font-family:"Times New Roman",serif}code{background:#f0f0f0;padding:0 3px;border-radius:3px}pre code{background:none;padding:0}
`;

/** Strip ANSI escape sequences (tracebacks). */
export function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}

function text(v: Json | undefined): string {
  return Array.isArray(v) ? v.map(String).join("") : typeof v === "string" ? v : JSON.stringify(v);
}

function renderData(data: JsonObject, uid: () => string): { html: string; plotly: boolean } {
  const plotly = data[PLOTLY_MIME];
  if (plotly && typeof plotly === "object" && !Array.isArray(plotly) && Array.isArray(plotly.data)) {
    return { html: plotHtml(plotly as unknown as Figure, uid(), { includeLibrary: false }), plotly: true };
  }
  if (data["text/html"] !== undefined)
    return { html: text(data["text/html"]), plotly: /Plotly\.newPlot/.test(text(data["text/html"])) };
  if (data["image/svg+xml"] !== undefined) {
    const b64 = Buffer.from(text(data["image/svg+xml"]), "utf8").toString("base64");
    return { html: `<img src="data:image/svg+xml;base64,${b64}"/>`, plotly: false };
  }
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    if (data[mime] !== undefined)
      return { html: `<img src="data:${mime};base64,${text(data[mime]).replace(/\s/g, "")}"/>`, plotly: false };
  }
  if (data["text/markdown"] !== undefined) return { html: renderMarkdown(text(data["text/markdown"])), plotly: false };
  if (data["text/latex"] !== undefined)
    return { html: `<div class="math display">${escapeHtml(text(data["text/latex"]))}</div>`, plotly: false };
  if (data["text/plain"] !== undefined)
    return { html: `<pre>${escapeHtml(stripAnsi(text(data["text/plain"])))}</pre>`, plotly: false };
  return { html: "", plotly: false };
}

function renderOutput(o: Output, uid: () => string): { html: string; plotly: boolean } {
  switch (o.output_type) {
    case "stream":
      return { html: `<pre class="${o.name}">${escapeHtml(stripAnsi(sourceText(o.text)))}</pre>`, plotly: false };
    case "error":
      return {
        html: `<pre class="error">${escapeHtml(stripAnsi(o.traceback.length ? o.traceback.join("\n") : `${o.ename}: ${o.evalue}`))}</pre>`,
        plotly: false,
      };
    default:
      return renderData(o.data, uid);
  }
}

/** The HTML page of a notebook (plotly.js included once when some output needs it). */
export function notebookToHtml(nb: Notebook, title = "notebook"): string {
  let n = 0;
  const salt = randomBytes(3).toString("hex");
  const uid = () => `plot-${salt}-${n++}`;
  let needsPlotly = false;
  const body: string[] = [];
  for (const cell of nb.cells) {
    const src = sourceText(cell.source);
    if (cell.cell_type === "markdown") {
      body.push(`<div class="cell markdown">${renderMarkdown(src)}</div>`);
    } else if (cell.cell_type !== "code") {
      body.push(`<div class="cell raw"><pre>${escapeHtml(src)}</pre></div>`);
    } else {
      const parts = [
        `<div class="prompt">In [${cell.execution_count ?? " "}]:</div><pre class="input"><code class="language-typescript">${escapeHtml(src)}</code></pre>`,
      ];
      for (const o of cell.outputs) {
        const r = renderOutput(o, uid);
        needsPlotly ||= r.plotly;
        parts.push(`<div class="output">${r.html}</div>`);
      }
      body.push(`<div class="cell code">${parts.join("\n")}</div>`);
    }
  }
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style>`,
    // The library first: every plot's script then finds window.Plotly (the queue covers any other order).
    needsPlotly ? `<script type="text/javascript">${plotlyLoaderScript()}</script>` : "",
    "</head><body>",
    body.join("\n"),
    "</body></html>",
    "",
  ].join("\n");
}

/** Render a notebook file to an HTML file (written atomically); returns the HTML's size in bytes. */
export function renderNotebookFile(input: string, out: string): number {
  const nb = readNotebook(input);
  const html = notebookToHtml(nb, basename(input).replace(/\.ipynb$/, ""));
  const tmp = `${out}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, html);
  renameSync(tmp, out);
  return Buffer.byteLength(html);
}
