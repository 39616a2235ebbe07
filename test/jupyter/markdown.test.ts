// The notebook HTML renderer's emphasis follows CommonMark's flanking rules (cases from the CommonMark 0.31 spec).
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderInline, renderMarkdown } from "../../src/jupyter/markdown";

test("a star after a letter and before a space does not open emphasis: ω* … ω* stays literal", () => {
  assert.equal(renderInline("the optimum ω* is where ω* stops moving"), "the optimum ω* is where ω* stops moving");
  assert.equal(renderInline("Q* and π* on one line"), "Q* and π* on one line");
  assert.equal(renderInline("θ* is *the* point"), "θ* is <em>the</em> point");
  assert.equal(renderMarkdown("ω* maximises 𝓛; then\nω* is fixed"), "<p>ω* maximises 𝓛; then\nω* is fixed</p>");
});

test("CommonMark emphasis cases: flanking, punctuation, intraword, nesting, across lines", () => {
  const cases: [string, string][] = [
    ["*foo bar*", "<em>foo bar</em>"],
    ["a * foo bar*", "a * foo bar*"], // example 351: followed by whitespace, not left-flanking
    ['a*"foo"*', "a*&quot;foo&quot;*"], // example 352: alphanumeric before, punctuation after
    ["foo*bar*", "foo<em>bar</em>"], // example 355: intraword * emphasis
    ["5*6*78", "5<em>6</em>78"], // example 356
    ["_foo bar_", "<em>foo bar</em>"],
    ["foo_bar_", "foo_bar_"], // example 365: no intraword _ emphasis
    ["snake_case_name", "snake_case_name"],
    ["_foo_bar_baz_", "<em>foo_bar_baz</em>"], // example 369
    ["*(*foo*)*", "<em>(<em>foo</em>)</em>"],
    ["*foo\nbar*", "<em>foo\nbar</em>"],
    ["**Theorem 1.** A maximum", "<strong>Theorem 1.</strong> A maximum"],
    ["__init__", "<strong>init</strong>"],
    ["**bold *it* more**", "<strong>bold <em>it</em> more</strong>"],
    ["*`code`*", "<em><code>code</code></em>"],
    ["$\\beta_1 * x_2$ and *y*", '<span class="math">$\\beta_1 * x_2$</span> and <em>y</em>'],
    ["E[(T\\*Q̂ − Q̂)²] is zero at Q̂ = Q*", "E[(T*Q̂ − Q̂)²] is zero at Q̂ = Q*"], // a backslash escape keeps a star literal
    ["a \\_b\\_ and C:\\dir", "a _b_ and C:\\dir"],
    ["see [notebook 5](05-actor_critic_training.ipynb)", 'see <a href="05-actor_critic_training.ipynb">notebook 5</a>'],
  ];
  for (const [md, html] of cases) assert.equal(renderInline(md), html, JSON.stringify(md));
});

test("tables: escaped pipes stay inside their cell (GFM), columns line up", () => {
  const md = "| quantity | value |\n|---|---|\n| β = E_{p(h\\|𝒪)}[x] | 0.5 |\n| plain | 1 |";
  assert.equal(
    renderMarkdown(md),
    "<table><thead><tr><th>quantity</th><th>value</th></tr></thead><tbody>" +
      "<tr><td>β = E_{p(h|𝒪)}[x]</td><td>0.5</td></tr><tr><td>plain</td><td>1</td></tr></tbody></table>",
  );
});
