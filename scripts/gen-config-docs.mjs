// Writes docs/config.md from the config declarations (src/agents/config.ts, FIELDS). Run after `npm run build`:
//   node scripts/gen-config-docs.mjs          (write)
//   node scripts/gen-config-docs.mjs --check  (exit 1 when the committed file is out of date)
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const { configMarkdown } = require(join(root, "dist", "src", "agents", "config.js"));
const file = join(root, "docs", "config.md");
const text = configMarkdown();
if (process.argv.includes("--check")) {
  const now = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (now !== text) {
    console.error("docs/config.md is out of date: run `npm run build && node scripts/gen-config-docs.mjs`");
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
