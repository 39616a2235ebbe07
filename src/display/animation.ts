/** A player for environment renders: `Frame[]` (SVG) → an HTML widget with play/pause and a slider. */
import type { Frame } from "../envs/types";
import { scriptJson } from "./plotly";

/** Options of the player. */
export interface AnimationOptions {
  /** Frames per second (default 30, Gymnasium's `render_fps` for most tasks). */
  fps?: number;
  /** Start playing at once (default true). */
  autoplay?: boolean;
  /** Play again from the start at the end (default true). */
  loop?: boolean;
  title?: string;
}

/** Check frames (non-empty, SVG markup); throws naming the bad frame. */
export function checkFrames(frames: readonly Frame[]): void {
  if (!Array.isArray(frames) || frames.length === 0) throw new Error("frames must be a non-empty array of Frame");
  frames.forEach((f, i) => {
    if (!f || f.mime !== "image/svg+xml" || typeof f.data !== "string") {
      throw new Error(
        `frames[${i}] must be {mime: "image/svg+xml", data: string}, got ${f ? JSON.stringify(f.mime) : String(f)}`,
      );
    }
  });
}

/**
 * Play and pause as inline SVG: the pause glyph U+23F8 is missing from common fonts (it drew as an empty box), so
 * neither icon depends on a font.
 */
export const PLAY_ICON =
  '<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true"><path d="M2 1 L11 6 L2 11 Z" fill="currentColor"/></svg>';
export const PAUSE_ICON =
  '<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true"><rect x="2" y="1" width="3" height="10" fill="currentColor"/><rect x="7" y="1" width="3" height="10" fill="currentColor"/></svg>';

/** The player's HTML (self-contained: frames inlined, `</` escaped). */
export function animationHtml(frames: readonly Frame[], id: string, opts: AnimationOptions = {}): string {
  checkFrames(frames);
  const fps = opts.fps ?? 30;
  if (!(fps > 0 && fps <= 240)) throw new Error(`fps must be in (0, 240], got ${fps}`);
  const w = frames[0]!.width;
  const h = frames[0]!.height;
  const script =
    "(function(){var frames=" +
    scriptJson(frames.map((f) => f.data)) +
    ";var id=" +
    scriptJson(id) +
    `;var fps=${fps},loop=${opts.loop !== false},play=${opts.autoplay !== false};` +
    "var root=document.getElementById(id);if(!root)return;var view=root.querySelector('.virel-frame'),slider=root.querySelector('input'),btn=root.querySelector('button'),label=root.querySelector('.virel-count');" +
    "var i=0,timer=null;function show(k){i=k;view.innerHTML=frames[k];slider.value=k;label.textContent=(k+1)+'/'+frames.length;}" +
    "function tick(){if(i+1<frames.length){show(i+1);}else if(loop){show(0);}else{stop();}}" +
    `var PLAY=${scriptJson(PLAY_ICON)},PAUSE=${scriptJson(PAUSE_ICON)};` +
    "function start(){if(timer)return;timer=setInterval(tick,1000/fps);btn.innerHTML=PAUSE;btn.title='pause';}" +
    "function stop(){if(timer){clearInterval(timer);timer=null;}btn.innerHTML=PLAY;btn.title='play';}" +
    "btn.onclick=function(){timer?stop():start();};slider.oninput=function(){stop();show(+slider.value);};" +
    "show(0);if(play)start();})();";
  return (
    `<div id="${id}" class="virel-animation" style="display:inline-block;font-family:sans-serif">` +
    (opts.title ? `<div style="font-weight:bold;margin-bottom:4px">${opts.title.replace(/</g, "&lt;")}</div>` : "") +
    `<div class="virel-frame" style="width:${w}px;height:${h}px">${frames[0]!.data}</div>` +
    `<div style="display:flex;align-items:center;gap:8px;margin-top:4px"><button type="button" title="play" style="width:2.5em;line-height:0">${PLAY_ICON}</button>` +
    `<input type="range" min="0" max="${frames.length - 1}" value="0" style="flex:1"/><span class="virel-count">1/${frames.length}</span></div>` +
    `</div>\n<script type="text/javascript">${script}</script>`
  );
}
