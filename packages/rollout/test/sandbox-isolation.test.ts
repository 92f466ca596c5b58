import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bwrapAvailable, createSandbox, createSyntheticRepo, prepareSource, type PreparedSource, type Sandbox } from "../src/sandbox/index.js";

let workDir: string;
let repoPath: string;
let source: PreparedSource;
let sandboxRoot: string;
const sandboxes: Sandbox[] = [];

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-sandbox-isolation-"));
  repoPath = await createSyntheticRepo(30, workDir);
  source = await prepareSource(repoPath, "HEAD", path.join(workDir, "cache"));
  sandboxRoot = path.join(workDir, "sandboxes");
});

afterAll(async () => {
  for (const sandbox of sandboxes) await sandbox.destroy();
  fs.rmSync(workDir, { recursive: true, force: true });
});

async function newSandbox(isolation: "bwrap" | "none" = "bwrap"): Promise<Sandbox> {
  const sandbox = await createSandbox({ source, root: sandboxRoot, isolation });
  sandboxes.push(sandbox);
  return sandbox;
}

/** Every file under `root` (hidden ones and .git included) with its mode and content hash. */
function snapshot(root: string): Map<string, string> {
  const entries = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const stat = fs.lstatSync(full);
      const relative = path.relative(root, full);
      if (entry.isDirectory()) {
        entries.set(relative, `dir ${stat.mode}`);
        visit(full);
      } else {
        const content = entry.isSymbolicLink() ? fs.readlinkSync(full) : fs.readFileSync(full);
        entries.set(relative, `${stat.mode} ${crypto.createHash("sha256").update(content).digest("hex")}`);
      }
    }
  };
  visit(root);
  return entries;
}

/** Pids of live processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (commandLine.includes(marker) && !commandLine.includes("bash -c")) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function waitUntilGone(marker: string, withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let remaining = processesWith(marker);
  while (remaining.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    remaining = processesWith(marker);
  }
  return remaining;
}

function uniqueSleepSeconds(): string {
  return `${900 + crypto.randomInt(0, 99)}.${crypto.randomInt(100000, 999999)}`;
}

describe("bubblewrap isolation", () => {
  it("is available on this machine", async () => {
    expect(await bwrapAvailable()).toBe(true);
  });

  it("runs in /testbed with a clean environment and interleaved output", async () => {
    const sandbox = await newSandbox();
    process.env.SERA_HOST_ONLY = "host-secret";
    const result = await sandbox.exec(
      'pwd; echo one; echo two >&2; echo three; echo "home=$HOME"; env | grep -c . ; echo "leak=${SERA_HOST_ONLY:-none}"; exit 3',
    );
    delete process.env.SERA_HOST_ONLY;
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
    const lines = result.output.split("\n");
    expect(lines.slice(0, 4)).toEqual(["/testbed", "one", "two", "three"]);
    expect(result.output).toContain("home=/root");
    expect(Number(lines[5])).toBeLessThan(16);
    expect(result.output).toContain("leak=none");
  });

  it("lets commands change the copy but nothing outside it", async () => {
    const sandbox = await newSandbox();
    const scratchName = `sera-private-${crypto.randomUUID()}`;
    const attempts = [
      "touch /usr/sera-escape",
      "echo x > $HOME/../sera-escape",
      `echo x > ${repoPath}/escape.txt`,
      `touch ${source.mirrorPath}/escape`,
      "touch /etc/sera-escape",
    ];
    for (const attempt of attempts) {
      const result = await sandbox.exec(attempt);
      expect(result.exitCode, attempt).not.toBe(0);
    }
    expect(fs.existsSync("/usr/sera-escape")).toBe(false);
    expect(fs.existsSync("/sera-escape")).toBe(false);
    expect(fs.existsSync(path.join(repoPath, "escape.txt"))).toBe(false);
    expect(fs.existsSync(path.join(source.mirrorPath, "escape"))).toBe(false);
    // The host /tmp (where this test's repository lives) is replaced by a private
    // tmpfs inside, so recreating the repository path there succeeds but stays private.
    await sandbox.exec(`mkdir -p ${repoPath}/sub && echo x > ${repoPath}/sub/escape.txt`);
    expect(fs.existsSync(path.join(repoPath, "sub"))).toBe(false);

    const inside = await sandbox.exec(`echo kept > /testbed/inside.txt && echo private > /tmp/${scratchName}`);
    expect(inside.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(sandbox.hostPath, "inside.txt"), "utf8")).toBe("kept\n");
    expect(fs.existsSync(path.join("/tmp", scratchName))).toBe(false);
  });

  it("has no network, while the same connection works without isolation", async () => {
    const server = net.createServer((socket) => socket.end("hello\n"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const probe = `exec 3<>/dev/tcp/127.0.0.1/${port} && head -n1 <&3`;
      const outside = await (await newSandbox("none")).exec(probe, { timeoutMs: 10_000 });
      expect(outside.exitCode).toBe(0);
      expect(outside.output).toBe("hello\n");
      const inside = await (await newSandbox("bwrap")).exec(probe, { timeoutMs: 10_000 });
      expect(inside.exitCode).not.toBe(0);
      expect(inside.output).not.toContain("hello");
    } finally {
      server.close();
    }
  });

  it("leaves the source repository byte-for-byte untouched after a rollout that edits and commits", async () => {
    const before = snapshot(repoPath);
    const sandbox = await newSandbox();
    const script = [
      "sed -i 's/return 0/return 1/' pkg0/module0.py",
      "echo 'print(1)' > reproduce.py",
      "rm pkg1/module2.py",
      "git add -A && git commit -qm 'agent commit'",
      "git tag agent-tag && git branch agent-branch",
      "git gc --quiet || true",
      `git -C ${repoPath} status || true`,
    ].join(" && ");
    const result = await sandbox.exec(script);
    expect(result.exitCode).toBe(0);
    expect((await sandbox.exec("git log --oneline | wc -l")).output.trim()).toBe("2");
    expect(snapshot(repoPath)).toEqual(before);
  });

  it("kills the whole process tree when the time limit is reached", async () => {
    const sandbox = await newSandbox();
    const marker = uniqueSleepSeconds();
    const started = Date.now();
    const result = await sandbox.exec(`sleep ${marker} & (setsid sleep ${marker} > /dev/null 2>&1 &); echo started; sleep ${marker}`, {
      timeoutMs: 1_000,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.output).toContain("started");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await waitUntilGone(marker, 3_000)).toEqual([]);
  });

  it("keeps one shell per bubblewrap sandbox: cd, variables and background processes carry over until it is destroyed", async () => {
    const sandbox = await newSandbox("bwrap");
    const marker = uniqueSleepSeconds();
    const result = await sandbox.exec(`sleep ${marker} > /dev/null 2>&1 & echo launched`, { timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 0, output: "launched\n", timedOut: false });
    await sandbox.exec("cd pkg0 && export FLAVOUR=mint");
    expect((await sandbox.exec('echo "$PWD $FLAVOUR"')).output).toBe("/testbed/pkg0 mint\n");
    expect((await sandbox.exec(`pgrep -f "sleep ${marker}" | wc -l`)).output.trim()).toBe("1");
    // `exit` ends that shell; the next command gets a fresh one back in /testbed.
    expect((await sandbox.exec("exit 4")).exitCode).toBe(4);
    expect((await sandbox.exec("pwd")).output).toBe("/testbed\n");
    await sandbox.destroy();
    expect(await waitUntilGone(marker, 3_000)).toEqual([]);
  });

  it("costs a few milliseconds per command once the shell is up, where each command used to start a bwrap", async () => {
    const sandbox = await newSandbox("bwrap");
    await sandbox.exec("true");
    const timings: number[] = [];
    for (let i = 0; i < 30; i++) timings.push((await sandbox.exec("true")).wallMs);
    timings.sort((a, b) => a - b);
    process.stdout.write(`bubblewrap persistent shell: p50 ${timings[15].toFixed(2)} ms over 30 commands\n`);
    expect(timings[15]).toBeLessThan(25);
  });

  it("ends background processes when a command finishes without isolation (a fresh shell per command)", async () => {
    const sandbox = await newSandbox("none");
    const marker = uniqueSleepSeconds();
    const result = await sandbox.exec(`sleep ${marker} > /dev/null 2>&1 & echo launched`, { timeoutMs: 10_000 });
    expect(result.output).toBe("launched\n");
    expect(result.timedOut).toBe(false);
    expect(await waitUntilGone(marker, 3_000)).toEqual([]);
  });

  it("kills the process group on timeout without isolation too", async () => {
    const sandbox = await newSandbox("none");
    const marker = uniqueSleepSeconds();
    const result = await sandbox.exec(`sleep ${marker} & sleep ${marker}`, { timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(await waitUntilGone(marker, 3_000)).toEqual([]);
  });

  it("applies extra read-only binds, extra environment and file-size limits", async () => {
    const toolchain = fs.mkdtempSync(path.join(workDir, "toolchain-"));
    fs.writeFileSync(path.join(toolchain, "tool.sh"), "echo tool-ran\n");
    // Under root, commands run as an unprivileged uid: a toolchain must be readable by others, as installed ones are.
    fs.chmodSync(toolchain, 0o755);
    const sandbox = await createSandbox({
      source,
      root: sandboxRoot,
      isolation: "bwrap",
      readOnlyPaths: [toolchain],
      env: { SERA_FLAVOUR: "mint" },
      limits: { fileSizeKiB: 64 },
    });
    sandboxes.push(sandbox);
    const result = await sandbox.exec(`bash ${toolchain}/tool.sh; echo $SERA_FLAVOUR; touch ${toolchain}/x || echo read-only`);
    expect(result.output).toMatch(/^tool-ran\nmint\n.*\nread-only\n$/s);
    const big = await sandbox.exec("head -c 1000000 /dev/zero > big.bin");
    expect(big.exitCode).not.toBe(0);
    expect(fs.statSync(path.join(sandbox.hostPath, "big.bin")).size).toBeLessThanOrEqual(64 * 1024);
  });

  it("caps output, keeping its head and tail", async () => {
    const sandbox = await newSandbox();
    const result = await sandbox.exec("seq 1 100000", { maxOutputChars: 1_000 });
    expect(result.truncated).toBe(true);
    expect(result.output.startsWith("1\n2\n3\n")).toBe(true);
    expect(result.output.endsWith("99999\n100000\n")).toBe(true);
    expect(result.output).toMatch(/characters elided/);
    expect(result.output.length).toBeLessThan(1_100);
  });
});
