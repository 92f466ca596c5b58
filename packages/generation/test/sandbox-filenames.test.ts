import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listBlobs } from "../src/inventory/git-objects.js";
import { createSandbox, createSyntheticRepo, prepareSource, type PreparedSource } from "@sera/rollout";
import { copyTree, treeManifest } from "@sera/rollout";

// File names are bytes: 0xff 0xfe is not UTF-8, and a JS string cannot hold it.
const ODD = Buffer.from([0xff, 0xfe]);
const ODD_FILE = Buffer.concat([ODD, Buffer.from(".txt")]);
const ODD_DIR = Buffer.concat([Buffer.from("dir-"), ODD]);
/** How git writes that name in a patch with core.quotepath on. */
const ODD_QUOTED = '"a/\\377\\376.txt" "b/\\377\\376.txt"';
/** A sparse binary file: large on paper, cheap on disk until copied. */
const BIG_BYTES = 64 * 1024 * 1024;

let workDir: string;
let repoPath: string;
let source: PreparedSource;

function gitIn(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.invalid", ...args], { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

function bytesPath(...parts: Array<string | Buffer>): Buffer {
  return Buffer.concat(parts.flatMap((part, index) => (index === 0 ? [Buffer.from(part)] : [Buffer.from("/"), Buffer.from(part)])));
}

function makeSparse(file: string, bytes: number): void {
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, Buffer.from([0, 1, 2, 0xff, 0]));
  fs.ftruncateSync(fd, bytes);
  fs.closeSync(fd);
}

/** A FIFO and a Unix socket, the special files a working tree can hold. */
function makeSpecialFiles(dir: string): void {
  expect(spawnSync("mkfifo", [path.join(dir, "pipe")]).status).toBe(0);
  const bound = spawnSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path.join(dir, "sock")]);
  expect(bound.status).toBe(0);
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-sandbox-filenames-"));
  repoPath = fs.realpathSync(await createSyntheticRepo(4, workDir));
  fs.writeFileSync(bytesPath(repoPath, ODD_FILE), "one\ntwo\n");
  fs.mkdirSync(bytesPath(repoPath, ODD_DIR));
  fs.writeFileSync(bytesPath(repoPath, ODD_DIR, "inside.py"), "def inside():\n    return 1\n");
  makeSparse(path.join(repoPath, "big.bin"), BIG_BYTES);
  gitIn(repoPath, "add", "-A");
  gitIn(repoPath, "commit", "-qm", "odd names and a big binary");
  // Untracked special files in the repository's working tree: git does not track them, and
  // nothing sera does with the repository may open them (a FIFO blocks its reader).
  makeSpecialFiles(repoPath);
  source = await prepareSource(repoPath, "HEAD", path.join(workDir, "cache"));
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe("tree copies treat names as bytes", () => {
  it("copies non-UTF-8 names, symlinks and a sparse file exactly, and lists FIFOs and sockets without opening them", async () => {
    const tree = path.join(workDir, "loose-tree");
    fs.mkdirSync(tree);
    fs.writeFileSync(bytesPath(tree, ODD_FILE), "odd\n");
    fs.mkdirSync(bytesPath(tree, ODD_DIR), { mode: 0o750 });
    fs.writeFileSync(bytesPath(tree, ODD_DIR, ODD_FILE), "deeper\n");
    fs.symlinkSync(ODD_FILE, bytesPath(tree, Buffer.concat([Buffer.from("link-"), ODD])));
    makeSparse(path.join(tree, "big.bin"), BIG_BYTES);
    makeSpecialFiles(tree);

    const manifest = treeManifest(tree);
    expect(manifest.special.map((name) => name.toString()).sort()).toEqual(["pipe", "sock"]);
    expect(manifest.files.some((name) => name.equals(ODD_FILE))).toBe(true);

    const copy = path.join(workDir, "loose-copy");
    await copyTree(manifest, tree, copy);
    expect(fs.readFileSync(bytesPath(copy, ODD_FILE), "utf8")).toBe("odd\n");
    expect(fs.readFileSync(bytesPath(copy, ODD_DIR, ODD_FILE), "utf8")).toBe("deeper\n");
    expect(fs.statSync(bytesPath(copy, ODD_DIR)).mode & 0o777).toBe(0o750);
    expect(fs.readlinkSync(bytesPath(copy, Buffer.concat([Buffer.from("link-"), ODD])), { encoding: "buffer" }).equals(ODD_FILE)).toBe(true);
    expect(fs.statSync(path.join(copy, "big.bin")).size).toBe(BIG_BYTES);
    expect(fs.existsSync(path.join(copy, "pipe"))).toBe(false);
    expect(fs.existsSync(path.join(copy, "sock"))).toBe(false);
  });
});

describe("tree copies from memory and from disk", () => {
  it("give every file its content, mode, mtime and owner, whether it was small enough to be kept in memory or not", async () => {
    const tree = path.join(workDir, "modes-tree");
    fs.mkdirSync(tree);
    const files: Array<{ name: string; bytes: number; mode: number }> = [
      { name: "run.sh", bytes: 40, mode: 0o755 },
      { name: "secret.txt", bytes: 10, mode: 0o600 },
      { name: "empty", bytes: 0, mode: 0o644 },
      { name: "shared.txt", bytes: 5, mode: 0o664 }, // a mode the umask would cut
      { name: "large.bin", bytes: 100 * 1024, mode: 0o640 }, // past the in-memory size: copied from disk
    ];
    for (const [index, file] of files.entries()) {
      const target = path.join(tree, file.name);
      fs.writeFileSync(target, Buffer.alloc(file.bytes, index + 1));
      fs.chmodSync(target, file.mode);
      fs.utimesSync(target, 1_700_000_000 + index, 1_700_000_000 + index);
    }
    const manifest = treeManifest(tree);
    const owner = process.getuid?.() === 0 ? { uid: 4242, gid: 4343 } : undefined;
    // The first copy reads the small files into memory; the second writes them from there.
    for (const copy of ["modes-copy-1", "modes-copy-2"].map((name) => path.join(workDir, name))) {
      await copyTree(manifest, tree, copy, { owner });
      for (const file of files) {
        const copied = fs.statSync(path.join(copy, file.name));
        expect(fs.readFileSync(path.join(copy, file.name)).equals(fs.readFileSync(path.join(tree, file.name))), file.name).toBe(true);
        expect(copied.mode & 0o7777, file.name).toBe(file.mode);
        expect(copied.mtimeMs, file.name).toBe(fs.statSync(path.join(tree, file.name)).mtimeMs);
        if (owner) expect([copied.uid, copied.gid], file.name).toEqual([owner.uid, owner.gid]);
      }
    }
  });
});

describe("tree copies never write through a name that is already there", () => {
  it.each([
    ["small.txt", 10],
    ["large.bin", 100 * 1024],
  ])("refuses a link planted at %s (%s bytes), and the file it points to is unchanged", async (name, bytes) => {
    const tree = path.join(workDir, `planted-tree-${name}`);
    fs.mkdirSync(tree);
    fs.writeFileSync(path.join(tree, name), Buffer.alloc(bytes, 7));
    const outside = path.join(workDir, `outside-${name}`);
    fs.writeFileSync(outside, "host file\n");
    const copy = path.join(workDir, `planted-copy-${name}`);
    fs.mkdirSync(copy);
    fs.symlinkSync(outside, path.join(copy, name));
    const manifest = treeManifest(tree);
    // Twice: the first copy reads small files from disk, the second writes them from memory.
    for (let round = 0; round < 2; round++) await expect(copyTree(manifest, tree, copy, { destinationExists: true })).rejects.toThrow(/EEXIST/);
    expect(fs.readFileSync(outside, "utf8")).toBe("host file\n");
  });
});

describe("a repository with non-UTF-8 names, special files and a huge binary file", () => {
  it.each(["bwrap", "none"] as const)("makes sandboxes, takes edits and diffs them (%s)", async (isolation) => {
    const sandbox = await createSandbox({ source, root: path.join(workDir, `sbx-${isolation}`), isolation });
    try {
      expect(fs.readFileSync(bytesPath(sandbox.hostPath, ODD_FILE), "utf8")).toBe("one\ntwo\n");
      expect(fs.readFileSync(bytesPath(sandbox.hostPath, ODD_DIR, "inside.py"), "utf8")).toContain("def inside");
      expect(fs.statSync(path.join(sandbox.hostPath, "big.bin")).size).toBe(BIG_BYTES);

      const odd = "$(printf '\\377\\376')";
      const edits = [
        `cd ${sandbox.workdir}`,
        `printf 'three\\n' >> "${odd}.txt"`,
        `printf 'new\\n' > "new-${odd}.txt"`,
        "printf 'XY' | dd of=big.bin bs=1 seek=4096 conv=notrunc status=none",
        "mkfifo agent-pipe",
        `python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('agent-sock')"`,
        "echo '# edited' >> pkg0/module0.py",
      ].join(" && ");
      const edited = await sandbox.exec(edits);
      expect(edited.exitCode, edited.output).toBe(0);

      const patch = await sandbox.diff();
      expect(patch).toContain(`diff --git ${ODD_QUOTED}`);
      expect(patch).toContain("+three");
      expect(patch).toContain('diff --git "a/new-\\377\\376.txt" "b/new-\\377\\376.txt"');
      expect(patch).toContain("+# edited");
      // Binary files stay out of patches; FIFOs and sockets are not content git tracks.
      expect(patch).not.toContain("big.bin");
      expect(patch).not.toContain("agent-pipe");
      expect(patch).not.toContain("agent-sock");
      expect(patch).not.toContain("\ufffd");
    } finally {
      await sandbox.destroy();
    }
  });

  it("inventory leaves out files whose names are not UTF-8 instead of inventing a name", async () => {
    const blobs = await listBlobs(repoPath, "HEAD");
    const names = blobs.map((blob) => blob.path);
    expect(names).toContain("big.bin");
    expect(names).toContain("pkg0/module0.py");
    expect(names.some((name) => name.includes("\ufffd"))).toBe(false);
    expect(blobs.find((blob) => blob.path === "big.bin")?.size).toBe(BIG_BYTES);
  });
});
