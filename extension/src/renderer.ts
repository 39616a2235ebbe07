/// <reference lib="dom" />
/**
 * Notebook renderer for `application/vnd.plotly.v1+json`: draws the figure with the plotly.js bundled into this
 * file at build time (plotly.js-dist-min, offline — no CDN). Runs in VS Code's output webview (browser, ES module).
 */
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- plotly.js-dist-min ships no types; it is a UMD bundle that esbuild wraps.
import Plotly from "plotly.js-dist-min";

interface OutputItem {
  readonly id: string;
  readonly mime: string;
  json(): unknown;
}
interface Figure {
  data: unknown[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}
interface PlotlyApi {
  newPlot(
    el: HTMLElement,
    data: unknown[],
    layout: Record<string, unknown>,
    config: Record<string, unknown>,
  ): Promise<unknown>;
  purge(el: HTMLElement): void;
  Plots: { resize(el: HTMLElement): void };
}
const plotly = Plotly as PlotlyApi;
const drawn = new Map<string, HTMLElement>();

export function activate(): {
  renderOutputItem(item: OutputItem, element: HTMLElement): void;
  disposeOutputItem(id?: string): void;
} {
  return {
    renderOutputItem(item, element) {
      const fig = item.json() as Figure;
      element.innerHTML = "";
      const div = document.createElement("div");
      div.className = "virel-plotly";
      const height = typeof fig.layout?.height === "number" ? fig.layout.height : 420;
      div.style.width = "100%";
      div.style.height = `${height}px`;
      element.appendChild(div);
      const old = drawn.get(item.id);
      if (old !== undefined) plotly.purge(old);
      drawn.set(item.id, div);
      void plotly.newPlot(
        div,
        fig.data ?? [],
        { autosize: true, ...(fig.layout ?? {}) },
        { responsive: true, displaylogo: false, ...(fig.config ?? {}) },
      );
    },
    disposeOutputItem(id) {
      for (const [key, el] of drawn) {
        if (id === undefined || key === id) {
          plotly.purge(el);
          drawn.delete(key);
        }
      }
    },
  };
}
