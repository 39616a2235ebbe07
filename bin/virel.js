#!/usr/bin/env node
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const entry = path.join(__dirname, "..", "dist", "src", "cli", "main.js");
if (!fs.existsSync(entry)) {
  process.stderr.write(
    "virel: the library is not built yet; run `npm run build` in " + path.join(__dirname, "..") + "\n",
  );
  process.exit(1);
}
require(entry).main(process.argv);
