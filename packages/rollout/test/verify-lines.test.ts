import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { changedLines, patchSize, patchStatistics } from "../src/verify/index.js";

const texts = (patch: string, mode?: "header-aware" | "legacy") => changedLines(patch, { mode }).lines.map((l) => l.text);

const simplePatch = [
  "diff --git a/pkg/core.py b/pkg/core.py",
  "index 3b18e51..a9c1d02 100644",
  "--- a/pkg/core.py",
  "+++ b/pkg/core.py",
  "@@ -10,4 +10,4 @@ def load(path):",
  "     data = read(path)",
  "-    return data",
  "+    return data.strip()",
  "     # end",
  " ",
  "",
].join("\n");

describe("changedLines: header rules", () => {
  it("drops diff, index, ---/+++ and @@ headers and keeps only +/- content with its sign", () => {
    expect(texts(simplePatch)).toEqual(["-    return data", "+    return data.strip()"]);
    expect(texts(simplePatch, "legacy")).toEqual(["-    return data", "+    return data.strip()"]);
  });

  it("attributes lines to the new-side path and counts added and removed lines", () => {
    const result = changedLines(simplePatch);
    expect(result.lines.map((l) => l.file)).toEqual(["pkg/core.py", "pkg/core.py"]);
    expect(result.files).toEqual([{ path: "pkg/core.py", isNew: false, isDeleted: false }]);
    expect(result.added).toBe(1);
    expect(result.removed).toBe(1);
  });

  it("ignores context, mode lines, rename lines, '\\ No newline' notes and binary notices", () => {
    const patch = [
      "diff --git a/old.py b/new.py",
      "old mode 100644",
      "new mode 100755",
      "similarity index 90%",
      "rename from old.py",
      "rename to new.py",
      "index 1111111..2222222",
      "--- a/old.py",
      "+++ b/new.py",
      "@@ -1,2 +1,2 @@",
      " keep",
      "-x = 1",
      "\\ No newline at end of file",
      "+x = 2",
      "\\ No newline at end of file",
      "diff --git a/logo.png b/logo.png",
      "index 3333333..4444444 100644",
      "Binary files a/logo.png and b/logo.png differ",
    ].join("\n");
    for (const mode of ["header-aware", "legacy"] as const) {
      const result = changedLines(patch, { mode });
      expect(result.lines.map((l) => [l.text, l.file])).toEqual([
        ["-x = 1", "new.py"],
        ["+x = 2", "new.py"],
      ]);
    }
  });

  it("defaults omitted hunk counts to 1 (`@@ -3 +3 @@`)", () => {
    const patch = ["--- a/f.txt", "+++ b/f.txt", "@@ -3 +3 @@", "---old", "+++new", ""].join("\n");
    expect(texts(patch)).toEqual(["---old", "+++new"]);
  });

  it("consumes exactly the declared counts, so a later `---`/`+++` pair is a header again", () => {
    const patch = [
      "--- a/one.sql",
      "+++ b/one.sql",
      "@@ -1,2 +1,1 @@",
      "--- drop me",
      " select 1;",
      "--- a/two.c",
      "+++ b/two.c",
      "@@ -5,0 +6,1 @@",
      "+++i;",
    ].join("\n");
    const result = changedLines(patch);
    expect(result.lines.map((l) => [l.text, l.file])).toEqual([
      ["--- drop me", "one.sql"],
      ["+++i;", "two.c"],
    ]);
    expect(result.files.map((f) => f.path)).toEqual(["one.sql", "two.c"]);
  });

  it("treats a hunk header without the optional section heading and with zero counts correctly", () => {
    const patch = ["--- a/x", "+++ b/x", "@@ -0,0 +1,2 @@", "+a", "+b", "-not in any hunk", ""].join("\n");
    expect(texts(patch)).toEqual(["+a", "+b"]);
  });

  it("recovers when a hunk declares more lines than it holds", () => {
    const patch = ["--- a/x", "+++ b/x", "@@ -1,9 +1,9 @@", "-a", "+b", "diff --git a/y b/y", "--- a/y", "+++ b/y", "@@ -1 +1 @@", "-c", "+d"].join("\n");
    expect(changedLines(patch).lines.map((l) => [l.text, l.file])).toEqual([
      ["-a", "x"],
      ["+b", "x"],
      ["-c", "y"],
      ["+d", "y"],
    ]);
  });
});

describe("changedLines: the ---/+++ content quirk", () => {
  const patch = [
    "diff --git a/q.sql b/q.sql",
    "--- a/q.sql",
    "+++ b/q.sql",
    "@@ -1,3 +1,3 @@",
    "--- legacy comment",
    "+-- new comment",
    " select 1;",
    "-x",
    "+++counter;",
    "",
  ].join("\n");

  it("header-aware mode counts removed `---…` and added `+++…` content lines", () => {
    expect(texts(patch)).toEqual(["--- legacy comment", "+-- new comment", "-x", "+++counter;"]);
  });

  it("legacy mode drops them exactly like the reference prefix filter", () => {
    expect(texts(patch, "legacy")).toEqual(["+-- new comment", "-x"]);
  });

  it("legacy mode keeps file attribution after a dropped `---` content line", () => {
    expect(changedLines(patch, { mode: "legacy" }).lines.every((l) => l.file === "q.sql")).toBe(true);
  });

  it("agrees with real `git diff` output", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-verify-"));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir, encoding: "utf8" });
    try {
      git("init", "-q");
      fs.writeFileSync(path.join(dir, "schema.sql"), "-- old note\nselect 1;\n\nselect 2;\n");
      fs.writeFileSync(path.join(dir, "loop.c"), "int main() {\n  i = 0;\n}\n");
      git("add", "-A");
      git("commit", "-q", "-m", "base");
      fs.writeFileSync(path.join(dir, "schema.sql"), "select 1;\n    \nselect 2;\n");
      fs.writeFileSync(path.join(dir, "loop.c"), "int main() {\n  i = 0;\n++i;\n}\n");
      fs.writeFileSync(path.join(dir, "repro.py"), "print('hi')\n");
      git("add", "-A");
      const diff = git("diff", "--cached");

      const aware = changedLines(diff);
      expect(aware.lines.map((l) => [l.text, l.file])).toEqual([
        ["+++i;", "loop.c"],
        ["+print('hi')", "repro.py"],
        ["--- old note", "schema.sql"],
      ]);
      expect(aware.files.find((f) => f.path === "repro.py")?.isNew).toBe(true);
      expect(changedLines(diff, { excludeUntracked: true }).lines.map((l) => l.file)).toEqual(["loop.c", "schema.sql"]);
      expect(texts(diff, "legacy")).toEqual(["+print('hi')"]);
      // The blank "" → "    " edit is a change for the size filter but not a countable recall line.
      expect(patchSize(diff)).toBe(5);
      expect(patchSize(diff, { mode: "legacy" })).toBe(3);
      // The table columns count what git itself counts.
      const numstat = git("diff", "--cached", "--numstat")
        .trim()
        .split("\n")
        .map((row) => row.split("\t").map(Number));
      expect(patchStatistics(diff)).toEqual({
        filesChanged: numstat.length,
        linesAdded: numstat.reduce((sum, [added]) => sum + added, 0),
        linesRemoved: numstat.reduce((sum, [, removed]) => sum + removed, 0),
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("changedLines: content rules", () => {
  it("drops changed lines whose content is blank after trimming, in both modes", () => {
    const patch = ["--- a/f", "+++ b/f", "@@ -1,3 +1,3 @@", "-", "+   ", "-\t", "+ value", "+  "].join("\n");
    for (const mode of ["header-aware", "legacy"] as const) expect(texts(patch, mode)).toEqual(["+ value"]);
  });

  it("keeps leading and trailing whitespace exactly", () => {
    const patch = ["--- a/f", "+++ b/f", "@@ -1 +1 @@", "-\tif x:  ", "+    if x:"].join("\n");
    expect(texts(patch)).toEqual(["-\tif x:  ", "+    if x:"]);
  });

  it("marks files created (`new file mode` or `--- /dev/null`) and deleted", () => {
    const patch = [
      "diff --git a/scratch.py b/scratch.py",
      "new file mode 100644",
      "index 0000000..1111111",
      "--- /dev/null",
      "+++ b/scratch.py",
      "@@ -0,0 +1 @@",
      "+print(1)",
      "diff --git a/gone.py b/gone.py",
      "deleted file mode 100644",
      "--- a/gone.py",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-print(2)",
      "--- /dev/null",
      "+++ b/plain.txt",
      "@@ -0,0 +1 @@",
      "+hello",
    ].join("\n");
    expect(changedLines(patch).files).toEqual([
      { path: "scratch.py", isNew: true, isDeleted: false },
      { path: "gone.py", isNew: false, isDeleted: true },
      { path: "plain.txt", isNew: true, isDeleted: false },
    ]);
    expect(changedLines(patch, { excludeUntracked: true }).lines.map((l) => l.text)).toEqual(["-print(2)"]);
  });

  it("decodes git's quoted paths", () => {
    const patch = [
      'diff --git "a/caf\\303\\251 x.py" "b/caf\\303\\251 x.py"',
      '--- "a/caf\\303\\251 x.py"',
      '+++ "b/caf\\303\\251 x.py"',
      "@@ -1 +1 @@",
      "-a",
      "+b",
    ].join("\n");
    expect(changedLines(patch).files.map((f) => f.path)).toEqual(["café x.py"]);
  });

  it("returns nothing for an empty patch", () => {
    expect(changedLines("")).toEqual({ lines: [], files: [], added: 0, removed: 0 });
    expect(patchSize("")).toBe(0);
  });
});
