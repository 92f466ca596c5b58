import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  environmentSchema,
  EnvironmentSetupError,
  forgetPreparedEnvironments,
  prepareSource,
  rolloutEnvironments,
  type EnvironmentConfig,
  type PreparedSource,
} from "../src/index.js";

/**
 * Prepared environments against the real parts: the Python fixture whose tests need a package
 * (installed offline from its vendored wheel into a virtualenv by `setup`), bubblewrap with and
 * without network, git inside the sandbox, and sera's private cache.
 */

const fixture = path.resolve(import.meta.dirname, "../../../fixtures/environments/python-shipping");
const testCommand = "cd /testbed && python3 -m unittest discover -s tests -t . 2>&1";
const setup = ["python3 -m venv .venv", ".venv/bin/pip install --no-index --find-links vendor parcelkit==1.0.0"];

let workDir: string;
let source: PreparedSource;
let server: net.Server;
let port: number;

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main", ...args], {
    cwd,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

function prepared(extra: Partial<Record<string, unknown>> = {}): EnvironmentConfig {
  return environmentSchema.parse({ kind: "prepared", setup, path: ["/testbed/.venv/bin"], ...extra });
}

async function sandboxOf(config: EnvironmentConfig, logDir = path.join(workDir, "logs")) {
  return rolloutEnvironments(config, { logDir }).createSandbox({ source, root: path.join(workDir, "sandboxes"), isolation: "bwrap", limits: {} });
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-env-prepared-"));
  const repo = path.join(workDir, "shipping");
  fs.cpSync(fixture, repo, { recursive: true });
  git(repo, "init", "-q");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "shipping fixture");
  source = await prepareSource(repo, "HEAD", path.join(workDir, "cache"));
  // A loopback listener on the host: reachable only from a sandbox that shares the host's network.
  server = net.createServer((socket) => socket.end("hello\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe("environment: host", () => {
  it("runs the fixture's tests without its package, so they fail on the import", async () => {
    const sandbox = await sandboxOf(environmentSchema.parse({ kind: "host" }));
    try {
      const result = await sandbox.exec(testCommand);
      expect(result.exitCode).not.toBe(0);
      expect(result.output).toMatch(/No module named 'parcelkit'/);
    } finally {
      await sandbox.destroy();
    }
  });
});

describe("environment: prepared", () => {
  it("runs setup once with network, then rollouts pass the tests without network and with setup's outputs read-only", async () => {
    const probe = `python3 -c "import socket; print(socket.create_connection(('127.0.0.1', ${port}), 3).recv(10).decode())"`;
    const config = prepared({ setup: [...setup, probe] });
    const sandbox = await sandboxOf(config);
    try {
      const logs = fs.readdirSync(path.join(workDir, "logs"));
      expect(logs).toHaveLength(1);
      const log = fs.readFileSync(path.join(workDir, "logs", logs[0]), "utf8");
      expect(log).toMatch(/Successfully installed parcelkit-1\.0\.0/);
      expect(log).toMatch(/^hello$/m);
      const tests = await sandbox.exec(testCommand);
      expect(tests.output).toMatch(/Ran 4 tests[\s\S]*OK/);
      expect(tests.exitCode).toBe(0);
      const network = await sandbox.exec(probe);
      expect(network.exitCode).not.toBe(0);
      expect(network.output).toMatch(/Connection refused|Network is unreachable/);
      const write = await sandbox.exec("touch /testbed/.venv/marker");
      expect(write.output).toMatch(/Read-only file system/);
      expect(await sandbox.exec("which python3")).toMatchObject({ output: "/testbed/.venv/bin/python3\n" });
    } finally {
      await sandbox.destroy();
    }
    // The second rollout reuses the built environment: no second log, same tree.
    const again = await sandboxOf(config);
    try {
      expect(fs.readdirSync(path.join(workDir, "logs"))).toHaveLength(1);
      expect((await again.exec(testCommand)).exitCode).toBe(0);
    } finally {
      await again.destroy();
    }
  });

  it("keeps what setup changed out of the agent's patch", async () => {
    const config = prepared({
      setup: [...setup, "echo '# touched by setup' >> pyproject.toml", "echo stray > stray.txt", testCommand.replace("cd /testbed && ", "")],
    });
    const sandbox = await sandboxOf(config);
    try {
      // Setup ran the tests too: __pycache__ folders are ignored by the fixture, stray.txt and pyproject.toml are not.
      expect((await sandbox.exec("cat pyproject.toml stray.txt")).output).toMatch(/# touched by setup\nstray/);
      await sandbox.exec("sed -i 's/return round(total, 2)/return round(total, 3)/' shipping/rates.py");
      const patch = await sandbox.diff();
      expect(patch).toMatch(/^diff --git a\/shipping\/rates\.py b\/shipping\/rates\.py/);
      expect(patch.match(/^diff --git/gm)).toHaveLength(1);
    } finally {
      await sandbox.destroy();
    }
  });

  it("fails every rollout of a commit with one setup error and keeps the log", async () => {
    const logDir = path.join(workDir, "failed-logs");
    const config = prepared({ setup: ["echo preparing", "python3 -c 'import sys; print(\"no wheel here\"); sys.exit(3)'"] });
    const first = sandboxOf(config, logDir);
    await expect(first).rejects.toBeInstanceOf(EnvironmentSetupError);
    await expect(first).rejects.toThrow(/environment setup failed: setup command 2 \(.*\) exited 3: no wheel here \(log: .*\.setup\.log\)/);
    const error = await first.catch((e: EnvironmentSetupError) => e);
    expect(fs.readFileSync(error.logPath!, "utf8")).toMatch(/\$ echo preparing\npreparing\n\(exit 0[\s\S]*no wheel here/);
    // The same setup is not run again in this process: the second request gets the same verdict at once.
    const started = Date.now();
    await expect(sandboxOf(config, logDir)).rejects.toThrow(/exited 3/);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("never reuses a cache entry whose content changed after sera built it", async () => {
    const config = prepared();
    const environments = path.join(workDir, "cache", "environments");
    // Earlier tests built entries of their own; this config's entry is the one its build adds.
    const before = new Set(fs.existsSync(environments) ? fs.readdirSync(environments) : []);
    await (await sandboxOf(config)).destroy();
    const added = fs
      .readdirSync(environments)
      .filter((name) => !before.has(name) && fs.existsSync(path.join(environments, name, "prepared", "mounts", ".venv")));
    expect(added).toHaveLength(1);
    const entry = path.join(environments, added[0]);
    const builtAt = fs.readFileSync(path.join(entry, "sera-built.json"), "utf8");
    fs.writeFileSync(path.join(entry, "prepared", "mounts", ".venv", "planted.pth"), "import os\n");
    forgetPreparedEnvironments();
    const sandbox = await sandboxOf(config);
    try {
      expect(fs.readFileSync(path.join(entry, "sera-built.json"), "utf8")).not.toBe(builtAt);
      expect(fs.existsSync(path.join(entry, "prepared", "mounts", ".venv", "planted.pth"))).toBe(false);
      expect(fs.statSync(entry).mode & 0o777).toBe(0o700);
    } finally {
      await sandbox.destroy();
    }
  });
});
