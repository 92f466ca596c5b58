import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demonstrationPool, planTasks } from "../src/pipeline/run.js";
import { generationParamsSchema } from "../src/pipeline/params.js";
import { commitAll, emptyRepo, removeCreatedRepos, writeFile } from "./fixtures/inventory/git-repo.js";

/**
 * The stage's own planning path (commits → inventory → sampling) with a user's demonstration
 * pool: every instance's demonstration must come from that pool, spread over it, and be the
 * one the run then looks up. A regression test for instances all imitating the pool's first issue.
 */

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sera-demo-pool-"));
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  removeCreatedRepos();
});

/** A repository with 60 functions, 6 per module. */
function sixtyFunctions(): { dir: string; sha: string } {
  const dir = emptyRepo();
  for (let module = 0; module < 10; module++) {
    const body = Array.from({ length: 6 }, (_, i) => `def f${module}_${i}(value):\n    return value + ${i}\n`).join("\n");
    writeFile(dir, `pkg/m${module}.py`, body);
  }
  return { dir, sha: commitAll(dir, "sixty functions") };
}

/** `gh issue list --json number,title,body` output: 30 issues. */
function ghIssueList(): string {
  const file = path.join(scratch, "issues.json");
  const issues = Array.from({ length: 30 }, (_, i) => ({
    number: 100 + i,
    title: `Problem number ${i}`,
    body: `Steps to reproduce issue ${i}:\n\n1. run it\n2. see it fail`,
  }));
  fs.writeFileSync(file, JSON.stringify(issues, null, 2));
  return file;
}

describe("generation planning with a user's demonstration pool", () => {
  const repo = sixtyFunctions();
  const pool = ghIssueList();
  const params = generationParamsSchema.parse({
    repo: repo.dir,
    commits: [repo.sha],
    functionsPerRepo: 60,
    demonstrations: pool,
    teacher: { model: "unused", endpoints: ["http://127.0.0.1:9/v1"] },
  });

  async function plan(seed: number) {
    const outDir = fs.mkdtempSync(path.join(scratch, "out-"));
    const demonstrations = await demonstrationPool(params);
    const { tasks } = await planTasks(params, seed, outDir, demonstrations);
    return { tasks, demonstrations };
  }

  it("draws 60 instances' demonstrations from the 30 issues: at least 20 distinct, all found in the pool, the same for the same seed", async () => {
    const { tasks, demonstrations } = await plan(3);
    expect(tasks).toHaveLength(60);
    expect(demonstrations.size).toBe(30);
    for (const task of tasks) expect(demonstrations.has(task.demonstrationId)).toBe(true);
    const distinct = new Set(tasks.map((task) => task.demonstrationId));
    expect(distinct.size).toBeGreaterThanOrEqual(20);

    const again = await plan(3);
    expect(again.tasks.map((task) => [task.id, task.demonstrationId])).toEqual(tasks.map((task) => [task.id, task.demonstrationId]));
    const otherSeed = await plan(4);
    expect(otherSeed.tasks.map((task) => task.demonstrationId)).not.toEqual(tasks.map((task) => task.demonstrationId));
  }, 60_000);
});
