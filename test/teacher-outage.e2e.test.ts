import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startScriptedServer } from "./support/scripted.js";
import { committedDemoRepo, generationExperiment } from "./support/generation-experiment.js";
import { queryJson, sera, tempProject } from "./support/sera.js";

/**
 * Teacher outages through the CLI: a real `sera run`, the bundled demo repository, a real
 * sandbox, and the scripted stand-in model over loopback HTTP (a stand-in, not an LLM), once
 * answering every completion with HTTP 500/503 and once healthy.
 */

function experiment(name: string, repo: string, commit: string, endpoint: string, teacher: Record<string, unknown> = {}): string {
  return generationExperiment({ name, repo, commit, endpoint, teacher: { timeoutSeconds: 5, ...teacher }, params: { concurrency: 3 } });
}

function instanceStates(cwd: string): { step: string; failure: { transient?: boolean; reason: string } | null }[] {
  const runs = path.join(cwd, ".sera/experiments/outage/runs");
  const [runId] = readdirSync(runs);
  const dir = path.join(runs, runId, "out/instances");
  return readdirSync(dir).map((id) => JSON.parse(readFileSync(path.join(dir, id, "state.json"), "utf8")));
}

describe("teacher outages", () => {
  it("an outage fails the run with its reason, keeps every instance resumable, and a plain rerun with the teacher back verifies them, booking each call once", async () => {
    const cwd = tempProject();
    const { repo, commit } = committedDemoRepo(cwd);
    const file = path.join(cwd, "outage.yaml");
    const failing = await startScriptedServer(["--fault-5xx", "1"]);
    try {
      writeFileSync(file, experiment("outage", repo, commit, failing.url));
      const first = sera(["run", file], cwd);
      expect(first.code).toBe(1);
      expect(first.stdout).toMatch(
        /\[attempt 1\] failed: exit code 75 — 3 of 3 instances stopped on a teacher outage and stay resumable \(rerun to continue them\): rollout 1 attempt 1: server_error \(HTTP 50\d\) from http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/,
      );
      // Not a verdict on the instances: each waits at rollout 1 with a transient failure.
      const states = instanceStates(cwd);
      expect(states).toHaveLength(3);
      for (const state of states) expect(state).toMatchObject({ step: "rollout1", failure: { reason: "model_error", transient: true } });
    } finally {
      await failing.stop();
    }

    const healthy = await startScriptedServer(["--reject-rate", "0"]);
    try {
      writeFileSync(file, experiment("outage", repo, commit, healthy.url));
      // The budget (retries: 0) was spent on the outage, yet a plain rerun tries again: exit 75 is no verdict.
      const second = sera(["run", file], cwd);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/\[attempt 2\] succeeded/);
      const instances = queryJson(cwd, "SELECT status, failure_reason FROM instances ORDER BY ALL");
      expect(instances).toHaveLength(3);
      expect(instances.filter((i) => i.status === "verified").length).toBeGreaterThan(0);
      expect(instances.some((i) => i.failure_reason === "model_error")).toBe(false);
      // Tokens: one ledger row per kind, equal to the calls of both attempts (the failed ones cost nothing but are rows).
      const ledger = queryJson(
        cwd,
        "SELECT kind, count(*)::INTEGER AS rows, sum(quantity)::BIGINT AS quantity FROM cost_ledger WHERE kind LIKE 'teacher_%' GROUP BY kind ORDER BY kind",
      );
      const calls = queryJson(
        cwd,
        "SELECT sum(cached_input_tokens)::BIGINT AS cached, sum(input_tokens - cached_input_tokens)::BIGINT AS input, sum(output_tokens)::BIGINT AS output, count(*) FILTER (WHERE status = 'server_error')::INTEGER AS outage_calls FROM model_calls",
      )[0];
      expect(calls.outage_calls).toBeGreaterThan(0);
      expect(ledger).toEqual([
        { kind: "teacher_cached_input_tokens", rows: 1, quantity: calls.cached },
        { kind: "teacher_input_tokens", rows: 1, quantity: calls.input },
        { kind: "teacher_output_tokens", rows: 1, quantity: calls.output },
      ]);
    } finally {
      await healthy.stop();
    }
  });

  // The unreachable endpoint's start check is covered in generation.e2e.test.ts ("down").
  it("an unset key variable stops the run in one line before any instance starts", async () => {
    const cwd = tempProject();
    const { repo, commit } = committedDemoRepo(cwd);
    const server = await startScriptedServer();
    try {
      const file = path.join(cwd, "outage.yaml");
      writeFileSync(file, experiment("outage", repo, commit, server.url, { apiKeyEnv: "SERA_TEST_KEY_THAT_IS_NOT_SET" }));
      const result = sera(["run", file], cwd);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /failed: exit code 1 — teacher\.apiKeyEnv: environment variable SERA_TEST_KEY_THAT_IS_NOT_SET is not set; export it before starting the run/,
      );
      const runs = path.join(cwd, ".sera/experiments/outage/runs");
      const [runId] = readdirSync(runs);
      const instances = path.join(runs, runId, "out/instances");
      expect(existsSync(instances) ? readdirSync(instances) : []).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
