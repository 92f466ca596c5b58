import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { queryJson, sera, seraAsync, succeededOnDisk, tempProject, waitFor } from "./support/sera.js";

const slowSweep = (sleepSeconds: number, concurrency = 2) => `
name: slow
backend: { kind: local, concurrency: ${concurrency} }
stages:
  work:
    kind: command
    params:
      # Each execution appends its run id to a shared log, so the test can count executions.
      run: |-
        sleep ${sleepSeconds}; echo "$SERA_RUN_ID" >> "$PWD/executions.log"; echo '{"score": {{n}}}'
      n: 0
sweep:
  grid:
    stages.work.params.n: [1, 2, 3, 4]
  seeds: 2
`;

describe("sera spine end to end", () => {
  it("a sweep killed with SIGKILL mid-run completes on rerun with every run recorded once", async () => {
    const cwd = tempProject({ "slow.yaml": slowSweep(0.7) });
    const first = seraAsync(["run", "slow.yaml"], cwd);
    await waitFor(() => succeededOnDisk(cwd, "slow") >= 2, 30_000, "two finished runs", first.child);
    first.child.kill("SIGKILL");
    await first.done;
    expect(succeededOnDisk(cwd, "slow")).toBeLessThan(8);

    const second = sera(["run", "slow.yaml"], cwd);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    const runs = queryJson(cwd, "SELECT id, status, attempt, failures FROM runs WHERE experiment = 'slow'");
    expect(runs).toHaveLength(8);
    expect(runs.every((r) => r.status === "succeeded")).toBe(true);
    // Runs in flight at the kill were re-attached, not started again: one execution per run.
    const executions = readFileSync(path.join(cwd, "executions.log"), "utf8").trim().split("\n");
    expect(executions).toHaveLength(8);
    expect(new Set(executions).size).toBe(8);
    // An attempt the kill caught mid-submit is abandoned (its number is not reused), never failed.
    expect(runs.every((r) => r.failures === 0 && Number(r.attempt) <= 2)).toBe(true);
    const [{ metrics }] = queryJson(cwd, "SELECT count(*)::INTEGER AS metrics FROM run_metrics WHERE name = 'score'");
    expect(metrics).toBe(8);
    const duplicates = queryJson(
      cwd,
      "SELECT run_id, event, attempt, count(*)::INTEGER AS n FROM run_events WHERE event = 'succeeded' GROUP BY ALL HAVING n > 1",
    );
    expect(duplicates).toEqual([]);

    // A third run does nothing and changes nothing.
    const eventsBefore = queryJson(cwd, "SELECT count(*)::INTEGER AS n FROM run_events")[0].n;
    const third = sera(["run", "slow.yaml"], cwd);
    expect(third.code).toBe(0);
    expect(third.stdout).not.toContain("submitted");
    expect(queryJson(cwd, "SELECT count(*)::INTEGER AS n FROM run_events")[0].n).toBe(eventsBefore);
  });

  it("status and query answer while a run is in progress", async () => {
    const cwd = tempProject({ "slow.yaml": slowSweep(3, 1) });
    const running = seraAsync(["run", "slow.yaml"], cwd);
    await waitFor(() => existsSync(path.join(cwd, ".sera/sera.duckdb")), 20_000, "the store", running.child);
    await waitFor(() => readdirSync(path.join(cwd, ".sera/experiments/slow/runs")).length === 8, 20_000, "the run directories");
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const status = sera(["status", "slow.yaml"], cwd);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/slow\s+work\s+(queued|running|submitted)/);
    const live = queryJson(cwd, "SELECT status, count(*)::INTEGER AS n FROM runs GROUP BY status");
    expect(live.reduce((sum, row) => sum + Number(row.n), 0)).toBe(8);
    expect(live.some((row) => row.status !== "succeeded")).toBe(true);
    // Stop it while a run is executing (on a loaded machine the first may not have started yet).
    await waitFor(() => queryJson(cwd, "SELECT count(*)::INTEGER AS n FROM runs WHERE status = 'running'")[0].n >= 1, 60_000, "a running run", running.child);
    running.child.kill("SIGTERM");
    const stopped = await running.done;
    expect(stopped.code).toBe(130);
    const after = queryJson(cwd, "SELECT status, count(*)::INTEGER AS n FROM runs GROUP BY status ORDER BY status");
    expect(after.find((r) => r.status === "interrupted")).toBeTruthy();
    expect(after.find((r) => r.status === "running" || r.status === "submitted")).toBeUndefined();
    // Interrupted runs resume without using their retry budget.
    const resumed = sera(["run", "slow.yaml", "--concurrency", "4", "--set", "stages.work.params.run=echo resumed"], cwd);
    expect(resumed.code).toBe(0);
  });

  it("retries retryable failures with backoff, fails others at once, and skips their dependants", () => {
    const cwd = tempProject({
      "flaky.yaml": `
name: flaky
executor: { retries: 1, backoffSeconds: 0.2 }
stages:
  flaky:
    kind: command
    params:
      # Exit 75 (temporary failure) the first time, succeed the second.
      run: if [ -e "$PWD/flaky.seen" ]; then echo ok; else touch "$PWD/flaky.seen"; exit 75; fi
  broken:
    kind: command
    params: { run: "echo boom >&2; exit 3" }
  after_broken:
    kind: command
    needs: [broken]
    params: { run: "true" }
`,
    });
    const result = sera(["run", "flaky.yaml"], cwd);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("retry in 0.2s");
    const rows = queryJson(cwd, "SELECT stage, status, attempt, failures, error, stderr_tail FROM runs ORDER BY stage");
    expect(rows).toEqual([
      expect.objectContaining({ stage: "after_broken", status: "skipped", attempt: 0, error: expect.stringMatching(/upstream broken run \w+ failed/) }),
      expect.objectContaining({ stage: "broken", status: "failed", attempt: 1, failures: 1, error: "exit code 3", stderr_tail: "boom\n" }),
      expect.objectContaining({ stage: "flaky", status: "succeeded", attempt: 2, failures: 1 }),
    ]);
    // A rerun re-queues the failed run within its budget (2 attempts), then stops trying.
    expect(sera(["run", "flaky.yaml"], cwd).code).toBe(1);
    expect(queryJson(cwd, "SELECT attempt FROM runs WHERE stage = 'broken'")[0].attempt).toBe(2);
    const exhausted = sera(["run", "flaky.yaml"], cwd);
    expect(exhausted.code).toBe(1);
    expect(exhausted.stdout).not.toContain("submitted");
    expect(queryJson(cwd, "SELECT attempt FROM runs WHERE stage = 'broken'")[0].attempt).toBe(2);
    expect(sera(["run", "flaky.yaml", "--retry-failed"], cwd).stdout).toMatch(/broken \w+ seed=1 \[attempt 3\] submitted/);
  });

  it("enforces the per-run timeout on the whole process tree", async () => {
    const cwd = tempProject({
      "slowpoke.yaml": `
name: slowpoke
executor: { retries: 0, timeoutSeconds: 1 }
stages:
  hang:
    kind: command
    params: { run: 'sleep 60 & echo $! > "$PWD/child.pid"; wait' }
`,
    });
    const result = sera(["run", "slowpoke.yaml"], cwd);
    expect(result.code).toBe(1);
    expect(queryJson(cwd, "SELECT status, error FROM runs")).toEqual([{ status: "timeout", error: "timed out after 1 s" }]);
    const pid = Number(readFileSync(path.join(cwd, "child.pid"), "utf8"));
    await waitFor(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z"), 10_000, "the background child to die");
  });

  it("records declared outputs as artifacts and fails runs that do not write them", () => {
    const cwd = tempProject({
      "outputs.yaml": `
name: outputs
executor: { retries: 0 }
stages:
  writes:
    kind: command
    params: { run: 'printf "a,b\\n1,2\\n" > "$SERA_OUT_DIR/table.csv"; echo "{\\"cost\\": {\\"kind\\": \\"api_usd\\", \\"quantity\\": 2, \\"unit\\": \\"usd\\", \\"unit_price\\": 1.5}}"', outputs: [table.csv] }
  forgets:
    kind: command
    params: { run: "true", outputs: [missing.parquet] }
`,
    });
    expect(sera(["run", "outputs.yaml"], cwd).code).toBe(1);
    expect(queryJson(cwd, "SELECT stage, status, error FROM runs ORDER BY stage")).toEqual([
      { stage: "forgets", status: "failed", error: "declared output not written: missing.parquet" },
      { stage: "writes", status: "succeeded", error: null },
    ]);
    expect(queryJson(cwd, "SELECT path, kind, bytes::INTEGER AS bytes, length(sha256)::INTEGER AS hash FROM artifacts")).toEqual([
      { path: "table.csv", kind: "csv", bytes: 8, hash: 64 },
    ]);
    expect(queryJson(cwd, "SELECT kind, quantity, usd FROM cost_ledger")).toEqual([{ kind: "api_usd", quantity: 2, usd: 3 }]);
  });

  it("reports bad input in one line with exit code 2 and records nothing", () => {
    const cwd = tempProject({ "bad.yaml": "name: bad\nstages:\n  a:\n    kind: command\n    params: { run: 'true' }\n    retires: 2\n" });
    const result = sera(["run", "bad.yaml"], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual(['sera: bad.yaml: stages.a.retires: unknown key "retires"']);
    expect(existsSync(path.join(cwd, ".sera"))).toBe(false);
    expect(sera(["run", "missing.yaml"], cwd).code).toBe(2);
    expect(sera(["frobnicate"], cwd).code).toBe(2);
    const sql = sera(["query", "SELEC nonsense", "--store", path.join(cwd, "nope.duckdb")], cwd);
    expect(sql.code).toBe(2);
    expect(sql.stderr).toMatch(/no store here yet/);
  });

  it("init scaffolds a file that plans and runs; runs show describes a run", () => {
    const cwd = tempProject();
    expect(sera(["init", "experiments/mine"], cwd).code).toBe(0);
    expect(sera(["init", "experiments/mine"], cwd).code).toBe(2);
    const plan = sera(["plan", "experiments/mine.yaml"], cwd);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/5 runs across 2 stages from 4 sweep cells/);
    expect(sera(["run", "experiments/mine.yaml"], cwd).code).toBe(0);
    expect(sera(["plan", "experiments/mine.yaml"], cwd).stdout).toMatch(/succeeded/);
    const [{ id }] = queryJson(cwd, "SELECT id FROM runs WHERE stage = 'train' ORDER BY id LIMIT 1");
    const show = sera(["runs", "show", String(id).slice(0, 8)], cwd);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/status\s+succeeded/);
    expect(show.stdout).toMatch(/loss/);
    const csv = sera(["query", "SELECT stage, count(*)::INTEGER AS n FROM runs GROUP BY stage ORDER BY stage", "--csv"], cwd);
    expect(csv.stdout).toBe("stage,n\nprepare,1\ntrain,4\n");
  });
});
