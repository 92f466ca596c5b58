import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { inventory } from "../src/index.js";
import { removeCreatedRepos, repoFromFolder } from "./fixtures/inventory/git-repo.js";

afterAll(removeCreatedRepos);

const DEMO_REPO = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "demo-repo");

describe("bundled demo repository", () => {
  it("ships without its own .git, as the quickstart initialises a copy", () => {
    expect(fs.existsSync(path.join(DEMO_REPO, ".git"))).toBe(false);
    expect(fs.existsSync(path.join(DEMO_REPO, "pyproject.toml"))).toBe(true);
  });

  it("inventories at least 40 functions from the package and none from its tests", async () => {
    const { dir, sha } = repoFromFolder(DEMO_REPO);
    const result = await inventory(dir, sha);
    expect(result.functions.length).toBeGreaterThanOrEqual(40);
    expect(result.counts.python).toBe(result.functions.length);
    expect(result.functions.every((f) => f.file.startsWith("stockroom/"))).toBe(true);
    // conftest.py and the four test modules.
    expect(result.skipped.skipGlob).toBe(5);
    expect(result.skipped.parseError + result.skipped.filesWithSyntaxErrors).toBe(0);

    const byName = new Map(result.functions.map((f) => [`${f.file}::${f.qualifiedName}`, f]));
    expect(byName.get("stockroom/ledger.py::StockLedger.reserve")).toMatchObject({ kind: "method" });
    expect(byName.get("stockroom/pricing.py::price_order")).toMatchObject({ kind: "function" });
    // The scripted quickstart model edits function bodies, so most need a few lines to work with.
    const multiLine = result.functions.filter((f) => f.endLine - f.startLine >= 3);
    expect(multiLine.length / result.functions.length).toBeGreaterThan(0.8);
  });
});
