import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { detectCodeFolder, inventory } from "../src/index.js";
import { commitAll, git, writeFile } from "./fixtures/inventory/git-repo.js";

/**
 * The code folder as SERA picks it, and folder depth counted inside it, on small real git
 * repositories whose root depth and code-folder depth disagree.
 */

const parents: string[] = [];
afterAll(() => {
  for (const dir of parents) fs.rmSync(dir, { recursive: true, force: true });
});

/** A repository whose folder is called `name` (detection looks for that name), with `files` committed. */
function namedRepo(name: string, files: Record<string, string>): { dir: string; sha: string } {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "sera-codefolder-"));
  parents.push(parent);
  const dir = path.join(parent, name);
  fs.mkdirSync(dir);
  git(dir, ["init", "-q", "-b", "main"]);
  for (const [file, content] of Object.entries(files)) writeFile(dir, file, content);
  return { dir, sha: commitAll(dir, "layout") };
}

const py = (name: string) => `def ${name}(value):\n    return value\n`;
const files = (result: Awaited<ReturnType<typeof inventory>>) => [...new Set(result.functions.map((f) => f.file))].sort();

/** A django-like package: its deepest modules are depth 3 inside the package but depth 4 from the root. */
const packageLayout = {
  "shopkit/__init__.py": py("version"),
  "shopkit/core.py": py("core"),
  "shopkit/db/models/query.py": py("filter_rows"),
  "shopkit/contrib/sessions/backends/cache.py": py("get_session"),
  "shopkit/tests/test_core.py": py("test_core"),
  "shopkit/contests.py": py("rank_entries"),
  "scripts/release.py": py("release"),
  "docs/conf.py": py("setup_docs"),
  "setup.py": py("setup"),
};

describe("code folder detection", () => {
  it("<name>/: depth counts inside the package, so db/models/query.py is in and scripts, docs and setup.py are out", async () => {
    const { dir, sha } = namedRepo("shopkit", packageLayout);
    const result = await inventory(dir, sha);
    expect(result.codeFolder).toMatchObject({ path: "shopkit", source: "detected" });
    expect(result.codeFolder.reason).toMatch(/<name>\/ \(SERA\)/);
    expect(files(result)).toEqual(["shopkit/__init__.py", "shopkit/core.py", "shopkit/db/models/query.py"]);
    expect(result.skipped.outsideCodeFolder).toBe(3);
    expect(result.skipped.tooDeep).toBe(1); // contrib/sessions/backends/cache.py is depth 4
    expect(result.skipped.skipGlob).toBe(1); // tests/test_core.py
    expect(result.skipped.seraTestRule).toBe(1); // contests.py contains "tests", as SERA's substring rule says

    // Counting from the root (the old default) gives the opposite picture.
    const fromRoot = await inventory(dir, sha, { codeFolder: "." });
    expect(fromRoot.codeFolder).toMatchObject({ path: "", source: "configured" });
    expect(files(fromRoot)).toEqual(["docs/conf.py", "scripts/release.py", "setup.py", "shopkit/__init__.py", "shopkit/core.py"]);
  });

  it("the name is matched lowercased, and an explicit repoName (org/name) is looked for instead of the folder's name", async () => {
    const { dir, sha } = namedRepo("ShopKit", packageLayout);
    expect((await inventory(dir, sha)).codeFolder).toMatchObject({ path: "shopkit", source: "detected" });
    expect((await inventory(dir, sha)).codeFolder.reason).toMatch(/<name lowercased>\/ \(SERA\)/);
    const other = namedRepo("checkout-clone", packageLayout);
    expect((await inventory(other.dir, other.sha)).codeFolder.source).toBe("root");
    expect((await inventory(other.dir, other.sha, { repoName: "acme/shopkit" })).codeFolder.path).toBe("shopkit");
  });

  it("src/<name>/ before src/; src/ itself is SERA's last rule, so depth then counts from src/", async () => {
    const inSrcName = namedRepo("plotter", {
      "src/plotter/axes/ticks/locate.py": py("locate"),
      "src/plotter/figure.py": py("figure"),
      "tools/bump.py": py("bump"),
    });
    const chosen = await inventory(inSrcName.dir, inSrcName.sha);
    expect(chosen.codeFolder).toMatchObject({ path: "src/plotter", source: "detected" });
    expect(files(chosen)).toEqual(["src/plotter/axes/ticks/locate.py", "src/plotter/figure.py"]);

    // SERA's order: `src` exists, so `src/plot_kit` (our dash → underscore variant) is never reached.
    const bareSrc = namedRepo("plot-kit", { "src/plot_kit/axes/ticks/locate.py": py("locate"), "src/plot_kit/figure.py": py("figure") });
    const fromSrc = await inventory(bareSrc.dir, bareSrc.sha);
    expect(fromSrc.codeFolder).toMatchObject({ path: "src", source: "detected" });
    expect(files(fromSrc)).toEqual(["src/plot_kit/figure.py"]);
    expect(fromSrc.skipped.tooDeep).toBe(1);
  });

  it("sera's additions where SERA finds nothing: <name with - as _>/, lib/<name>/, and else the root, saying SERA would skip it", async () => {
    const snake = namedRepo("more-tools", { "more_tools/recipes.py": py("chunked"), "bench/run.py": py("bench") });
    expect((await inventory(snake.dir, snake.sha)).codeFolder).toMatchObject({ path: "more_tools", source: "detected" });
    const lib = namedRepo("ledger", { "lib/ledger/book.py": py("post"), "bin/ledger.py": py("main") });
    const inLib = await inventory(lib.dir, lib.sha);
    expect(inLib.codeFolder).toMatchObject({ path: "lib/ledger", source: "detected" });
    expect(files(inLib)).toEqual(["lib/ledger/book.py"]);
    const flat = namedRepo("scripts-only", { "a/b/c.py": py("c"), "main.py": py("main") });
    const root = await inventory(flat.dir, flat.sha);
    expect(root.codeFolder.path).toBe("");
    expect(root.codeFolder.source).toBe("root");
    expect(root.codeFolder.reason).toMatch(/SERA would skip this repository/);
    expect(files(root)).toEqual(["a/b/c.py", "main.py"]);
  });

  it("a <name>/ folder without source files in the enabled languages does not count (SERA only checks that it exists)", async () => {
    const docsOnly = namedRepo("widget", { "widget/README.md": "# widget\n", "src/app.ts": "export function app(): number {\n  return 1;\n}\n" });
    expect((await inventory(docsOnly.dir, docsOnly.sha)).codeFolder.path).toBe("src");
    const pythonOnly = namedRepo("widget", { "widget/core.py": py("core"), "src/app.ts": "export function app(): number {\n  return 1;\n}\n" });
    expect((await inventory(pythonOnly.dir, pythonOnly.sha)).codeFolder.path).toBe("widget");
    expect((await inventory(pythonOnly.dir, pythonOnly.sha, { languages: ["typescript"] })).codeFolder.path).toBe("src");
    expect(detectCodeFolder([], "widget")).toMatchObject({ path: "", source: "root" });
  });
});

describe("sera inventory", () => {
  const seraBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../cli/dist/main.js");

  it("prints which folder it chose and why", () => {
    const { dir } = namedRepo("shopkit", packageLayout);
    const run = (...extra: string[]) => spawnSync(process.execPath, [seraBin, "inventory", dir, ...extra], { encoding: "utf8" });
    const detected = run();
    expect(detected.stderr).toBe("");
    expect(detected.status).toBe(0);
    expect(detected.stdout).toMatch(
      /^code folder: shopkit\/ — detected: shopkit\/ holds source files; rule <name>\/ \(SERA\) for name "shopkit"; depth ≤ 3 counted inside it$/m,
    );
    expect(detected.stdout).toMatch(/seraTestRule 1/);
    const configured = run("--code-folder", ".", "--max-depth", "0");
    expect(configured.stdout).toMatch(/^code folder: \(repository root\) — configured: .*; depth ≤ unlimited counted inside it$/m);
    const json = JSON.parse(run("--json").stdout) as { codeFolder: { path: string; source: string } };
    expect(json.codeFolder).toMatchObject({ path: "shopkit", source: "detected" });
  });
});
