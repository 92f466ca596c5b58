#!/usr/bin/env node
import { runAttempt } from "./worker.js";

// Entry point of a worker process: `node worker-main.js <attempt dir>`.
const attemptDir = process.argv[2];
if (!attemptDir) {
  process.stderr.write("usage: worker-main <attempt dir>\n");
  process.exit(2);
}
runAttempt(attemptDir).then(
  (result) => process.exit(result.status === "succeeded" ? 0 : 1),
  (error: unknown) => {
    process.stderr.write(`sera worker: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  },
);
