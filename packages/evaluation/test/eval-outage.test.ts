import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { RetryableStageError, type StageExecution } from "@sera/core";
import { startScriptedModelServer } from "@sera/rollout";
import { describe, expect, it } from "vitest";
import { evalParamsSchema, runEvaluation, type EvalParams } from "../src/index.js";

/**
 * A served model that answers only 5xx (the scripted stand-in with every completion failing, over
 * loopback) is an outage, not the student's result: no outcome.json is kept, the attempt fails as
 * retryable, and once the server is healthy the same run directory solves those instances.
 */

const demoRepo = path.join(path.dirname(createRequire(import.meta.url).resolve("@sera/generation/package.json")), "demo-repo");

describe("sera-eval during a serving outage", () => {
  it("keeps unreached instances unfinished and fails the attempt as retryable; a healthy server finishes them", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-eval-outage-"));
    const repo = path.join(dir, "stockroom");
    cpSync(demoRepo, repo, { recursive: true });
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", ...args], { cwd: repo, encoding: "utf8" });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "demo");
    const commit = git("rev-parse", "HEAD").trim();
    const tasks = path.join(dir, "tasks.jsonl");
    writeFileSync(
      tasks,
      JSON.stringify({
        instance_id: "demo__stockroom-1",
        repo: "demo/stockroom",
        base_commit: commit,
        problem_statement: "Discount rounding is off in `stockroom/pricing.py` (function `apply_discount`).",
      }) + "\n",
    );
    const outDir = path.join(dir, "out");
    mkdirSync(outDir);
    const execution = (endpoint: string): StageExecution<EvalParams> => ({
      experiment: "unit",
      runId: "evaloutage000001",
      stage: "eval",
      seed: 1,
      attempt: 1,
      outDir,
      runDir: dir,
      upstream: {},
      params: evalParamsSchema.parse({
        tasks: { file: tasks, repos: { "demo/stockroom": repo } },
        serve: { endpoint, maxRetries: 1 },
        agent: { maxSteps: 30 },
      }),
      emit: () => undefined,
      signal: new AbortController().signal,
    });

    const down = await startScriptedModelServer({ seed: 1, impersonate: "sera-student", faults: { http5xxRate: 1 } });
    try {
      const failure = await runEvaluation(execution(down.url)).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(RetryableStageError);
      expect((failure as Error).message).toMatch(/^1 of 1 instances could not reach the served model \(rerun to continue them\): server_error \(HTTP 50\d\)/);
      expect(existsSync(path.join(outDir, "instances/demo__stockroom-1/outcome.json"))).toBe(false);
    } finally {
      await down.close();
    }
    const up = await startScriptedModelServer({ seed: 1, impersonate: "sera-student" });
    try {
      expect(await runEvaluation(execution(up.url))).toMatchObject({ instances: 1, submitted: 1 });
      expect(existsSync(path.join(outDir, "instances/demo__stockroom-1/outcome.json"))).toBe(true);
    } finally {
      await up.close();
    }
  }, 120_000);
});
