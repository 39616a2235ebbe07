/**
 * SVG helpers for env pictures: a frame builder, number formatting, and `animatedSvg`, which turns a list of
 * frames into ONE self-playing SVG (SMIL `<animate>` on each frame's visibility) that any notebook front end
 * shows without JavaScript.
 */
import type { Frame } from "./types";

/** Format a coordinate for SVG markup (2 decimals, no `-0`). */
export function num(x: number, digits = 2): string {
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** Escape text for SVG/XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

/** Wrap SVG body markup into a complete, standalone SVG document Frame. */
export function svgFrame(width: number, height: number, body: string, title?: string): Frame {
  const t = title === undefined ? "" : `<title>${escapeXml(title)}</title>`;
  const data =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif">${t}${body}</svg>`;
  return { mime: "image/svg+xml", data, width, height };
}

/**
 * An arrow from (x1, y1) to (x2, y2) drawn as a line plus a filled triangular head (no `<marker>` ids, so
 * frames can be embedded together without id clashes).
 */
export function arrow(x1: number, y1: number, x2: number, y2: number, color: string, width = 3, head = 9): string {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len = Math.hypot(dx, dy);
  if (len < 1e-9) return "";
  const ux = dx / len;
  const uy = dy / len;
  const h = Math.min(head, len);
  const bx = x2 - ux * h;
  const by = y2 - uy * h;
  const px = -uy * h * 0.55;
  const py = ux * h * 0.55;
  return (
    `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(bx)}" y2="${num(by)}" stroke="${color}" stroke-width="${width}" stroke-linecap="round"/>` +
    `<polygon points="${num(x2)},${num(y2)} ${num(bx + px)},${num(by + py)} ${num(bx - px)},${num(by - py)}" fill="${color}"/>`
  );
}

/**
 * A circular arc of radius `r` around (cx, cy) from angle `a0` to `a1` (radians, counter-clockwise on screen
 * when a1 > a0, angles measured from +x with y pointing up), ending in an arrowhead.
 */
export function arcArrow(cx: number, cy: number, r: number, a0: number, a1: number, color: string, width = 3): string {
  if (Math.abs(a1 - a0) < 1e-3) return "";
  const pt = (a: number): [number, number] => [cx + r * Math.cos(a), cy - r * Math.sin(a)];
  const head = Math.min(10, r * Math.abs(a1 - a0));
  const dir = Math.sign(a1 - a0);
  const aHead = a1 - (dir * head) / r; // where the shaft stops and the head starts
  const [x0, y0] = pt(a0);
  const [xb, yb] = pt(aHead);
  const [xt, yt] = pt(a1);
  const large = Math.abs(aHead - a0) > Math.PI ? 1 : 0;
  const sweep = dir > 0 ? 0 : 1; // screen y is down: counter-clockwise on screen is sweep-flag 0
  // arrowhead: a triangle whose tip is at a1, its base perpendicular to the tangent at aHead
  const px = Math.cos(aHead) * head * 0.55;
  const py = -Math.sin(aHead) * head * 0.55;
  return (
    `<path d="M ${num(x0)} ${num(y0)} A ${num(r)} ${num(r)} 0 ${large} ${sweep} ${num(xb)} ${num(yb)}" fill="none" ` +
    `stroke="${color}" stroke-width="${width}" stroke-linecap="round"/>` +
    `<polygon points="${num(xt)},${num(yt)} ${num(xb + px)},${num(yb + py)} ${num(xb - px)},${num(yb - py)}" fill="${color}"/>`
  );
}

/** Options of {@link animatedSvg}. */
export interface AnimationOptions {
  /** Frames per second (default 20). */
  fps?: number;
  /** Loop forever (default true); otherwise stop on the last frame. */
  loop?: boolean;
}

/**
 * One self-playing SVG from a list of frames: each frame becomes a group whose `visibility` is switched by a
 * discrete SMIL `<animate>` at time `i / fps`. Plays in Jupyter, VS Code and browsers without scripts.
 */
export function animatedSvg(frames: readonly Frame[], options: AnimationOptions = {}): Frame {
  if (!Array.isArray(frames) || frames.length === 0) {
    throw new Error(
      `animatedSvg: frames must be a non-empty array of Frames, got ${Array.isArray(frames) ? "[]" : typeof frames}`,
    );
  }
  const fps = options.fps ?? 20;
  if (typeof fps !== "number" || !Number.isFinite(fps) || fps <= 0) {
    throw new Error(`animatedSvg: fps must be a positive number, got ${String(fps)}`);
  }
  const loop = options.loop ?? true;
  const n = frames.length;
  const width = Math.max(...frames.map((f) => f.width));
  const height = Math.max(...frames.map((f) => f.height));
  const dur = n / fps;
  const groups = frames.map((f, i) => {
    if (f.mime !== "image/svg+xml")
      throw new Error(`animatedSvg: frame ${i} has mime ${f.mime}, expected image/svg+xml`);
    const inner = f.data.replace(/^<\?xml[^>]*>\s*/, "");
    if (n === 1) return `<g>${inner}</g>`;
    let values: string;
    let keyTimes: string;
    if (i === 0) {
      values = "visible;hidden";
      keyTimes = `0;${num(1 / n, 6)}`;
    } else if (i === n - 1) {
      values = "hidden;visible";
      keyTimes = `0;${num(i / n, 6)}`;
    } else {
      values = "hidden;visible;hidden";
      keyTimes = `0;${num(i / n, 6)};${num((i + 1) / n, 6)}`;
    }
    const repeat = loop ? ` repeatCount="indefinite"` : ` fill="freeze"`;
    const initial = i === 0 ? "visible" : "hidden";
    return (
      `<g visibility="${initial}"><animate attributeName="visibility" calcMode="discrete" values="${values}" ` +
      `keyTimes="${keyTimes}" dur="${num(dur, 4)}s"${repeat}/>${inner}</g>`
    );
  });
  const data =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    groups.join("") +
    `</svg>`;
  return { mime: "image/svg+xml", data, width, height };
}
