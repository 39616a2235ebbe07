/** `virel notebook run|html`: execute a notebook in the VIREL kernel (no Python needed) and render it to HTML. */
import type { Command } from "commander";

export function register(program: Command): void {
  const nb = program.command("notebook").description("run notebooks headless and render them to HTML");
  nb.command("run")
    .description("execute every code cell in the VIREL kernel over the Jupyter protocol and save the outputs")
    .argument("<file>", "notebook (.ipynb)")
    .option("-o, --out <file>", "write the executed notebook here (default: in place)")
    .option("-t, --timeout <seconds>", "time limit per cell in seconds (default: none)")
    .option("--allow-errors", "keep going after a failing cell (exit status is still 1)")
    .option("--cwd <dir>", "kernel working directory (default: the notebook's folder)")
    .action(async (file: string, opts: { out?: string; timeout?: string; allowErrors?: boolean; cwd?: string }) => {
      let timeoutS: number | undefined;
      if (opts.timeout !== undefined) {
        timeoutS = Number(opts.timeout);
        if (!Number.isFinite(timeoutS) || timeoutS <= 0)
          throw new Error(`--timeout must be a positive number of seconds, got ${opts.timeout}`);
      }
      const { runNotebook, CellFailure } = await import("../jupyter/runner.js");
      try {
        const r = await runNotebook(file, {
          out: opts.out,
          timeoutS,
          allowErrors: opts.allowErrors,
          cwd: opts.cwd,
          onCell: (i, n) => process.stderr.write(`\r[${i + 1}/${n}] `),
        });
        process.stderr.write("\n");
        for (const f of r.failures) process.stderr.write(`virel: ${f.message}\n`);
        process.stdout.write(`executed ${r.executed} cell(s) in ${r.seconds.toFixed(1)} s → ${r.out}\n`);
        if (r.failures.length > 0) process.exitCode = 1;
      } catch (e) {
        process.stderr.write("\n");
        if (e instanceof CellFailure) {
          process.stderr.write(`virel: ${e.message}\n`);
          process.exitCode = 1;
          return;
        }
        throw e;
      }
    });
  nb.command("html")
    .description("render an executed notebook to one self-contained HTML page (plotly inlined, works offline)")
    .argument("<file>", "notebook (.ipynb)")
    .requiredOption("-o, --out <file>", "HTML file to write")
    .action(async (file: string, opts: { out: string }) => {
      const { renderNotebookFile } = await import("../jupyter/html.js");
      const bytes = renderNotebookFile(file, opts.out);
      process.stdout.write(`wrote ${opts.out} (${(bytes / 1e6).toFixed(1)} MB)\n`);
    });
}
