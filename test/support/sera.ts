import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Drive the real, built `sera` CLI as a child process — what a user types, nothing mocked. */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const seraBin = path.join(repoRoot, "packages/cli/dist/main.js");

export interface SeraResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function sera(args: string[], cwd: string, env: Record<string, string> = {}): SeraResult {
  const result = spawnSync(process.execPath, [seraBin, ...args], { cwd, env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function seraAsync(args: string[], cwd: string, env: Record<string, string> = {}): { child: ChildProcess; done: Promise<SeraResult> } {
  const child = spawn(process.execPath, [seraBin, ...args], { cwd, env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<SeraResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export function tempProject(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-e2e-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

export function queryJson(cwd: string, sql: string): Record<string, unknown>[] {
  const result = sera(["query", sql, "--json"], cwd);
  if (result.code !== 0) throw new Error(`query failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

/** Poll `check`; give up at the deadline, or at once if `child` (the process being watched) has exited. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (child && child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * How many runs of an experiment have succeeded, counted from the journal files without opening the
 * store. A run's folder appears a moment before its journal does; such a run has not succeeded.
 */
export function succeededOnDisk(cwd: string, experiment: string): number {
  const runs = path.join(cwd, ".sera/experiments", experiment, "runs");
  if (!existsSync(runs)) return 0;
  return readdirSync(runs).filter((id) => {
    const events = path.join(runs, id, "events.jsonl");
    return existsSync(events) && readFileSync(events, "utf8").includes('"event":"succeeded"');
  }).length;
}
