import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GenerationOutputError, readGenerationRepositories } from "../src/index.js";

/** Where a generation run's repositories were, as its plan.jsonl records them for evaluation's held-out tasks. */

describe("readGenerationRepositories", () => {
  it("maps each repository's name to its folder, the last attempt's line winning; older lines without a path and a torn last line are passed over", () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), "sera-plan-"));
    writeFileSync(
      path.join(outDir, "plan.jsonl"),
      [
        JSON.stringify({ repo: "old", commits: ["a1"], instances: 3 }),
        JSON.stringify({ repo: "shop", path: "/src/shop-v1", commits: ["a1"], codeFolders: [], instances: 2 }),
        JSON.stringify({ repo: "ledger", path: "/src/ledger", commits: ["b2"], codeFolders: [{ commit: "b2", folder: "ledger" }], instances: 4 }),
        JSON.stringify({ repo: "shop", path: "/src/shop", commits: ["a1"], codeFolders: [], instances: 2 }),
        '{"repo": "torn", "pa',
      ].join("\n"),
    );
    expect(readGenerationRepositories(outDir)).toEqual(
      new Map([
        ["shop", "/src/shop"],
        ["ledger", "/src/ledger"],
      ]),
    );
    expect(readGenerationRepositories(mkdtempSync(path.join(os.tmpdir(), "sera-plan-")))).toEqual(new Map());
    writeFileSync(path.join(outDir, "plan.jsonl"), JSON.stringify({ repo: "shop", path: 7, commits: [], instances: 1 }) + "\n");
    expect(() => readGenerationRepositories(outDir)).toThrow(GenerationOutputError);
  });
});
