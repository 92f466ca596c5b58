import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { StageExecution } from "@sera/core";
import { startScriptedModelServer, type ScriptedModelServer } from "@sera/rollout";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evalParamsSchema, readPredictions, runEvaluation, type EvalParams } from "../src/index.js";

/**
 * The evaluation body against a real OpenAI-compatible server over loopback (the scripted
 * stand-in, playing the served student) and a real git repository, in the bubblewrap sandbox.
 */

const demoRepo = path.join(path.dirname(createRequire(import.meta.url).resolve("@sera/generation/package.json")), "demo-repo");

function committedDemoRepo(): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "sera-eval-repo-")), "stockroom");
  cpSync(demoRepo, dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", ...args], { cwd: dir, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "demo");
  return dir;
}

const problems = [
  { instance_id: "demo__stockroom-1", problem_statement: "Discount rounding is off. The culprit is `stockroom/pricing.py` (function `apply_discount`)." },
  { instance_id: "demo__stockroom-2", problem_statement: "Tax is a cent too high on small orders: `stockroom/pricing.py` (function `tax_cents`)." },
  { instance_id: "demo__stockroom-3", problem_statement: "Something is wrong somewhere." },
];

let server: ScriptedModelServer;
let repo: string;
let commit: string;
beforeAll(async () => {
  server = await startScriptedModelServer({ seed: 1, impersonate: "sera-student" });
  repo = committedDemoRepo();
  commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).trim();
});
afterAll(async () => {
  await server?.close();
});

function execution(paramsFor: (dir: string) => Record<string, unknown>, seed = 1) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-eval-run-"));
  const params = paramsFor(dir);
  const outDir = path.join(dir, "out");
  mkdirSync(outDir);
  const emitted: Record<string, unknown>[] = [];
  const run: StageExecution<EvalParams> = {
    experiment: "unit",
    runId: "evalrun000000001",
    stage: "eval",
    params: evalParamsSchema.parse(params),
    seed,
    attempt: 1,
    outDir,
    runDir: dir,
    upstream: {},
    emit: (record) => emitted.push(record),
    signal: new AbortController().signal,
  };
  return { run, emitted, outDir, dir };
}

function tasksFile(dir: string, extra: (i: number) => Record<string, unknown> = () => ({})): string {
  const file = path.join(dir, "tasks.jsonl");
  writeFileSync(file, problems.map((p, i) => JSON.stringify({ ...p, repo: "demo/stockroom", base_commit: commit, ...extra(i) })).join("\n") + "\n");
  return file;
}

describe("sera-eval stage body", () => {
  it("serves nothing itself with an endpoint given, runs the agent per instance and writes SWE-bench predictions", async () => {
    const { run, emitted, outDir } = execution((dir) => ({
      tasks: { file: tasksFile(dir), repos: { "demo/stockroom": repo } },
      serve: { endpoint: server.url },
      agent: { maxSteps: 30 },
      concurrency: 2,
    }));
    const summary = await runEvaluation(run);
    expect(summary).toMatchObject({ instances: 3, submitted: 2, resolved: null, resolveRate: null });
    const predictions = readPredictions(path.join(outDir, "predictions.jsonl"));
    expect(predictions.map((p) => [p.instance_id, p.model_name_or_path])).toEqual(problems.map((p) => [p.instance_id, "sera-student"]));
    expect(predictions[0].model_patch).toMatch(/^diff --git a\/stockroom\/pricing\.py b\/stockroom\/pricing\.py/);
    expect(predictions[2].model_patch).toBe("");
    const rollouts = readFileSync(path.join(outDir, "records/eval_rollouts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rollouts.map((r) => [r.instance_id, r.exit_status, r.failure, r.context_length, r.seed])).toEqual([
      ["demo__stockroom-1", "submitted", null, 32768, 1],
      ["demo__stockroom-2", "submitted", null, 32768, 1],
      ["demo__stockroom-3", "submitted", "no_patch", 32768, 1],
    ]);
    expect(rollouts[0].steps).toBeGreaterThan(2);
    expect(existsSync(path.join(outDir, "records/evals.jsonl"))).toBe(false);
    // The endpoint is the scripted stand-in (it says so; serve.command was not used): the run is marked stand-in.
    expect(JSON.parse(readFileSync(path.join(outDir, "eval.json"), "utf8"))).toMatchObject({
      suite: "swe-bench",
      checkpoint: server.url,
      serveCommand: null,
      instances: 3,
      repos: { "demo__stockroom-1": "demo/stockroom" },
      standIn: true,
      provenance: "stand-in",
    });
    expect(new Set(rollouts.map((r) => r.provenance))).toEqual(new Set(["stand-in"]));
    expect(emitted.filter((r) => "instances" in r).every((r) => r.provenance === "stand-in")).toBe(true);
    // An external endpoint is not this run's GPU time.
    expect(emitted.some((r) => r.cost)).toBe(false);
    expect(emitted).toContainEqual(expect.objectContaining({ instances: 3, submitted: 2, empty_patches: 1 }));

    // A rerun reuses every finished instance: no new model calls.
    const before = server.stats().completed;
    await runEvaluation(run);
    expect(server.stats().completed).toBe(before);
  });

  it("grades held-out tasks by line recall against the teacher's patch", async () => {
    // The teacher's patches: what the same scripted policy produces for the first two problems.
    const first = execution((dir) => ({
      tasks: { file: tasksFile(dir), repos: { "demo/stockroom": repo } },
      serve: { endpoint: server.url },
      agent: { maxSteps: 30 },
    }));
    await runEvaluation(first.run);
    const teacher = readPredictions(path.join(first.outDir, "predictions.jsonl")).map((p) => p.model_patch);
    const unrelated =
      "diff --git a/stockroom/ledger.py b/stockroom/ledger.py\n--- a/stockroom/ledger.py\n+++ b/stockroom/ledger.py\n@@ -1,1 +1,2 @@\n import x\n+import y\n";

    const { run, emitted, outDir } = execution((dir) => ({
      suite: "soft-verified",
      tasks: { file: tasksFile(dir, (i) => ({ teacher_patch: [teacher[0], unrelated, teacher[0]][i] })), repos: { "demo/stockroom": repo } },
      serve: { endpoint: server.url },
      agent: { maxSteps: 30 },
    }));
    const summary = await runEvaluation(run);
    const evals = readFileSync(path.join(outDir, "records/evals.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(evals.map((e) => [e.instance_id, e.status, e.resolved, e.recall])).toEqual([
      ["demo__stockroom-1", "resolved", true, 1],
      ["demo__stockroom-2", "unresolved", false, 0],
      ["demo__stockroom-3", "empty_patch", false, 0],
    ]);
    expect(summary).toMatchObject({ resolved: 1, resolveRate: 100 / 3 });
    expect(emitted).toContainEqual(expect.objectContaining({ resolve_rate: 100 / 3, resolved: 1 }));
    const [row] = readFileSync(path.join(outDir, "records/eval_summaries.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(row).toMatchObject({
      suite: "soft-verified",
      total_instances: 3,
      resolved_instances: 1,
      unresolved_instances: 1,
      empty_patch_instances: 1,
      error_instances: 0,
    });
  });

  it("stops before serving when a task's repository has no local clone", async () => {
    const { run } = execution((dir) => ({ tasks: { file: tasksFile(dir) }, serve: { endpoint: server.url } }));
    const before = server.stats().requests;
    await expect(runEvaluation(run)).rejects.toThrow(/no local clone for repo demo\/stockroom: add it to tasks\.repos or put it under tasks\.repoRoot/);
    expect(server.stats().requests).toBe(before);
  });
});
