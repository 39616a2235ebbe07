/** `virel kernel install|uninstall|list|start`: the VIREL (TypeScript) Jupyter kernel, installed without Python. */
import type { Command } from "commander";

interface TargetOpts {
  user?: boolean;
  prefix?: string;
  sysPrefix?: boolean;
  name?: string;
}

function targetOptions(cmd: Command): Command {
  return cmd
    .option("--user", "install for this user: ~/.local/share/jupyter/kernels (default; $JUPYTER_DATA_DIR if set)")
    .option("--prefix <dir>", "install into DIR/share/jupyter/kernels (e.g. /usr/local, or a folder on $JUPYTER_PATH)")
    .option(
      "--sys-prefix",
      "install into the active conda env / virtualenv ($CONDA_PREFIX or $VIRTUAL_ENV)/share/jupyter/kernels",
    )
    .option("--name <name>", "kernelspec folder name", "virel-ts");
}

export function register(program: Command): void {
  const kernel = program.command("kernel").description("the VIREL (TypeScript) Jupyter kernel");
  targetOptions(
    kernel.command("install").description("write the virel-ts kernelspec (absolute node + launcher paths, logos)"),
  ).action(async (opts: TargetOpts) => {
    const { installKernelSpec } = await import("../jupyter/kernelspec.js");
    const dir = installKernelSpec(opts);
    process.stdout.write(`installed kernelspec "${opts.name ?? "virel-ts"}" (VIREL (TypeScript)) in ${dir}\n`);
  });
  targetOptions(kernel.command("uninstall").description("remove the virel-ts kernelspec")).action(
    async (opts: TargetOpts) => {
      const { uninstallKernelSpec } = await import("../jupyter/kernelspec.js");
      const dir = uninstallKernelSpec(opts);
      if (dir) process.stdout.write(`removed ${dir}\n`);
      else {
        process.stderr.write(`virel: kernelspec "${opts.name ?? "virel-ts"}" is not installed there\n`);
        process.exitCode = 1;
      }
    },
  );
  kernel
    .command("list")
    .description("show Jupyter's kernel search path and where virel-ts is installed")
    .action(async () => {
      const { searchDirs, findInstalled } = await import("../jupyter/kernelspec.js");
      const found = new Set(findInstalled());
      for (const d of searchDirs())
        process.stdout.write(`${d}${[...found].some((f) => f.startsWith(d)) ? "  ← virel-ts" : ""}\n`);
    });
  kernel
    .command("spec")
    .description("print the kernel.json this installation would write")
    .action(async () => {
      const { kernelSpec } = await import("../jupyter/kernelspec.js");
      process.stdout.write(JSON.stringify(kernelSpec(), null, 2) + "\n");
    });
  kernel
    .command("start")
    .description("start the kernel on a connection file (what Jupyter runs)")
    .requiredOption("-f, --connection-file <file>", "Jupyter connection file")
    .action(async (opts: { connectionFile: string }) => {
      const { launcherPath } = await import("../jupyter/paths.js");
      const { launch } = (await import(launcherPath())) as { launch(argv: string[]): Promise<void> };
      await launch(["--connection-file", opts.connectionFile]);
    });
}
