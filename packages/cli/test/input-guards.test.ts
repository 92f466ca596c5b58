import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The built CLI as a user runs it, on bad input: every case is one line on stderr and a non-zero exit.
const seraBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/main.js");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sera-guards-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sera(args: string[], options: { input?: string; shell?: string } = {}) {
  const result = options.shell
    ? spawnSync("bash", ["-c", options.shell], { cwd: dir, encoding: "utf8", timeout: 60_000, env: { ...process.env, SERA: `${process.execPath} ${seraBin}` } })
    : spawnSync(process.execPath, [seraBin, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000, input: options.input });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectOneLineError(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
}

const patch = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n";

describe("sera verify on input that is not a patch", () => {
  beforeAll(() => {
    writeFileSync(path.join(dir, "p.diff"), patch);
    writeFileSync(path.join(dir, "notes.txt"), "just some notes\nnothing to see\n");
    writeFileSync(path.join(dir, "empty.diff"), "");
  });

  it("a text file that is not a unified diff is an error, exit 2", () => {
    expectOneLineError(sera(["verify", "p.diff", "notes.txt"]), /notes\.txt: not a unified diff/);
  });

  it("an endless stream is cut off with an error instead of read forever", () => {
    const started = Date.now();
    expectOneLineError(sera(["verify", "/dev/zero", "p.diff"]), /\/dev\/zero: more than 64 MiB/);
    const piped = sera([], { shell: "yes | $SERA verify /dev/stdin p.diff" });
    expectOneLineError(piped, /\/dev\/stdin: more than 64 MiB/);
    expect(Date.now() - started).toBeLessThan(50_000);
  });

  it("real patches, and an empty one (the agent changed nothing), still verify", () => {
    expect(sera(["verify", "p.diff", "p.diff"]).stdout).toMatch(/verdict pass/);
    const empty = sera(["verify", "p.diff", "empty.diff"]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/recall 0\.0000/);
  });
});

describe("sera inventory: what is wrong with the repository path", () => {
  it("tells a missing path, a plain folder, a file and an empty repository apart", () => {
    const plain = path.join(dir, "plain");
    const empty = path.join(dir, "empty");
    mkdirSync(plain);
    mkdirSync(empty);
    spawnSync("git", ["init", "-q", empty]);
    writeFileSync(path.join(dir, "a-file"), "x");
    expectOneLineError(sera(["inventory", path.join(dir, "missing")]), /missing: no such folder/);
    expectOneLineError(sera(["inventory", plain]), /plain: not a git repository/);
    expectOneLineError(sera(["inventory", path.join(dir, "a-file")]), /a-file: not a folder/);
    expectOneLineError(sera(["inventory", empty]), /empty: the repository has no commits yet/);
  });
});

describe("experiment files that reach for the prototype or carry a secret", () => {
  const experiment = (extra = "") => `name: guarded\nstages:\n  hello:\n    kind: command\n    seeded: false\n    params:\n      run: "echo hi"\n${extra}`;

  it("--set __proto__.x=1 is an error naming --set", () => {
    writeFileSync(path.join(dir, "plain.yaml"), experiment());
    expectOneLineError(sera(["plan", "plain.yaml", "--set", "__proto__.polluted=1"]), /^sera: --set: __proto__\.polluted: the key "__proto__" is not allowed/);
  });

  it("a YAML __proto__ key is an error naming the file", () => {
    writeFileSync(path.join(dir, "proto.yaml"), experiment("      __proto__:\n        polluted: 1\n"));
    expectOneLineError(sera(["plan", "proto.yaml"]), /proto\.yaml: stages\.hello\.params\.__proto__: /);
  });

  it("an endpoint URL with credentials stops sera run before anything is written, and the secret is printed nowhere", () => {
    const work = path.join(dir, "secret-run");
    mkdirSync(work);
    writeFileSync(path.join(work, "e.yaml"), experiment('      endpoint: "https://alice:s3cr3t-pass@api.example.com/v1?api_key=s3cr3t-key"\n'));
    const result = spawnSync(process.execPath, [seraBin, "run", "e.yaml"], { cwd: work, encoding: "utf8", timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/e\.yaml: stages\.hello\.params\.endpoint: the URL .* apiKeyEnv/);
    expect(result.stdout + result.stderr).not.toMatch(/s3cr3t/);
    // Nothing but the experiment file itself holds the secret: no run.json, job.json or store.
    const files = (folder: string): string[] =>
      readdirSync(folder).flatMap((name) => {
        const full = path.join(folder, name);
        return statSync(full).isDirectory() ? files(full) : [full];
      });
    const holding = files(work).filter((file) => file !== path.join(work, "e.yaml") && readFileSync(file).includes("s3cr3t"));
    expect(holding).toEqual([]);
    expect(existsSync(path.join(work, ".sera"))).toBe(false);
  });
});
