#!/usr/bin/env node
import { existsSync } from "node:fs";
import path from "node:path";
import { attemptFiles } from "./journal.js";
import { runAttempt } from "./worker.js";

// Entry point of a worker process: `node worker-main.js <attempt dir>`.
const attemptDir = process.argv[2];
if (!attemptDir) {
  process.stderr.write("usage: worker-main <attempt dir>\n");
  process.exit(2);
}
// The coordinator writes handle.json right after submitting. Waiting for it closes the window
// where a coordinator killed mid-submit would leave an unrecorded worker running the job.
async function handleWritten(): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (existsSync(path.join(attemptDir, attemptFiles.handle))) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

handleWritten()
  .then((written) => (written ? runAttempt(attemptDir) : process.exit(0)))
  .then(
    (result) => process.exit(result.status === "succeeded" ? 0 : 1),
    (error: unknown) => {
      process.stderr.write(`sera worker: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(3);
    },
  );
