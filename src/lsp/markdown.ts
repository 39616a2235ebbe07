/**
 * JSDoc → Markdown for hovers, completion details and signature help.
 *
 * The library's JSDoc carries formulas (`qHat(s, a) = r + γ E[V(s')]`, `β = E[(T*Q̂ − Q̂)²]`, `2*x*y`): they must
 * read as written. So: line breaks are kept (each becomes a Markdown hard break), code spans and fenced blocks
 * pass through untouched, and outside code a `*` or `_` between word characters and a `<` that could open an HTML
 * tag are escaped (Markdown would otherwise eat them as emphasis or markup). `{@link X}` renders as `X`.
 */
import * as ts from "typescript";

/** Escape the characters of plain (non-code) JSDoc text that Markdown would misread. */
export function escapeProse(text: string): string {
  return text
    .replace(/(?<=[\w)\]}'^²³])\*(?=[\w([{])/g, "\\*")
    .replace(/(?<=\S)\*\*(?=\S)/g, "\\*\\*")
    .replace(/(?<=[\w)\]}])_(?=[\w([{])/g, "\\_")
    .replace(/<(?=[A-Za-z/!?])/g, "&lt;");
}

/**
 * Markdown for a block of JSDoc text: code (``` fences, `spans`) untouched, prose escaped, line breaks kept.
 */
export function jsdocToMarkdown(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      out.push(line);
      continue;
    }
    if (inFence) {
      out.push(line);
      continue;
    }
    // Escape outside `code spans` only (split keeps the spans at odd indices).
    const parts = line.split(/(`+[^`]*`+)/);
    const escaped = parts.map((p, k) => (k % 2 === 1 ? p : escapeProse(p))).join("");
    const next = lines[i + 1];
    const hardBreak = next !== undefined && next.trim() !== "" && line.trim() !== "" && !/^\s*```/.test(next);
    out.push(hardBreak ? escaped + "  " : escaped);
  }
  return out.join("\n");
}

/** Display parts → text, with `{@link X}` shown as `` `X` `` (or its link text). */
export function partsToMarkdown(parts: readonly ts.SymbolDisplayPart[] | undefined): string {
  if (parts === undefined) return "";
  let out = "";
  let inLink = false;
  let linkTarget = "";
  let linkText = "";
  for (const p of parts) {
    if (p.kind === "link") {
      if (!inLink) {
        inLink = true;
        linkTarget = "";
        linkText = "";
      } else {
        inLink = false;
        const shown = (linkText.trim() || linkTarget.trim()).trim();
        out += shown === "" ? "" : "`" + shown + "`";
      }
      continue;
    }
    if (inLink) {
      if (p.kind === "linkName") linkTarget += p.text;
      else linkText += p.text;
      continue;
    }
    out += p.text;
  }
  return out;
}

function tagToMarkdown(tag: ts.JSDocTagInfo): string {
  const body = partsToMarkdown(tag.text);
  switch (tag.name) {
    case "param":
    case "property":
    case "template": {
      const m = /^(\S+)([\s\S]*)$/.exec(body);
      if (m === null) return `*@${tag.name}*`;
      const rest = (m[2] ?? "").trim().replace(/^-\s*/, "");
      return `*@${tag.name}* \`${m[1] ?? ""}\`` + (rest === "" ? "" : ` — ${jsdocToMarkdown(rest)}`);
    }
    case "example": {
      const code = body.replace(/^\n+/, "");
      return /^\s*```/.test(code) ? `*@example*\n${code}` : `*@example*\n\`\`\`typescript\n${code}\n\`\`\``;
    }
    default:
      return `*@${tag.name}*` + (body.trim() === "" ? "" : ` — ${jsdocToMarkdown(body.trim())}`);
  }
}

/** Documentation and tags of a symbol as Markdown paragraphs. */
export function docToMarkdown(
  documentation: readonly ts.SymbolDisplayPart[] | undefined,
  tags: readonly ts.JSDocTagInfo[] | undefined,
): string {
  const blocks: string[] = [];
  const doc = partsToMarkdown(documentation).trim();
  if (doc !== "") blocks.push(jsdocToMarkdown(doc));
  const tagLines = (tags ?? []).map(tagToMarkdown);
  if (tagLines.length > 0) blocks.push(tagLines.join("\n\n"));
  return blocks.join("\n\n");
}

/** A TypeScript signature or declaration shown as a fenced code block. */
export function codeBlock(code: string): string {
  return "```typescript\n" + code + "\n```";
}
