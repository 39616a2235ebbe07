/**
 * Plotly figures as one Jupyter mime bundle: `application/vnd.plotly.v1+json` (drawn natively by VS Code and
 * JupyterLab), `text/html` (a div and a script; plotly.js itself is inlined from the `plotly.js-dist-min` package
 * into the first plot of each kernel session — no CDN, no network) and `text/plain` (a one-line summary).
 */
import { readFileSync } from "node:fs";

/** One plotly trace (`scatter`, `heatmap`, `bar`, `histogram`, …); see plotly.js' reference for the fields. */
export interface Trace {
  type?: string;
  name?: string;
  x?: ArrayLike<number | string> | (number | string)[];
  y?: ArrayLike<number | string> | (number | string)[];
  z?: number[][];
  mode?: string;
  [key: string]: unknown;
}

/** A plotly figure: `{data, layout, config}` exactly as `Plotly.newPlot` takes them. */
export interface Figure {
  data: Trace[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** The plotly mime type. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

let plotlySource: string | null = null;

/** The plotly.js bundle shipped by the `plotly.js-dist-min` package (read once). */
export function plotlyJs(): string {
  if (plotlySource === null) plotlySource = readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js"), "utf8");
  return plotlySource;
}

/** The plotly.js version inlined in the outputs. */
export function plotlyVersion(): string {
  return (JSON.parse(readFileSync(require.resolve("plotly.js-dist-min/package.json"), "utf8")) as { version: string })
    .version;
}

/**
 * JSON for embedding in an HTML `<script>`: every `<` becomes `\u003c` (so no `</script>` can end the script
 * early), and U+2028/U+2029 are escaped.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * A script body that defines `window.Plotly` from the inlined library (when not defined yet) and then runs the
 * queued draws of every plot on the page. The library travels as a JSON string (`</` escaped) and is evaluated
 * in a function that hides `module`/`exports`, so it always lands on `window`.
 */
export function plotlyLoaderScript(): string {
  return (
    "(function(){if(!window.Plotly){var src=" +
    scriptJson(plotlyJs()) +
    ';(0,eval)("(function(module,exports,define){"+src+"\\n})").call(window);}' +
    "var q=window.__virelPlotlyQueue||[];window.__virelPlotlyQueue=[];for(var i=0;i<q.length;i++){try{q[i]();}catch(e){console.error(e);}}})();"
  );
}

/**
 * Shown in the plot's div until the script draws (the draw clears it): where scripts do not run — a notebook that
 * Jupyter does not trust, a viewer without JavaScript — the reader sees why the plot is missing instead of a blank.
 */
export const TRUST_PLACEHOLDER =
  '<div class="virel-plot-placeholder" style="padding:1em;border:1px dashed #999;color:#555;font:14px sans-serif">' +
  "Plot not drawn: scripts did not run here. In Jupyter, trust this notebook to draw the plot " +
  "(Notebook: File → Trust Notebook; JupyterLab: Command Palette → Trust Notebook), or run the cell again." +
  "</div>";

/** The HTML of one plot: a div (with the trust placeholder), and a script that draws it once `window.Plotly` exists. */
export function plotHtml(fig: Figure, divId: string, opts: { includeLibrary: boolean; height?: number }): string {
  const height = opts.height ?? (typeof fig.layout?.height === "number" ? fig.layout.height : 420);
  const draw =
    "(function(){var fig=" +
    scriptJson({ data: fig.data, layout: fig.layout ?? {}, config: { responsive: true, ...(fig.config ?? {}) } }) +
    ";var id=" +
    scriptJson(divId) +
    ";function draw(){var el=document.getElementById(id);if(el&&window.Plotly){el.innerHTML='';el.style.display='';window.Plotly.newPlot(el,fig.data,fig.layout,fig.config);}}" +
    "if(window.Plotly){draw();}else{(window.__virelPlotlyQueue=window.__virelPlotlyQueue||[]).push(draw);}})();";
  return (
    `<div id="${divId}" class="virel-plot" style="width:100%;height:${height}px;">${TRUST_PLACEHOLDER}</div>\n` +
    `<script type="text/javascript">${draw}</script>` +
    (opts.includeLibrary ? `\n<script type="text/javascript">${plotlyLoaderScript()}</script>` : "")
  );
}

/** One-line description of a figure for `text/plain`. */
export function figureSummary(fig: Figure): string {
  const title = fig.layout?.title;
  const titleText =
    typeof title === "string"
      ? title
      : typeof title === "object" && title !== null
        ? String((title as { text?: unknown }).text ?? "")
        : "";
  const kinds = fig.data.map((t) => t.type ?? "scatter");
  return `<Plotly figure${titleText ? ` "${titleText}"` : ""}: ${fig.data.length} trace(s) [${kinds.join(", ")}]>`;
}

/** Check a figure's shape; throws naming the bad field. */
export function checkFigure(fig: unknown): Figure {
  if (typeof fig !== "object" || fig === null)
    throw new Error(`figure must be an object {data, layout?}, got ${String(fig)}`);
  const f = fig as Figure;
  if (!Array.isArray(f.data)) throw new Error(`figure.data must be an array of traces, got ${typeof f.data}`);
  f.data.forEach((t, i) => {
    if (typeof t !== "object" || t === null)
      throw new Error(`figure.data[${i}] must be a trace object, got ${String(t)}`);
  });
  if (f.layout !== undefined && (typeof f.layout !== "object" || f.layout === null)) {
    throw new Error(`figure.layout must be an object, got ${String(f.layout)}`);
  }
  return f;
}

/** Typed arrays → plain arrays (JSON keeps them as objects otherwise). */
export function plainFigure(fig: Figure): Figure {
  const conv = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    if (Array.isArray(v)) return v.map(conv);
    if (typeof v === "object" && v !== null) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = conv(x);
      return o;
    }
    return v;
  };
  return conv(fig) as Figure;
}
