/**
 * Install the `virel-ts` kernelspec without Python: a folder `virel-ts/` with `kernel.json` (absolute paths of
 * node and of the launcher), and the logos, in one of Jupyter's kernel directories. JupyterLab, classic Notebook,
 * nbclient and VS Code's Jupyter extension all read these directories.
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { launcherPath, kernelspecTemplateDir, packageRoot } from "./paths";

export const KERNEL_NAME = "virel-ts";
export const DISPLAY_NAME = "VIREL (TypeScript)";
const LOGOS = ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"];

/** The kernel.json we write. */
export interface KernelSpecJson {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal" | "message";
  env: Record<string, string>;
  metadata: Record<string, unknown>;
}

/** Where to install: exactly one of these (default: user). */
export interface InstallTarget {
  user?: boolean;
  prefix?: string;
  sysPrefix?: boolean;
  /** Kernel folder name (default `virel-ts`). */
  name?: string;
}

/** Jupyter's per-user data directory (`jupyter --data-dir`). */
export function userDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.JUPYTER_DATA_DIR) return resolve(env.JUPYTER_DATA_DIR);
  if (platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (platform === "win32") return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "jupyter");
  return join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

/** The kernels directory for one install target. */
export function kernelsDir(target: InstallTarget, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = [target.user, target.prefix !== undefined, target.sysPrefix].filter(Boolean).length;
  if (chosen > 1) throw new Error("choose one of --user, --prefix DIR, --sys-prefix");
  if (target.prefix !== undefined) {
    if (target.prefix.trim() === "") throw new Error("--prefix needs a directory, got an empty string");
    return join(resolve(target.prefix), "share", "jupyter", "kernels");
  }
  if (target.sysPrefix) {
    const prefix = env.CONDA_PREFIX ?? env.VIRTUAL_ENV;
    if (!prefix)
      throw new Error(
        "--sys-prefix needs an active conda environment or virtualenv (CONDA_PREFIX or VIRTUAL_ENV); use --prefix DIR instead",
      );
    return join(prefix, "share", "jupyter", "kernels");
  }
  return join(userDataDir(env), "kernels");
}

/** Every directory Jupyter searches for kernelspecs, in its order (for `virel kernel list`-style output). */
export function searchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  dirs.push(join(userDataDir(env), "kernels"));
  for (const p of (env.JUPYTER_PATH ?? "").split(delimiter).filter(Boolean)) dirs.push(join(resolve(p), "kernels"));
  for (const p of [env.CONDA_PREFIX, env.VIRTUAL_ENV]) if (p) dirs.push(join(p, "share", "jupyter", "kernels"));
  if (process.platform === "win32") {
    if (env.PROGRAMDATA) dirs.push(join(env.PROGRAMDATA, "jupyter", "kernels"));
  } else {
    dirs.push("/usr/local/share/jupyter/kernels", "/usr/share/jupyter/kernels");
  }
  return [...new Set(dirs)];
}

/** The kernel.json for this installation: absolute node and launcher paths. */
export function kernelSpec(nodePath: string = process.execPath): KernelSpecJson {
  const template = JSON.parse(readFileSync(join(kernelspecTemplateDir(), "kernel.json"), "utf8")) as KernelSpecJson;
  const launcher = launcherPath();
  if (!existsSync(launcher)) throw new Error(`the kernel is not built: ${launcher} is missing (run \`npm run build\`)`);
  return {
    ...template,
    argv: template.argv.map((a) => (a === "{node}" ? nodePath : a === "{launcher}" ? launcher : a)),
    metadata: { ...template.metadata, virel: { root: packageRoot() } },
  };
}

/** Write the kernelspec folder atomically (temp folder + rename); returns the folder. */
export function installKernelSpec(target: InstallTarget = {}, env: NodeJS.ProcessEnv = process.env): string {
  const name = target.name ?? KERNEL_NAME;
  if (!/^[a-zA-Z0-9._-]+$/.test(name))
    throw new Error(`kernel name must match [a-zA-Z0-9._-]+, got ${JSON.stringify(name)}`);
  const dir = kernelsDir(target, env);
  mkdirSync(dir, { recursive: true });
  const spec = kernelSpec();
  const tmp = join(dir, `.${name}-${randomBytes(4).toString("hex")}.tmp`);
  mkdirSync(tmp);
  try {
    writeFileSync(join(tmp, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
    for (const logo of LOGOS) copyFileSync(join(kernelspecTemplateDir(), logo), join(tmp, logo));
    const dest = join(dir, name);
    if (existsSync(dest)) {
      const old = `${dest}.old-${randomBytes(4).toString("hex")}`;
      renameSync(dest, old);
      renameSync(tmp, dest);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dest);
    }
    return dest;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Remove the kernelspec folder; returns it, or null when it was not installed there. */
export function uninstallKernelSpec(target: InstallTarget = {}, env: NodeJS.ProcessEnv = process.env): string | null {
  const dest = join(kernelsDir(target, env), target.name ?? KERNEL_NAME);
  if (!existsSync(join(dest, "kernel.json"))) return null;
  rmSync(dest, { recursive: true, force: true });
  return dest;
}

/** Installed copies of our kernelspec across Jupyter's search path. */
export function findInstalled(name = KERNEL_NAME, env: NodeJS.ProcessEnv = process.env): string[] {
  return searchDirs(env)
    .map((d) => join(d, name))
    .filter((d) => existsSync(join(d, "kernel.json")));
}
