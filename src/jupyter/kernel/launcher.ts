#!/usr/bin/env node
/**
 * Entry point of the VIREL (TypeScript) Jupyter kernel, started by Jupyter through the kernelspec:
 *   node dist/src/jupyter/kernel/launcher.js --connection-file {connection_file}
 * The working directory is the notebook's directory (Jupyter sets it).
 */
import * as ts from "@tslab/typescript-for-tslab";
import { readConnectionFile } from "../protocol/wire";
import { setting } from "../../engine/settings";
import { installTypeOverlay, packageRoot } from "./resolve";
import { KernelServer } from "./server";

function parseArgs(argv: string[]): { connectionFile: string; warmUp: boolean } {
  let connectionFile = "";
  let warmUp = !setting("kernelNoWarmup");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--connection-file" || a === "-f") connectionFile = argv[++i] ?? "";
    else if (a.startsWith("--connection-file=")) connectionFile = a.slice("--connection-file=".length);
    else if (a === "--no-warm-up") warmUp = false;
    else
      throw new Error(`unknown argument ${JSON.stringify(a)} (usage: launcher --connection-file FILE [--no-warm-up])`);
  }
  if (!connectionFile) throw new Error("missing --connection-file FILE");
  return { connectionFile, warmUp };
}

/** Start the kernel; resolves once the sockets are bound (and the library warmed up). */
export async function launch(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { connectionFile, warmUp } = parseArgs(argv);
  const connection = readConnectionFile(connectionFile);
  const root = packageRoot();
  const cwd = process.cwd();
  // Before tslab's converter exists: make `virel` resolvable for its TypeScript from the notebook's directory.
  installTypeOverlay(ts.sys as unknown as Parameters<typeof installTypeOverlay>[0], cwd, root);
  const server = new KernelServer({ connection, cwd, root, warmUp });
  await server.start();
  // Like ipykernel's ParentPollerUnix: exit when the process that started us is gone (we were re-parented).
  const parent = process.ppid;
  const poll = setInterval(() => {
    if (process.ppid !== parent) void server.shutdown();
  }, 2000);
  poll.unref();
}

if (require.main === module) {
  launch().catch((e: unknown) => {
    process.stderr.write(`virel-ts kernel: ${(e as Error).message ?? String(e)}\n`);
    process.exit(1);
  });
}
