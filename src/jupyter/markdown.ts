/**
 * A small Markdown → HTML renderer for notebook text cells (headings, paragraphs, emphasis, code spans and fenced
 * code, lists, block quotes, tables, links, images, rules). Math (`$…$`, `$$…$$`) is kept verbatim in
 * `<span class="math">` so a page can typeset it; no raw HTML is passed through except simple tags.
 */

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const SAFE_TAGS = /^<\/?(b|i|em|strong|code|br|sub|sup|kbd|span|div|p|u|s|small|details|summary)(\s[^<>]*)?\/?>$/i;

/** Inline Markdown: code spans, math, backslash escapes, images, links, bold, italics, simple HTML tags. */
export function renderInline(text: string): string {
  const slots: string[] = [];
  const keep = (html: string) => `\u0000${slots.push(html) - 1}\u0000`;
  let s = text
    .replace(/`([^`]+)`/g, (_, c: string) => keep(`<code>${escapeHtml(c)}</code>`))
    .replace(/\$\$([^$]+)\$\$/g, (_, m: string) => keep(`<span class="math display">$$${escapeHtml(m)}$$</span>`))
    .replace(/\$([^$\n]+)\$/g, (_, m: string) => keep(`<span class="math">$${escapeHtml(m)}$</span>`))
    // backslash escapes (CommonMark): `\*` is a literal star, never emphasis
    .replace(/\\([!-/:-@[-`{-~])/g, (_, c: string) => keep(escapeHtml(c)))
    .replace(/<[^<>\n]+>/g, (tag) => (SAFE_TAGS.test(tag) && !/\son\w+=/i.test(tag) ? keep(tag) : tag));
  s = escapeHtml(s)
    .replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+&quot;([^&]*)&quot;)?\)/g, (_, alt: string, src: string) =>
      /^(javascript|vbscript):/i.test(src) ? alt : `<img src="${src}" alt="${alt}"/>`,
    )
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) =>
      /^(javascript|vbscript):/i.test(href) ? label : `<a href="${href}">${label}</a>`,
    );
  s = emphasis(s, "*", 2, "strong");
  s = emphasis(s, "_", 2, "strong");
  s = emphasis(s, "*", 1, "em");
  s = emphasis(s, "_", 1, "em");
  return s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => slots[Number(i)]!);
}

const WHITESPACE = /^\s$/u;
/** Unicode punctuation and symbols (CommonMark 0.31: general categories P and S). */
const PUNCTUATION = /^[\p{P}\p{S}]$/u;

/** The character (code point) before index i and the one at index j, "" at the ends. */
function around(s: string, i: number, j: number): { prev: string; next: string } {
  const before = s.slice(Math.max(0, i - 2), i);
  const prev = before === "" ? "" : Array.from(before).pop()!;
  const cp = s.codePointAt(j);
  return { prev, next: cp === undefined ? "" : String.fromCodePoint(cp) };
}

/**
 * Emphasis with CommonMark's flanking rules, for delimiter runs of exactly `n` characters `ch`: a run is
 * left-flanking when the next character is not whitespace and (is not punctuation, or the previous one is
 * whitespace or punctuation); right-flanking symmetrically. `*` opens when left-flanking and closes when
 * right-flanking; `_` also needs, to open, not right-flanking or punctuation before, and to close, not
 * left-flanking or punctuation after (no intraword `_` emphasis). A closer pairs with the nearest open opener.
 * So `ω* … ω*` (a star after a letter, then a space) stays literal, as in CommonMark and Jupyter.
 */
function emphasis(s: string, ch: "*" | "_", n: 1 | 2, tag: "em" | "strong"): string {
  const runs: { start: number; canOpen: boolean; canClose: boolean }[] = [];
  for (let i = 0; i < s.length;) {
    if (s[i] !== ch) {
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && s[j] === ch) j++;
    if (j - i === n) {
      const { prev, next } = around(s, i, j);
      const prevWs = prev === "" || WHITESPACE.test(prev);
      const nextWs = next === "" || WHITESPACE.test(next);
      const prevPunct = prev !== "" && PUNCTUATION.test(prev);
      const nextPunct = next !== "" && PUNCTUATION.test(next);
      const left = !nextWs && (!nextPunct || prevWs || prevPunct);
      const right = !prevWs && (!prevPunct || nextWs || nextPunct);
      runs.push({
        start: i,
        canOpen: ch === "*" ? left : left && (!right || prevPunct),
        canClose: ch === "*" ? right : right && (!left || nextPunct),
      });
    }
    i = j;
  }
  const openers: number[] = [];
  const replace = new Map<number, string>();
  for (const r of runs) {
    if (r.canClose && openers.length > 0) {
      replace.set(openers.pop()!, `<${tag}>`);
      replace.set(r.start, `</${tag}>`);
    } else if (r.canOpen) {
      openers.push(r.start);
    }
  }
  if (replace.size === 0) return s;
  let out = "";
  let last = 0;
  for (const start of [...replace.keys()].sort((a, b) => a - b)) {
    out += s.slice(last, start) + replace.get(start)!;
    last = start + n;
  }
  return out + s.slice(last);
}

/** Render a Markdown document to HTML. */
export function renderMarkdown(md: string): string {
  const lines = md.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let i = 0;
  const isBlank = (l: string | undefined) => l === undefined || l.trim() === "";
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)\s*([\w+-]*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(fence[1]!)) body.push(lines[i++]!);
      i++;
      out.push(
        `<pre><code${fence[2] ? ` class="language-${fence[2]}"` : ""}>${escapeHtml(body.join("\n"))}</code></pre>`,
      );
      continue;
    }
    if (/^\s*\$\$\s*$/.test(line)) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^\s*\$\$\s*$/.test(lines[i]!)) body.push(lines[i++]!);
      i++;
      out.push(`<div class="math display">$$${escapeHtml(body.join("\n"))}$$</div>`);
      continue;
    }
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const text = h[2]!;
      const id = text
        .toLowerCase()
        .replace(/[^\w]+/g, "-")
        .replace(/^-|-$/g, "");
      out.push(`<h${h[1]!.length} id="${id}">${renderInline(text)}</h${h[1]!.length}>`);
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push("<hr/>");
      i++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i]!)) body.push(lines[i++]!.replace(/^\s*>\s?/, ""));
      out.push(`<blockquote>${renderMarkdown(body.join("\n"))}</blockquote>`);
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1]!)) {
      // GFM: `\|` is a literal pipe inside a cell (notebook 01's table writes p(h\|𝒪)); split on the others.
      const cells = (l: string) =>
        l
          .trim()
          .replace(/^\||(?<!\\)\|$/g, "")
          .split(/(?<!\\)\|/)
          .map((c) => c.trim().replace(/\\\|/g, "|"));
      const head = cells(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]!)) rows.push(cells(lines[i++]!));
      out.push(
        `<table><thead><tr>${head.map((c) => `<th>${renderInline(c)}</th>`).join("")}</tr></thead><tbody>` +
          rows.map((r) => `<tr>${r.map((c) => `<td>${renderInline(c)}</td>`).join("")}</tr>`).join("") +
          "</tbody></table>",
      );
      continue;
    }
    const item = /^(\s*)([-*+]|\d+[.)])\s+/.exec(line);
    if (item) {
      const ordered = /\d/.test(item[2]!);
      const indent = item[1]!.length;
      const items: string[][] = [];
      while (i < lines.length) {
        const l = lines[i]!;
        const m = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/.exec(l);
        if (m && m[1]!.length === indent) {
          items.push([m[3]!]);
          i++;
        } else if (!isBlank(l) && (/^\s+/.exec(l)?.[0].length ?? 0) > indent && items.length > 0) {
          items[items.length - 1]!.push(l.slice(Math.min(l.length, indent + 2)));
          i++;
        } else if (isBlank(l) && i + 1 < lines.length && /^(\s*)([-*+]|\d+[.)])\s+/.test(lines[i + 1]!)) {
          i++;
        } else break;
      }
      const tag = ordered ? "ol" : "ul";
      out.push(
        `<${tag}>${items.map((it) => `<li>${it.length > 1 ? renderMarkdown(it.join("\n")).replace(/^<p>([\s\S]*?)<\/p>/, "$1") : renderInline(it[0]!)}</li>`).join("")}</${tag}>`,
      );
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      !isBlank(lines[i]) &&
      !/^(#{1,6}\s|\s*(```|~~~)|\s*>|\s*([-*+]|\d+[.)])\s+|\s*\$\$\s*$)/.test(lines[i]!)
    ) {
      para.push(lines[i++]!);
    }
    if (para.length === 0) para.push(lines[i++]!);
    out.push(`<p>${renderInline(para.join("\n"))}</p>`);
  }
  return out.join("\n");
}
