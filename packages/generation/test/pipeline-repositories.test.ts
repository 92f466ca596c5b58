import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generationParamsSchema, generationStage, repositoriesOf } from "../src/index.js";

/** One stage, several repositories: `repos` inline or as a file, each with its own commits and budget. */

const teacher = { model: "m", endpoints: ["http://127.0.0.1:9/v1"] };
const params = (fields: Record<string, unknown>) => generationParamsSchema.parse({ teacher, functionsPerRepo: 40, commits: ["abcd123"], ...fields });
const check = (fields: Record<string, unknown>) => generationStage.check?.(params(fields), { stage: "generate", upstreamStages: [] }) ?? null;

describe("repositories of a generation stage", () => {
  it("reads one repo, an inline list, and YAML and JSONL files whose paths are relative to the file", () => {
    expect(repositoriesOf(params({ repo: "/src/shop", repoName: "store" }))).toEqual([
      { name: "store", path: "/src/shop", commits: ["abcd123"], functionsPerRepo: 40 },
    ]);
    expect(repositoriesOf(params({ repos: ["/src/a", { path: "/src/b", name: "bee", commits: { count: 2 }, functionsPerRepo: 3 }] }))).toEqual([
      { name: "a", path: "/src/a", commits: ["abcd123"], functionsPerRepo: 40 },
      { name: "bee", path: "/src/b", commits: { count: 2, lookbackDays: 365, ref: "HEAD" }, functionsPerRepo: 3 },
    ]);
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-repos-"));
    writeFileSync(path.join(dir, "repos.yaml"), "- clones/django\n- { path: /abs/flask, functionsPerRepo: 7 }\n");
    expect(repositoriesOf(params({ repos: path.join(dir, "repos.yaml") })).map((r) => [r.name, r.path, r.functionsPerRepo])).toEqual([
      ["django", path.join(dir, "clones/django"), 40],
      ["flask", "/abs/flask", 7],
    ]);
    writeFileSync(path.join(dir, "repos.jsonl"), '{"path": "x/one", "commits": ["0123abcd"]}\n\n{"path": "y/two"}\n');
    expect(repositoriesOf(params({ repos: path.join(dir, "repos.jsonl") })).map((r) => [r.name, r.commits])).toEqual([
      ["one", ["0123abcd"]],
      ["two", ["abcd123"]],
    ]);
  });

  it("bad lists are one line naming the file, line or entry and the field, at plan time", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-repos-"));
    writeFileSync(path.join(dir, "bad.jsonl"), '{"path": "a"}\n{"path": "b", "functions": 3}\n');
    writeFileSync(path.join(dir, "torn.jsonl"), '{"path": "a"}\n{"path": \n');
    writeFileSync(path.join(dir, "map.yaml"), "django: clones/django\n");
    expect(check({ repos: path.join(dir, "bad.jsonl") })).toEqual({
      path: "repos",
      problem: `${path.join(dir, "bad.jsonl")}:2: entry: Unrecognized key: "functions"`,
    });
    expect(check({ repos: path.join(dir, "torn.jsonl") })?.problem).toBe(`${path.join(dir, "torn.jsonl")}:2: not a JSON object`);
    expect(check({ repos: path.join(dir, "map.yaml") })?.problem).toMatch(/map\.yaml: a list of repositories/);
    expect(check({ repos: path.join(dir, "absent.yaml") })?.problem).toMatch(/^repos: cannot read .*absent\.yaml \(ENOENT\)$/);
    expect(check({ repos: [{ path: "/x/app" }, { path: "/y/app" }] })).toEqual({
      path: "repos",
      problem: "repos[1]: a second repository named app (/y/app; the first is /x/app): give one a name",
    });
    expect(check({ repos: [{ path: "/x/app" }, { path: "/y/app", name: "app-y" }] })).toBeNull();
    expect(generationParamsSchema.safeParse({ teacher, repo: "/a", repos: ["/b"] }).success).toBe(false);
    expect(generationParamsSchema.safeParse({ teacher }).success).toBe(false);
    expect(generationParamsSchema.safeParse({ teacher, repos: [{ path: "/a" }], repoName: "x" }).success).toBe(false);
  });
});
