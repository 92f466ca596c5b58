import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { queryJson, sera, seraAsync, tempProject, waitFor } from "./support/sera.js";

/**
 * `sera run` with `backend: slurm` against the real single-node cluster that .ci/slurm-up.sh
 * starts (CI runs it before the tests). Every job here is a real sbatch job; the cluster's
 * `urgent` partition preempts `debug` jobs, which is how a preemption is caused for real.
 */

beforeAll(() => {
  try {
    execFileSync("sinfo", ["-h"], { encoding: "utf8" });
  } catch {
    throw new Error("no Slurm cluster answers here; start one with: sudo .ci/slurm-up.sh");
  }
});

const backend = "backend: { kind: slurm, pollSeconds: 0.3, resources: { memory: 200M } }";

function runDirs(cwd: string, experiment: string): string[] {
  const runs = path.join(cwd, ".sera/experiments", experiment, "runs");
  return existsSync(runs) ? readdirSync(runs).map((id) => path.join(runs, id)) : [];
}

function slurmState(jobId: string): string {
  return execFileSync("sacct", ["-j", jobId, "-X", "-P", "-n", "--format=State"], { encoding: "utf8" }).trim().split(" ")[0];
}

function events(cwd: string, runId: string): { attempt: number; event: string; detail: Record<string, unknown> | null }[] {
  return queryJson(cwd, `SELECT attempt, event, detail FROM run_events WHERE run_id = '${runId}' ORDER BY seq`).map((row) => ({
    attempt: Number(row.attempt),
    event: String(row.event),
    detail: row.detail === null ? null : (JSON.parse(String(row.detail)) as Record<string, unknown>),
  }));
}

describe("sera run on Slurm", () => {
  it("runs a sweep as batch jobs: success, a failure, a retried failure, logs and sacct accounting", () => {
    const cwd = tempProject({
      "mix.yaml": `
name: mix
${backend}
executor: { retries: 1, backoffSeconds: 0 }
stages:
  work:
    kind: command
    params:
      # n=2 fails for good; n=3 fails with 75 (temporary) on its first attempt only.
      run: 'echo "{\\"score\\": {{n}}}"; sleep 1.2; case {{n}} in 2) echo broken >&2; exit 1;; 3) [ {{attempt}} = 1 ] && exit 75;; esac; true'
      n: 0
sweep:
  grid: { stages.work.params.n: [1, 2, 3] }
`,
    });
    const result = sera(["run", "mix.yaml"], cwd);
    expect(result.code).toBe(1);
    const runs = queryJson(cwd, "SELECT id, p_n, status, attempt, failures, backend, job_ref, error, wall_seconds FROM runs ORDER BY p_n");
    expect(runs).toEqual([
      expect.objectContaining({ p_n: 1, status: "succeeded", attempt: 1, failures: 0, backend: "slurm" }),
      expect.objectContaining({ p_n: 2, status: "failed", attempt: 1, failures: 1, error: "exit code 1" }),
      expect.objectContaining({ p_n: 3, status: "succeeded", attempt: 2, failures: 1 }),
    ]);
    // The three first attempts went as one job array; n=3's retry is a job of its own.
    const arrayId = String(runs[0].job_ref).split("_")[0];
    expect(runs.slice(0, 2).map((run) => run.job_ref)).toEqual([`${arrayId}_0`, `${arrayId}_1`]);
    expect(String(runs[2].job_ref)).toMatch(/^\d+$/);
    expect(events(cwd, String(runs[2].id)).find((e) => e.event === "submitted")?.detail).toEqual({ jobRef: `${arrayId}_2` });
    expect(slurmState(String(runs[0].job_ref))).toBe("COMPLETED");
    expect(slurmState(String(runs[1].job_ref))).toBe("FAILED");

    // Logs: the worker's files and Slurm's own output file sit in each attempt directory.
    const failedAttempt = path.join(cwd, ".sera/experiments/mix/runs", String(runs[1].id), "attempt-1");
    expect(readFileSync(path.join(failedAttempt, "stderr.log"), "utf8")).toContain("broken");
    expect(readFileSync(path.join(failedAttempt, "stdout.log"), "utf8")).toContain('{"score": 2}');
    expect(readdirSync(failedAttempt)).toEqual(expect.arrayContaining([`slurm-${runs[1].job_ref}.out`, `slurm-${runs[1].job_ref}.err`, "slurm-job.sh"]));

    // Accounting: one CPU-hour and one GPU-hour line per attempt (4 attempts), from sacct's ElapsedRaw × AllocTRES.
    const ledger = queryJson(cwd, "SELECT run_id, attempt, kind, quantity, unit, source FROM cost_ledger ORDER BY run_id, attempt, kind");
    expect(ledger).toHaveLength(8);
    for (const line of ledger.filter((l) => l.kind === "cpu_hours")) {
      expect(line.source).toMatch(/^slurm (sacct|scontrol) job \d+(_\d)?$/);
      // Each job slept 1.2 s on one CPU; sacct rounds to whole seconds.
      expect(Number(line.quantity) * 3600).toBeGreaterThanOrEqual(1);
      expect(Number(line.quantity) * 3600).toBeLessThan(20);
    }
    expect(ledger.filter((l) => l.kind === "gpu_hours").every((l) => l.quantity === 0)).toBe(true);
    // Ingesting again (a rerun with no retry budget left, so nothing to do) leaves the ledger as it was.
    const again = sera(["run", "mix.yaml", "--set", "executor.retries=0"], cwd);
    expect(again.code).toBe(1);
    expect(again.stdout).not.toContain("submitted");
    expect(queryJson(cwd, "SELECT count(*)::INTEGER AS n FROM cost_ledger")[0].n).toBe(8);
  });

  it("Ctrl-C cancels the Slurm job with scancel and marks the run interrupted; a rerun finishes it", async () => {
    const cwd = tempProject({
      "cancel.yaml": `
name: cancel
${backend}
stages:
  work:
    kind: command
    params: { run: 'echo begun; if [ {{attempt}} = 1 ]; then sleep 120; fi' }
`,
    });
    const running = seraAsync(["run", "cancel.yaml"], cwd);
    await waitFor(
      () =>
        runDirs(cwd, "cancel").some(
          (dir) => existsSync(path.join(dir, "attempt-1/stdout.log")) && readFileSync(path.join(dir, "attempt-1/stdout.log"), "utf8").includes("begun"),
        ),
      30_000,
      "the job to start",
      running.child,
    );
    running.child.kill("SIGINT");
    const stopped = await running.done;
    expect(stopped.code).toBe(130);
    const [run] = queryJson(cwd, "SELECT id, status, failures, job_ref FROM runs");
    expect(run).toMatchObject({ status: "interrupted", failures: 0 });
    expect(slurmState(String(run.job_ref))).toBe("CANCELLED");
    expect(execFileSync("squeue", ["-h", "-j", String(run.job_ref)], { encoding: "utf8" }).trim()).toBe("");

    const resumed = sera(["run", "cancel.yaml"], cwd);
    expect(resumed.code).toBe(0);
    expect(queryJson(cwd, "SELECT status, attempt, failures FROM runs")).toEqual([{ status: "succeeded", attempt: 2, failures: 0 }]);
  });

  it("after kill -9 of the coordinator, a rerun re-attaches to the Slurm jobs and records every run once", async () => {
    const cwd = tempProject({
      "attach.yaml": `
name: attach
${backend}
stages:
  work:
    kind: command
    params:
      run: 'sleep 2.5; echo "$SERA_RUN_ID" >> "$PWD/executions.log"'
      n: 0
sweep:
  grid: { stages.work.params.n: [1, 2, 3, 4] }
`,
    });
    const first = seraAsync(["run", "attach.yaml"], cwd);
    await waitFor(
      () => runDirs(cwd, "attach").filter((dir) => existsSync(path.join(dir, "attempt-1/handle.json"))).length === 4,
      30_000,
      "four submitted jobs",
      first.child,
    );
    first.child.kill("SIGKILL");
    await first.done;
    const jobIds = runDirs(cwd, "attach").map((dir) => JSON.parse(readFileSync(path.join(dir, "attempt-1/handle.json"), "utf8")).jobRef as string);
    // The jobs outlive the coordinator: Slurm still has them.
    expect(
      execFileSync("squeue", ["-h", "-o", "%i", "-j", jobIds.join(",")], { encoding: "utf8" })
        .trim()
        .split("\n").length,
    ).toBeGreaterThan(0);

    const second = sera(["run", "attach.yaml"], cwd);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("reattached");
    const runs = queryJson(cwd, "SELECT id, status, attempt, failures, job_ref FROM runs");
    expect(runs).toHaveLength(4);
    expect(runs.every((r) => r.status === "succeeded" && r.attempt === 1 && r.failures === 0)).toBe(true);
    expect(runs.map((r) => String(r.job_ref)).sort()).toEqual([...jobIds].sort());
    const executions = readFileSync(path.join(cwd, "executions.log"), "utf8").trim().split("\n");
    expect(executions).toHaveLength(4);
    expect(new Set(executions).size).toBe(4);
    expect(queryJson(cwd, "SELECT count(DISTINCT run_id)::INTEGER AS n FROM cost_ledger WHERE kind = 'cpu_hours'")[0].n).toBe(4);
  });

  it("a preempted job is a lost attempt: retried within the budget, its used CPU time still accounted", async () => {
    const cpus = Number(execFileSync("sinfo", ["-h", "-p", "debug", "-o", "%c"], { encoding: "utf8" }).trim().split("\n")[0]);
    const cwd = tempProject({
      "preempt.yaml": `
name: preempt
${backend}
executor: { retries: 1, backoffSeconds: 0 }
stages:
  work:
    kind: command
    # The whole node, so the urgent job below can only make room by preempting this one.
    resources: { cpusPerTask: ${cpus}, memory: 200M }
    params: { run: 'echo begun; if [ {{attempt}} = 1 ]; then sleep 120; fi' }
`,
    });
    const running = seraAsync(["run", "preempt.yaml"], cwd);
    await waitFor(
      () =>
        runDirs(cwd, "preempt").some(
          (dir) => existsSync(path.join(dir, "attempt-1/stdout.log")) && readFileSync(path.join(dir, "attempt-1/stdout.log"), "utf8").includes("begun"),
        ),
      60_000,
      "the job to start",
      running.child,
    );
    execFileSync("sbatch", ["--parsable", "--partition=urgent", "--cpus-per-task=1", "--mem=100M", "--output=/dev/null", "--wrap", "sleep 1"], {
      encoding: "utf8",
    });
    const done = await running.done;
    expect(done.code).toBe(0);
    const [run] = queryJson(cwd, "SELECT id, status, attempt, failures FROM runs");
    expect(run).toMatchObject({ status: "succeeded", attempt: 2, failures: 1 });
    const history = events(cwd, String(run.id)).filter((e) => e.event !== "queued" && e.event !== "running");
    expect(history.map((e) => `${e.attempt}:${e.event}`)).toEqual(["1:submitted", "1:lost", "1:retry_scheduled", "2:submitted", "2:succeeded"]);
    expect(String(history[1].detail?.error)).toMatch(/^Slurm job \d+ ended PREEMPTED$/);
    const [first] = queryJson(cwd, "SELECT quantity, source FROM cost_ledger WHERE attempt = 1 AND kind = 'cpu_hours'");
    expect(first.source).toMatch(/^slurm sacct job \d+$/);
    expect(Number(first.quantity)).toBeGreaterThan(0);
  });
});
