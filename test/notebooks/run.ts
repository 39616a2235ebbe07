/**
 * Shared helpers of the notebook tests: where the notebooks are, running one through our runner
 * (`node bin/virel.js notebook run FILE --out TMP`, with VIREL_TEST=1 for the smaller test budgets), and reading
 * the outputs back.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { packageRoot } from "../../src/jupyter/paths";

export const ROOT = packageRoot();
export const NOTEBOOKS = join(ROOT, "notebooks");

/** The tutorials, in order (the README's tutorial path). */
export const TUTORIALS = [
  "01-graphical-model",
  "02-lemma-1",
  "03-theorem-1-tabular-em",
  "04-em-step-through",
  "05-actor-critic-training",
  "06-virel-merlin-pseudo-likelihood",
  "07-backends-and-gpu",
  "08-fig3",
] as const;

/** The exercise sets (each has a stub notebook and a worked solution). */
export const EXERCISES = ["01-action-posterior-and-msbe", "02-e-step-and-m-step"] as const;

export interface NbOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
export interface NbCell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: NbOutput[];
  metadata?: Record<string, unknown>;
}
export interface Nb {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec?: { name?: string; language?: string }; language_info?: { name?: string } };
  cells: NbCell[];
}

export const text = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));

export function readNb(file: string): Nb {
  return JSON.parse(readFileSync(file, "utf8")) as Nb;
}

/** Every .ipynb under notebooks/ (relative paths), sorted. */
export function allNotebooks(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ipynb")) out.push(relative(ROOT, p));
    }
  };
  walk(NOTEBOOKS);
  return out.sort();
}

export interface RunOutcome {
  /** Exit status of `virel notebook run`. */
  code: number;
  stdout: string;
  stderr: string;
  /** The executed notebook (null when the runner wrote none). */
  nb: Nb | null;
  seconds: number;
}

/** Run one notebook through `virel notebook run` into a temporary file (VIREL_TEST=1), and read it back. */
export async function runNotebook(rel: string, timeoutS = 300): Promise<RunOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "virel-nb-test-"));
  const out = join(dir, "out.ipynb");
  const t0 = Date.now();
  try {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          join(ROOT, "bin", "virel.js"),
          "notebook",
          "run",
          join(ROOT, rel),
          "--out",
          out,
          "--timeout",
          String(timeoutS),
        ],
        { cwd: ROOT, env: { ...process.env, VIREL_TEST: "1" }, maxBuffer: 1 << 26, timeout: 2 * timeoutS * 1000 },
        (err, stdout, stderr) => {
          const code = err
            ? typeof (err as { code?: unknown }).code === "number"
              ? (err as { code: number }).code
              : 1
            : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
    return { ...r, nb: existsSync(out) ? readNb(out) : null, seconds: (Date.now() - t0) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The outputs of every code cell, in order. */
export function codeOutputs(nb: Nb): NbOutput[][] {
  return nb.cells.filter((c) => c.cell_type === "code").map((c) => c.outputs ?? []);
}

/** Error outputs, and stderr streams, of the whole notebook as readable lines. */
export function problems(nb: Nb): string[] {
  return codeOutputs(nb).flatMap((outs, i) =>
    outs
      .filter((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr"))
      .map((o) =>
        o.output_type === "error"
          ? `code cell ${i}: ${o.ename}: ${o.evalue}`
          : `code cell ${i} stderr: ${text(o.text).slice(0, 300)}`,
      ),
  );
}

/** stdout of one cell's outputs. */
export function stdoutOf(outs: NbOutput[]): string {
  return outs
    .filter((o) => o.output_type === "stream" && o.name === "stdout")
    .map((o) => text(o.text))
    .join("");
}
