/** `virel tour`: a short printed tour of the model (Table 1, Lemma 1, Theorem 1) on a small MDP. */
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("tour")
    .description("print a short tour of the VIREL model on a small tabular MDP")
    .action(async () => {
      const { runTour } = await import("./tour-run.js");
      runTour((line) => process.stdout.write(line + "\n"));
    });
}
