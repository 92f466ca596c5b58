import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSandbox,
  createSyntheticRepo,
  patchWithoutBinaryFiles,
  prepareSource,
  SANDBOX_GIT_IDENTITY,
  sweepStaleSandboxes,
  type PreparedSource,
} from "../src/sandbox/index.js";

let workDir: string;
let repoPath: string;
let cacheRoot: string;
let source: PreparedSource;

function gitIn(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", ...args], { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-sandbox-lifecycle-"));
  repoPath = await createSyntheticRepo(20, workDir);
  fs.writeFileSync(path.join(repoPath, "logo.bin"), Buffer.from([0, 1, 2, 3, 0, 255]));
  gitIn(repoPath, "add", "-A");
  gitIn(repoPath, "commit", "-qm", "add a binary file");
  cacheRoot = path.join(workDir, "cache");
  source = await prepareSource(repoPath, "HEAD", cacheRoot);
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe("prepareSource", () => {
  it("creates one mirror per repository and reuses it", async () => {
    // A rebuilt mirror would come with a new build marker (its build time), so an unchanged marker means reuse.
    const builtMarker = () => fs.readFileSync(path.join(path.dirname(source.mirrorPath), "sera-built.json"), "utf8");
    const before = builtMarker();
    const again = await prepareSource(repoPath, "HEAD", cacheRoot);
    expect(again.mirrorPath).toBe(source.mirrorPath);
    expect(builtMarker()).toBe(before);
    expect(again.commit).toBe(gitIn(repoPath, "rev-parse", "HEAD").trim());
  });

  it("keys mirrors by the full path, so equally named repositories do not collide", async () => {
    const otherParent = fs.mkdtempSync(path.join(workDir, "other-"));
    const twin = path.join(otherParent, path.basename(repoPath));
    fs.mkdirSync(twin);
    gitIn(twin, "init", "-q");
    fs.writeFileSync(path.join(twin, "twin.txt"), "twin\n");
    gitIn(twin, "add", "-A");
    gitIn(twin, "commit", "-qm", "twin");
    const twinSource = await prepareSource(twin, "HEAD", cacheRoot);
    expect(twinSource.mirrorPath).not.toBe(source.mirrorPath);
  });

  it("fetches commits made after the mirror was created", async () => {
    const scratchRepo = await createSyntheticRepo(3, workDir);
    const first = await prepareSource(scratchRepo, "HEAD", cacheRoot);
    fs.writeFileSync(path.join(scratchRepo, "later.txt"), "later\n");
    gitIn(scratchRepo, "add", "-A");
    gitIn(scratchRepo, "commit", "-qm", "later");
    const second = await prepareSource(scratchRepo, "HEAD", cacheRoot);
    expect(second.mirrorPath).toBe(first.mirrorPath);
    expect(second.commit).not.toBe(first.commit);
    const sandbox = await createSandbox({ source: second, root: path.join(workDir, "sbx"), isolation: "bwrap" });
    expect(fs.readFileSync(path.join(sandbox.hostPath, "later.txt"), "utf8")).toBe("later\n");
    await sandbox.destroy();
  });
});

describe("sandbox copy", () => {
  it("is a private checkout of the base commit with a local git identity and no other refs", async () => {
    gitIn(repoPath, "branch", "future-work");
    const sandbox = await createSandbox({ source, root: path.join(workDir, "sbx"), isolation: "bwrap" });
    expect(sandbox.baseCommit).toBe(source.commit);
    const result = await sandbox.exec(
      "git rev-parse HEAD; git config user.name; git config user.email; git status --porcelain | wc -l; git for-each-ref | wc -l",
    );
    expect(result.output.split("\n")).toEqual([source.commit, SANDBOX_GIT_IDENTITY.name, SANDBOX_GIT_IDENTITY.email, "0", "0", ""]);
    const commit = await sandbox.exec("echo change >> pkg0/module1.py && git commit -qam 'agent' && git log --format=%an -1");
    expect(commit.output).toBe(`${SANDBOX_GIT_IDENTITY.name}\n`);
    await sandbox.destroy();
    expect(fs.existsSync(sandbox.hostPath)).toBe(false);
    expect(fs.existsSync(path.dirname(sandbox.hostPath))).toBe(false);
    await expect(sandbox.exec("true")).rejects.toThrow(/destroyed/);
  });
});

describe("sandbox destroy", () => {
  it("removes all the agent left, and never follows a directory of the copy it turned into a link", async () => {
    // A file on the host with the name of one in the copy (pkg0/module1.py): the agent links pkg0 to its directory.
    const victim = path.join(workDir, "victim");
    fs.mkdirSync(victim, { recursive: true });
    fs.writeFileSync(path.join(victim, "module1.py"), "host file\n");
    for (const files of [3, 2_500]) {
      const sandbox = await createSandbox({ source, root: path.join(workDir, "sbx"), isolation: "bwrap" });
      const result = await sandbox.exec(
        `rm -r pkg0 && ln -s ${victim} pkg0 && mkdir -p added/deep && for i in $(seq ${files}); do : > added/deep/$i; done && ` +
          "mkdir locked && touch locked/f && chmod 0 locked .git/refs && echo done",
      );
      expect(result.output).toBe("done\n");
      await sandbox.destroy();
      expect(fs.existsSync(path.dirname(sandbox.hostPath)), `${files} files`).toBe(false);
      expect(fs.readFileSync(path.join(victim, "module1.py"), "utf8")).toBe("host file\n");
    }
  });
});

describe("sandbox copy and git's index", () => {
  it("keeps every file's mtime, so the first git status trusts the copied index and rewrites nothing; the patch still checks every file in full", async () => {
    const sandbox = await createSandbox({ source, root: path.join(workDir, "sbx"), isolation: "bwrap" });
    try {
      const index = path.join(sandbox.hostPath, ".git", "index");
      const before = fs.readFileSync(index);
      const templateFile = path.join(sandbox.hostPath, "pkg0", "module1.py");
      // Copies carry the checkout's mtimes (dated back when it was built), not the time of the copy.
      expect(Date.now() - fs.statSync(templateFile).mtimeMs).toBeGreaterThan(5_000);
      expect(await sandbox.exec("git status --porcelain")).toMatchObject({ exitCode: 0, output: "" });
      // A stale index would have been refreshed and written back by that status.
      expect(fs.readFileSync(index).equals(before)).toBe(true);
      // An edit that keeps the size and puts the old mtime back hides from a stat-trusting status …
      const edited = await sandbox.exec(
        "stamp=$(stat -c %Y pkg0/module1.py) && sed -i 's/return 1/return 7/' pkg0/module1.py && touch -d @$stamp pkg0/module1.py && git status --porcelain",
      );
      expect(edited.output).toBe("");
      // … but not from the patch, which checks every file's stat in full.
      expect(await sandbox.diff()).toMatch(/^-    return 1\n\+    return 7$/m);
    } finally {
      await sandbox.destroy();
    }
  });
});

describe("sandbox.diff", () => {
  it("is empty when nothing changed", async () => {
    const sandbox = await createSandbox({ source, root: path.join(workDir, "sbx"), isolation: "bwrap" });
    expect(await sandbox.diff()).toBe("");
    await sandbox.destroy();
  });

  it("includes new and committed changes, leaves out binary files, and ignores repo diff settings", async () => {
    const sandbox = await createSandbox({ source, root: path.join(workDir, "sbx"), isolation: "bwrap" });
    const script = [
      "sed -i 's/return 0/return 10/' pkg0/module0.py",
      "git commit -qam 'committed part'",
      "printf 'print(\"repro\")\\n' > reproduce_bug.py",
      "printf '\\x00\\x01binary' > new_blob.bin",
      "printf '\\x00changed' > logo.bin",
      "git rm -q pkg0/module2.py",
      "git config diff.noprefix true && git config diff.mnemonicPrefix true && git config color.ui always",
    ].join(" && ");
    expect((await sandbox.exec(script)).exitCode).toBe(0);
    const patch = await sandbox.diff();
    expect(patch).toContain("diff --git a/pkg0/module0.py b/pkg0/module0.py");
    expect(patch).toContain("-    return 0\n+    return 10\n");
    expect(patch).toContain("diff --git a/reproduce_bug.py b/reproduce_bug.py\nnew file mode 100644\n");
    expect(patch).toContain('+print("repro")');
    expect(patch).toContain("diff --git a/pkg0/module2.py b/pkg0/module2.py\ndeleted file mode 100644\n");
    expect(patch).not.toContain("new_blob.bin");
    expect(patch).not.toContain("logo.bin");
    expect(patch).not.toContain("Binary files");
    expect(patch).not.toContain("\u001b[");
    // Calling it again gives the same text.
    expect(await sandbox.diff()).toBe(patch);
    await sandbox.destroy();
  });

  it("drops only binary sections from a patch", () => {
    const text = "diff --git a/t.py b/t.py\nindex 1..2 100644\n--- a/t.py\n+++ b/t.py\n@@ -1 +1 @@\n-a\n+b\n";
    const binary = "diff --git a/x.bin b/x.bin\nnew file mode 100644\nindex 0000000..1111111\nBinary files /dev/null and b/x.bin differ\n";
    const quotedText = "diff --git a/q.txt b/q.txt\nindex 1..2 100644\n--- a/q.txt\n+++ b/q.txt\n@@ -1 +1 @@\n-Binary files x differ\n+y\n";
    expect(patchWithoutBinaryFiles(binary + text + binary + quotedText)).toBe(text + quotedText);
    expect(patchWithoutBinaryFiles("")).toBe("");
  });
});

describe("sandbox.toHostPath", () => {
  it("maps paths inside the copy and refuses everything that leaves it", async () => {
    const sandbox = await createSandbox({ source, root: path.join(workDir, "sbx"), isolation: "bwrap" });
    const host = sandbox.hostPath;
    fs.symlinkSync("/etc", path.join(host, "to-etc"));
    fs.symlinkSync("/testbed/pkg0", path.join(host, "to-pkg0"));
    fs.symlinkSync("../../..", path.join(host, "pkg0", "up-and-out"));
    fs.symlinkSync("/nowhere/file.txt", path.join(host, "dangling-out"));
    fs.symlinkSync("pkg0", path.join(host, "relative-pkg0"));

    expect(sandbox.toHostPath("/testbed")).toBe(host);
    expect(sandbox.toHostPath("/testbed/pkg0/module0.py")).toBe(path.join(host, "pkg0/module0.py"));
    expect(sandbox.toHostPath("/testbed//pkg0/./module0.py")).toBe(path.join(host, "pkg0/module0.py"));
    expect(sandbox.toHostPath("/testbed/pkg0/../pkg1")).toBe(path.join(host, "pkg1"));
    expect(sandbox.toHostPath("/testbed/new/dir/file.py")).toBe(path.join(host, "new/dir/file.py"));
    expect(sandbox.toHostPath("/testbed/to-pkg0/module3.py")).toBe(path.join(host, "pkg0/module3.py"));
    expect(sandbox.toHostPath("/testbed/relative-pkg0/module3.py")).toBe(path.join(host, "pkg0/module3.py"));
    expect(sandbox.toHostPath(path.join(host, "pkg1"))).toBe(path.join(host, "pkg1"));

    for (const escape of [
      "relative/path.py",
      "/etc/passwd",
      "/testbed/../etc/passwd",
      "/testbed/pkg0/../../x",
      "/testbed/to-etc/passwd",
      "/testbed/pkg0/up-and-out/etc",
      "/testbed/dangling-out",
      "/testbed/missing/../../etc",
      "/testbedx/file",
    ]) {
      expect(() => sandbox.toHostPath(escape), escape).toThrow();
    }
    await sandbox.destroy();
  });
});

describe("sweepStaleSandboxes", () => {
  it("removes sandboxes of dead or replaced owners and keeps live, foreign and fresh ones", async () => {
    const root = path.join(workDir, "sweep-root");
    const make = async () => createSandbox({ source, root, isolation: "bwrap" });
    const [deadOwner, liveOwner, reusedPid, otherHost, mine] = [await make(), await make(), await make(), await make(), await make()];
    const ownerFile = (sandbox: { hostPath: string }) => path.join(path.dirname(sandbox.hostPath), "owner.json");
    const rewrite = (sandbox: { hostPath: string }, change: Record<string, unknown>) => {
      const owner = JSON.parse(fs.readFileSync(ownerFile(sandbox), "utf8")) as Record<string, unknown>;
      fs.writeFileSync(ownerFile(sandbox), JSON.stringify({ ...owner, ...change }));
    };

    const exited = spawnSync("true");
    rewrite(deadOwner, { pid: exited.pid, processStartTicks: null });
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      rewrite(liveOwner, { pid: sleeper.pid, processStartTicks: null });
      rewrite(reusedPid, { pid: sleeper.pid, processStartTicks: "1" });
      rewrite(otherHost, { pid: exited.pid, hostname: `${os.hostname()}-elsewhere` });
      const freshOrphan = path.join(root, "sbx-123-abcdef");
      fs.mkdirSync(freshOrphan);
      const oldOrphan = path.join(root, "sbx-456-fedcba");
      fs.mkdirSync(oldOrphan);
      const twoMinutesAgo = new Date(Date.now() - 120_000);
      fs.utimesSync(oldOrphan, twoMinutesAgo, twoMinutesAgo);
      const unrelated = path.join(root, "keep-me");
      fs.mkdirSync(unrelated);
      fs.utimesSync(unrelated, twoMinutesAgo, twoMinutesAgo);

      const removed = await sweepStaleSandboxes(root);
      expect(removed.sort()).toEqual([path.dirname(deadOwner.hostPath), path.dirname(reusedPid.hostPath), oldOrphan].sort());
      for (const kept of [liveOwner, otherHost, mine]) expect(fs.existsSync(kept.hostPath)).toBe(true);
      expect(fs.existsSync(freshOrphan)).toBe(true);
      expect(fs.existsSync(unrelated)).toBe(true);
      expect(fs.existsSync(deadOwner.hostPath)).toBe(false);
    } finally {
      sleeper.kill("SIGKILL");
    }
  });
});
