import { spawn } from "node:child_process";
import fs, { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { acquireCoordinatorLock, ExperimentBusyError } from "../src/executor/lock.js";

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), "sera-lock-"));
const lockFile = (dir: string) => path.join(dir, "coordinator.lock");

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("coordinator lock: nobody ever sees an empty lock", () => {
  const restore: (() => void)[] = [];
  afterEach(() => {
    for (const undo of restore.splice(0)) undo();
    syncBuiltinESMExports();
  });

  it("after every file-system step of acquiring, the lock is either absent or a complete record", () => {
    const dir = tempDir();
    const file = lockFile(dir);
    const seen: string[] = [];
    const readRaw = fs.readFileSync;
    // Watch the lock between the steps the lock code takes, as a concurrent reader could.
    for (const name of ["openSync", "writeSync", "closeSync", "writeFileSync", "linkSync", "renameSync", "rmSync"] as const) {
      const original = fs[name] as (...args: unknown[]) => unknown;
      (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        const result = original(...args);
        if (existsSync(file)) seen.push(readRaw(file, "utf8"));
        return result;
      };
      restore.push(() => ((fs as unknown as Record<string, unknown>)[name] = original));
    }
    syncBuiltinESMExports();
    const release = acquireCoordinatorLock(dir);
    expect(seen.length).toBeGreaterThan(0);
    for (const text of seen) expect(JSON.parse(text).pid).toBe(process.pid);
    release();
  });
});

describe("coordinator lock: ownership", () => {
  it("refuses a second owner while the first is alive, and leaves no temporary files", () => {
    const dir = tempDir();
    writeFileSync(lockFile(dir), JSON.stringify({ pid: process.ppid, at: "then" }));
    expect(() => acquireCoordinatorLock(dir)).toThrow(ExperimentBusyError);
    expect(readdirSync(dir)).toEqual(["coordinator.lock"]);
  });

  it("takes over a lock whose owner is dead, and one left empty by an older sera", async () => {
    for (const stale of [JSON.stringify({ pid: await deadPid(), at: "then" }), ""]) {
      const dir = tempDir();
      writeFileSync(lockFile(dir), stale);
      const release = acquireCoordinatorLock(dir);
      expect(JSON.parse(readFileSync(lockFile(dir), "utf8")).pid).toBe(process.pid);
      release();
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it("release leaves a lock that now belongs to someone else", () => {
    const dir = tempDir();
    const release = acquireCoordinatorLock(dir);
    writeFileSync(lockFile(dir), JSON.stringify({ pid: process.ppid, at: "later" }));
    release();
    expect(JSON.parse(readFileSync(lockFile(dir), "utf8")).pid).toBe(process.ppid);
  });
});

describe("coordinator lock: racing processes", () => {
  const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/executor/lock.js");

  it("of twelve processes started together on a stale lock, exactly one becomes the coordinator", async () => {
    const dir = tempDir();
    writeFileSync(lockFile(dir), JSON.stringify({ pid: await deadPid(), at: "then" }));
    const go = path.join(os.tmpdir(), `sera-lock-go-${process.pid}-${Date.now()}`);
    // Each contender spins until the go file appears, so they reach the lock within microseconds of each other.
    const script = `
      import { existsSync } from "node:fs";
      const { acquireCoordinatorLock } = await import(${JSON.stringify(built)});
      while (!existsSync(${JSON.stringify(go)})) {}
      let verdict;
      try { acquireCoordinatorLock(${JSON.stringify(dir)}); verdict = "won"; } catch (error) { verdict = error.name; }
      console.log(verdict);
      await new Promise((resolve) => setTimeout(resolve, 1500));`;
    const children = Array.from({ length: 12 }, () => spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] }));
    const verdicts = children.map(
      (child) =>
        new Promise<string>((resolve) => {
          let out = "";
          child.stdout.on("data", (data) => (out += data));
          child.on("exit", () => resolve(out.trim()));
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writeFileSync(go, "");
    const results = await Promise.all(verdicts);
    fs.rmSync(go, { force: true });
    expect(results.filter((verdict) => verdict === "won")).toHaveLength(1);
    expect(results.filter((verdict) => verdict !== "won").every((verdict) => verdict === "ExperimentBusyError")).toBe(true);
  }, 30_000);
});
