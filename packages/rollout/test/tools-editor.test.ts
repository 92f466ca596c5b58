import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSandbox, createSyntheticRepo, prepareSource, type PreparedSource, type Sandbox } from "../src/sandbox/index.js";
import { createToolbox, type Toolbox, type ToolResult } from "../src/tools/index.js";

let workDir: string;
let source: PreparedSource;
let sandbox: Sandbox;
let toolbox: Toolbox;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-tools-editor-"));
  const repo = await createSyntheticRepo(6, workDir);
  source = await prepareSource(repo, "HEAD", path.join(workDir, "cache"));
});

beforeEach(async () => {
  if (sandbox) await sandbox.destroy();
  sandbox = await createSandbox({ source, root: path.join(workDir, "sbx"), isolation: "bwrap" });
  toolbox = createToolbox(sandbox, { editorMaxOutputChars: 2_000 });
});

afterAll(async () => {
  await sandbox.destroy();
  fs.rmSync(workDir, { recursive: true, force: true });
});

async function edit(args: Record<string, unknown>): Promise<string> {
  const result: ToolResult = await toolbox.run({ name: "str_replace_editor", arguments: args });
  if (result.kind !== "observation") throw new Error(`unexpected ${result.kind}`);
  return result.text;
}

function hostFile(relative: string): string {
  return path.join(sandbox.hostPath, relative);
}

function write(relative: string, content: string): void {
  fs.mkdirSync(path.dirname(hostFile(relative)), { recursive: true });
  fs.writeFileSync(hostFile(relative), content);
}

describe("str_replace_editor view", () => {
  it("numbers the lines of a file like cat -n", async () => {
    write("a.py", "first\nsecond\nthird\n");
    const text = await edit({ command: "view", path: "/testbed/a.py" });
    expect(text).toBe("/testbed/a.py, lines 1-3 of 3:\n     1\tfirst\n     2\tsecond\n     3\tthird");
  });

  it("shows a line range, with -1 meaning the end, and rejects bad ranges", async () => {
    write("b.py", "l1\nl2\nl3\nl4\nl5\n");
    expect(await edit({ command: "view", path: "/testbed/b.py", view_range: [2, 3] })).toBe("/testbed/b.py, lines 2-3 of 5:\n     2\tl2\n     3\tl3");
    expect(await edit({ command: "view", path: "/testbed/b.py", view_range: [4, -1] })).toContain("     4\tl4\n     5\tl5");
    expect(await edit({ command: "view", path: "/testbed/b.py", view_range: "[5, 5]" })).toContain("     5\tl5");
    expect(await edit({ command: "view", path: "/testbed/b.py", view_range: [0, 2] })).toMatch(/^Error: .*lines 1 to 5/);
    expect(await edit({ command: "view", path: "/testbed/b.py", view_range: [4, 2] })).toMatch(/^Error: .*ends before it starts/);
    expect(await edit({ command: "view", path: "/testbed/b.py", view_range: [9, 12] })).toMatch(/^Error:/);
    expect(await edit({ command: "view", path: "/testbed/b.py", view_range: [1] })).toMatch(/^Error: the arguments/);
  });

  it("lists a directory two levels deep without hidden entries", async () => {
    write("dir/top.txt", "");
    write("dir/sub/inner.txt", "");
    write("dir/sub/deeper/too-deep.txt", "");
    write("dir/.hidden/secret.txt", "");
    const text = await edit({ command: "view", path: "/testbed/dir" });
    expect(text.split("\n").slice(1)).toEqual(["/testbed/dir/sub/", "/testbed/dir/sub/deeper/", "/testbed/dir/sub/inner.txt", "/testbed/dir/top.txt"]);
  });

  it("shortens very long files in the middle and points to view_range", async () => {
    write("long.py", Array.from({ length: 2_000 }, (_, index) => `line number ${index + 1}`).join("\n"));
    const text = await edit({ command: "view", path: "/testbed/long.py" });
    expect(text).toMatch(/view_range/);
    expect(text).toMatch(/characters elided/);
    expect(text.endsWith("  2000\tline number 2000")).toBe(true);
    expect(text.length).toBeLessThan(2_100);
  });

  it("refuses relative paths, paths outside the copy, missing files and binary files", async () => {
    fs.writeFileSync(hostFile("blob.bin"), Buffer.from([1, 0, 2]));
    expect(await edit({ command: "view", path: "a.py" })).toMatch(/^Error: .*not an absolute path/);
    expect(await edit({ command: "view", path: "/etc/passwd" })).toMatch(/^Error: .*outside the repository/);
    expect(await edit({ command: "view", path: "/testbed/../etc/passwd" })).toMatch(/^Error:/);
    expect(await edit({ command: "view", path: "/testbed/nope.py" })).toMatch(/^Error: .*does not exist/);
    expect(await edit({ command: "view", path: "/testbed/blob.bin" })).toMatch(/^Error: .*binary/);
  });
});

describe("str_replace_editor create", () => {
  it("creates new files (and their directories) but never overwrites", async () => {
    expect(await edit({ command: "create", path: "/testbed/new/pkg/mod.py", file_text: "x = 1\ny = 2\n" })).toBe("Created /testbed/new/pkg/mod.py (2 lines).");
    expect(fs.readFileSync(hostFile("new/pkg/mod.py"), "utf8")).toBe("x = 1\ny = 2\n");
    expect(await edit({ command: "create", path: "/testbed/new/pkg/mod.py", file_text: "other" })).toMatch(/^Error: .*already exists/);
    expect(fs.readFileSync(hostFile("new/pkg/mod.py"), "utf8")).toBe("x = 1\ny = 2\n");
    expect(await edit({ command: "create", path: "/testbed/missing_text.py" })).toMatch(/^Error: .*file_text/);
  });
});

describe("str_replace_editor str_replace", () => {
  it("replaces a unique occurrence and echoes the region with line numbers", async () => {
    write("c.py", Array.from({ length: 12 }, (_, index) => `v${index + 1} = ${index + 1}`).join("\n") + "\n");
    const text = await edit({ command: "str_replace", path: "/testbed/c.py", old_str: "v6 = 6", new_str: "v6 = 60\nv6b = 61" });
    expect(fs.readFileSync(hostFile("c.py"), "utf8")).toContain("v5 = 5\nv6 = 60\nv6b = 61\nv7 = 7\n");
    const snippet = text.split("\n").filter((line) => /^\s+\d+\t/.test(line));
    expect(snippet[0]).toBe("     2\tv2 = 2");
    expect(snippet).toContain("     6\tv6 = 60");
    expect(snippet).toContain("     7\tv6b = 61");
    expect(snippet[snippet.length - 1]).toBe("    11\tv10 = 10");
  });

  it("reports a missing old_str and every line of an ambiguous one, leaving the file alone", async () => {
    write("d.py", "a = 1\nb = 2\na = 1\nc = 3\na = 1\n");
    const before = fs.readFileSync(hostFile("d.py"), "utf8");
    expect(await edit({ command: "str_replace", path: "/testbed/d.py", old_str: "zzz", new_str: "y" })).toMatch(
      /^Error: No change made: old_str does not appear verbatim/,
    );
    expect(await edit({ command: "str_replace", path: "/testbed/d.py", old_str: "a = 1", new_str: "y" })).toMatch(/appears 3 times .*lines 1, 3, 5/);
    expect(await edit({ command: "str_replace", path: "/testbed/d.py", old_str: "", new_str: "y" })).toMatch(/^Error: .*old_str/);
    expect(await edit({ command: "str_replace", path: "/testbed/nope.py", old_str: "a", new_str: "b" })).toMatch(/does not exist/);
    expect(fs.readFileSync(hostFile("d.py"), "utf8")).toBe(before);
  });

  it("deletes old_str when new_str is left out", async () => {
    write("e.py", "keep\ndrop me\nkeep too\n");
    await edit({ command: "str_replace", path: "/testbed/e.py", old_str: "drop me\n" });
    expect(fs.readFileSync(hostFile("e.py"), "utf8")).toBe("keep\nkeep too\n");
  });
});

describe("str_replace_editor insert", () => {
  it("inserts after the given line, at the top for 0, and at the end", async () => {
    write("f.py", "one\ntwo\n");
    await edit({ command: "insert", path: "/testbed/f.py", insert_line: 1, new_str: "one and a half" });
    expect(fs.readFileSync(hostFile("f.py"), "utf8")).toBe("one\none and a half\ntwo\n");
    await edit({ command: "insert", path: "/testbed/f.py", insert_line: 0, new_str: "zero\n" });
    expect(fs.readFileSync(hostFile("f.py"), "utf8")).toBe("zero\none\none and a half\ntwo\n");
    const text = await edit({ command: "insert", path: "/testbed/f.py", insert_line: "4", new_str: "three\nfour" });
    expect(fs.readFileSync(hostFile("f.py"), "utf8")).toBe("zero\none\none and a half\ntwo\nthree\nfour\n");
    expect(text).toContain("     5\tthree\n     6\tfour");
  });

  it("ends an unterminated last line before appending and rejects out-of-range lines", async () => {
    write("g.py", "alpha\nbeta");
    await edit({ command: "insert", path: "/testbed/g.py", insert_line: 2, new_str: "gamma" });
    expect(fs.readFileSync(hostFile("g.py"), "utf8")).toBe("alpha\nbeta\ngamma");
    expect(await edit({ command: "insert", path: "/testbed/g.py", insert_line: 9, new_str: "x" })).toMatch(/between 0 and 3/);
    expect(await edit({ command: "insert", path: "/testbed/g.py", insert_line: -1, new_str: "x" })).toMatch(/^Error/);
    expect(await edit({ command: "insert", path: "/testbed/g.py", new_str: "x" })).toMatch(/insert_line/);
    expect(await edit({ command: "insert", path: "/testbed/g.py", insert_line: 1 })).toMatch(/new_str/);
  });
});

describe("str_replace_editor undo_edit", () => {
  it("steps back through edits one at a time, including a creation", async () => {
    await edit({ command: "create", path: "/testbed/h.py", file_text: "v = 1\n" });
    await edit({ command: "str_replace", path: "/testbed/h.py", old_str: "v = 1", new_str: "v = 2" });
    await edit({ command: "insert", path: "/testbed/h.py", insert_line: 1, new_str: "w = 3" });
    expect(fs.readFileSync(hostFile("h.py"), "utf8")).toBe("v = 2\nw = 3\n");

    expect(await edit({ command: "undo_edit", path: "/testbed/h.py" })).toContain("     1\tv = 2");
    expect(fs.readFileSync(hostFile("h.py"), "utf8")).toBe("v = 2\n");
    await edit({ command: "undo_edit", path: "/testbed/h.py" });
    expect(fs.readFileSync(hostFile("h.py"), "utf8")).toBe("v = 1\n");
    expect(await edit({ command: "undo_edit", path: "/testbed/h.py" })).toMatch(/creation/);
    expect(fs.existsSync(hostFile("h.py"))).toBe(false);
    expect(await edit({ command: "undo_edit", path: "/testbed/h.py" })).toMatch(/^Error: There is no earlier edit/);
  });

  it("rejects unknown sub-commands with the list of valid ones", async () => {
    expect(await edit({ command: "delete", path: "/testbed/a.py" })).toMatch(/view.*create.*str_replace.*insert.*undo_edit/s);
  });
});
