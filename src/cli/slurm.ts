/** `virel slurm status DIR`: the state of a `virel sweep --slurm` job array, task by task. */
import type { Command } from "commander";

export function register(program: Command): void {
  const slurm = program
    .command("slurm")
    .description("Slurm sweeps: `virel sweep --slurm` submits; `virel slurm status DIR` shows each task");
  slurm
    .command("status")
    .description(
      "each array task's Slurm state (squeue; sacct where accounting is on) and its run directory's progress",
    )
    .argument("<dir>", "the sweep directory given to `virel sweep --slurm --out`")
    .option("--json", "print the status as JSON")
    .action(async (dir: string, o: { json?: boolean }) => {
      const { sweepStatus } = await import("../slurm/index.js");
      const st = sweepStatus(dir);
      if (o.json) {
        process.stdout.write(
          JSON.stringify({ jobId: st.record.jobId, tasks: st.tasks, notes: st.notes }, null, 2) + "\n",
        );
        return;
      }
      process.stdout.write(`job ${st.record.jobId ?? "(not submitted)"}, submitted ${st.record.submittedAt}\n`);
      for (const t of st.tasks) {
        const state = t.done ? "done" : (t.slurmState ?? (t.step > 0 ? "not queued (stopped?)" : "not started"));
        process.stdout.write(
          `  ${String(t.task.index).padStart(3)}  ${t.task.env} ${t.task.algo} seed ${t.task.seed}: ${(t.slurmState ?? "-").padEnd(10)} ` +
            `step ${t.step}/${t.task.steps}${t.checkpoint ? ", checkpoint" : ""}${t.restarts > 0 ? `, resumed ${t.restarts}×` : ""} — ${state}\n`,
        );
      }
      const done = st.tasks.filter((t) => t.done).length;
      process.stdout.write(`${done}/${st.tasks.length} done${st.notes.length ? ` (${st.notes.join("; ")})` : ""}\n`);
    });
}
