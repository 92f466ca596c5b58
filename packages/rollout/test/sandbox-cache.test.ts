import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, createSyntheticRepo, defaultCacheRoot, defaultSandboxRoot, prepareSource } from "../src/sandbox/index.js";
import { MARKER_FILE } from "../src/sandbox/cache-entry.js";
import { ensurePrivateDir } from "../src/sandbox/private-dir.js";
import { mirrorFingerprint, repoCacheKey, treeFingerprint } from "../src/sandbox/source.js";

// Real git, real files, real ownership: entries "planted by another user" are files chowned to
// nobody (65534), which needs root as in CI.
const NOBODY = "65534:65534";
const myUid = process.getuid?.() ?? -1;

let workDir: string;
let repoPath: string;
let headCommit: string;

function gitIn(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", ...args], { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

function chownToNobody(target: string): void {
  const result = spawnSync("chown", ["-R", "--no-dereference", NOBODY, target], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`chown: ${result.stderr}`);
}

let caches = 0;
function freshCache(): string {
  caches += 1;
  return ensurePrivateDir(path.join(workDir, `cache-${caches}`), "cache");
}

/** A file a hostile command would create; its existence after the test means the command ran. */
function tripwire(name: string): string {
  return path.join(workDir, `ran-${name}`);
}

function writeForgedMarker(entryDir: string, kind: "mirror" | "tree", digest: string): void {
  const marker = { kind, version: 1, digest, builtAt: new Date(0).toISOString() };
  fs.writeFileSync(path.join(entryDir, MARKER_FILE), JSON.stringify(marker));
}

/** A clone of the repository whose config defines filter driver x for every file, as .gitattributes asks. */
function plantFilteredCheckout(dir: string, ran: string): void {
  // --no-hardlinks: chowning the plant must not chown the repository's own object files.
  gitIn(workDir, "clone", "-q", "--no-hardlinks", repoPath, dir);
  gitIn(dir, "config", "filter.x.clean", `touch ${ran}; cat`);
  gitIn(dir, "config", "filter.x.smudge", `touch ${ran}; cat`);
  fs.writeFileSync(path.join(dir, ".gitattributes"), "* filter=x\n");
  fs.mkdirSync(path.join(dir, ".git", "info"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".git", "info", "attributes"), "* filter=x\n");
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-sandbox-cache-"));
  repoPath = fs.realpathSync(await createSyntheticRepo(6, workDir));
  headCommit = gitIn(repoPath, "rev-parse", "HEAD").trim();
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe("private cache and sandbox directories", () => {
  it("are made with mode 0700 and refused when group/world-accessible, someone else's, a symlink or a file", async () => {
    const made = ensurePrivateDir(path.join(workDir, "private", "nested"), "cache");
    expect(fs.statSync(made).mode & 0o777).toBe(0o700);

    const open = path.join(workDir, "open-cache");
    fs.mkdirSync(open, { mode: 0o700 });
    fs.chmodSync(open, 0o755);
    await expect(prepareSource(repoPath, "HEAD", open)).rejects.toThrow(`cache directory ${open} has mode 755, so others can reach it`);

    const foreign = path.join(workDir, "foreign-sandboxes");
    fs.mkdirSync(foreign, { mode: 0o700 });
    chownToNobody(foreign);
    const source = await prepareSource(repoPath, "HEAD", freshCache());
    await expect(createSandbox({ source, root: foreign, isolation: "none" })).rejects.toThrow(
      `sandbox directory ${foreign} is owned by uid 65534, not by you (uid ${myUid})`,
    );

    const link = path.join(workDir, "linked-cache");
    fs.symlinkSync(made, link);
    await expect(prepareSource(repoPath, "HEAD", link)).rejects.toThrow(`cache directory ${link} is a symbolic link`);

    const file = path.join(workDir, "file-cache");
    fs.writeFileSync(file, "");
    await expect(prepareSource(repoPath, "HEAD", file)).rejects.toThrow(`cache directory ${file} is not a directory`);

    // Mirrors and trees below the root are checked too.
    const cache = freshCache();
    fs.mkdirSync(path.join(cache, "mirrors"), { mode: 0o777 });
    fs.chmodSync(path.join(cache, "mirrors"), 0o777);
    await expect(prepareSource(repoPath, "HEAD", cache)).rejects.toThrow(`has mode 777`);
  });

  it("a repository owned by another user is refused with one line, since git's exception list is not read", async () => {
    const theirs = path.join(workDir, "their-repo");
    expect(spawnSync("cp", ["-a", repoPath, theirs]).status).toBe(0);
    chownToNobody(theirs);
    await expect(prepareSource(theirs, "HEAD", freshCache())).rejects.toThrow(
      `${theirs} is owned by uid 65534, not by you (uid ${myUid}); sera does not run git in other users' repositories`,
    );
  });

  it("say which directory cannot be created", () => {
    const blocker = path.join(workDir, "blocker");
    fs.writeFileSync(blocker, "");
    expect(() => ensurePrivateDir(path.join(blocker, "cache"), "cache")).toThrow(`cannot create cache directory ${blocker}/cache (`);
  });

  it("default to per-user locations, never a fixed name in a shared directory", () => {
    expect(defaultCacheRoot({ HOME: "/home/ada" })).toBe("/home/ada/.cache/sera");
    expect(defaultCacheRoot({ HOME: "/home/ada", XDG_CACHE_HOME: "/xdg" })).toBe("/xdg/sera");
    expect(defaultCacheRoot({ HOME: "/home/ada", XDG_CACHE_HOME: "relative" })).toBe("/home/ada/.cache/sera");
    expect(defaultCacheRoot({ HOME: "/home/ada", SERA_CACHE_DIR: "/data/sera-cache" })).toBe("/data/sera-cache");
    expect(defaultSandboxRoot({ SERA_SANDBOX_DIR: "/fast/sbx" })).toBe("/fast/sbx");
    if (fs.existsSync("/dev/shm")) expect(defaultSandboxRoot({})).toBe(`/dev/shm/sera-${myUid}`);
  });
});

describe("cache entries", () => {
  it("a checked-out tree planted by another user is rebuilt, and the filter it names never runs", async () => {
    const cache = freshCache();
    const ran = tripwire("planted-tree");
    const entryDir = path.join(ensurePrivateDir(path.join(cache, "trees"), "cache"), `${repoCacheKey(repoPath)}-${headCommit}`);
    // Planted both as the entry itself (where sera looked before entries had markers) and as its
    // content, with a marker whose digest matches: only ownership gives it away.
    plantFilteredCheckout(entryDir, ran);
    plantFilteredCheckout(path.join(entryDir, "tree"), ran);
    writeForgedMarker(entryDir, "tree", treeFingerprint(path.join(entryDir, "tree")).digest);
    chownToNobody(entryDir);

    const source = await prepareSource(repoPath, "HEAD", cache);
    const sandbox = await createSandbox({ source, root: path.join(workDir, "sbx-planted-tree"), isolation: "none" });
    try {
      fs.appendFileSync(path.join(sandbox.hostPath, "pkg0", "module1.py"), "# edited\n");
      const patch = await sandbox.diff();
      expect(patch).toContain("+# edited");
      expect(fs.existsSync(ran)).toBe(false);
      expect(fs.existsSync(path.join(sandbox.hostPath, ".gitattributes"))).toBe(false);
      expect(fs.statSync(entryDir).uid).toBe(myUid);
      expect(fs.readFileSync(path.join(entryDir, "tree", ".git", "config"), "utf8")).not.toContain("filter");
    } finally {
      await sandbox.destroy();
    }
  });

  it("a mirror planted by another user is rebuilt, and its hooks never run", async () => {
    const cache = freshCache();
    const ran = tripwire("planted-mirror");
    const mirrorsDir = ensurePrivateDir(path.join(cache, "mirrors"), "cache");
    const key = repoCacheKey(repoPath);
    // An empty bare repository lacks the commit, so a reused one would be fetched into,
    // and fetch runs the reference-transaction hook.
    for (const planted of [path.join(mirrorsDir, `${key}.git`), path.join(mirrorsDir, key, "repo.git")]) {
      gitIn(workDir, "init", "-q", "--bare", planted);
      fs.mkdirSync(path.join(planted, "hooks"), { recursive: true });
      fs.writeFileSync(path.join(planted, "hooks", "reference-transaction"), `#!/bin/sh\ntouch ${ran}\n`, { mode: 0o755 });
      gitIn(planted, "config", "core.hooksPath", path.join(planted, "hooks"));
    }
    writeForgedMarker(path.join(mirrorsDir, key), "mirror", mirrorFingerprint(path.join(mirrorsDir, key, "repo.git")).digest);
    chownToNobody(path.join(mirrorsDir, `${key}.git`));
    chownToNobody(path.join(mirrorsDir, key));

    const source = await prepareSource(repoPath, "HEAD", cache);
    expect(source.mirrorPath).toBe(path.join(mirrorsDir, key, "repo.git"));
    expect(fs.statSync(source.mirrorPath).uid).toBe(myUid);
    expect(fs.existsSync(path.join(source.mirrorPath, "hooks"))).toBe(false);
    expect(gitIn(source.mirrorPath, "cat-file", "-t", headCommit).trim()).toBe("commit");
    expect(fs.existsSync(ran)).toBe(false);
  });

  it("an entry sera built is reused as long as it is unchanged and rebuilt once it changed", async () => {
    const original = freshCache();
    const source = await prepareSource(repoPath, "HEAD", original);
    await (await createSandbox({ source, root: path.join(workDir, "sbx-reuse"), isolation: "none" })).destroy();
    const treeEntry = (cache: string) => path.join(cache, "trees", `${repoCacheKey(repoPath)}-${headCommit}`);
    const builtAt = (entryDir: string) => (JSON.parse(fs.readFileSync(path.join(entryDir, MARKER_FILE), "utf8")) as { builtAt: string }).builtAt;

    // Copies keep modes, owners and timestamps, so a copied cache is the same content.
    const copy = (name: string) => {
      const target = path.join(workDir, name);
      expect(spawnSync("cp", ["-a", original, target]).status).toBe(0);
      return target;
    };
    const unchanged = copy("cache-unchanged");
    const unchangedSource = await prepareSource(repoPath, "HEAD", unchanged);
    await (await createSandbox({ source: unchangedSource, root: path.join(workDir, "sbx-reuse"), isolation: "none" })).destroy();
    expect(builtAt(treeEntry(unchanged))).toBe(builtAt(treeEntry(original)));
    expect(builtAt(path.dirname(unchangedSource.mirrorPath))).toBe(builtAt(path.dirname(source.mirrorPath)));

    const ran = tripwire("changed-tree");
    const changed = copy("cache-changed");
    fs.appendFileSync(path.join(treeEntry(changed), "tree", ".git", "config"), `[filter "x"]\n\tclean = touch ${ran}; cat\n`);
    const changedSource = await prepareSource(repoPath, "HEAD", changed);
    const sandbox = await createSandbox({ source: changedSource, root: path.join(workDir, "sbx-reuse"), isolation: "none" });
    try {
      expect(builtAt(treeEntry(changed))).not.toBe(builtAt(treeEntry(original)));
      fs.writeFileSync(path.join(sandbox.hostPath, ".gitattributes"), "* filter=x\n");
      fs.appendFileSync(path.join(sandbox.hostPath, "pkg0", "module2.py"), "# edited\n");
      expect(await sandbox.diff()).toContain("+# edited");
      expect(fs.existsSync(ran)).toBe(false);
    } finally {
      await sandbox.destroy();
    }
  });
});

describe("cache upkeep", () => {
  it("keeps a mirror across fetches of new commits, and clears what killed builders left behind", async () => {
    const cache = freshCache();
    const growing = fs.realpathSync(await createSyntheticRepo(2, workDir));
    const first = await prepareSource(growing, "HEAD", cache);
    const marker = path.join(path.dirname(first.mirrorPath), MARKER_FILE);
    const builtBefore = fs.readFileSync(marker, "utf8");
    fs.writeFileSync(path.join(growing, "later.txt"), "later\n");
    gitIn(growing, "add", "-A");
    gitIn(growing, "commit", "-qm", "later");
    const fetched = await prepareSource(growing, "HEAD", cache);
    const again = await prepareSource(growing, "HEAD", cache);
    expect(again.commit).toBe(fetched.commit);
    expect(fetched.commit).not.toBe(first.commit);
    expect(fs.readFileSync(marker, "utf8")).toBe(builtBefore);

    // A pid that has exited: its half-built and half-deleted entries are garbage.
    const exited = spawnSync("true").pid as number;
    const trees = ensurePrivateDir(path.join(cache, "trees"), "cache");
    const leftovers = [`${repoCacheKey(growing)}-abc.staging-${exited}-0a0b0c0d`, `${repoCacheKey(growing)}-abc.rejected-${exited}-0a0b0c0d`];
    const mine = `${repoCacheKey(growing)}-abc.staging-${process.pid}-0a0b0c0d`;
    for (const name of [...leftovers, mine]) fs.mkdirSync(path.join(trees, name), { recursive: true });
    await (await createSandbox({ source: again, root: path.join(workDir, "sbx-upkeep"), isolation: "none" })).destroy();
    expect(fs.readdirSync(trees).filter((name) => name.includes(".staging-") || name.includes(".rejected-"))).toEqual([mine]);
  });
});

describe("git without repository-controlled commands", () => {
  it("runs no filter, textconv, fsmonitor or hook named by the repository or the user's git config, from mirror to diff", async () => {
    const ran = tripwire("repo-config");
    const hostile = fs.realpathSync(await createSyntheticRepo(3, workDir));
    fs.writeFileSync(path.join(hostile, ".gitattributes"), "* filter=x diff=x\n");
    gitIn(hostile, "add", "-A");
    gitIn(hostile, "commit", "-qm", "attributes");
    const script = path.join(workDir, "hostile-command");
    fs.writeFileSync(script, `#!/bin/sh\ntouch ${ran}\ncat\n`, { mode: 0o755 });
    const hooks = path.join(workDir, "hostile-hooks");
    fs.mkdirSync(hooks);
    for (const hook of ["post-checkout", "reference-transaction", "pre-commit", "post-index-change", "fsmonitor"]) {
      fs.writeFileSync(path.join(hooks, hook), `#!/bin/sh\ntouch ${ran}\n`, { mode: 0o755 });
    }
    const settings = [
      `[filter "x"]\n\tclean = ${script}\n\tsmudge = ${script}\n\trequired = true`,
      `[diff "x"]\n\ttextconv = ${script}`,
      `[core]\n\thooksPath = ${hooks}\n\tfsmonitor = ${path.join(hooks, "fsmonitor")}\n\tattributesFile = ${path.join(workDir, "global-attributes")}`,
    ].join("\n");
    fs.writeFileSync(path.join(workDir, "global-attributes"), "* filter=x\n");
    fs.appendFileSync(path.join(hostile, ".git", "config"), `${settings}\n`);
    const home = path.join(workDir, "hostile-home");
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, ".gitconfig"), `${settings}\n`);

    const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
    process.env.HOME = home;
    process.env.XDG_CONFIG_HOME = path.join(home, ".config");
    try {
      const source = await prepareSource(hostile, "HEAD", freshCache());
      for (const isolation of ["none", "bwrap"] as const) {
        const sandbox = await createSandbox({ source, root: path.join(workDir, "sbx-hostile"), isolation });
        try {
          await sandbox.exec(`echo "# edited" >> ${sandbox.workdir}/pkg0/module0.py && git status --short >/dev/null`);
          const patch = await sandbox.diff();
          expect(patch).toContain("+# edited");
        } finally {
          await sandbox.destroy();
        }
      }
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    expect(fs.existsSync(ran)).toBe(false);
  });

  it.each(["none", "bwrap"] as const)("diff() runs no filter driver the agent wrote into its copy (%s)", async (isolation) => {
    const source = await prepareSource(repoPath, "HEAD", freshCache());
    const sandbox = await createSandbox({ source, root: path.join(workDir, `sbx-agent-${isolation}`), isolation });
    try {
      const setup = [
        "git config filter.y.clean 'touch /testbed/.filter-ran-y; cat'",
        "git config filter.y.required true",
        "mkdir -p .git/info && printf '* filter=y\\n' > .git/info/attributes",
        "git config --file .git/extra.cfg filter.z.process 'touch /testbed/.filter-ran-z'",
        "git config include.path extra.cfg",
        "printf '*.py filter=z\\n' > .gitattributes",
        "echo '# edited' >> pkg0/module3.py",
      ].join(" && ");
      const outcome = await sandbox.exec(`cd ${sandbox.workdir} && ${setup}`);
      expect(outcome.exitCode, outcome.output).toBe(0);
      const patch = await sandbox.diff();
      expect(patch).toContain("+# edited");
      expect(fs.readdirSync(sandbox.hostPath).filter((name) => name.startsWith(".filter-ran"))).toEqual([]);
    } finally {
      await sandbox.destroy();
    }
  });
});
