/** The registry of CLI commands: one line per command file (each exports `register(program)`). */
import type { Command } from "commander";
import { register as tour } from "./tour";
import { register as lsp } from "./lsp";
import { register as envs } from "./envs";
import { register as train } from "./train";
import { register as evalCmd } from "./eval";
import { register as sweep } from "./sweep";
import { register as slurm } from "./slurm";
import { register as report } from "./report";
import { register as bench } from "./bench";
import { register as start } from "./start";
import { register as doctor } from "./doctor";
import { register as kernel } from "./kernel";
import { register as notebook } from "./notebook";
import { register as experiment } from "./experiment";

export type Register = (program: Command) => void;

export const commands: Register[] = [
  tour,
  lsp,
  envs,
  train,
  evalCmd,
  sweep,
  slurm,
  report,
  bench,
  start,
  doctor,
  kernel,
  notebook,
  experiment,
];
