/**
 * Shell words and process trees, shared by every package that starts commands (the worker,
 * trainers, model servers, the evaluation harness): one quoting rule and one way to stop a
 * command together with everything it started.
 */

/** A shell word: bare when it is plainly safe, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * SIGTERM to the process group led by `pid` (a child spawned with `detached: true`), then SIGKILL
 * after `graceMs` for whatever ignored it. Returns the pending SIGKILL's timer, unref'd so it never
 * keeps Node alive; clear it once the group is known to be gone.
 */
export function stopProcessTree(pid: number, graceMs: number): NodeJS.Timeout {
  signalGroup(pid, "SIGTERM");
  return setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs).unref();
}
