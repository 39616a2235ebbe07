/**
 * A small Markdown → HTML renderer for notebook text cells (headings, paragraphs, emphasis, code spans and fenced
 * code, lists, block quotes, tables, links, images, rules). Math (`$…$`, `$$…$$`) is kept verbatim in
 * `<span class="math">` so a page can typeset it; no raw HTML is passed through except simple tags.
 */

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const SAFE_TAGS = /^<\/?(b|i|em|strong|code|br|sub|sup|kbd|span|div|p|u|s|small|details|summary)(\s[^<>]*)?\/?>$/i;

/** Inline Markdown: code spans, math, images, links, bold, italics, simple HTML tags. */
export function renderInline(text: string): string {
  const slots: string[] = [];
  const keep = (html: string) => `\u0000${slots.push(html) - 1}\u0000`;
  let s = text
    .replace(/`([^`]+)`/g, (_, c: string) => keep(`<code>${escapeHtml(c)}</code>`))
    .replace(/\$\$([^$]+)\$\$/g, (_, m: string) => keep(`<span class="math display">$$${escapeHtml(m)}$$</span>`))
    .replace(/\$([^$\n]+)\$/g, (_, m: string) => keep(`<span class="math">$${escapeHtml(m)}$</span>`))
    .replace(/<[^<>\n]+>/g, (tag) => (SAFE_TAGS.test(tag) && !/\son\w+=/i.test(tag) ? keep(tag) : tag));
  s = escapeHtml(s)
    .replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+&quot;([^&]*)&quot;)?\)/g, (_, alt: string, src: string) =>
      /^(javascript|vbscript):/i.test(src) ? alt : `<img src="${src}" alt="${alt}"/>`,
    )
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) =>
      /^(javascript|vbscript):/i.test(href) ? label : `<a href="${href}">${label}</a>`,
    )
    .replace(/\*\*([^*]+)\*\*|__([^_]+)__/g, (_, a?: string, b?: string) => `<strong>${a ?? b}</strong>`)
    .replace(/(^|[^*\w])\*([^*\n]+)\*(?!\*)/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_([^_\n]+)_(?![_\w])/g, "$1<em>$2</em>");
  return s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => slots[Number(i)]!);
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
      out.push(`<pre><code${fence[2] ? ` class="language-${fence[2]}"` : ""}>${escapeHtml(body.join("\n"))}</code></pre>`);
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
      const id = text.toLowerCase().replace(/[^\w]+/g, "-").replace(/^-|-$/g, "");
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
      const cells = (l: string) => l.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
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
    while (i < lines.length && !isBlank(lines[i]) && !/^(#{1,6}\s|\s*(```|~~~)|\s*>|\s*([-*+]|\d+[.)])\s+|\s*\$\$\s*$)/.test(lines[i]!)) {
      para.push(lines[i++]!);
    }
    if (para.length === 0) para.push(lines[i++]!);
    out.push(`<p>${renderInline(para.join("\n"))}</p>`);
  }
  return out.join("\n");
}
