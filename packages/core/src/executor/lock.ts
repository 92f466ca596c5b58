import { openSync, closeSync, readFileSync, rmSync, writeSync, mkdirSync } from "node:fs";
import path from "node:path";

/**
 * One coordinator per experiment directory: two `sera run`s on the same experiment would submit
 * the same runs twice. The lock holds the owner's pid; a lock whose owner is dead is taken over,
 * which is what makes "kill -9, then run again" work.
 */

export class ExperimentBusyError extends Error {
  constructor(dir: string, pid: number) {
    super(`${dir}: another sera run (pid ${pid}) is coordinating this experiment; wait for it or stop it`);
    this.name = "ExperimentBusyError";
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function acquireCoordinatorLock(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "coordinator.lock");
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let owner = 0;
      try {
        owner = Number(JSON.parse(readFileSync(file, "utf8")).pid) || 0;
      } catch {
        /* torn lock file: treat as stale */
      }
      if (owner && owner !== process.pid && pidAlive(owner)) throw new ExperimentBusyError(dir, owner);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`${file}: could not take the coordinator lock`);
}
