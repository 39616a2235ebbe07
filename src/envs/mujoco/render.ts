/**
 * A picture of a MuJoCo scene without a GPU: every geom is projected from its world pose (`geom_xpos`,
 * `geom_xmat`) and size (`geom_size`) onto a camera plane and drawn as SVG — capsules as thick round-capped
 * strokes, spheres as discs, cylinders as butt-capped strokes, boxes as the convex hull of their corners — far
 * geoms first. The ground is drawn with tick marks every half metre so the motion of a tracked body is visible.
 */
import type { Frame } from "../types";
import { num, svgFrame, escapeXml } from "../render";
import { GEOM, type MjDataView, type MjModelView } from "./loader";

/** How a task is viewed. */
export interface RenderOptions {
  /** Camera azimuth in degrees about +z (0: looking along +y, i.e. the side view of the planar walkers). */
  readonly azimuth: number;
  /** Camera elevation in degrees (0: horizontal side view; 90: top view). */
  readonly elevation: number;
  /** Pixels per metre. */
  readonly scale: number;
  readonly width: number;
  readonly height: number;
  /** World point shown at the centre of the picture (before tracking). */
  readonly center: readonly [number, number, number];
  /** Body whose x (and y for "xy") the camera follows; `-1` for a fixed camera. */
  readonly trackBody: number;
  /** Which world coordinates of `trackBody` the camera follows. */
  readonly track: "x" | "xy";
  /** Ground tick spacing in metres. */
  readonly tick: number;
}

/** Default view options (override per task). */
export const DEFAULT_RENDER: RenderOptions = Object.freeze({
  azimuth: 0,
  elevation: 0,
  scale: 110,
  width: 480,
  height: 240,
  center: [0, 0, 0.8] as const,
  trackBody: 1,
  track: "x" as const,
  tick: 0.5,
});

const PALETTE = ["#d9822b", "#2b7bd9", "#3fa34d", "#c2410c", "#7c3aed", "#0e9488", "#be185d", "#a16207"];

type V3 = [number, number, number];

function camera(o: RenderOptions): { right: V3; up: V3; fwd: V3 } {
  const az = (o.azimuth * Math.PI) / 180;
  const el = (o.elevation * Math.PI) / 180;
  const fwd: V3 = [Math.sin(az) * Math.cos(el), Math.cos(az) * Math.cos(el), -Math.sin(el)];
  const right: V3 = [Math.cos(az), -Math.sin(az), 0];
  const up: V3 = [
    right[1] * fwd[2] - right[2] * fwd[1],
    right[2] * fwd[0] - right[0] * fwd[2],
    right[0] * fwd[1] - right[1] * fwd[0],
  ];
  return { right, up, fwd };
}

const dot = (a: V3, b: ArrayLike<number>, o = 0): number => a[0] * b[o]! + a[1] * b[o + 1]! + a[2] * b[o + 2]!;

function hull(points: [number, number][]): [number, number][] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: [number, number], a: [number, number], b: [number, number]): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** Render the current state of `(model, data)` as an SVG frame (see the module comment). */
export function renderMujoco(model: MjModelView, data: MjDataView, title: string, o: RenderOptions): Frame {
  const { right, up, fwd } = camera(o);
  const xpos = data.xpos;
  const center: V3 = [o.center[0], o.center[1], o.center[2]];
  if (o.trackBody >= 0 && o.trackBody < model.nbody) {
    center[0] += xpos[3 * o.trackBody]!;
    if (o.track === "xy") center[1] += xpos[3 * o.trackBody + 1]!;
  }
  const u0 = dot(right, center);
  const v0 = dot(up, center);
  const sx = (p: V3 | Float64Array, off = 0): number => o.width / 2 + (dot(right, p, off) - u0) * o.scale;
  const sy = (p: V3 | Float64Array, off = 0): number => o.height / 2 - (dot(up, p, off) - v0) * o.scale;

  const types = model.geom_type;
  const sizes = model.geom_size;
  const bodyOf = model.geom_bodyid;
  const gpos = data.geom_xpos;
  const gmat = data.geom_xmat;
  const shapes: { depth: number; svg: string }[] = [];
  let ground = "";
  for (let g = 0; g < model.ngeom; g++) {
    const type = types[g]!;
    const p: V3 = [gpos[3 * g]!, gpos[3 * g + 1]!, gpos[3 * g + 2]!];
    const color = bodyOf[g] === 0 ? "#8a8f98" : PALETTE[(bodyOf[g]! - 1) % PALETTE.length]!;
    const r = sizes[3 * g]!;
    const axis: V3 = [gmat[9 * g + 2]!, gmat[9 * g + 5]!, gmat[9 * g + 8]!];
    const depth = dot(fwd, p);
    if (type === GEOM.plane) {
      ground += drawGround(p[2], center, o, sx, sy);
      continue;
    }
    if (type === GEOM.sphere || type === GEOM.ellipsoid) {
      shapes.push({
        depth,
        svg: `<circle cx="${num(sx(p))}" cy="${num(sy(p))}" r="${num(r * o.scale)}" fill="${color}" stroke="#222" stroke-width="0.8"/>`,
      });
    } else if (type === GEOM.capsule || type === GEOM.cylinder) {
      const h = sizes[3 * g + 1]!;
      const a: V3 = [p[0] - h * axis[0], p[1] - h * axis[1], p[2] - h * axis[2]];
      const b: V3 = [p[0] + h * axis[0], p[1] + h * axis[1], p[2] + h * axis[2]];
      const cap = type === GEOM.capsule ? "round" : "butt";
      const w = 2 * r * o.scale;
      const seg = (stroke: string, width: number): string =>
        `<line x1="${num(sx(a))}" y1="${num(sy(a))}" x2="${num(sx(b))}" y2="${num(sy(b))}" stroke="${stroke}" stroke-width="${num(width)}" stroke-linecap="${cap}"/>`;
      const flat = Math.hypot(sx(a) - sx(b), sy(a) - sy(b)) < 1e-6 && type === GEOM.cylinder;
      shapes.push({
        depth,
        svg: flat
          ? `<circle cx="${num(sx(p))}" cy="${num(sy(p))}" r="${num(r * o.scale)}" fill="${color}" stroke="#222" stroke-width="0.8"/>`
          : seg("#222", w + 1.6) + seg(color, w),
      });
    } else if (type === GEOM.box) {
      const pts: [number, number][] = [];
      for (const i of [-1, 1])
        for (const j of [-1, 1])
          for (const k of [-1, 1]) {
            const c: V3 = [0, 0, 0];
            for (let row = 0; row < 3; row++) {
              c[row] =
                p[row]! +
                gmat[9 * g + 3 * row]! * i * sizes[3 * g]! +
                gmat[9 * g + 3 * row + 1]! * j * sizes[3 * g + 1]! +
                gmat[9 * g + 3 * row + 2]! * k * sizes[3 * g + 2]!;
            }
            pts.push([sx(c), sy(c)]);
          }
      const poly = hull(pts)
        .map(([x, y]) => `${num(x)},${num(y)}`)
        .join(" ");
      shapes.push({ depth, svg: `<polygon points="${poly}" fill="${color}" stroke="#222" stroke-width="0.8"/>` });
    }
  }
  shapes.sort((a, b) => b.depth - a.depth);
  const caption = `<text x="8" y="16" font-size="12" fill="#333">${escapeXml(title)}  t = ${data.time.toFixed(2)} s</text>`;
  const body =
    `<rect width="${o.width}" height="${o.height}" fill="#f4f6fb"/>` +
    ground +
    shapes.map((s) => s.svg).join("") +
    caption;
  return svgFrame(o.width, o.height, body, title);
}

function drawGround(z: number, center: V3, o: RenderOptions, sx: (p: V3) => number, sy: (p: V3) => number): string {
  const halfW = o.width / o.scale / 2 + 1;
  const x0 = Math.floor((center[0] - halfW) / o.tick) * o.tick;
  let marks = "";
  if (o.elevation >= 60) {
    // top view: a grid
    const halfH = o.height / o.scale / 2 + 1;
    const y0 = Math.floor((center[1] - halfH) / o.tick) * o.tick;
    for (let x = x0; x <= center[0] + halfW; x += o.tick) {
      marks += `<line x1="${num(sx([x, center[1] - halfH, z]))}" y1="${num(sy([x, center[1] - halfH, z]))}" x2="${num(sx([x, center[1] + halfH, z]))}" y2="${num(sy([x, center[1] + halfH, z]))}" stroke="#d5d9e2" stroke-width="1"/>`;
    }
    for (let y = y0; y <= center[1] + halfH; y += o.tick) {
      marks += `<line x1="${num(sx([center[0] - halfW, y, z]))}" y1="${num(sy([center[0] - halfW, y, z]))}" x2="${num(sx([center[0] + halfW, y, z]))}" y2="${num(sy([center[0] + halfW, y, z]))}" stroke="#d5d9e2" stroke-width="1"/>`;
    }
    return marks;
  }
  const gy = sy([center[0], center[1], z]);
  if (gy > o.height + 2 || gy < -2) return "";
  for (let x = x0; x <= center[0] + halfW; x += o.tick) {
    const px = sx([x, center[1], z]);
    marks += `<line x1="${num(px)}" y1="${num(gy)}" x2="${num(px - 8)}" y2="${num(gy + 10)}" stroke="#9aa3b2" stroke-width="1.2"/>`;
  }
  return (
    `<rect x="0" y="${num(gy)}" width="${o.width}" height="${num(Math.max(0, o.height - gy))}" fill="#e3e6ee"/>` +
    `<line x1="0" y1="${num(gy)}" x2="${o.width}" y2="${num(gy)}" stroke="#6b7280" stroke-width="1.5"/>` +
    marks
  );
}
