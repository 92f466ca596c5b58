import fs from "node:fs";
import { runProcess } from "./process-run.js";

/**
 * Deletes a directory tree. `rm -rf` in a child process is faster than
 * fs.rm for thousands of small files and keeps the event loop free. An agent
 * may have left directories without write permission, which stops a
 * non-root `rm`, so a failure is retried after restoring owner permissions.
 */
export async function removeTree(target: string): Promise<void> {
  if (!fs.existsSync(target)) return;
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const run = (argv: string[]) => runProcess({ argv, env, timeoutMs: 120_000, maxOutputChars: 4_000, mergeStderr: true });
  const first = await run(["rm", "-rf", "--", target]);
  if (first.exitCode === 0) return;
  await run(["chmod", "-R", "u+rwx", "--", target]);
  const second = await run(["rm", "-rf", "--", target]);
  if (second.exitCode !== 0) throw new Error(`could not remove ${target}: ${second.stdout.trim()}`);
}
