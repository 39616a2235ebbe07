/**
 * Tabular EM's β rules measured on the same MDP sets (the tables of docs/tabular.md): how many MDPs each rule
 * takes to J* (|J − J*| ≤ 1e-6·J*), iterations, worst shortfall, time per MDP; then the reward-scale sweep of
 * "posterior-msbe" (which c = reward scale reaches J*, by γ and size).
 *
 *   npm run build && node dist/bench/tabular-beta-rules.js [--sweep]
 */
import * as tabular from "../src/tabular";

const RULES: tabular.BetaRule[] = ["posterior-msbe", "bellman-residual", "lagged-msbe"];

function runSet(name: string, list: tabular.TabularMDP[]): void {
  for (const betaRule of RULES) {
    let ok = 0;
    let worst = 0;
    const its: number[] = [];
    const t0 = process.hrtime.bigint();
    for (const mdp of list) {
      const J = tabular.valueIteration(mdp).J;
      const r = tabular.variationalEM(mdp, { betaRule, iterations: 200 });
      const rel = Math.abs(r.J - J) / J;
      if (rel <= 1e-6) {
        ok++;
        its.push(r.iterations);
      } else worst = Math.max(worst, rel);
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 / list.length;
    its.sort((a, b) => a - b);
    const med = its.length > 0 ? String(its[its.length >> 1]) : "–";
    const max = its.length > 0 ? String(its[its.length - 1]) : "–";
    console.log(
      `| ${name} | ${betaRule} | ${ok}/${list.length} | ${med} | ${max} | ${worst > 0 ? (worst * 100).toFixed(1) + "%" : "–"} | ${ms.toFixed(0)} |`,
    );
  }
}

const SIZES: [number, number][] = [
  [3, 2],
  [5, 3],
  [8, 4],
  [12, 4],
  [20, 3],
];

function main(): void {
  const A = Array.from({ length: 40 }, (_, i) => tabular.randomMDP({ states: 12, actions: 4, gamma: 0.95, seed: i }));
  const cases: [number, number][] = [
    [0.5, 1],
    [0.9, 1],
    [0.95, 1],
    [0.98, 0.1],
  ];
  const B = Array.from({ length: 45 }, (_, i) => {
    const [states, actions] = SIZES[i % 5]!;
    const [gamma, c] = cases[Math.floor(i / 5) % 4]!;
    return tabular.scaleRewards(tabular.randomMDP({ states, actions, gamma, seed: 3000 + i }), c);
  });
  const C = Array.from({ length: 20 }, (_, i) => {
    const [states, actions] = SIZES[i % 5]!;
    return tabular.randomMDP({ states, actions, gamma: 0.98, seed: 4000 + i });
  });
  const D = Array.from({ length: 6 }, (_, i) => tabular.randomMDP({ states: 6, actions: 6, gamma: 0.99, seed: i }));
  console.log(
    "| set | rule | reached J* | median its | max its | worst shortfall | ms/MDP |\n|---|---|---|---|---|---|---|",
  );
  runSet("A: 12×4, γ 0.95, seeds 0–39", A);
  runSet("B: the test's 45 MDPs", B);
  runSet("C: 5 sizes, γ 0.98, rewards (0,1] (20)", C);
  runSet("D: 6×6, γ 0.99, seeds 0–5", D);
  if (!process.argv.includes("--sweep")) return;
  const cs = [3, 1, 0.3, 0.1, 0.03, 0.01];
  console.log(`\n| size | γ | ${cs.map((c) => `c = ${c}`).join(" | ")} |\n|---|---|${cs.map(() => "---|").join("")}`);
  for (const [states, actions] of [
    [6, 6],
    [12, 4],
    [20, 3],
  ] as const) {
    for (const gamma of [0.9, 0.95, 0.98, 0.99]) {
      const row = cs.map((c) => {
        let ok = 0;
        for (const seed of [0, 1, 2, 3]) {
          const mdp = tabular.scaleRewards(tabular.randomMDP({ states, actions, gamma, seed }), c);
          const J = tabular.valueIteration(mdp).J;
          if (Math.abs(tabular.variationalEM(mdp, { betaRule: "posterior-msbe", iterations: 150 }).J - J) <= 1e-6 * J)
            ok++;
        }
        return `${ok}/4`;
      });
      console.log(`| ${states}×${actions} | ${gamma} | ${row.join(" | ")} |`);
    }
  }
}

main();
