/** Display helpers without a kernel (plain Node) and with a recording bridge standing in for the kernel. */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as display from "../../src/display";
import * as tabular from "../../src/tabular";
import { installBridge, type KernelBridge, type MimeBundle, type DisplayOptions } from "../../src/display/bridge";
import type { Frame } from "../../src/envs/types";
import { animationHtml, PAUSE_ICON, PLAY_ICON } from "../../src/display/animation";
import { plotHtml, TRUST_PLACEHOLDER } from "../../src/display/plotly";

interface Sent {
  bundle: MimeBundle;
  options: DisplayOptions;
}

function recordingBridge(sessionId = "s1"): {
  bridge: KernelBridge;
  sent: Sent[];
  cellEnd: () => void;
  controller: AbortController;
} {
  const sent: Sent[] = [];
  const hooks: Array<() => void> = [];
  const controller = new AbortController();
  const bridge: KernelBridge = {
    display: (bundle, options = {}) => sent.push({ bundle, options }),
    clearOutput: () => sent.push({ bundle: { cleared: true }, options: {} }),
    interruptSignal: () => controller.signal,
    onCellEnd: (fn) => hooks.push(fn),
    sessionId,
  };
  return { bridge, sent, cellEnd: () => hooks.forEach((h) => h()), controller };
}

afterEach(() => installBridge(null));

function captureStdout(fn: () => void): string {
  const orig = process.stdout.write;
  let out = "";
  process.stdout.write = ((s: string | Uint8Array) => {
    out += String(s);
    return true;
  }) as typeof process.stdout.write;
  try {
    fn();
  } finally {
    process.stdout.write = orig;
  }
  return out;
}

describe("display outside a kernel", () => {
  it("prints text/plain and returns a handle with shown=false instead of crashing", () => {
    let h: display.PlotHandle | undefined;
    const out = captureStdout(() => {
      h = display.lines([{ name: "y", y: [1, 2] }], { title: "t" });
    });
    assert.equal(h!.shown, false);
    assert.equal(out, '<Plotly figure "t": 1 trace(s) [scatter]>\n');
    assert.equal(
      captureStdout(() => display.markdown("**hi**")),
      "**hi**\n",
    );
    assert.equal(display.interruptSignal().aborted, false);
    assert.doesNotThrow(() => display.clear());
    const chart = display.live();
    assert.equal(chart.shown, false);
    assert.doesNotThrow(() => chart.push({ loss: 1 }));
  });
});

describe("display through a kernel bridge", () => {
  it("plot sends ONE bundle: plotly JSON + HTML (plotly.js inlined only in the page's first plot) + text", () => {
    const { bridge, sent } = recordingBridge();
    installBridge(bridge);
    const h = display.plot({
      data: [{ type: "bar", x: ["a"], y: new Float64Array([3]) }],
      layout: { title: "</script><b>x" },
    });
    display.plot({ data: [{ type: "scatter", y: [1] }] });
    assert.equal(sent.length, 2);
    const [first, second] = sent as [Sent, Sent];
    assert.deepEqual(Object.keys(first.bundle).sort(), ["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
    assert.equal(first.options.displayId, h.displayId);
    const fig = first.bundle["application/vnd.plotly.v1+json"] as { data: { y: number[] }[] };
    assert.deepEqual(fig.data[0]!.y, [3], "typed arrays become JSON arrays");
    const html1 = String(first.bundle["text/html"]);
    const html2 = String(second.bundle["text/html"]);
    assert.ok(html1.includes("window.Plotly = Plotly"), "the first plot carries plotly.js");
    assert.ok(!html2.includes("window.Plotly = Plotly"), "later plots do not");
    assert.ok(html1.length > 4_000_000 && html2.length < 10_000);
    // nothing in the HTML can close the script early
    const scripts = html1
      .split("<script")
      .slice(1)
      .map((s) => s.slice(s.indexOf(">") + 1, s.lastIndexOf("</script>")));
    for (const body of scripts) assert.ok(!body.includes("</"), "no `</` inside a script");
    // a new kernel session (restart) is a new page: its first plot carries the library again
    const other = recordingBridge("s2");
    installBridge(other.bridge);
    display.plot({ data: [{ y: [1] }] });
    assert.ok(String(other.sent[0]!.bundle["text/html"]).includes("window.Plotly = Plotly"));
  });

  it("live charts update the same output, throttled, and flush when the cell ends", () => {
    const { bridge, sent, cellEnd } = recordingBridge("live-session");
    installBridge(bridge);
    const chart = display.live({ throttleMs: 60_000, title: "loss" });
    chart.push({ loss: 3 }, 0); // the first push is sent at once
    chart.push({ loss: 2 }, 1);
    chart.push({ loss: 1 }, 2);
    const updates = sent.filter((s) => s.options.update);
    assert.equal(sent[0]!.options.update, false);
    assert.equal(updates.length, 1, "one update, the rest throttled");
    cellEnd();
    const last = sent[sent.length - 1]!;
    assert.equal(last.options.update, true);
    assert.equal(last.options.displayId, chart.displayId);
    const fig = last.bundle["application/vnd.plotly.v1+json"] as { data: { x: number[]; y: number[] }[] };
    assert.deepEqual(fig.data[0]!.x, [0, 1, 2]);
    assert.deepEqual(fig.data[0]!.y, [3, 2, 1]);
    assert.ok(
      String(last.bundle["text/html"]).includes("window.Plotly = Plotly"),
      "the page's first plot keeps the library at the end",
    );
    assert.throws(
      () => chart.push({ loss: Number.NaN as unknown as number }, Number.NaN),
      /x must be a finite number, got NaN/,
    );
  });

  it("interruptSignal is the kernel's cell signal", () => {
    const { bridge, controller } = recordingBridge();
    installBridge(bridge);
    const sig = display.interruptSignal();
    assert.equal(sig.aborted, false);
    controller.abort();
    assert.equal(sig.aborted, true);
  });

  it("svg, markdown, latex, animation and graphical models send their mime types", () => {
    const { bridge, sent } = recordingBridge();
    installBridge(bridge);
    display.svg('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
    display.markdown("# t");
    display.latex("\\beta = 1");
    const frames: Frame[] = [0, 1, 2].map((i) => ({
      mime: "image/svg+xml",
      data: `<svg xmlns="http://www.w3.org/2000/svg"><text>${i}</text></svg>`,
      width: 10,
      height: 10,
    }));
    display.animation(frames, { fps: 10 });
    display.paperFigure(2);
    assert.deepEqual(
      sent.map((s) => Object.keys(s.bundle).sort()),
      [
        ["image/svg+xml", "text/plain"],
        ["text/markdown", "text/plain"],
        ["text/latex", "text/plain"],
        ["image/svg+xml", "text/html", "text/plain"],
        ["image/svg+xml", "text/plain"],
      ],
    );
    assert.equal(sent[2]!.bundle["text/latex"], "$$\\beta = 1$$");
    assert.match(String(sent[3]!.bundle["text/html"]), /var fps=10,loop=true,play=true/);
    assert.equal(sent[3]!.bundle["image/svg+xml"], frames[0]!.data);
    assert.throws(() => display.animation([]), /frames must be a non-empty array/);
    assert.throws(() => display.svg("<div/>"), /expects SVG markup/);
  });
});

describe("figure builders", () => {
  it("seedStats: mean ± sample std, sem and min/max over seeds (closed form)", () => {
    const runs = [
      [1, 2, 3],
      [3, 2, 5],
      [2, 2, 4],
    ];
    const s = display.seedStats(runs, "std");
    assert.deepEqual(s.mean, [2, 2, 4]);
    // sample std at t=0: values 1,3,2 → mean 2, ss = 2, sd = sqrt(2/2) = 1
    assert.deepEqual(s.upper, [3, 2, 5]);
    assert.deepEqual(s.lower, [1, 2, 3]);
    const sem = display.seedStats(runs, "sem");
    assert.ok(Math.abs(sem.upper[0]! - (2 + 1 / Math.sqrt(3))) < 1e-12);
    const mm = display.seedStats(runs, "minmax");
    assert.deepEqual(mm.lower, [1, 2, 3]);
    assert.deepEqual(mm.upper, [3, 2, 5]);
    assert.throws(() => display.seedStats([[1, 2], [1]]), /runs\[1\] has 1 points, expected 2/);
  });

  it("bandsFigure draws upper, filled lower and mean per method", () => {
    const f = display.bandsFigure([
      {
        name: "VIREL",
        runs: [
          [0, 1],
          [2, 3],
        ],
      },
    ]);
    assert.equal(f.data.length, 3);
    assert.equal(f.data[1]!.fill, "tonexty");
    assert.deepEqual(f.data[2]!.y, [1, 2]);
    assert.equal(f.data[2]!.name, "VIREL (n=2)");
    assert.throws(
      () => display.bandsFigure([{ name: "x", runs: [[1]] }], { band: "iqr" as "std" }),
      /band must be "std", "sem" or "minmax", got "iqr"/,
    );
  });

  it("heatmap, bars and histogram check their shapes", () => {
    const h = display.heatmapFigure(
      [
        [1, 2],
        [3, 4],
      ],
      { x: ["a0", "a1"], y: ["s0", "s1"] },
    );
    assert.deepEqual(h.data[0]!.z, [
      [1, 2],
      [3, 4],
    ]);
    assert.throws(() => display.heatmapFigure([[1, 2], [3]]), /z\[1\] has 1 columns, expected 2/);
    assert.throws(() => display.heatmapFigure([[1, 2]], { x: ["a"] }), /x has 1 labels but z has 2 columns/);
    const b = display.barsFigure(["a", "b"], [{ name: "g", values: [1, 2], errors: [0.1, 0.2] }]);
    assert.deepEqual((b.data[0]!.error_y as { array: number[] }).array, [0.1, 0.2]);
    assert.throws(() => display.barsFigure(["a", "b"], [1]), /groups\[0\].values has 1 values for 2 categories/);
    const hist = display.histogramFigure(new Float64Array([1, 2, 2]), { nbins: 3 });
    assert.deepEqual(hist.data[0]!.x, [1, 2, 2]);
    assert.equal(hist.data[0]!.nbinsx, 3);
    assert.throws(() => display.histogramFigure([1], { nbins: 0 }), /nbins must be a positive integer, got 0/);
  });

  it("log axes and ranges; heatmaps read as matrices by default, as a plane with reverseY: false", () => {
    const f = display.linesFigure([{ name: "y", x: [1, 10], y: [1e-3, 1] }], {
      logX: true,
      logY: true,
      yRange: [-4, 0],
      xLabel: "β",
    });
    const lay = f.layout as { xaxis: Record<string, unknown>; yaxis: Record<string, unknown> };
    assert.deepEqual(lay.xaxis, { title: { text: "β" }, type: "log", exponentformat: "power" });
    assert.deepEqual(lay.yaxis, { title: { text: "" }, type: "log", exponentformat: "power", range: [-4, 0] });
    assert.equal(
      (display.linesFigure([{ name: "y", y: [1] }]).layout as { xaxis: Record<string, unknown> }).xaxis.type,
      undefined,
    );
    assert.throws(
      () => display.linesFigure([{ name: "y", y: [1] }], { yRange: [0] as unknown as [number, number] }),
      /yRange must be \[from, to\] with two finite numbers, got \[0\]/,
    );
    const yOf = (fig: display.Figure) => (fig.layout as { yaxis: Record<string, unknown> }).yaxis;
    assert.equal(yOf(display.heatmapFigure([[1]])).autorange, "reversed");
    assert.equal(yOf(display.heatmapFigure([[1]], { reverseY: false, yLabel: "θ̇" })).autorange, undefined);
    assert.deepEqual(yOf(display.heatmapFigure([[1]], { reverseY: false, yLabel: "θ̇" })).title, { text: "θ̇" });
  });

  it("sliderFigure: every step's traces in the figure, one step visible, the slider switches visibility", () => {
    const fig = display.sliderFigure(
      [
        {
          label: "1",
          data: [
            { type: "bar", y: [1] },
            { type: "scatter", y: [2] },
          ],
        },
        { label: "0.1", data: [{ type: "bar", y: [3] }] },
        { label: "0.01", data: [{ type: "bar", y: [4] }] },
      ],
      { prefix: "β = ", active: 1, title: "t" },
    );
    assert.deepEqual(
      fig.data.map((t) => t.visible),
      [false, false, true, false],
    );
    assert.deepEqual(
      fig.data.map((t) => t.y),
      [[1], [2], [3], [4]],
    );
    const sliders = (
      fig.layout as {
        sliders: {
          active: number;
          currentvalue: { prefix: string };
          steps: { label: string; method: string; args: { visible: boolean[] }[] }[];
        }[];
      }
    ).sliders;
    assert.equal(sliders[0]!.active, 1);
    assert.equal(sliders[0]!.currentvalue.prefix, "β = ");
    assert.deepEqual(
      sliders[0]!.steps.map((s) => [s.label, s.method, s.args[0]!.visible]),
      [
        ["1", "restyle", [true, true, false, false]],
        ["0.1", "restyle", [false, false, true, false]],
        ["0.01", "restyle", [false, false, false, true]],
      ],
    );
    assert.throws(() => display.sliderFigure([]), /steps must be a non-empty array/);
    assert.throws(
      () => display.sliderFigure([{ label: "a", data: [] }]),
      /steps\[0\].data must be a non-empty array of traces/,
    );
    assert.throws(
      () => display.sliderFigure([{ label: "a", data: [{}] }], { active: 1 }),
      /active must be an integer in \[0, 0\], got 1/,
    );
  });

  it("gridworldFigure: values on the cells, walls blank and drawn, arrows of the most likely action, S and G", () => {
    const grid = tabular.gridworldMDP({ layout: ["S..", ".#.", "..G"], slip: 0, gamma: 0.9 });
    const vi = tabular.valueIteration(grid);
    const fig = display.gridworldFigure(grid, { values: vi.V, policy: vi.policy, title: "π*" });
    const z = fig.data[0]!.z!;
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 3; x++) {
        const s = grid.stateAt(x, y);
        if (s < 0) assert.ok(Number.isNaN(z[y]![x]!), `wall (${x}, ${y}) is blank`);
        else assert.equal(z[y]![x], vi.V[s]);
      }
    }
    const lay = fig.layout as {
      shapes: { x0: number; y0: number }[];
      annotations: { x: number; y: number; text: string }[];
    };
    assert.deepEqual(
      lay.shapes.map((r) => [r.x0, r.y0]),
      [[0.5, 0.5]],
    );
    const text = (x: number, y: number) => lay.annotations.find((a) => a.x === x && a.y === y)!.text;
    assert.equal(text(2, 2), "G");
    assert.match(text(0, 0), /^S [→↓]$/); // the start: both shortest paths go right or down
    assert.equal(text(2, 1), "↓");
    assert.equal(text(1, 2), "→");
    // a stochastic policy shows the probability of its most likely action; the arrows follow grid.moves
    const p = grid.cells.map(() => Float64Array.of(0.1, 0.6, 0.2, 0.1));
    const f2 = display.gridworldFigure(grid, { policy: p });
    assert.equal((f2.layout as typeof lay).annotations.find((a) => a.x === 1 && a.y === 0)!.text, "→ 0.60");
    assert.equal(f2.data[0]!.showscale, false, "no colour bar without values");
    assert.throws(
      () => display.gridworldFigure(grid, { values: [1, 2] }),
      /expected values of length 8 \(one per state\), got 2/,
    );
    assert.throws(
      () => display.gridworldFigure(grid, { policy: [[1]] }),
      /expected policy with 8 rows \(one per state\), got 1/,
    );
    assert.throws(() => display.gridworldFigure({} as tabular.GridworldMDP), /grid must be a gridworld MDP/);
  });
});

describe("graphical models", () => {
  it("Fig. 1 and Fig. 2 render every node and edge of their descriptions", () => {
    for (const m of [display.FIG1_VI, display.FIG2_MERLIN, display.FIG2_VIREL]) {
      const svg = display.graphicalModelSvg(m);
      assert.equal((svg.match(/class="node /g) ?? []).length, m.nodes.length);
      assert.equal((svg.match(/class="edge"/g) ?? []).length, m.edges.length);
      for (const e of m.edges) assert.ok(svg.includes(`data-from="${e.from}" data-to="${e.to}"`));
    }
    assert.equal(
      (display.graphicalModelSvg(display.FIG2_VIREL).match(/class="node observed"/g) ?? []).length,
      1,
      "𝒪 is observed",
    );
    const both = display.graphicalModelsSvg([display.FIG2_MERLIN, display.FIG2_VIREL]);
    assert.match(both, /^<svg[^>]*width="610"/);
  });

  it("an edge ends on the target circle's boundary (radius 22)", () => {
    const svg = display.graphicalModelSvg({
      width: 200,
      height: 100,
      nodes: [
        { id: "a", label: "a", x: 50, y: 50 },
        { id: "b", label: "b", x: 150, y: 50, kind: "observed" },
      ],
      edges: [{ from: "a", to: "b" }],
    });
    const m = /x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"/.exec(svg)!;
    assert.deepEqual(m.slice(1).map(Number), [73, 50, 126, 50]);
  });

  it("rejects bad descriptions naming the item", () => {
    const base = { width: 100, height: 100, nodes: [{ id: "a", label: "a", x: 1, y: 1 }] };
    assert.throws(
      () => display.graphicalModelSvg({ ...base, edges: [{ from: "a", to: "zz" }] }),
      /edges\[0\].to refers to unknown node "zz"/,
    );
    assert.throws(
      () => display.graphicalModelSvg({ ...base, nodes: [...base.nodes, ...base.nodes], edges: [] }),
      /duplicate node id "a"/,
    );
  });
});

describe("animation player icons", () => {
  it("draws play/pause as inline SVG, never the U+23F8 glyph that renders as a box", () => {
    const frame: Frame = { mime: "image/svg+xml", width: 10, height: 10, data: '<svg width="10" height="10"></svg>' };
    const html = animationHtml([frame, frame], "anim-test");
    assert.ok(!html.includes("\u23F8") && !html.includes("\\u23F8"), "no U+23F8 pause glyph");
    assert.ok(
      html.includes(`<button type="button" title="play" style="width:2.5em;line-height:0">${PLAY_ICON}</button>`),
    );
    assert.ok(
      html.includes(JSON.stringify(PAUSE_ICON).replace(/</g, "\\u003c")),
      "the pause icon travels in the script",
    );
    assert.equal((PAUSE_ICON.match(/<rect /g) ?? []).length, 2, "pause = two bars");
  });
});

describe("plot HTML where scripts do not run", () => {
  it("shows a visible 'trust this notebook' placeholder that the draw replaces", () => {
    const html = plotHtml({ data: [{ type: "scatter", y: [1, 2] }] }, "plot-trust", { includeLibrary: false });
    assert.ok(
      html.startsWith(
        `<div id="plot-trust" class="virel-plot" style="width:100%;height:420px;">${TRUST_PLACEHOLDER}</div>`,
      ),
    );
    assert.match(TRUST_PLACEHOLDER, /trust this notebook to draw the plot/);
    assert.match(
      html,
      /el\.innerHTML='';el\.style\.display='';window\.Plotly\.newPlot\(el,/,
      "the draw clears the placeholder first",
    );
  });
});
