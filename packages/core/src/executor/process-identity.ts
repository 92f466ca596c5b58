import { readFileSync } from "node:fs";

/**
 * A pid alone does not name a process: the kernel reuses pids. Together with the process's start
 * time (field 22 of /proc/<pid>/stat) it does, which is how a worker handle or a coordinator
 * reference survives a reboot or a reused pid without being mistaken for a live process.
 */

export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime) counts from after the command name, which may contain spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    // No /proc entry: the process is gone (or this is not Linux, where the backends do not run).
    return null;
  }
}

/** True while the process with this pid and start time runs (a zombie counts as gone). */
export function sameProcessAlive(pid: number, start: string): boolean {
  const now = processStartTime(pid);
  if (now === null || now !== start) return false;
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
