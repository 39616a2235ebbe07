/** A small XML well-formedness check for SVG frames (balanced tags, quoted attributes, escaped text). */
import assert from "node:assert/strict";

/** Throws unless `svg` is one well-formed `<svg xmlns=…>` element; returns the element-name counts. */
export function checkSvg(svg: string): Map<string, number> {
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>/, "starts with an <svg xmlns> root");
  const counts = new Map<string, number>();
  const stack: string[] = [];
  const tag = /<[^>]*>/g;
  let last = 0;
  let closedRoot = false;
  for (const m of svg.matchAll(tag)) {
    const text = svg.slice(last, m.index);
    assert.ok(!closedRoot || text.trim() === "", "nothing after the root element");
    assert.ok(!/[<>]/.test(text), `text without < or >: ${JSON.stringify(text.slice(0, 40))}`);
    assert.ok(
      !/&(?!(lt|gt|amp|quot|apos|#\d+);)/.test(text),
      `escaped & in text: ${JSON.stringify(text.slice(0, 40))}`,
    );
    last = m.index! + m[0].length;
    const t = m[0];
    if (t.startsWith("</")) {
      const name = t.slice(2, -1).trim();
      assert.equal(stack.pop(), name, `closing </${name}> matches its opening tag`);
      if (stack.length === 0) closedRoot = true;
      continue;
    }
    const ok = /^<([A-Za-z][\w:.-]*)((\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>$/.exec(t);
    assert.ok(ok, `well-formed tag with quoted attributes: ${t.slice(0, 80)}`);
    const name = ok[1]!;
    const attrs = [...ok[2]!.matchAll(/([\w:.-]+)="/g)].map((a) => a[1]!);
    assert.equal(new Set(attrs).size, attrs.length, `no duplicate attributes in ${t.slice(0, 60)}`);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (ok[4] !== "/") stack.push(name);
    else if (stack.length === 0) closedRoot = true;
  }
  assert.deepEqual(stack, [], "every element is closed");
  assert.ok(closedRoot, "one root element");
  assert.equal(svg.slice(last).trim(), "", "nothing after the root element");
  return counts;
}
