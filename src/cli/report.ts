/** `virel report`: a self-contained HTML report (Fig. 3 style) of run directories. */
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("report")
    .description(
      "write a self-contained HTML report: evaluation return, mean ± std over seeds per algorithm (Fig. 3 style)",
    )
    .argument("<dirs...>", "run directories, or folders holding them (searched recursively)")
    .requiredOption("--out <file>", "the HTML file to write")
    .option("--title <text>", "report title")
    .action(async (dirs: string[], o: { out: string; title?: string }) => {
      const { writeReport } = await import("../report/index.js");
      const r = writeReport(dirs, o.out, {
        title: o.title,
        warn: (m) => process.stderr.write(`virel report: warning: ${m}\n`),
      });
      for (const g of r.groups) {
        const f = g.finals;
        const m = f.reduce((s, x) => s + x, 0) / Math.max(1, f.length);
        process.stdout.write(
          `${g.env} ${g.algo}: ${g.seeds.length} seed(s), final eval ${f.length ? m.toFixed(1) : "—"} at step ${g.commonStep}\n`,
        );
      }
      process.stdout.write(`report: ${r.file}\n`);
    });
}
