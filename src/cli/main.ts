/**
 * The `virel` command line. Each command lives in its own file under `src/cli/` and exports
 * `register(program)`; `commands.ts` lists them.
 */
import { Command } from "commander";
import { commands } from "./commands";
import { version } from "../version";
import { setting } from "../engine/settings";

/** Build the commander program with every registered command. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name("virel")
    .description("VIREL lab: RL as variational inference — tabular EM, environments, VIREL1/VIREL2/SAC, kernel, LSP")
    .version(version)
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  for (const register of commands) register(program);
  return program;
}

/** Entry point used by `bin/virel.js`. */
export async function main(argv: string[] = process.argv): Promise<void> {
  // `virel … | head` closes the pipe early: stop quietly instead of crashing with EPIPE.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === "string" && e.code.startsWith("commander.")) {
      // commander already printed help/version/usage errors.
      process.exitCode = e.exitCode ?? 1;
      return;
    }
    process.stderr.write(`virel: ${e.message ?? String(err)}\n`);
    let debug = false;
    try {
      debug = setting("debug");
    } catch (bad) {
      process.stderr.write(`virel: ${(bad as Error).message}\n`);
    }
    if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + "\n");
    process.exitCode = 1;
  }
}
