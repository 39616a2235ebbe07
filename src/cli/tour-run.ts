/**
 * The text of `virel tour` (and `npm start` for now): the VIREL model of Table 1 computed exactly on a small
 * chain MDP — the quantities of Table 1, the limits of Lemma 1, LML = ELBO + KL (Eq. 3), variational EM
 * reaching J* (Theorem 1) and the risk-seeking contrast of Table 2.
 */
import { actionPosterior, logMarginalLikelihood, lmlDecomposition, posterior, uniformPrior } from "../model";
import * as tabular from "../tabular";

const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const e = (x: number): string => (Number.isFinite(x) ? x.toExponential(2) : String(x));
const vec = (xs: ArrayLike<number>, d = 3): string => `[${Array.from(xs, (x) => f(x, d)).join(", ")}]`;

/** Print the tour, one line at a time. */
export function runTour(print: (line: string) => void): void {
  const mdp = tabular.chainMDP({ length: 4, slip: 0.2, gamma: 0.9 });
  const names = mdp.actionNames ?? [];
  const vi = tabular.valueIteration(mdp);
  print("VIREL tour: the model of Table 1 computed exactly on a small MDP");
  const rMax = Math.max(...mdp.R.flatMap((r) => Array.from(r)));
  print(
    `MDP ${mdp.name}: ${mdp.nS} states, actions ${names.join("/")}, rewards in [${f(tabular.minReward(mdp).value)}, ${f(rMax)}] (positive, §3.1)`,
  );
  print(`value iteration: J* = ${f(vi.J, 4)}, optimal actions ${vi.policy.map((r) => names[r.indexOf(1)]).join(", ")}`);
  print("");

  // Table 1 at a critic Q̂ = Q^{uniform policy}, β = its mean squared Bellman-optimality residual
  const qHat = tabular.evaluatePolicy(mdp, tabular.uniformPolicy(mdp)).Q;
  const beta = tabular.bellmanResidual(mdp, qHat);
  print(`1. Table 1 with the critic Q̂ = Q^uniform and β = E[(T*Q̂ − Q̂)²] = ${f(beta, 4)}`);
  print(
    `   Q̂(s0,·) = ${vec(qHat[0]!)}   log-likelihood log p(O|h) = Q̂/β = ${vec(
      qHat[0]!.map((q) => q / beta),
      2,
    )}`,
  );
  const post = posterior(qHat, beta);
  const ps = post.map((r) => r.reduce((x, y) => x + y, 0));
  print(
    `   prior p(h) = U(h) = 1/${mdp.nS * mdp.nA}; posterior state marginal p(s|O) (Eq. 7) = ${vec(ps)} (mass where Q̂/β is largest)`,
  );
  print(
    `   log p(O;ω) = log Σ_h exp(Q̂/β) p(h) = ${f(logMarginalLikelihood(qHat, beta, uniformPrior(mdp.nS, mdp.nA)), 4)}`,
  );
  print(`   action-posterior p(a|s0,O) = softmax(Q̂(s0,·)/β) = ${vec(actionPosterior(qHat[0]!, beta))}`);
  print("");

  print("2. Lemma 1: the action-posterior is a Boltzmann policy with temperature β");
  for (const b of [Infinity, 10, 1, 0.1, 0.01, 0]) {
    const p = actionPosterior(qHat[0]!, b);
    const tag = b === Infinity ? " (uniform)" : b === 0 ? " (greedy)" : "";
    print(`   β = ${String(b).padEnd(8)} p(a|s0,O) = ${vec(p, 4)}${tag}`);
  }
  print(`   stable in log space: Q = [1e6, 1e6 − 1, 0], β = 1 → ${vec(actionPosterior([1e6, 1e6 - 1, 0], 1), 4)}`);
  print("");

  const d = lmlDecomposition(qHat, beta, tabular.uniformPolicy(mdp), mdp.p0);
  print("3. Eq. 3 with q(h) = p0(s) π(a|s), π uniform:");
  print(`   log p(O;ω) = ${f(d.lml, 6)} = ELBO ${f(d.elbo, 6)} + KL ${f(d.kl, 6)}   (gap ${e(d.gap)})`);
  print("");

  print("4. Variational EM (§4): E-step q ← p(a|s,O;ω), M-step Q̂ ← Q^{π_q}, β ← E[(T*Q̂ − Q̂)²]");
  const em = tabular.variationalEM(mdp);
  print("   k   β (E-step)   J^{π_k}    ELBO        KL");
  for (const t of em.trace) {
    print(
      `   ${String(t.iteration).padEnd(3)} ${e(t.betaE).padEnd(12)} ${f(t.J, 5).padEnd(10)} ${e(t.elbo).padEnd(11)} ${e(t.kl)}`,
    );
  }
  print(`   final posterior policy: J = ${f(em.J, 6)} vs J* = ${f(vi.J, 6)} (Theorem 1), ${em.iterations} iterations`);
  print("");

  const risk = tabular.riskSeekingDemo();
  print("5. Table 2 on the risky-action MDP (risky: lower mean, higher variance):");
  print(
    `   Q*(start, safe) = ${f(risk.expectedReturn.safe)}, Q*(start, risky) = ${f(risk.expectedReturn.risky)} (std ${f(risk.returnStd.risky)})`,
  );
  print(`   VIREL EM:                         π(risky|start) = ${f(risk.virel.pRisky)}  J = ${f(risk.virel.J)}`);
  print(
    `   pseudo-likelihood EM, 𝒯 = exp(R): π(risky|start) = ${f(risk.pseudoLikelihood.pRisky)}  J = ${f(risk.pseudoLikelihood.J)}  (risk-seeking)`,
  );
  print(
    `   MERLIN soft value iteration, c=1: π(risky|start) = ${f(risk.softValue.pRisky)}  J = ${f(risk.softValue.J)}`,
  );
}
