/** `virel envs list|bench|render`: the registered environments, their speed, and a picture of an episode. */
import type { Command } from "commander";

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
    return n;
  };
}

export function register(program: Command): void {
  const envsCmd = program.command("envs").description("list, benchmark and render the environments");

  envsCmd
    .command("list")
    .description("list every environment id with its spaces and episode limit")
    .option("--json", "print JSON instead of a table")
    .action(async (opts: { json?: boolean }) => {
      const envs = await import("../envs/index.js");
      const rows = envs.ids().map((id) => envs.spec(id));
      if (opts.json) {
        const plain = rows.map((s) => ({
          id: s.id,
          family: s.family,
          obsShape: s.observationSpace.shape,
          actionShape: s.actionSpace.shape,
          actionLow: Array.from(s.actionSpace.low),
          actionHigh: Array.from(s.actionSpace.high),
          maxEpisodeSteps: s.maxEpisodeSteps,
          description: s.description,
        }));
        process.stdout.write(JSON.stringify(plain, null, 2) + "\n");
        return;
      }
      const w = Math.max(...rows.map((s) => s.id.length));
      process.stdout.write(`${"id".padEnd(w)}  family   obs  act  action bounds     limit  description\n`);
      for (const s of rows) {
        const lo = s.actionSpace.low[0] ?? 0;
        const hi = s.actionSpace.high[0] ?? 0;
        const bounds = `[${+lo.toPrecision(3)}, ${+hi.toPrecision(3)}]`;
        process.stdout.write(
          `${s.id.padEnd(w)}  ${s.family.padEnd(7)}  ${String(s.observationSpace.low.length).padStart(3)}  ` +
            `${String(s.actionSpace.low.length).padStart(3)}  ${bounds.padEnd(16)}  ${String(s.maxEpisodeSteps).padStart(5)}  ${s.description}\n`,
        );
      }
    });

  envsCmd
    .command("bench")
    .description("print env steps per second (random actions) for each id (default: all)")
    .argument("[ids...]", "environment ids (default: every registered id)")
    .option("--steps <n>", "env steps to time per id", int("steps"), 20000)
    .option("--vec <n>", "also time makeVec(id, n) (0 = skip)", int("vec"), 0)
    .option("--seed <n>", "seed", int("seed"), 0)
    .option("--json", "print the results as JSON")
    .action(async (ids: string[], opts: { steps: number; vec: number; seed: number; json?: boolean }) => {
      const envs = await import("../envs/index.js");
      const list = ids.length > 0 ? ids : envs.ids();
      for (const id of list) envs.spec(id); // unknown ids fail before any timing
      const results = await envs.benchEnvs(
        list,
        { steps: Math.max(1, opts.steps), vecEnvs: opts.vec, seed: opts.seed },
        opts.json ? () => {} : (l) => process.stdout.write(l + "\n"),
      );
      if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
    });

  envsCmd
    .command("render")
    .description("write an SVG of one episode (animated) or of the reset state")
    .argument("<id>", "environment id")
    .option("--out <file>", "output SVG file", "episode.svg")
    .option("--steps <n>", "episode steps (0 = only the reset state)", int("steps"), 200)
    .option("--every <n>", "keep one frame every n steps", int("every"), 2)
    .option("--fps <n>", "frames per second of the animation", int("fps"), 20)
    .option("--policy <p>", "random | zero", "random")
    .option("--seed <n>", "seed", int("seed"), 0)
    .action(
      async (
        id: string,
        opts: { out: string; steps: number; every: number; fps: number; policy: string; seed: number },
      ) => {
        if (opts.policy !== "random" && opts.policy !== "zero") {
          throw new Error(`--policy must be random or zero, got ${opts.policy}`);
        }
        const envs = await import("../envs/index.js");
        const { writeFileSync, renameSync } = await import("node:fs");
        const env = await envs.make(id, { seed: opts.seed });
        try {
          let frame;
          let summary: string;
          if (opts.steps === 0) {
            env.reset({ seed: opts.seed });
            frame = env.render();
            summary = "reset state";
          } else {
            const ep = await envs.animate(env, opts.policy, {
              steps: opts.steps,
              seed: opts.seed,
              every: Math.max(1, opts.every),
            });
            frame = envs.animatedSvg(ep.frames, { fps: Math.max(1, opts.fps) });
            summary = `${ep.rewards.length} steps, ${ep.frames.length} frames, return ${ep.totalReward.toFixed(2)}`;
          }
          const tmp = `${opts.out}.tmp-${process.pid}`;
          writeFileSync(tmp, frame.data);
          renameSync(tmp, opts.out);
          process.stdout.write(`wrote ${opts.out} (${id}, ${summary})\n`);
        } finally {
          env.close();
        }
      },
    );
}
