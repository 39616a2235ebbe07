/** Where the pieces of the installed `virel` package are (the kernel launcher, logos, plotly.js). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

let cachedRoot: string | null = null;

/** The root of the `virel` package this file belongs to (the directory of its package.json). */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const pj = join(dir, "package.json");
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, "utf8")) as { name?: string }).name === "virel") return (cachedRoot = dir);
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the virel package above ${__dirname}`);
    dir = up;
  }
}

/** The compiled kernel entry point (`dist/src/jupyter/kernel/launcher.js`). */
export function launcherPath(): string {
  return join(packageRoot(), "dist", "src", "jupyter", "kernel", "launcher.js");
}

/** The kernelspec template folder (`src/jupyter/kernel/kernelspec`: kernel.json template and logos; shipped as source files). */
export function kernelspecTemplateDir(): string {
  return join(packageRoot(), "src", "jupyter", "kernel", "kernelspec");
}
