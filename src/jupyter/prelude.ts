/**
 * What every notebook cell sees without an import — shared by the kernel (which compiles cells) and the
 * language server (which type-checks them), so the editor sees exactly the program the kernel runs.
 *
 * - `virel`   — the library, the same object as `import * as virel from "virel"`.
 * - `display` — the notebook display helpers, the same object as `import * as display from "virel/display"`.
 */

/** Global names the kernel defines before the first cell runs, with the module each one is. */
export const PRELOADED = [
  { name: "virel", module: "virel" },
  { name: "display", module: "virel/display" },
] as const;

/** Ambient declarations that make the preloaded names typed in every cell. */
export const PRELUDE_DTS =
  PRELOADED.map((p) => `declare const ${p.name}: typeof import(${JSON.stringify(p.module)});`).join("\n") + "\n";
