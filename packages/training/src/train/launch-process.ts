import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { stopProcessTree } from "@sera/core";

/**
 * Runs the trainer (the rendered job script or a `launcher.command` override) as a child process
 * group: output goes to trainer.log and to this process's stderr, and is handed to a line
 * consumer for parsing. Aborting the stage stops the whole group.
 */

export interface TrainerProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallSeconds: number;
}

export async function runTrainerProcess(options: {
  shellCommand: string;
  cwd: string;
  logFile: string;
  env?: Record<string, string>;
  signal: AbortSignal;
  onOutput: (chunk: string) => void;
}): Promise<TrainerProcessResult> {
  const log = createWriteStream(options.logFile, { flags: "a" });
  const started = Date.now();
  const child = spawn("bash", ["-c", options.shellCommand], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = () => {
    stopProcessTree(child.pid!, 10_000);
  };
  options.signal.addEventListener("abort", stop, { once: true });
  const forward = (chunk: string) => {
    log.write(chunk);
    process.stderr.write(chunk);
    options.onOutput(chunk);
  };
  child.stdout.setEncoding("utf8").on("data", forward);
  child.stderr.setEncoding("utf8").on("data", forward);
  const result = await new Promise<TrainerProcessResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode, signal) => resolve({ exitCode, signal, wallSeconds: (Date.now() - started) / 1000 }));
  });
  options.signal.removeEventListener("abort", stop);
  await new Promise((resolve) => log.end(resolve));
  return result;
}
