// End-to-end test of the VS Code extension in a real VS Code: code-server (VS Code 1.100.3 in a browser) driven
// by headless Chromium (the system's /usr/bin/chromium, through playwright-core; no browser download).
//
//   npm run test:vscode        (builds the library and the .vsix first)
//   node scripts/vscode/e2e.mjs [--vsix FILE] [--keep]
//
// Needs code-server installed by scripts/ci/vscode.sh (cached outside the repository). Steps: install the .vsix
// into a fresh user-data/extensions folder, start code-server on a free port with a scratch workspace holding
// tutorial 01 and a scratch notebook, open each, select the "VIREL (TypeScript)" kernel, Run All, and assert on
// what is on screen:
//   1. tutorial 01: a plotly figure drawn by the extension's renderer (an SVG `.main-svg` in an output);
//   2. scratch: a live display updated in place (one output showing "tick 5", never two);
//   3. scratch: an error pointing at the cell's own line (`In[N]:3:` for a throw on line 3);
//   4. scratch: a hover with the library's docs (on `Rng`: the constructor's "@param seed … a string label is hashed");
//   5. scratch: a diagnostic (a red squiggle and its message: "not assignable to type 'number'").
// Screenshots go to .virel-out/vscode-e2e/ (git-ignored); the path is printed. Exit code 0 = all passed.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const keep = args.includes("--keep");
const vsixArg = args.indexOf("--vsix");
const manifest = JSON.parse(readFileSync(join(root, "extension", "package.json"), "utf8"));
const vsix =
  vsixArg >= 0 ? resolve(args[vsixArg + 1]) : join(root, "extension", `${manifest.name}-${manifest.version}.vsix`);
const VERSION = process.env.VIREL_CODE_SERVER_VERSION ?? "4.100.3";
const cache = join(process.env.VIREL_CODE_SERVER_CACHE ?? join(homedir(), ".cache", "virel-code-server"), VERSION);
const entry = join(cache, "node_modules", "code-server", "out", "node", "entry.js");
const chromiumPath = process.env.VIREL_CHROMIUM ?? "/usr/bin/chromium";
const shots = join(root, ".virel-out", "vscode-e2e");

function fail(msg) {
  console.error(`test:vscode: ${msg}`);
  process.exit(1);
}
if (!existsSync(join(cache, ".complete")) || !existsSync(entry))
  fail(`code-server ${VERSION} is not installed in ${cache}; run: bash scripts/ci/vscode.sh`);
if (!existsSync(chromiumPath)) fail(`no Chromium at ${chromiumPath} (apt-get install chromium, or set VIREL_CHROMIUM)`);
if (!existsSync(vsix)) fail(`no ${vsix}; run: npm run vsix`);
if (!existsSync(join(root, "dist", "src", "jupyter", "stdio-bridge.js")))
  fail("the library is not built; run: npm run build");

const { chromium } = await import("playwright-core");

rmSync(shots, { recursive: true, force: true });
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "virel-vscode-e2e-"));
const userData = join(work, "user-data");
const extensions = join(work, "extensions");
const workspace = join(work, "workspace");
mkdirSync(join(userData, "User"), { recursive: true });
mkdirSync(workspace, { recursive: true });
writeFileSync(
  join(userData, "User", "settings.json"),
  JSON.stringify(
    {
      "security.workspace.trust.enabled": false,
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "workbench.enableExperiments": false,
      "extensions.ignoreRecommendations": true,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "editor.hover.delay": 200,
      "workbench.editorAssociations": { "*.ipynb": "jupyter-notebook" },
      "virel.packagePath": root,
    },
    null,
    2,
  ),
);
const tutorial = "01-graphical-model.ipynb";
copyFileSync(join(root, "notebooks", tutorial), join(workspace, tutorial));
const SCRATCH_CELLS = [
  // cell 1: a live display updated in place
  'const live = display.text("tick 0");\nfor (let i = 1; i <= 5; i++) {\n  await new Promise((r) => setTimeout(r, 150));\n  live.update({ "text/plain": `tick ${i}` });\n}',
  // cell 2: the library, with a hover target
  "const rng = new virel.Rng(7);\nconst draw: number = rng.uniform();\ndraw >= 0 && draw < 1",
  // cell 3: a type error the language server reports (the kernel would refuse the cell; it runs last)
  '// the language server flags the next line\nconst wrong: number = "not a number";',
];
const ERROR_CELL = "const a = 1;\nconst b: number = a + 1;\nthrow new Error(`boom at line three, b = ${b}`);";
const scratchCells = [SCRATCH_CELLS[0], SCRATCH_CELLS[1], ERROR_CELL, SCRATCH_CELLS[2]];
writeFileSync(
  join(workspace, "scratch.ipynb"),
  JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: "virel-ts", display_name: "VIREL (TypeScript)", language: "typescript" },
        language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
      },
      cells: scratchCells.map((src, i) => ({
        cell_type: "code",
        id: `scratch-${i}`,
        metadata: {},
        execution_count: null,
        outputs: [],
        source: src.split(/(?<=\n)/),
      })),
    },
    null,
    1,
  ),
);

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const log = (m) => console.log(`test:vscode [${secs()} s] ${m}`);

log(`install ${vsix}`);
const inst = spawnSync(
  process.execPath,
  [entry, "--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", vsix],
  { encoding: "utf8" },
);
if (inst.status !== 0) fail(`--install-extension failed:\n${inst.stdout}\n${inst.stderr}`);

const port = await new Promise((res, rej) => {
  const s = createServer();
  s.once("error", rej);
  s.listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const server = spawn(
  process.execPath,
  [
    entry,
    "--auth",
    "none",
    "--bind-addr",
    `127.0.0.1:${port}`,
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--user-data-dir",
    userData,
    "--extensions-dir",
    extensions,
    workspace,
  ],
  { stdio: ["ignore", "pipe", "pipe"], detached: false },
);
let serverLog = "";
server.stdout.on("data", (d) => (serverLog += d));
server.stderr.on("data", (d) => (serverLog += d));
for (let i = 0; i < 300 && !/HTTP server listening/.test(serverLog); i++) await new Promise((r) => setTimeout(r, 100));
if (!/HTTP server listening/.test(serverLog)) {
  server.kill();
  fail(`code-server did not start:\n${serverLog}`);
}
log(`code-server ${VERSION} on port ${port}`);

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu"],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
const results = [];
let shotN = 0;
async function shot(name) {
  const file = join(shots, `${String(++shotN).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
function check(name, ok, detail, file) {
  results.push({ name, ok, detail, file });
  log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}${file ? ` (${file})` : ""}`);
}
/** Poll fn until it returns a truthy value (or time out with undefined). */
async function until(fn, ms, step = 500) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* frame detached etc.: poll again */
    }
    if (Date.now() > end) return undefined;
    await new Promise((r) => setTimeout(r, step));
  }
}
/** Text of every output webview frame, ANSI-free. */
async function outputTexts() {
  const texts = [];
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    try {
      const t = await f.evaluate(() => document.body?.innerText ?? "");
      if (t) texts.push(t);
    } catch {
      /* detached */
    }
  }
  return texts.join("\n");
}
async function command(title) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input", { timeout: 20_000 });
  await page.keyboard.type(title, { delay: 5 });
  await page.waitForTimeout(600);
  await page.keyboard.press("Enter");
}
async function openFile(name) {
  // From the Explorer: a double click opens the notebook (not as a preview).
  const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: name }).first();
  await row.waitFor({ timeout: 60_000 });
  for (let attempt = 1; ; attempt++) {
    await row.dblclick();
    if (await until(async () => (await page.locator(".notebook-editor:visible").count()) > 0, 20_000)) break;
    if (attempt === 4) break;
    // Opened as JSON text (the notebook editor registers late on a slow start): close it and open it again.
    log(`${name} opened as text; closing and opening it again (attempt ${attempt + 1})`);
    await page
      .locator(".tab.active .codicon-close")
      .first()
      .click()
      .catch(() => {});
    await page.waitForTimeout(8000);
  }
  await page.locator(".notebook-editor:visible").first().waitFor({ timeout: 90_000 });
  await until(async () => (await page.locator(".tab.active", { hasText: name }).count()) > 0, 30_000);
  await page.waitForTimeout(2000);
}
/** Select our controller through "Notebook: Select Notebook Kernel" unless it is already the notebook's kernel. */
async function selectKernel() {
  const label = () =>
    page
      .locator(".notebook-editor:visible, .editor-actions:visible, .notebook-toolbar-container:visible")
      .getByText("VIREL (TypeScript)");
  // The controller marks itself Preferred for notebooks whose kernelspec is virel-ts, so VS Code may pick it.
  if (await until(async () => (await label().count()) > 0, 5000))
    return "selected automatically (preferred for kernelspec virel-ts)";
  await command("Notebook: Select Notebook Kernel");
  const item = page.locator(".quick-input-list .monaco-list-row", { hasText: "VIREL (TypeScript)" }).first();
  await item.waitFor({ timeout: 30_000 });
  await item.click();
  const ok = await until(async () => (await label().count()) > 0, 15_000);
  return ok ? "picked in the kernel picker" : "picked (label not seen)";
}
async function runAll() {
  await page.locator(".notebook-editor:visible").first().getByText("Run All", { exact: true }).first().click();
}

let exitCode = 1;
try {
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, {
    waitUntil: "domcontentloaded",
  });
  await page.waitForSelector(".monaco-workbench", { timeout: 120_000 });
  await page
    .locator(".explorer-folders-view .monaco-list-row", { hasText: "scratch.ipynb" })
    .first()
    .waitFor({ timeout: 120_000 });
  await page.waitForTimeout(8000);
  log("workbench up");

  // ---- tutorial 01 -------------------------------------------------------------------------------------------
  await openFile(tutorial);
  const how = await selectKernel();
  log(`tutorial 01: kernel ${how}`);
  await shot("tutorial01-kernel");
  await runAll();
  // VS Code renders the outputs of visible cells only: scroll down the notebook while looking for the figure.
  await page
    .locator(".notebook-editor:visible .monaco-list")
    .first()
    .hover()
    .catch(() => {});
  const plot = await until(
    async () => {
      await page.mouse.wheel(0, 500);
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        const n = await f
          .locator(".virel-plotly .main-svg")
          .count()
          .catch(() => 0);
        if (n > 0) return { frame: f, n };
      }
      return undefined;
    },
    240_000,
    1000,
  );
  if (plot) {
    // Bring the figure on screen for the screenshot: the output webview scrolls with the notebook's list.
    for (let k = 0; k < 30; k++) {
      const b = await plot.frame
        .locator(".virel-plotly")
        .first()
        .boundingBox()
        .catch(() => null);
      if (b === null || (b.y > 100 && b.y + Math.min(b.height, 400) < 980)) break;
      await page.mouse.wheel(0, b.y <= 100 ? -250 : 250);
      await page.waitForTimeout(400);
    }
    await page.waitForTimeout(1500);
  }
  check(
    "plotly figure drawn in an output (tutorial 01)",
    Boolean(plot),
    plot ? `${plot.n} plotly SVG layer(s) in the output webview` : "no .virel-plotly .main-svg",
    await shot("tutorial01-plot"),
  );

  // ---- scratch notebook -----------------------------------------------------------------------------------------
  await openFile("scratch.ipynb");
  log(`scratch: kernel ${await selectKernel()}`);
  await runAll();
  const liveText = await until(
    async () => {
      const t = await outputTexts();
      return t.includes("tick 5") ? t : undefined;
    },
    180_000,
    500,
  );
  const ticks = (liveText ?? "").match(/tick \d/g) ?? [];
  check(
    "live display updated in place",
    Boolean(liveText) && ticks.length === 1 && ticks[0] === "tick 5",
    `outputs show ${JSON.stringify(ticks)}`,
    await shot("scratch-live"),
  );

  const errText = await until(
    async () => {
      const t = (await outputTexts()).replace(/\x1b\[[0-9;]*m/g, "");
      return /boom at line three/.test(t) ? t : undefined;
    },
    120_000,
    500,
  );
  const errLine = (errText ?? "").match(/In\[\d+\]:(\d+):(\d+)/);
  const errorCellLines = ERROR_CELL.split("\n");
  check(
    "error points at the cell's own line",
    errLine !== null && Number(errLine[1]) === 3 && Number(errLine[2]) === errorCellLines[2].indexOf("new Error") + 1,
    errLine
      ? `stack shows ${errLine[0]} (throw on line 3, col ${errorCellLines[2].indexOf("new Error") + 1})`
      : "no In[N]:line:col in the error output",
    await shot("scratch-error"),
  );

  // Hover: the `Rng` of `new virel.Rng(7)` in cell 2.
  const rngToken = page.locator(".notebook-editor .view-line span", { hasText: /^Rng$/ }).first();
  const hover = await until(
    async () => {
      await rngToken.scrollIntoViewIfNeeded();
      await rngToken.hover();
      // The constructor's JSDoc from src/rng.ts: "@param seed — integer in [0, 2^32 − 1] (a string label is hashed)."
      const h = page.locator(".monaco-hover:not(.hidden)", { hasText: "a string label is hashed" });
      return (await h.count()) > 0 ? (await h.first().innerText()).slice(0, 160) : undefined;
    },
    90_000,
    2000,
  );
  check(
    "hover with the library's docs",
    Boolean(hover),
    hover ? JSON.stringify(hover.replace(/\s+/g, " ")) : "no hover with the Rng constructor's docs",
    await shot("scratch-hover"),
  );
  await page.mouse.move(5, 500);

  // Diagnostic: a red squiggle in the last cell, and its message in the hover.
  const diag = await until(
    async () => {
      const sq = page.locator(".notebook-editor .squiggly-error").first();
      if ((await sq.count()) === 0) return undefined;
      // Hover the squiggled word itself (the squiggle overlay sits under the text layer).
      const word = page.locator(".notebook-editor .view-line span", { hasText: /^wrong$/ }).first();
      await word.scrollIntoViewIfNeeded();
      await word.hover();
      const h = page.locator(".monaco-hover:not(.hidden)", { hasText: "not assignable to type 'number'" });
      return (await h.count()) > 0 ? (await h.first().innerText()).slice(0, 160) : undefined;
    },
    90_000,
    2000,
  );
  check(
    "diagnostic in a cell",
    Boolean(diag),
    diag ? JSON.stringify(diag.replace(/\s+/g, " ")) : "no squiggle with the type error",
    await shot("scratch-diagnostic"),
  );

  exitCode = results.every((r) => r.ok) ? 0 : 1;
} catch (e) {
  await shot("crash").catch(() => {});
  console.error(`test:vscode: ${e?.stack ?? e}`);
} finally {
  await browser.close().catch(() => {});
  server.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  if (!keep) rmSync(work, { recursive: true, force: true });
}
console.log(
  `test:vscode: ${results.filter((r) => r.ok).length}/${results.length} checks passed in ${secs()} s; screenshots in ${shots}`,
);
if (results.length < 5) console.log("test:vscode: not every check ran");
process.exit(results.length === 5 ? exitCode : 1);
