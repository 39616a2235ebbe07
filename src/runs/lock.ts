/**
 * An exclusive lock on a run directory: `DIR/.lock`, created with O_EXCL, holding its owner as JSON
 * ({ pid, host, startedAt, slurm }). A second `virel train` on the same directory is refused with a message
 * naming the holder. A lock whose holder is gone is stale and is taken over with a message:
 *   - same host and the pid no longer exists (the holder was killed with -9, or the machine rebooted);
 *   - the same Slurm array task (SLURM_JOB_ID / SLURM_ARRAY_JOB_ID + SLURM_ARRAY_TASK_ID): Slurm runs one
 *     instance of a job at a time, so the holder is this task's previous, preempted incarnation (perhaps on
 *     another node of the cluster).
 * A lock held on another host by something else cannot be checked from here: it is refused, and the message
 * says which file to delete when the holder is known to be gone.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const LOCK_FILE = ".lock";

/** Who holds a lock. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** `<array job id>_<task id>` or `<job id>` when the holder ran under Slurm. */
  slurm: string | null;
}

/** Thrown when a run directory is locked by a live holder. */
export class RunLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunLockedError";
  }
}

/** This process's Slurm task id, or null outside Slurm. */
export function slurmTaskId(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  return env.SLURM_JOB_ID ? env.SLURM_JOB_ID : null;
}

/** Whether a process with this pid exists on this host (EPERM: it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on host ${h.host}${h.slurm ? ` (Slurm task ${h.slurm})` : ""}, since ${h.startedAt}`;
}

/** A held lock: release it when done (idempotent). */
export interface RunLock {
  file: string;
  release(): void;
}

/**
 * Take the lock on `dir` (which must exist). `log` gets a line when a stale lock is taken over.
 * @throws RunLockedError naming the holder when a live process holds it
 */
export function lockRun(dir: string, log: (line: string) => void = () => undefined): RunLock {
  const file = path.join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), slurm: slurmTaskId() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx");
      try {
        fs.writeSync(fd, JSON.stringify(me) + "\n");
      } finally {
        fs.closeSync(fd);
      }
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          try {
            const h = JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder;
            if (h.pid === me.pid && h.host === me.host) fs.rmSync(file, { force: true });
          } catch {
            /* gone already */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder: LockHolder | null = null;
    try {
      holder = JSON.parse(fs.readFileSync(file, "utf8")) as LockHolder;
    } catch {
      holder = null; // empty or torn: the holder died between create and write
    }
    let why: string | null = null;
    if (holder === null || typeof holder.pid !== "number") why = "it is empty or unreadable";
    else if (holder.host === me.host && !pidAlive(holder.pid)) why = `pid ${holder.pid} no longer runs on ${holder.host}`;
    else if (holder.slurm !== null && holder.slurm === me.slurm && holder.pid !== me.pid) why = `it is this Slurm task's (${holder.slurm}) previous run, requeued or preempted`;
    if (why === null) {
      const h = holder!;
      throw new RunLockedError(
        `run directory ${dir} is in use by ${describeHolder(h)}; wait for it to finish, or stop it` +
          (h.host === me.host ? "" : `; if it is gone, delete ${file}`),
      );
    }
    log(`taking over a stale lock on ${dir} (${holder ? describeHolder(holder) : "no holder"}): ${why}`);
    // rename first so that two processes taking over at once cannot both win
    const aside = `${file}.stale-${process.pid}`;
    try {
      fs.renameSync(file, aside);
      fs.rmSync(aside, { force: true });
    } catch {
      /* someone else took it over; try again */
    }
  }
  throw new RunLockedError(`could not lock run directory ${dir} (${file} keeps changing)`);
}
