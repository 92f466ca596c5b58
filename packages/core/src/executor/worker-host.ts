#!/usr/bin/env node
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { attemptFiles } from "./journal.js";
import { hostMessageSchema, type HostReply } from "./worker-host-protocol.js";
import { runAttempt } from "./worker.js";

/**
 * `node worker-host.js`: one long-lived worker process per local coordinator, running many
 * attempts (each exactly as worker-main would: same runAttempt, same files) so a trivial run costs
 * a spawn of its command, not a Node start-up. Started detached, so it outlives a coordinator
 * killed with kill -9 and finishes what it was running; it exits once its input is closed (the
 * coordinator ended or died) and nothing is left running.
 *
 * Input (stdin, one JSON object a line, from the coordinator):
 *   submit <dir>  an attempt exists; do not start it yet
 *   go <dir>      its handle.json is written: start it
 *   cancel <dir>  stop it; its result says "cancelled"
 * Output (stdout): done / failed <dir>, so the coordinator polls at once instead of on its timer.
 *
 * An attempt starts only after its handle is recorded (as worker-main waits for handle.json): a
 * coordinator killed between the two leaves an attempt directory without a handle, which the next
 * coordinator abandons; the attempt never ran, so nothing runs twice. If the input closes first,
 * handle.json on disk decides (the coordinator is gone, so it can no longer appear).
 */

const submitted = new Set<string>();
const running = new Map<string, AbortController>();
let inputClosed = false;
let stopping = false;

// A coordinator that died closes the pipe; what is left to say is of no use to anyone.
process.stdout.on("error", () => undefined);
const reply = (message: HostReply) => {
  if (!process.stdout.destroyed) process.stdout.write(JSON.stringify(message) + "\n");
};

function exitWhenIdle(): void {
  if (inputClosed && running.size === 0) process.exit(0);
}

function start(attemptDir: string): void {
  submitted.delete(attemptDir);
  if (running.has(attemptDir)) return;
  const controller = new AbortController();
  if (stopping) controller.abort();
  running.set(attemptDir, controller);
  runAttempt(attemptDir, { cancel: controller.signal })
    .then(
      () => reply({ op: "done", dir: attemptDir }),
      (error: unknown) => {
        // worker-main would exit without a result; this leaves the reason where every poll finds it.
        const message = error instanceof Error ? error.message : String(error);
        try {
          writeFileSync(path.join(attemptDir, attemptFiles.workerError), `sera worker: ${message}\n`);
        } catch {
          /* the directory itself is gone; the attempt is lost either way */
        }
        reply({ op: "failed", dir: attemptDir, error: message });
      },
    )
    .finally(() => {
      running.delete(attemptDir);
      exitWhenIdle();
    });
}

function stopAll(): void {
  stopping = true;
  for (const controller of running.values()) controller.abort();
}
process.on("SIGTERM", stopAll);
process.on("SIGINT", stopAll);

const input = createInterface({ input: process.stdin });
input.on("line", (line) => {
  let parsed;
  try {
    parsed = hostMessageSchema.safeParse(JSON.parse(line));
  } catch {
    return;
  }
  if (!parsed.success) return;
  const message = parsed.data;
  if (message.op === "submit") submitted.add(message.dir);
  else if (message.op === "go") start(message.dir);
  else {
    submitted.delete(message.dir);
    running.get(message.dir)?.abort();
  }
});
input.on("close", () => {
  inputClosed = true;
  for (const attemptDir of [...submitted]) {
    if (existsSync(path.join(attemptDir, attemptFiles.handle))) start(attemptDir);
    else submitted.delete(attemptDir);
  }
  exitWhenIdle();
});
