#!/usr/bin/env node
// Executes the tutorials and the worked exercise solutions with the VIREL kernel and renders each to one
// self-contained HTML page (plotly.js inlined: the plots draw offline), plus an index page:
//
//   npm run notebooks:html                       (builds first; full budgets, as a reader would run them)
//   node notebooks/render.mjs [--out DIR] [--test] [NAME…]
//
// --test sets VIREL_TEST=1 (the test suite's smaller budgets). NAME filters by substring. Output (default
// dist/notebooks/): NAME.ipynb (executed) and NAME.html per notebook, and index.html.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const bin = join(root, "bin", "virel.js");

const argv = process.argv.slice(2);
let out = join(root, "dist", "notebooks");
const filters = [];
let testMode = false;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--out") out = argv[++i];
  else if (argv[i] === "--test") testMode = true;
  else if (argv[i] === "-h" || argv[i] === "--help") {
    console.log("usage: node notebooks/render.mjs [--out DIR] [--test] [NAME…]");
    process.exit(0);
  } else filters.push(argv[i]);
}
if (!out) throw new Error("--out needs a directory");
if (!existsSync(join(root, "dist", "src", "jupyter", "kernel", "launcher.js"))) {
  console.error("render: dist/ is missing; run `npm run build` first (npm run notebooks:html does)");
  process.exit(1);
}

const list = [
  ...readdirSync(here)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .map((f) => ({ file: join(here, f), name: f.replace(/\.ipynb$/, ""), group: "Tutorials" })),
  ...(existsSync(join(here, "exercises", "solutions"))
    ? readdirSync(join(here, "exercises", "solutions"))
        .filter((f) => f.endsWith(".ipynb"))
        .sort()
        .map((f) => ({
          file: join(here, "exercises", "solutions", f),
          name: `solutions-${f.replace(/\.ipynb$/, "")}`,
          group: "Exercises (worked solutions)",
        }))
    : []),
].filter((n) => filters.length === 0 || filters.some((f) => n.name.includes(f)));
if (list.length === 0) {
  console.error(`render: no notebook matches ${JSON.stringify(filters)}`);
  process.exit(1);
}

mkdirSync(out, { recursive: true });
const env = { ...process.env };
if (testMode) env.VIREL_TEST = "1";
const done = [];
let failed = 0;
for (const nb of list) {
  const executed = join(out, `${nb.name}.ipynb`);
  const html = join(out, `${nb.name}.html`);
  const t0 = Date.now();
  process.stdout.write(`${relative(root, nb.file)} … `);
  try {
    execFileSync(process.execPath, [bin, "notebook", "run", nb.file, "--out", executed], {
      cwd: root,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
  } catch (e) {
    failed++;
    process.stdout.write(
      `FAILED (${((Date.now() - t0) / 1000).toFixed(0)} s)\n${String(e.stderr ?? e.message)
        .trim()
        .split("\n")
        .slice(-3)
        .join("\n")}\n`,
    );
    if (!existsSync(executed)) continue; // still render what ran, with its error
  }
  execFileSync(process.execPath, [bin, "notebook", "html", executed, "--out", html], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const seconds = (Date.now() - t0) / 1000;
  done.push({ ...nb, html, seconds });
  process.stdout.write(`${seconds.toFixed(0)} s → ${relative(process.cwd(), html)}\n`);
}

const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const groups = [...new Set(done.map((d) => d.group))];
const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VIREL lab notebooks</title>
<style>body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:800px;margin:2em auto;padding:0 1em;line-height:1.5}li{margin:.3em 0}.t{color:#777;font-size:90%}</style>
</head><body><h1>VIREL lab notebooks</h1>
<p>Executed ${new Date().toISOString().slice(0, 16).replace("T", " ")}${testMode ? " with the test budgets (VIREL_TEST=1)" : ""}. Every page is self-contained and draws its plots offline.</p>
${groups
  .map(
    (g) =>
      `<h2>${esc(g)}</h2><ul>${done
        .filter((d) => d.group === g)
        .map(
          (d) =>
            `<li><a href="${encodeURIComponent(d.name)}.html">${esc(d.name)}</a> <span class="t">(${d.seconds.toFixed(0)} s)</span></li>`,
        )
        .join("")}</ul>`,
  )
  .join("\n")}
</body></html>
`;
const indexFile = join(out, "index.html");
writeFileSync(`${indexFile}.tmp`, page);
renameSync(`${indexFile}.tmp`, indexFile);
console.log(`index: ${relative(process.cwd(), indexFile)}`);
if (failed > 0) {
  console.error(`${failed} notebook(s) failed`);
  process.exit(1);
}
