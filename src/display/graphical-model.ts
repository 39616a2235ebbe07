/**
 * A small renderer for directed graphical models (Bishop-style): latent variables are open circles, observed ones
 * shaded circles, parameters small filled dots, edges arrows. The paper's Fig. 1 (generic variational inference)
 * and Fig. 2 (MERLIN vs VIREL) are given as node/edge descriptions.
 */

/** Kinds of node. */
export type NodeKind = "latent" | "observed" | "parameter";

/** A node at (x, y) in the model's coordinate system (pixels). */
export interface ModelNode {
  id: string;
  /** Text in the node (Unicode is fine: ω, 𝒪, s₀). */
  label: string;
  x: number;
  y: number;
  kind?: NodeKind;
}

/** A directed edge `from → to`. */
export interface ModelEdge {
  from: string;
  to: string;
  dashed?: boolean;
}

/** A whole model. */
export interface GraphicalModel {
  title?: string;
  width: number;
  height: number;
  nodes: readonly ModelNode[];
  edges: readonly ModelEdge[];
  /** Circle radius (default 22). */
  radius?: number;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Check a model: unique ids, edges between existing nodes, finite coordinates. Throws naming the bad item. */
export function checkModel(m: GraphicalModel): void {
  if (!(m.width > 0) || !(m.height > 0))
    throw new Error(`width and height must be positive, got ${m.width}×${m.height}`);
  const ids = new Set<string>();
  m.nodes.forEach((n, i) => {
    if (typeof n.id !== "string" || n.id === "") throw new Error(`nodes[${i}].id must be a non-empty string`);
    if (ids.has(n.id)) throw new Error(`duplicate node id ${JSON.stringify(n.id)}`);
    if (!Number.isFinite(n.x) || !Number.isFinite(n.y))
      throw new Error(`node ${n.id}: x and y must be finite, got (${n.x}, ${n.y})`);
    if (n.kind !== undefined && !["latent", "observed", "parameter"].includes(n.kind)) {
      throw new Error(`node ${n.id}: kind must be latent, observed or parameter, got ${JSON.stringify(n.kind)}`);
    }
    ids.add(n.id);
  });
  m.edges.forEach((e, i) => {
    if (!ids.has(e.from)) throw new Error(`edges[${i}].from refers to unknown node ${JSON.stringify(e.from)}`);
    if (!ids.has(e.to)) throw new Error(`edges[${i}].to refers to unknown node ${JSON.stringify(e.to)}`);
    if (e.from === e.to) throw new Error(`edges[${i}] is a self-loop on ${JSON.stringify(e.from)}`);
  });
}

/** Render one model as a standalone SVG document. */
export function graphicalModelSvg(m: GraphicalModel): string {
  checkModel(m);
  const r = m.radius ?? 22;
  const dot = 5;
  const titleH = m.title ? 28 : 0;
  const byId = new Map(m.nodes.map((n) => [n.id, n]));
  const size = (n: ModelNode) => (n.kind === "parameter" ? dot : r);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${m.width}" height="${m.height + titleH}" viewBox="0 ${-titleH} ${m.width} ${m.height + titleH}" font-family="Georgia, 'Times New Roman', serif">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#222"/></marker></defs>`,
    `<rect x="0" y="${-titleH}" width="${m.width}" height="${m.height + titleH}" fill="white"/>`,
  );
  if (m.title)
    parts.push(
      `<text x="${m.width / 2}" y="-8" text-anchor="middle" font-size="16" fill="#222">${esc(m.title)}</text>`,
    );
  for (const e of m.edges) {
    const a = byId.get(e.from)!;
    const b = byId.get(e.to)!;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const ux = dx / len;
    const uy = dy / len;
    const x1 = a.x + ux * (size(a) + 1);
    const y1 = a.y + uy * (size(a) + 1);
    const x2 = b.x - ux * (size(b) + 2);
    const y2 = b.y - uy * (size(b) + 2);
    parts.push(
      `<line class="edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}" x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="#222" stroke-width="1.5"${e.dashed ? ' stroke-dasharray="5,4"' : ""} marker-end="url(#arrow)"/>`,
    );
  }
  for (const n of m.nodes) {
    const kind = n.kind ?? "latent";
    if (kind === "parameter") {
      parts.push(
        `<circle class="node parameter" data-id="${esc(n.id)}" cx="${n.x}" cy="${n.y}" r="${dot}" fill="#222"/>`,
      );
      parts.push(
        `<text x="${n.x + dot + 5}" y="${n.y - dot - 3}" font-size="17" font-style="italic" fill="#222">${esc(n.label)}</text>`,
      );
    } else {
      const fill = kind === "observed" ? "#c8c8c8" : "white";
      parts.push(
        `<circle class="node ${kind}" data-id="${esc(n.id)}" cx="${n.x}" cy="${n.y}" r="${r}" fill="${fill}" stroke="#222" stroke-width="1.5"/>`,
      );
      parts.push(
        `<text x="${n.x}" y="${n.y}" dy="0.35em" text-anchor="middle" font-size="17" font-style="italic" fill="#222">${esc(n.label)}</text>`,
      );
    }
  }
  parts.push("</svg>");
  return parts.join("\n");
}

/** Several models side by side in one SVG (e.g. Fig. 2: MERLIN | VIREL). */
export function graphicalModelsSvg(models: readonly GraphicalModel[], gap = 30): string {
  if (models.length === 0) throw new Error("models must be a non-empty array");
  let x = 0;
  const height = Math.max(...models.map((m) => m.height + (m.title ? 28 : 0)));
  const inner: string[] = [];
  for (const m of models) {
    const svg = graphicalModelSvg(m);
    const w = m.width;
    inner.push(`<g transform="translate(${x},0)">${svg.replace(/^<svg /, `<svg x="0" y="0" `)}</g>`);
    x += w + gap;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${x - gap}" height="${height}" viewBox="0 0 ${x - gap} ${height}">\n${inner.join("\n")}\n</svg>`;
}

/** Fig. 1: the generic inference problem — parameters ω, hidden h, observations x ~ p(x | h; ω). */
export const FIG1_VI: GraphicalModel = {
  title: "Fig. 1: variational inference",
  width: 220,
  height: 190,
  nodes: [
    { id: "omega", label: "ω", x: 40, y: 30, kind: "parameter" },
    { id: "h", label: "h", x: 110, y: 60, kind: "latent" },
    { id: "x", label: "x", x: 110, y: 150, kind: "observed" },
  ],
  edges: [
    { from: "omega", to: "h" },
    { from: "omega", to: "x" },
    { from: "h", to: "x" },
  ],
};

/** Fig. 2 (left): MERLIN — the dynamics as a hidden Markov model with optimality variables 𝒪ₜ at every step. */
export const FIG2_MERLIN: GraphicalModel = {
  title: "MERLIN",
  width: 360,
  height: 250,
  nodes: [
    { id: "s0", label: "s₀", x: 50, y: 50 },
    { id: "s1", label: "s₁", x: 170, y: 50 },
    { id: "s2", label: "s₂", x: 290, y: 50 },
    { id: "a0", label: "a₀", x: 110, y: 125 },
    { id: "a1", label: "a₁", x: 230, y: 125 },
    { id: "O0", label: "𝒪₀", x: 110, y: 210, kind: "observed" },
    { id: "O1", label: "𝒪₁", x: 230, y: 210, kind: "observed" },
  ],
  edges: [
    { from: "s0", to: "a0" },
    { from: "s0", to: "s1" },
    { from: "a0", to: "s1" },
    { from: "s0", to: "O0" },
    { from: "a0", to: "O0" },
    { from: "s1", to: "a1" },
    { from: "s1", to: "s2" },
    { from: "a1", to: "s2" },
    { from: "s1", to: "O1" },
    { from: "a1", to: "O1" },
  ],
};

/** Fig. 2 (right): VIREL — one interaction of h = (s, a) with 𝒪; ω (the critic Q(h; ω)) cuts the chain. */
export const FIG2_VIREL: GraphicalModel = {
  title: "VIREL",
  width: 220,
  height: 250,
  nodes: [
    { id: "omega", label: "ω", x: 40, y: 140, kind: "parameter" },
    { id: "s", label: "s", x: 110, y: 50 },
    { id: "a", label: "a", x: 170, y: 125 },
    { id: "O", label: "𝒪", x: 110, y: 210, kind: "observed" },
  ],
  edges: [
    { from: "s", to: "a" },
    { from: "s", to: "O" },
    { from: "a", to: "O" },
    { from: "omega", to: "O" },
  ],
};
