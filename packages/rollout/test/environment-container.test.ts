import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { environmentSchema, prepareSource, rolloutEnvironments, type PreparedSource, type Sandbox, type SandboxLimits } from "../src/index.js";

/**
 * Container environments against real podman (runc) and real docker (dockerd), each with the
 * offline base image that .ci/containers-up.sh builds: one container per sandbox, the copy at
 * /testbed, one persistent shell, no network, a memory limit for the whole container, bounded
 * disk, the patch taken by git inside.
 */

const fixture = path.resolve(import.meta.dirname, "../../../fixtures/environments/python-shipping");
const baseImage = "localhost/sera-ci/bookworm:1";
const testCommand = "python3 -m unittest discover -s tests -t . 2>&1";
const runId = `test-${process.pid}`;
const runtimes = ["podman", "docker"] as const;
type Runtime = (typeof runtimes)[number];

let workDir: string;
let source: PreparedSource;

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main", ...args], {
    cwd,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

function containersOfRun(runtime: Runtime): string[] {
  const result = spawnSync(runtime, ["ps", "-a", "-q", "--filter", `label=sera.run=${runId}`], { encoding: "utf8" });
  return result.stdout.split("\n").filter((line) => line.trim() !== "");
}

async function containerSandbox(runtime: Runtime, environment: Record<string, unknown>, limits: SandboxLimits = {}, commit?: string): Promise<Sandbox> {
  const config = environmentSchema.parse({ kind: "container", runtime, ...environment });
  return rolloutEnvironments(config, { logDir: path.join(workDir, "logs"), runId }).createSandbox({
    source,
    commit,
    root: path.join(workDir, "sandboxes"),
    isolation: "bwrap",
    limits,
  });
}

/**
 * An image as SWE-bench's are made: the repository cloned to /testbed at the source's commit, then
 * built there — an ignored output, an untracked file and a changed tracked file.
 */
function buildTestbedImage(runtime: Runtime, extraSteps: string[] = []): string {
  const context = fs.mkdtempSync(path.join(workDir, "image-"));
  git(workDir, "clone", "-q", source.repoPath, path.join(context, "testbed"));
  fs.writeFileSync(
    path.join(context, "Containerfile"),
    [
      `FROM ${baseImage}`,
      "COPY testbed /testbed",
      "RUN cd /testbed && mkdir build && printf 'FACTOR = 3\\n' > build/generated.py && echo built > BUILD_STAMP && echo '# built here' >> pyproject.toml",
      ...extraSteps.map((step) => `RUN cd /testbed && ${step}`),
      "",
    ].join("\n"),
  );
  fs.writeFileSync(path.join(context, "testbed", ".gitignore"), "build/\n", { flag: "a" });
  const tag = `localhost/sera-test-testbed:${process.pid}-${extraSteps.length}`;
  const built = spawnSync(runtime, ["build", "-q", "-f", path.join(context, "Containerfile"), "-t", tag, context], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`${runtime} build: ${built.stderr}`);
  return tag;
}

/** Paths the container's writable layer holds beyond the image, outside the mounts and tmpfs. */
function changedRootPaths(runtime: Runtime, sandbox: Sandbox): string[] {
  const id = containerOfSandbox(runtime, sandbox);
  const diff = spawnSync(runtime, ["diff", id], { encoding: "utf8" });
  expect(diff.status).toBe(0);
  return diff.stdout
    .split("\n")
    .map((line) => line.trim().slice(2))
    .filter((entry) => entry !== "" && !/^\/(testbed|tmp|var\/tmp|sera|run|dev|proc|sys|etc\/(hosts|hostname|resolv\.conf))(\/|$)/.test(entry));
}

function containerOfSandbox(runtime: Runtime, sandbox: Sandbox): string {
  const listed = spawnSync(runtime, ["ps", "-q", "--filter", `label=sera.sandbox=${sandbox.id}`], { encoding: "utf8" });
  const id = listed.stdout.trim();
  expect(id).not.toBe("");
  return id;
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-env-container-"));
  const repo = path.join(workDir, "shipping");
  fs.cpSync(fixture, repo, { recursive: true });
  git(repo, "init", "-q");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "shipping fixture");
  source = await prepareSource(repo, "HEAD", path.join(workDir, "cache"));
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe.each(runtimes)("environment: container, %s", (runtime) => {
  it("keeps one shell per container: state carries over and a command costs milliseconds", async () => {
    const sandbox = await containerSandbox(runtime, { image: baseImage });
    try {
      expect(containersOfRun(runtime)).toHaveLength(1);
      expect(await sandbox.exec("pwd; id -u")).toMatchObject({ exitCode: 0, output: `/testbed\n${sandbox.commandUser?.uid ?? 0}\n` });
      await sandbox.exec("cd shipping && export GREETING=hello");
      expect((await sandbox.exec('echo "$PWD $GREETING"; exit 3')).output).toMatch(/^\/testbed\/shipping hello\n/);
      // `exit` ended that shell; the next command gets a fresh one back in /testbed.
      expect(await sandbox.exec("pwd")).toMatchObject({ exitCode: 0, output: "/testbed\n" });
      expect(await sandbox.exec("echo out; echo err >&2; false")).toMatchObject({ exitCode: 1, output: "out\nerr\n" });
      const timings: number[] = [];
      for (let i = 0; i < 40; i++) timings.push((await sandbox.exec("true")).wallMs);
      timings.sort((a, b) => a - b);
      const p50 = timings[20];
      process.stdout.write(`container persistent shell: p50 ${p50.toFixed(2)} ms over 40 commands\n`);
      expect(p50).toBeLessThan(25);
    } finally {
      await sandbox.destroy();
    }
    expect(containersOfRun(runtime)).toHaveLength(0);
  });

  it("has no network, a memory limit for the whole container, and a per-command time limit", async () => {
    const sandbox = await containerSandbox(runtime, { image: baseImage }, { addressSpaceKiB: 256 * 1024, timeoutMs: 60_000 });
    try {
      const network = await sandbox.exec(`python3 -c "import socket; socket.create_connection(('deb.debian.org', 80), 3)"`);
      expect(network.exitCode).not.toBe(0);
      expect(network.output).toMatch(/Temporary failure in name resolution|Name or service not known|Network is unreachable/);
      expect((await sandbox.exec("ls /sys/class/net")).output.trim()).toBe("lo");
      const hog = await sandbox.exec(`python3 -c "data = b'x' * (600 * 2**20); print(len(data))"`);
      expect(hog.exitCode).not.toBe(0);
      expect(hog.output).not.toMatch(/629145600/);
      expect(hog.limit?.kind).toBe("memory");
      const slow = await sandbox.exec("sleep 30", { timeoutMs: 1000 });
      expect(slow).toMatchObject({ timedOut: true, exitCode: null });
      expect(slow.wallMs).toBeLessThan(10_000);
      expect(await sandbox.exec("echo alive")).toMatchObject({ exitCode: 0, output: "alive\n" });
      // The mirror is read-only, the command has no capabilities, and (sera being root) is not root.
      expect((await sandbox.exec("touch /sera/mirror/planted")).output).toMatch(/Read-only file system/);
      expect((await sandbox.exec("grep CapEff /proc/self/status")).output).toMatch(/CapEff:\s+0000000000000000/);
      if (process.getuid?.() === 0) expect((await sandbox.exec("id -u")).output.trim()).not.toBe("0");
    } finally {
      await sandbox.destroy();
    }
  });

  it("bounds disk: the image's root is read-only, /tmp and /var/tmp are sized, and the copy at /testbed may grow only so far", async () => {
    const sandbox = await containerSandbox(runtime, { image: baseImage }, { tmpKiB: 8 * 1024, copyGrowthKiB: 16 * 1024, timeoutMs: 60_000 });
    try {
      // Even a root shell (sera unprivileged, rootless podman) could not grow the writable layer.
      await sandbox.exec("touch /opt/planted /root/planted /planted");
      expect(changedRootPaths(runtime, sandbox)).toEqual([]);
      const tmp = await sandbox.exec("head -c 12M /dev/zero > /var/tmp/big");
      expect(tmp.exitCode).not.toBe(0);
      expect(tmp.limit?.kind).toBe("disk");
      const grow = await sandbox.exec("for i in $(seq 1 40); do head -c 1M /dev/zero > blob$i; sleep 0.05; done; echo finished");
      expect(grow.limit?.kind).toBe("copy_size");
      expect(grow.exitCode).toBeNull();
      expect(grow.output).not.toMatch(/finished/);
      expect(grow.limit?.message).toMatch(/may grow by at most 16 MiB/);
      // The shell was killed with the command; the next one starts afresh and may clean up.
      expect(await sandbox.exec("rm -f blob* && echo cleaned")).toMatchObject({ exitCode: 0, output: expect.stringMatching(/cleaned\n$/) });
      expect((await sandbox.exec("echo small > note.txt && cat note.txt")).limit).toBeUndefined();
    } finally {
      await sandbox.destroy();
    }
  });

  it("testbed: image uses the image's own /testbed, what the image built there kept out of the patch; its HEAD must be the rollout's commit", async () => {
    const image = buildTestbedImage(runtime);
    try {
      const own = await containerSandbox(runtime, { image, testbed: "image" });
      try {
        expect(own.baseCommit).toBe(source.commit);
        expect(await own.exec("cat build/generated.py BUILD_STAMP")).toMatchObject({ exitCode: 0, output: "FACTOR = 3\nbuilt\n" });
        expect(await own.exec("git status --porcelain")).toMatchObject({ exitCode: 0, output: "" });
        await own.exec("sed -i 's/return round(total, 2)/return round(total, 3)/' shipping/rates.py && echo rebuilt > BUILD_STAMP");
        const patch = await own.diff();
        expect(patch.match(/^diff --git .*$/gm)).toEqual(["diff --git a/shipping/rates.py b/shipping/rates.py"]);
      } finally {
        await own.destroy();
      }
      // sera's checkout mounted over the image's /testbed hides what the image built.
      const mounted = await containerSandbox(runtime, { image });
      try {
        expect((await mounted.exec("ls build BUILD_STAMP")).exitCode).not.toBe(0);
      } finally {
        await mounted.destroy();
      }
      await expect(containerSandbox(runtime, { image, testbed: "image" }, {}, "0".repeat(40))).rejects.toThrow(
        /has \/testbed at commit [0-9a-f]{12}, but this rollout is at 000000000000/,
      );
    } finally {
      spawnSync(runtime, ["rmi", "-f", image]);
    }
  });

  it("testbed: image keeps a hostile image's git config and links from acting on the host while sera takes its tree out and seals it", async () => {
    const marker = (name: string) => path.join(workDir, `${runtime}-pwned-${name}`);
    const image = buildTestbedImage(runtime, [
      `git config core.fsmonitor 'touch ${marker("fsmonitor")}'`,
      `git config core.hooksPath /testbed/hooks && mkdir hooks && printf '#!/bin/sh\\ntouch ${marker("hook")}\\n' > hooks/post-index-change && chmod +x hooks/post-index-change`,
      `git config filter.evil.clean 'touch ${marker("filter")}; cat' && echo '* filter=evil' > .gitattributes`,
      "ln -s /etc/passwd escape",
    ]);
    const passwdOwner = fs.statSync("/etc/passwd").uid;
    try {
      const sandbox = await containerSandbox(runtime, { image, testbed: "image" });
      try {
        expect((await sandbox.exec("echo edit >> notes.txt && git status --porcelain >/dev/null 2>&1; echo ran")).output).toBe("ran\n");
        expect(await sandbox.diff()).toMatch(/^diff --git a\/notes\.txt b\/notes\.txt$/m);
        expect(fs.lstatSync(path.join(sandbox.hostPath, "escape")).isSymbolicLink()).toBe(true);
      } finally {
        await sandbox.destroy();
      }
      for (const name of ["fsmonitor", "hook", "filter"]) expect(fs.existsSync(marker(name)), name).toBe(false);
      expect(fs.statSync("/etc/passwd").uid).toBe(passwdOwner);
    } finally {
      spawnSync(runtime, ["rmi", "-f", image]);
    }
  });

  it("runs the fixture's tests: they fail in the base image and pass in the image built from its Containerfile; the patch comes from git inside", async () => {
    const plain = await containerSandbox(runtime, { image: baseImage });
    try {
      const result = await plain.exec(testCommand);
      expect(result.exitCode).not.toBe(0);
      expect(result.output).toMatch(/No module named 'parcelkit'/);
    } finally {
      await plain.destroy();
    }
    const built = await containerSandbox(runtime, { build: path.join(fixture, "Containerfile") });
    try {
      const result = await built.exec(testCommand);
      expect(result.output).toMatch(/Ran 4 tests[\s\S]*\nOK/);
      expect(result.exitCode).toBe(0);
      await built.exec("sed -i 's/return round(total, 2)/return round(total, 3)/' shipping/rates.py && echo scratch > notes.txt");
      const patch = await built.diff();
      expect(patch.match(/^diff --git .*$/gm)).toEqual(["diff --git a/notes.txt b/notes.txt", "diff --git a/shipping/rates.py b/shipping/rates.py"]);
      expect(patch).toMatch(/\+    return round\(total, 3\)/);
    } finally {
      await built.destroy();
    }
  });

  it("removes the containers an earlier, killed attempt of the same run left behind, and those of any run whose sera process is gone", async () => {
    const orphan = spawnSync(runtime, ["run", "-d", "--label", `sera.run=${runId}`, "--network", "none", "--entrypoint", "sleep", baseImage, "infinity"], {
      encoding: "utf8",
    });
    expect(orphan.status).toBe(0);
    expect(containersOfRun(runtime)).toHaveLength(1);
    // Another run's container whose owner (a process that has exited) is gone; and one of a live owner (this process), kept.
    const exited = spawnSync("true");
    const owner = (pid: number) => `sera.owner=${os.hostname()}/${pid}/unknown`;
    const labelled = (label: string) =>
      spawnSync(runtime, ["run", "-d", "--label", label, "--label", "sera.run=other", "--network", "none", "--entrypoint", "sleep", baseImage, "infinity"], {
        encoding: "utf8",
      }).stdout.trim();
    const ownerless = labelled(owner(exited.pid!));
    const owned = labelled(owner(process.pid));
    const exists = (id: string) => spawnSync(runtime, ["container", "inspect", id]).status === 0;
    const sandbox = await containerSandbox(runtime, { image: baseImage });
    try {
      expect(containersOfRun(runtime)).toHaveLength(1);
      expect(containersOfRun(runtime)[0]).not.toBe(orphan.stdout.trim().slice(0, 12));
      expect(exists(ownerless)).toBe(false);
      expect(exists(owned)).toBe(true);
    } finally {
      await sandbox.destroy();
      spawnSync(runtime, ["rm", "-f", owned]);
    }
  });
});
