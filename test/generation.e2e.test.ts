import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { killRunAsInACrash, startScriptedServer } from "./support/scripted.js";
import { queryJson, repoRoot, sera, seraAsync, tempProject, waitFor } from "./support/sera.js";

/**
 * The SERA generation pipeline end to end through the CLI: the bundled demo repository, a real
 * bubblewrap sandbox, and the scripted stand-in model over loopback HTTP.
 */

const demoRepo = path.join(repoRoot, "packages/generation/demo-repo");

function generationExperiment(name: string, endpoint: string, overrides: Record<string, unknown> = {}, teacher: Record<string, unknown> = {}) {
  return stringify({
    name,
    executor: { retries: 2, backoffSeconds: 0.1 },
    stages: {
      generate: {
        kind: "sera-generate",
        params: {
          repo: demoRepo,
          repoName: "stockroom",
          commits: [],
          functionsPerRepo: 8,
          teacher: { model: "scripted-stand-in", endpoints: [endpoint], scriptedStandIn: true, timeoutSeconds: 5, maxRetries: 2, ...teacher },
          agent: { maxSteps: 30 },
          concurrency: 4,
          ...overrides,
        },
      },
    },
  });
}

/** The demo repository is plain files; give each test a committed copy. */
function demoProject(): { cwd: string; repo: string; commit: string } {
  const cwd = tempProject();
  const repo = path.join(cwd, "stockroom");
  const result = sera(["quickstart", "--dir", cwd, "--functions", "1"], cwd);
  expect(result.code).toBe(0);
  const commit = readFileSync(path.join(repo, ".git", "refs", "heads", "main"), "utf8").trim();
  return { cwd, repo, commit };
}

function writeExperiment(cwd: string, file: string, yaml: string, repo: string, commit: string): string {
  const full = path.join(cwd, file);
  writeFileSync(full, yaml.replace(demoRepo, repo).replace("commits: []", `commits: [${commit}]`));
  return full;
}

describe("sera generation", () => {
  it("quickstart runs the whole pipeline offline, fills the tables, and resumes without redoing work", () => {
    const cwd = tempProject();
    const first = sera(["quickstart", "--functions", "6"], cwd);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/scripted stand-in model \(not an LLM\)/);
    expect(first.stdout).toMatch(/store \(DuckDB\): \.sera\/sera\.duckdb/);
    const instances = queryJson(cwd, "SELECT instance_id, status, failure_reason, recall FROM instances");
    expect(instances).toHaveLength(6);
    for (const instance of instances) {
      expect(["verified", "unverified", "failed"]).toContain(instance.status);
      if (instance.status === "failed") expect(instance.failure_reason).toEqual(expect.any(String));
      else expect(instance.recall).toEqual(expect.any(Number));
    }
    const rollouts = queryJson(cwd, "SELECT phase, count(*)::INTEGER AS n, min(steps)::INTEGER AS min_steps FROM rollouts GROUP BY phase ORDER BY phase");
    expect(rollouts.map((r) => r.phase)).toEqual(["r1", "r2"]);
    expect(Number(rollouts[0].min_steps)).toBeGreaterThan(1);
    const patches = queryJson(cwd, "SELECT patch FROM patches WHERE phase = 'r1' AND lines_added > 0 LIMIT 1");
    expect(String(patches[0].patch)).toMatch(/^diff --git a\/stockroom\//);
    const calls = queryJson(cwd, "SELECT count(*)::INTEGER AS n, count(DISTINCT instance_id)::INTEGER AS instances FROM model_calls WHERE status = 'ok'");
    expect(calls[0].instances).toBe(6);
    const costs = queryJson(cwd, "SELECT kind, quantity FROM cost_ledger ORDER BY kind");
    expect(costs.map((c) => c.kind)).toEqual(["teacher_cached_input_tokens", "teacher_input_tokens", "teacher_output_tokens"]);
    expect(Number(costs[2].quantity)).toBeGreaterThan(0);
    // The trajectories on disk are the full conversations.
    const [{ trajectory_path }] = queryJson(cwd, "SELECT trajectory_path FROM rollouts WHERE phase = 'r1' LIMIT 1");
    const trajectory = JSON.parse(readFileSync(String(trajectory_path), "utf8"));
    expect(trajectory.messages[0].role).toBe("system");
    expect(trajectory.messages.some((m: { toolCalls?: unknown[] }) => m.toolCalls?.length)).toBe(true);

    const counts = () =>
      queryJson(
        cwd,
        "SELECT (SELECT count(*) FROM instances)::INTEGER AS i, (SELECT count(*) FROM model_calls)::INTEGER AS c, (SELECT count(*) FROM rollouts)::INTEGER AS r",
      );
    const before = counts();
    const again = sera(["quickstart", "--functions", "6"], cwd);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/submitted/);
    expect(counts()).toEqual(before);
  });

  it("a generation run over two repositories, killed with SIGKILL (coordinator and job), resumes each instance where it stopped", async () => {
    const { cwd, repo, commit } = demoProject();
    // A second repository at the same commit: instances and sources are told apart by repository, not by commit.
    const annex = path.join(cwd, "annex");
    cpSync(repo, annex, { recursive: true });
    const slow = await startScriptedServer(["--latency-ms", "60"]);
    try {
      const repos = [
        { path: repo, name: "stockroom", functionsPerRepo: 7 },
        { path: annex, name: "annex", functionsPerRepo: 5 },
      ];
      const yaml = generationExperiment("killed", slow.url, { repo: undefined, repoName: undefined, repos, concurrency: 3 });
      const file = writeExperiment(cwd, "gen.yaml", yaml, repo, commit);
      const first = seraAsync(["run", file], cwd);
      const runsDir = path.join(cwd, ".sera/experiments/killed/runs");
      const doneInstances = () => {
        if (!existsSync(runsDir)) return [];
        const [runId] = readdirSync(runsDir);
        const dir = path.join(runsDir, runId, "out/instances");
        if (!existsSync(dir)) return [];
        return readdirSync(dir).filter((id) => {
          const state = path.join(dir, id, "state.json");
          return existsSync(state) && /"step": "(done|failed)"/.test(readFileSync(state, "utf8"));
        });
      };
      await waitFor(() => doneInstances().length >= 3, 60_000, "three finished instances", first.child);
      first.child.kill("SIGKILL");
      await first.done;
      const [runId] = readdirSync(runsDir);
      const runDir = path.join(runsDir, runId);
      expect(killRunAsInACrash(runDir)).toBeGreaterThan(0);
      const finishedBefore = doneInstances();
      expect(finishedBefore.length).toBeLessThan(12);
      const callsBefore = new Map(finishedBefore.map((id) => [id, readFileSync(path.join(runDir, "out/instances", id, "calls.jsonl"), "utf8")]));

      const second = sera(["run", file], cwd);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/\[attempt 1\] lost/);
      expect(second.stdout).toMatch(/\[attempt 2\] succeeded/);
      const instances = queryJson(cwd, "SELECT instance_id, status, repo FROM instances");
      expect(instances).toHaveLength(12);
      expect(new Set(instances.map((i) => i.instance_id)).size).toBe(12);
      // Each repository's own budget, its rows keyed by its name, its summary and its progress metrics.
      const byRepo = (name: string) => instances.filter((i) => i.repo === name);
      expect(byRepo("stockroom")).toHaveLength(7);
      expect(byRepo("annex")).toHaveLength(5);
      for (const row of instances) expect(String(row.instance_id).startsWith(`${row.repo}_`)).toBe(true);
      const log = readFileSync(path.join(runDir, "attempt-2/stdout.log"), "utf8");
      expect(log).toMatch(/  stockroom: 7 instances, \d+ verified/);
      expect(log).toMatch(/  annex: 5 instances, \d+ verified/);
      const progress = queryJson(
        cwd,
        "SELECT name, max(value)::INTEGER AS v FROM run_metrics WHERE name IN ('repo.annex.done', 'repo.annex.total', 'repo.stockroom.instances') GROUP BY name ORDER BY name",
      );
      expect(progress).toEqual([
        { name: "repo.annex.done", v: 5 },
        { name: "repo.annex.total", v: 5 },
        { name: "repo.stockroom.instances", v: 7 },
      ]);
      // Instances finished before the kill were not touched again: no new teacher calls.
      for (const [id, calls] of callsBefore) expect(readFileSync(path.join(runDir, "out/instances", id, "calls.jsonl"), "utf8")).toBe(calls);
      const duplicates = queryJson(cwd, "SELECT instance_id, phase, rollout_attempt, count(*)::INTEGER AS n FROM rollouts GROUP BY ALL HAVING n > 1");
      expect(duplicates).toEqual([]);
    } finally {
      await slow.stop();
    }
  });

  it("keeps a teacher's <think> blocks in content when its server has no reasoning parser, and still reads its answers", async () => {
    const { cwd, repo, commit } = demoProject();
    const noParser = await startScriptedServer(["--thinking-in-content", "--reject-rate", "0"]);
    try {
      const file = writeExperiment(cwd, "think.yaml", generationExperiment("think", noParser.url, { functionsPerRepo: 4 }), repo, commit);
      expect(sera(["run", file], cwd).code).toBe(0);
      // The self-check and PR answers come after the thinking: every instance still gets through them.
      const rows = queryJson(cwd, "SELECT i.status, i.last_step FROM instances i JOIN runs ON runs.id = run_id WHERE experiment = 'think'");
      expect(rows).toHaveLength(4);
      expect(rows.filter((row) => row.status === "failed")).toEqual([]);
      const [trajectory] = queryJson(
        cwd,
        "SELECT r.trajectory_path FROM rollouts r JOIN runs ON runs.id = run_id WHERE experiment = 'think' AND phase = 'r1' LIMIT 1",
      );
      const messages = (
        JSON.parse(readFileSync(String(trajectory.trajectory_path), "utf8")) as { messages: { role: string; content: string; reasoning?: string }[] }
      ).messages;
      const assistant = messages.filter((message) => message.role === "assistant");
      expect(assistant.length).toBeGreaterThan(1);
      expect(assistant.every((message) => message.content.startsWith("<think>\n") && message.reasoning === undefined)).toBe(true);
      // The synthetic PR is the answer alone: the teacher's thinking before it stays out of rollout 2's task.
      const state = JSON.parse(readFileSync(path.join(path.dirname(String(trajectory.trajectory_path)), "state.json"), "utf8")) as {
        pr: { text: string } | null;
      };
      expect(state.pr?.text).toMatch(/\S/);
      expect(state.pr?.text).not.toContain("think>");
    } finally {
      await noParser.stop();
    }
  });

  it("completes under injected faults and records a reason for every failed instance", async () => {
    const { cwd, repo, commit } = demoProject();
    const flaky = await startScriptedServer(["--fault-5xx", "0.15", "--fault-malformed", "0.1", "--fault-timeout", "0.03", "--reject-rate", "0.3"]);
    try {
      const faults = writeExperiment(
        cwd,
        "faults.yaml",
        generationExperiment("faults", flaky.url, { functionsPerRepo: 10 }, { timeoutSeconds: 1, maxRetries: 3 }),
        repo,
        commit,
      );
      const result = sera(["run", faults], cwd);
      expect(result.code).toBe(0);
      const rows = queryJson(cwd, "SELECT i.status, i.failure_reason FROM instances i JOIN runs ON runs.id = run_id WHERE experiment = 'faults'");
      expect(rows).toHaveLength(10);
      expect(rows.filter((r) => r.status === "failed").every((r) => typeof r.failure_reason === "string")).toBe(true);
      const failedCalls = queryJson(cwd, "SELECT status, count(*)::INTEGER AS n FROM model_calls WHERE status <> 'ok' GROUP BY status");
      expect(failedCalls.length).toBeGreaterThan(0);
      // Each failed HTTP try of a call is followed by the client's next try of it, numbered 2, 3, … (not the rollout attempt).
      const retried = queryJson(
        cwd,
        `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE next.http_attempt = c.http_attempt + 1 AND next.rollout_attempt = c.rollout_attempt)::INTEGER AS numbered
         FROM model_calls c JOIN model_calls next ON next.run_id = c.run_id AND next.instance_id = c.instance_id AND next.seq = c.seq + 1
         WHERE c.status IN ('server_error', 'malformed_response', 'timeout') AND c.http_attempt <= 3`,
      );
      expect(retried[0].n).toBeGreaterThan(0);
      expect(retried[0].numbered).toBe(retried[0].n);
      expect(queryJson(cwd, "SELECT max(http_attempt)::INTEGER AS top FROM model_calls")[0].top).toBeGreaterThan(1);

      // A teacher that cannot be reached is an outage, not the instances' failure: the run fails
      // with the reason before any instance starts, and nothing is recorded as failed for good.
      const unreachable = writeExperiment(
        cwd,
        "down.yaml",
        generationExperiment("down", "http://127.0.0.1:9/v1", { functionsPerRepo: 3 }, { timeoutSeconds: 1, maxRetries: 0 }),
        repo,
        commit,
      );
      // One attempt is enough to see the start check's verdict (exit 75 would otherwise be retried twice).
      const down = sera(["run", unreachable, "--set", "executor.retries=0"], cwd);
      expect(down.code).toBe(1);
      expect(down.stdout).toMatch(/failed: exit code 75 — teacher unreachable before any instance started: http:\/\/127\.0\.0\.1:9\/v1 cannot be reached/);
      expect(queryJson(cwd, "SELECT count(*)::INTEGER AS n FROM instances i JOIN runs ON runs.id = run_id WHERE experiment = 'down'")).toEqual([{ n: 0 }]);
    } finally {
      await flaky.stop();
    }
  });
});
