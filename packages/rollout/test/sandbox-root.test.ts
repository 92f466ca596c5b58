import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bwrapArgs, privilegeDropArgv, sandboxEnv, shellArgv } from "../src/sandbox/bwrap-command.js";
import { createSandbox, createSyntheticRepo, prepareSource, type PreparedSource, type Sandbox } from "../src/sandbox/index.js";
import { createToolbox } from "../src/tools/toolbox.js";

/**
 * The sandbox must hold against a hostile command whoever runs sera. CI runs
 * as root, where bubblewrap alone would keep every capability; the same
 * probes also run as an ordinary user (uid 65534, started through setpriv).
 */

const ORDINARY_UID = 65534;
const runningAsRoot = process.getuid?.() === 0;

let workDir: string;
let repoPath: string;
let cacheRoot: string;
let source: PreparedSource;
/** A world-readable folder both runs bind read-only (the root run's cache is private to root). */
let sharedToolDir: string;
const sandboxes: Sandbox[] = [];
const probeTag = `sera-probe-${crypto.randomBytes(4).toString("hex")}`;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-sandbox-root-"));
  repoPath = await createSyntheticRepo(10, workDir);
  cacheRoot = path.join(workDir, "cache");
  source = await prepareSource(repoPath, "HEAD", cacheRoot);
  // A private cache, as sera keeps it: commands under another uid still reach the mirror's objects.
  fs.chmodSync(cacheRoot, 0o700);
  fs.chmodSync(workDir, 0o700);
  sharedToolDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-sandbox-root-tools-"));
  fs.chmodSync(sharedToolDir, 0o755);
  fs.writeFileSync(path.join(sharedToolDir, "tool.sh"), "echo tool\n");
});

afterAll(async () => {
  for (const sandbox of sandboxes) await sandbox.destroy();
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.rmSync(sharedToolDir, { recursive: true, force: true });
});

async function newSandbox(): Promise<Sandbox> {
  const sandbox = await createSandbox({ source, root: path.join(workDir, "sandboxes"), isolation: "bwrap", readOnlyPaths: [sharedToolDir] });
  sandboxes.push(sandbox);
  return sandbox;
}

/** Host paths a hostile command aims at, and whether each is left as it was. */
function hostTargets(): string[] {
  return ["/etc", "/usr", repoPath, cacheRoot, source.mirrorPath, sharedToolDir, os.homedir()].map((dir) => path.join(dir, probeTag));
}

/** Escape attempts; each prints `verdict <name> <ok|blocked>` so the two users' runs can be compared. */
function probeScript(): string {
  const attempt = (name: string, command: string) =>
    `if ( ${command} ) >/dev/null 2>&1; then echo "verdict ${name} ok"; else echo "verdict ${name} blocked"; fi`;
  const writes = hostTargets().map((target, index) => attempt(`write-${index}`, `echo x > ${target}`));
  return [
    "grep CapEff /proc/self/status",
    "echo uid=$(id -u)",
    attempt("read-shadow", "cat /etc/shadow"),
    attempt("remount-etc", "mount -o remount,rw /etc && touch /etc/" + probeTag),
    attempt("remount-usr", "mount -o remount,rw /usr && touch /usr/" + probeTag),
    attempt("remount-bind", `mount -o remount,rw ${sharedToolDir} && touch ${sharedToolDir}/${probeTag}`),
    attempt("write-bind", `touch ${sharedToolDir}/${probeTag}`),
    attempt("read-bind", `bash ${sharedToolDir}/tool.sh`),
    attempt("userns-remount", `unshare -rm sh -c 'mount -o remount,rw /etc && touch /etc/${probeTag}'`),
    attempt("write-etc", `touch /etc/${probeTag}`),
    attempt("write-usr", `touch /usr/${probeTag}`),
    attempt("write-copy", "touch /testbed/inside.txt"),
    ...writes,
  ].join("\n");
}

function verdicts(output: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of output.matchAll(/^verdict (\S+) (ok|blocked)$/gm)) found[match[1]] = match[2];
  return found;
}

function expectHostUntouched(): void {
  for (const target of hostTargets()) expect(fs.existsSync(target), target).toBe(false);
}

/**
 * Runs the probes exactly as a sandbox run by an ordinary user would: the
 * layout sera builds when it is not root, started as uid 65534 (when this test
 * is root; otherwise this process is the ordinary user already).
 */
function runAsOrdinaryUser(script: string): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "sera-ordinary-copy-"));
  try {
    const layout = { copyPath: copy, readOnlyPaths: [sharedToolDir], env: sandboxEnv(), tmpBytes: 64 << 20, user: undefined };
    const argv = ["bwrap", ...bwrapArgs(layout), "--", ...privilegeDropArgv(undefined), ...shellArgv(script, [])];
    const asOrdinary = runningAsRoot ? ["setpriv", `--reuid=${ORDINARY_UID}`, `--regid=${ORDINARY_UID}`, "--clear-groups", "--"] : [];
    if (runningAsRoot) fs.chownSync(copy, ORDINARY_UID, ORDINARY_UID);
    const result = spawnSync(asOrdinary[0] ?? argv[0], [...asOrdinary.slice(1), ...(asOrdinary.length > 0 ? argv : argv.slice(1))], {
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    return `${result.stdout}${result.stderr}`;
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

describe("a root-safe sandbox", () => {
  it("gives commands no capabilities, a non-root uid, and no way to change the host", async () => {
    const sandbox = await newSandbox();
    const result = await sandbox.exec(probeScript(), { timeoutMs: 60_000 });
    expect(result.output).toContain("CapEff:\t0000000000000000");
    const uid = Number(/uid=(\d+)/.exec(result.output)?.[1]);
    expect(uid).not.toBe(0);
    if (runningAsRoot) expect(uid).toBe(sandbox.commandUser?.uid);
    const found = verdicts(result.output);
    expect(found["write-copy"]).toBe("ok");
    expect(found["read-bind"]).toBe("ok");
    for (const name of ["read-shadow", "remount-etc", "remount-usr", "remount-bind", "userns-remount", "write-etc", "write-usr", "write-bind"]) {
      expect(found[name], name).toBe("blocked");
    }
    // The mirror the copy borrows objects from is bound read-only too.
    const mirror = await sandbox.exec(`mount -o remount,rw ${source.mirrorPath}; touch ${source.mirrorPath}/${probeTag}`);
    expect(mirror.exitCode).not.toBe(0);
    expectHostUntouched();
    expect(fs.existsSync(path.join(sandbox.hostPath, "inside.txt"))).toBe(true);
  });

  it("gives the same verdicts when an ordinary user runs the same commands", async () => {
    const sandbox = await newSandbox();
    const script = probeScript();
    const mine = verdicts((await sandbox.exec(script, { timeoutMs: 60_000 })).output);
    const ordinaryOutput = runAsOrdinaryUser(script);
    expect(ordinaryOutput).toContain("CapEff:\t0000000000000000");
    expect(ordinaryOutput).toContain(`uid=${runningAsRoot ? ORDINARY_UID : process.getuid?.()}`);
    const ordinary = verdicts(ordinaryOutput);
    expect(Object.keys(ordinary).length).toBe(Object.keys(mine).length);
    expect(ordinary).toEqual(mine);
    expectHostUntouched();
  });

  it("keeps each sandbox's commands under a uid of their own when sera is root", async () => {
    const first = await newSandbox();
    const second = await newSandbox();
    if (!runningAsRoot) {
      expect(first.commandUser).toBeUndefined();
      return;
    }
    expect(first.commandUser?.uid).not.toBe(second.commandUser?.uid);
    const passwd = fs.readFileSync("/etc/passwd", "utf8");
    expect(passwd.split("\n").some((line) => line.split(":")[2] === String(first.commandUser?.uid))).toBe(false);
    // The copy belongs to that uid, so the agent can change everything in it.
    expect(fs.statSync(first.hostPath).uid).toBe(first.commandUser?.uid);
    expect(fs.statSync(path.join(first.hostPath, ".git", "HEAD")).uid).toBe(first.commandUser?.uid);
  });

  it("lets commands change files and folders the editor made from the host", async () => {
    const sandbox = await newSandbox();
    const toolbox = createToolbox(sandbox);
    const created = await toolbox.run({
      name: "str_replace_editor",
      arguments: { command: "create", path: "/testbed/made/by/editor/notes.txt", file_text: "one\n" },
    });
    expect(created.text).toMatch(/^Created/);
    const result = await sandbox.exec("echo two >> made/by/editor/notes.txt && touch made/by/editor/more.txt made/new.txt && cat made/by/editor/notes.txt");
    expect(result.exitCode).toBe(0);
    expect(result.output).toBe("one\ntwo\n");
    expect(await sandbox.diff()).toContain("+++ b/made/by/editor/notes.txt");
  });

  it("refuses an extra read-only bind that the command's uid could not read", async () => {
    const hidden = fs.mkdtempSync(path.join(workDir, "toolchain-"));
    fs.chmodSync(hidden, 0o700);
    const attempt = createSandbox({ source, root: path.join(workDir, "sandboxes"), isolation: "bwrap", readOnlyPaths: [hidden] });
    if (runningAsRoot) {
      await expect(attempt).rejects.toThrow(`readOnlyPaths entry ${hidden} has mode 700`);
    } else {
      sandboxes.push(await attempt);
    }
  });
});
