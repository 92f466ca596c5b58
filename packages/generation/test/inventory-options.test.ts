import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inventory } from "../src/index.js";
import { commitAll, emptyRepo, git, removeCreatedRepos, writeFile } from "./fixtures/inventory/git-repo.js";

afterAll(removeCreatedRepos);

function pyFunction(name: string): string {
  return `def ${name}(value):\n    doubled = value * 2\n    return doubled\n`;
}

/** A repo with one Python function per folder level: pkg/a.py (depth 2) … pkg/x/y/z/d.py (depth 5). */
function layeredRepo(): { dir: string; sha: string } {
  const dir = emptyRepo();
  writeFile(dir, "top.py", pyFunction("top"));
  writeFile(dir, "pkg/a.py", pyFunction("a"));
  writeFile(dir, "pkg/x/b.py", pyFunction("b"));
  writeFile(dir, "pkg/x/y/c.py", pyFunction("c"));
  writeFile(dir, "pkg/x/y/z/d.py", pyFunction("d"));
  writeFile(dir, "README.md", "# layered\n");
  return { dir, sha: commitAll(dir, "layers") };
}

const names = (result: Awaited<ReturnType<typeof inventory>>) => result.functions.map((f) => `${f.file}:${f.qualifiedName}`);

describe("inventory options", () => {
  it("depth counts folders below the code folder, 1 = files directly in it, 0 = no limit", async () => {
    const { dir, sha } = layeredRepo();
    const byDefault = await inventory(dir, sha);
    expect(names(byDefault)).toEqual(["pkg/a.py:a", "pkg/x/b.py:b", "top.py:top"]);
    expect(byDefault.skipped.tooDeep).toBe(2);
    expect(byDefault.skipped.otherLanguage).toBe(1);

    expect(names(await inventory(dir, sha, { maxFolderDepth: 1 }))).toEqual(["top.py:top"]);
    expect(names(await inventory(dir, sha, { maxFolderDepth: 0 }))).toHaveLength(5);

    const inPackage = await inventory(dir, sha, { codeFolder: "pkg", maxFolderDepth: 2 });
    expect(names(inPackage)).toEqual(["pkg/a.py:a", "pkg/x/b.py:b"]);
    expect(inPackage.skipped.outsideCodeFolder).toBe(2);
    expect(inPackage.skipped.tooDeep).toBe(2);
    // "./pkg/" names the same folder.
    expect(names(await inventory(dir, sha, { codeFolder: "./pkg/", maxFolderDepth: 2 }))).toEqual(names(inPackage));
  });

  it("rejects a code folder that is missing at the commit or leaves the repository", async () => {
    const { dir, sha } = layeredRepo();
    await expect(inventory(dir, sha, { codeFolder: "src" })).rejects.toThrow(/code folder src does not exist/);
    await expect(inventory(dir, sha, { codeFolder: "../elsewhere" })).rejects.toThrow(/inside the repository/);
  });

  it("default skip globs leave out tests, vendored and generated code; custom globs replace them", async () => {
    const dir = emptyRepo();
    const skippedByDefault = [
      "tests/test_api.py",
      "pkg/test/fixtures.py",
      "pkg/test_models.py",
      "pkg/models_test.py",
      "conftest.py",
      "pkg/vendor/six.py",
      "third_party/lib.py",
      "pkg/proto/models_pb2.py",
      "pkg/generated/schema.py",
      "build/lib/pkg.py",
      "web/app.test.ts",
      "web/app.spec.ts",
      "web/app.test.js",
      "web/node_modules/left/index.js",
      "web/dist/bundle.js",
      "web/vendor.min.js",
      "cmd/main_test.go",
      "api/v1/api.pb.go",
    ];
    for (const file of skippedByDefault) {
      writeFile(
        dir,
        file,
        file.endsWith(".py") ? pyFunction("skipped") : file.endsWith(".go") ? "package x\n\nfunc Skipped() {\n}\n" : "function skipped() {\n  return 1;\n}\n",
      );
    }
    writeFile(dir, "pkg/testing_tools.py", pyFunction("kept"));
    writeFile(dir, "pkg/contest.py", pyFunction("kept_too"));
    const sha = commitAll(dir, "mixed tree");

    const byDefault = await inventory(dir, sha);
    expect(names(byDefault)).toEqual(["pkg/contest.py:kept_too", "pkg/testing_tools.py:kept"]);
    expect(byDefault.skipped.skipGlob).toBe(skippedByDefault.length);

    // Custom globs replace the defaults; SERA's `tests` substring rule still applies unless turned off.
    const customSkip = await inventory(dir, sha, { skipGlobs: ["**/testing_*.py"], maxFolderDepth: 0 });
    expect(names(customSkip)).not.toContain("tests/test_api.py:skipped");
    expect(names(customSkip)).toContain("pkg/test/fixtures.py:skipped");
    expect(names(customSkip)).not.toContain("pkg/testing_tools.py:kept");
    expect(customSkip.skipped.skipGlob).toBe(1);
    expect(customSkip.skipped.seraTestRule).toBe(1);
    const globsOnly = await inventory(dir, sha, { skipGlobs: ["**/testing_*.py"], maxFolderDepth: 0, seraTestRule: false });
    expect(names(globsOnly)).toContain("tests/test_api.py:skipped");
    expect(globsOnly.skipped.seraTestRule).toBe(0);
  });

  it("include globs keep only matching files, after skip globs have been applied", async () => {
    const dir = emptyRepo();
    writeFile(dir, "core/engine.py", pyFunction("engine"));
    writeFile(dir, "core/test_engine.py", pyFunction("test_engine"));
    writeFile(dir, "cli/main.py", pyFunction("main"));
    writeFile(dir, "web/app.ts", "export function app(): number {\n  return 1;\n}\n");
    const sha = commitAll(dir, "three parts");
    const result = await inventory(dir, sha, { includeGlobs: ["core/**", "web/*.{ts,js}"] });
    expect(names(result)).toEqual(["core/engine.py:engine", "web/app.ts:app"]);
    expect(result.skipped.notIncluded).toBe(1);
    expect(result.skipped.skipGlob).toBe(1);
  });

  it("languages limits the parsers used; other files count as otherLanguage", async () => {
    const dir = emptyRepo();
    writeFile(dir, "a.py", pyFunction("py_fn"));
    writeFile(dir, "b.go", "package b\n\nfunc GoFn() int {\n\treturn 1\n}\n");
    writeFile(dir, "types.d.ts", "export declare function declared(): void;\n");
    const sha = commitAll(dir, "two languages");
    const onlyGo = await inventory(dir, sha, { languages: ["go"] });
    expect(names(onlyGo)).toEqual(["b.go:GoFn"]);
    expect(onlyGo.counts.go).toBe(1);
    expect(onlyGo.counts.python).toBe(0);
    // a.py, and the declaration file which no language parses.
    expect(onlyGo.skipped.otherLanguage).toBe(2);
    await expect(inventory(dir, sha, { languages: ["cobol" as never] })).rejects.toThrow(/unknown inventory language "cobol"/);
  });

  it("skips files above maxFileBytes and counts them", async () => {
    const dir = emptyRepo();
    writeFile(dir, "small.py", pyFunction("small"));
    writeFile(dir, "large.py", pyFunction("large") + "# padding\n".repeat(200));
    const sha = commitAll(dir, "sizes");
    const result = await inventory(dir, sha, { maxFileBytes: 500 });
    expect(names(result)).toEqual(["small.py:small"]);
    expect(result.skipped.tooLarge).toBe(1);
  });

  it("counts undecodable files and broken definitions without failing the run", async () => {
    const dir = emptyRepo();
    writeFile(dir, "good.py", pyFunction("good"));
    writeFile(dir, "latin1.py", Buffer.concat([Buffer.from("# caf"), Buffer.from([0xe9]), Buffer.from("\n" + pyFunction("unreadable"))]));
    writeFile(dir, "broken.py", `${pyFunction("fine")}\n\ndef broken(value):\n    total = value $ 2\n    return total\n\n\n${pyFunction("also_fine")}`);
    const sha = commitAll(dir, "bad files");
    const result = await inventory(dir, sha);
    expect(result.skipped.parseError).toBe(1);
    expect(result.skipped.definitionsWithSyntaxErrors).toBe(1);
    expect(result.skipped.filesWithSyntaxErrors).toBe(1);
    expect(names(result)).toEqual(["broken.py:fine", "broken.py:also_fine", "good.py:good"]);
  });

  it("reads the requested commit from git objects and leaves the working tree alone", async () => {
    const dir = emptyRepo();
    writeFile(dir, "lib.py", pyFunction("first"));
    const oldSha = commitAll(dir, "first version");
    writeFile(dir, "lib.py", pyFunction("first") + "\n\n" + pyFunction("second"));
    writeFile(dir, "extra.py", pyFunction("extra"));
    const newSha = commitAll(dir, "second version");
    // Uncommitted edits must not leak into any inventory.
    writeFile(dir, "lib.py", pyFunction("uncommitted"));

    const atOld = await inventory(dir, oldSha);
    expect(atOld.commit).toBe(oldSha);
    expect(names(atOld)).toEqual(["lib.py:first"]);
    const atNew = await inventory(dir, "main");
    expect(atNew.commit).toBe(newSha);
    expect(names(atNew)).toEqual(["extra.py:extra", "lib.py:first", "lib.py:second"]);
    expect(atNew.functions.find((f) => f.qualifiedName === "second")).toMatchObject({ startLine: 6, endLine: 8 });

    expect(fs.readFileSync(path.join(dir, "lib.py"), "utf8")).toBe(pyFunction("uncommitted"));
    expect(git(dir, ["status", "--porcelain"])).toBe("M lib.py");
  });

  it("names a bad commit in a one-line error", async () => {
    const dir = emptyRepo();
    writeFile(dir, "lib.py", pyFunction("only"));
    commitAll(dir, "only");
    for (const bad of ["does-not-exist", "0123456789abcdef0123456789abcdef01234567", "--all", "HEAD:lib.py"]) {
      const error = await inventory(dir, bad).catch((caught: unknown) => caught as Error);
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toBe(`not a commit in ${dir}: ${bad === "--all" ? JSON.stringify(bad) : bad}`);
    }
  });
});
