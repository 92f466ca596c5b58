import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "@sera/core";

// The built CLI as a user runs it: its stdout is a pipe whose reader is slower than the writer.
const seraBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/main.js");

// About 10 MB of JSON: 10,000 rows of a 1,000-character string.
const bigQuery = "SELECT repeat('x', 1000) AS filler, i FROM range(10000) t(i)";

let dir: string;
let store: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sera-pipe-"));
  store = path.join(dir, "sera.duckdb");
  const opened = await openStore(store);
  await opened.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run the CLI with stdout on a pipe that is read in small pieces with pauses between them. */
function readThroughSlowPipe(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [seraBin, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stderr.on("data", (data) => (stderr += data));
    // Take the output through a 'data' listener, pausing after every 256 KiB so the writer fills the
    // pipe and queues the rest. (A bare pause() + read() loop loses data: when the child exits,
    // Node resumes a stdio stream that has no listener and its buffered chunks go nowhere.)
    let takenSincePause = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      takenSincePause += chunk.length;
      if (takenSincePause >= 256 * 1024) {
        takenSincePause = 0;
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 20);
      }
    });
    // Start paused so the first writes already meet a full pipe.
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 500);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(chunks), stderr }));
  });
}

describe("output to a pipe", () => {
  it("delivers a 10 MB --json document whole, byte for byte what a file redirect gets", async () => {
    const args = ["query", bigQuery, "--json", "--store", store];
    const file = path.join(dir, "redirected.json");
    const fd = openSync(file, "w");
    const redirected = spawnSync(process.execPath, [seraBin, ...args], { cwd: dir, stdio: ["ignore", fd, "pipe"], encoding: "utf8" });
    closeSync(fd);
    expect(redirected.status, redirected.stderr).toBe(0);
    const expected = readFileSync(file);
    expect(expected.length).toBeGreaterThan(10_000_000);

    const piped = await readThroughSlowPipe(args);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout.length).toBe(expected.length);
    expect(piped.stdout.equals(expected)).toBe(true);
    expect((JSON.parse(piped.stdout.toString("utf8")) as unknown[]).length).toBe(10_000);
  });

  it("keeps the exit code and the whole error line when a command fails with its output on pipes", async () => {
    const piped = await readThroughSlowPipe(["query", "SELEC 1", "--json", "--store", store]);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/^sera: query: .*SELEC.*\n$/);
  });

  it("exits quietly with status 0 when the reader closes the pipe early (| head)", () => {
    const pipeline = `"${process.execPath}" "${seraBin}" query "${bigQuery}" --json --store "${store}" | head -c 100 >/dev/null; echo "sera=\${PIPESTATUS[0]}"`;
    const result = spawnSync("bash", ["-c", pipeline], { cwd: dir, encoding: "utf8" });
    expect(result.stdout.trim()).toBe("sera=0");
    expect(result.stderr).toBe("");
  });
});
