// README's speed table quotes a committed `npm run bench:peer` run (results/bench/<date>.txt, as printed): every
// number in it must be that run's, and each ratio must be ours / PyTorch's best minimum (all its as-shipped blocks),
// rounded as shown — except the alternating rows, ours / PyTorch over the blocks they took in turn.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..", "..");

/** `label  min X median Y ms/update` lines of a bench:peer log, in order. */
function updateLines(log: string): { label: string; min: number; median: number }[] {
  return [...log.matchAll(/^(.+?)\s+min ([\d.]+) median ([\d.]+) ms\/update/gm)].map((m) => ({
    label: m[1]!.trim(),
    min: Number(m[2]),
    median: Number(m[3]),
  }));
}

test("README's speed table is the committed bench:peer run it links to", () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const link = /\[the run\]\((results\/bench\/[^)]+\.txt)\)/.exec(readme);
  assert.ok(link, "README links the committed bench:peer run");
  const log = fs.readFileSync(path.join(root, link[1]!), "utf8");
  const lines = updateLines(log);
  const torch = lines.filter((l) => l.label === "PyTorch SAC-v1 (as shipped)");
  assert.equal(torch.length, 2, "the run times PyTorch as shipped twice (before and after ours)");
  // the alternating measurement (the 0.5× target): PyTorch's and our blocks taken in turn
  const pairedTorch = lines.find((l) => l.label === "PyTorch (as shipped)");
  const pairedOurs = lines.find((l) => /^ours \(fast, native, \d product lanes?\)$/.test(l.label));
  assert.ok(pairedTorch && pairedOurs, "the run has the alternating PyTorch / ours measurement");
  // PyTorch's best minimum pools all its as-shipped blocks, as bench:peer's targets do
  const best = Math.min(...torch.map((t) => t.min), pairedTorch.min);
  const rows: [string, string][] = [
    ["ours SAC-v1 (native, 1 core)", "ours SAC-v1 (fast, native)"],
    ["ours SAC-v1 (native, 2 product lanes)", "ours SAC-v1 (fast, native, 2 product lanes)"],
    ["ours VIREL1 with β from its minibatches", "ours VIREL1 + β from its minibatches (fast, native)"],
    ["ours VIREL1 with beta.py's 4096-sample β", "ours VIREL1 + β on 4096 replay samples (fast, native)"],
    ["ours SAC-v1, pure WebAssembly (no BLAS)", "ours SAC-v1 (fast, pure wasm: our SIMD GEMM)"],
    ["ours SAC-v1, pure WebAssembly, 2 product lanes", "ours SAC-v1 (fast, pure wasm, 2 product lanes)"],
  ];
  const table = readme.split("\n").filter((l) => l.startsWith("| "));
  const torchRow = table.find((l) => l.startsWith("| PyTorch SAC-v1 (OpenBLAS on both cores"));
  assert.ok(torchRow, "README has the PyTorch row");
  for (const t of torch) assert.ok(torchRow.includes(`${t.min.toFixed(2)} / ${t.median.toFixed(2)}`), torchRow);
  assert.ok(torchRow.includes(`(${best.toFixed(2)})`), torchRow);
  const cellsOf = (row: string): string[] =>
    row
      .split("|")
      .slice(2, -1)
      .map((c) => c.trim());
  const pTorchRow = table.find((l) => l.startsWith("| PyTorch SAC-v1, blocks alternating with ours |"));
  const pOursRow = table.find((l) => l.startsWith("| ours SAC-v1 as shipped, blocks alternating with PyTorch |"));
  assert.ok(pTorchRow && pOursRow, "README has the alternating rows");
  assert.deepEqual(cellsOf(pTorchRow), [`${pairedTorch.min.toFixed(2)} / ${pairedTorch.median.toFixed(2)}`, "1"]);
  assert.deepEqual(cellsOf(pOursRow), [
    `${pairedOurs.min.toFixed(2)} / ${pairedOurs.median.toFixed(2)}`,
    `${(pairedOurs.min / pairedTorch.min).toFixed(2)}×`,
  ]);
  for (const [readmeLabel, logLabel] of rows) {
    const ours = lines.find((l) => l.label === logLabel);
    assert.ok(ours, `the run has "${logLabel}"`);
    const row = table.find((l) => l.startsWith(`| ${readmeLabel} |`));
    assert.ok(row, `README has the row "${readmeLabel}"`);
    const cells = cellsOf(row);
    assert.equal(cells[0], `${ours.min.toFixed(2)} / ${ours.median.toFixed(2)}`, readmeLabel);
    assert.equal(cells[1], `${(ours.min / best).toFixed(2)}×`, `${readmeLabel}: ours / PyTorch`);
  }
  // the end-to-end sentence: "SAC A s against PyTorch's B s; VIREL1 C s against D s"
  const e2e = (who: string, algo: string) => {
    const m = new RegExp(`^${who} ${algo}\\s+([\\d.]+) s wall`, "m").exec(log);
    assert.ok(m, `${who} ${algo} end to end`);
    return Number(m[1]).toFixed(1);
  };
  assert.ok(
    readme.includes(
      `SAC ${e2e("ours", "sac")} s against PyTorch's ${e2e("PyTorch", "sac")} s; VIREL1 ${e2e("ours", "virel1/minibatch")} s against ${e2e("PyTorch", "virel1/minibatch")} s`,
    ),
    "README's end-to-end sentence is the run's",
  );
});
