import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadExperiment, readEvents, runExperiment, runPaths, withStore, type RunReport } from "../src/index.js";
import { startRayDashboard, type StandInDashboard } from "./ray-dashboard.js";

/**
 * The coordinator with `backend: ray` against the loopback stand-in dashboard: each attempt is a
 * Ray job whose entrypoint really runs sera's worker on the attempt directory (the test machine
 * is its own "shared filesystem"). Not run against a live Ray cluster: none can be installed here.
 */

const workerScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/executor/worker-main.js");

beforeAll(() => {
  if (!existsSync(workerScript)) throw new Error(`${workerScript} is missing; build first (npx tsc -b packages/core)`);
});

let dashboard: StandInDashboard;
let root: string;
beforeEach(async () => {
  dashboard = await startRayDashboard({ pendingMs: 100 });
  root = mkdtempSync(path.join(os.tmpdir(), "sera-ray-"));
});
afterEach(async () => {
  await dashboard.close();
});

function experiment(name: string, stages: string, backendExtra = "", executor = "{ retries: 1, backoffSeconds: 0 }") {
  const file = path.join(root, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
store: ${path.join(root, "sera.duckdb")}
dir: ${path.join(root, name)}
backend: { kind: ray, address: "${dashboard.url}", pollSeconds: 0.1, node: "${process.execPath}", workerScript: "${workerScript}", resultGraceSeconds: 0.5${backendExtra} }
executor: ${executor}
stages:
${stages}`,
  );
  return loadExperiment(file);
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return withStore(path.join(root, "sera.duckdb"), { readOnly: true, waitMs: 10_000 }, async (store) =>
    (await store.connection.runAndReadAll(sql)).getRowObjectsJson(),
  );
}

describe("Ray Jobs backend through the coordinator", () => {
  it("runs attempts as Ray jobs: success, failure, a retried failure, logs, metadata and accounting", async () => {
    const loaded = experiment(
      "mix",
      `  work:
    kind: command
    resources: { cpusPerTask: 2, gpus: 0, memory: 1G }
    params:
      run: 'echo "{\\"score\\": {{n}}}"; sleep 0.3; case {{n}} in 2) exit 4;; 3) [ {{attempt}} = 1 ] && exit 75;; esac; true'
      n: 0
sweep:
  grid: { stages.work.params.n: [1, 2, 3] }
`,
      ", deleteFinished: true, prices: { cpuHour: 0.05 }",
    );
    const report = await runExperiment(loaded, { pollIntervalMs: 50 });
    expect(report.counts).toEqual({ succeeded: 2, failed: 1 });
    const runs = await rows("SELECT id, p_n, status, attempt, failures, backend, job_ref, error FROM runs ORDER BY p_n");
    expect(runs).toEqual([
      expect.objectContaining({ p_n: 1, status: "succeeded", attempt: 1, backend: "ray" }),
      expect.objectContaining({ p_n: 2, status: "failed", attempt: 1, error: "exit code 4" }),
      expect.objectContaining({ p_n: 3, status: "succeeded", attempt: 2, failures: 1 }),
    ]);
    expect(String(runs[0].job_ref)).toMatch(/^sera-[0-9a-f]{16}-1-[0-9a-f]{8}$/);

    const attemptDir = runPaths(path.join(root, "mix"), String(runs[0].id)).attemptDir(1);
    const submitted = JSON.parse(readFileSync(path.join(attemptDir, "ray-submission.json"), "utf8"));
    expect(submitted).toMatchObject({
      entrypoint_num_cpus: 2,
      entrypoint_num_gpus: 0,
      entrypoint_memory: 1024 ** 3,
      metadata: { sera_experiment: "mix", sera_stage: "work", sera_run_id: runs[0].id, sera_attempt: "1" },
      runtime_env: { env_vars: { RAY_JOB_STOP_WAIT_TIME_S: "15", SERA_BACKEND: "ray" } },
    });
    expect(submitted.entrypoint).toContain(`worker-main.js ${attemptDir}`);
    expect(readFileSync(path.join(attemptDir, "stdout.log"), "utf8")).toContain('{"score": 1}');
    expect(existsSync(path.join(attemptDir, "ray-job.log"))).toBe(true);

    // Four attempts, each with a CPU-hour line from the worker's own start/finish × 2 requested CPUs.
    const ledger = await rows("SELECT attempt, kind, quantity, unit_price, usd, source FROM cost_ledger WHERE kind = 'cpu_hours'");
    expect(ledger).toHaveLength(4);
    for (const line of ledger) {
      expect(Number(line.quantity) * 3600).toBeGreaterThan(2 * 0.25);
      expect(Number(line.quantity) * 3600).toBeLessThan(2 * 20);
      expect(Number(line.usd)).toBeCloseTo(Number(line.quantity) * 0.05, 10);
      expect(String(line.source)).toMatch(/^ray job sera-/);
    }
    // deleteFinished: the cluster keeps no finished sera jobs.
    expect(dashboard.jobs.size).toBe(0);
    expect(dashboard.requests.filter((r) => r.method === "DELETE")).toHaveLength(4);
  });

  it("books the worker's own start-to-finish time, not Ray's start_time (stamped at submission, while PENDING)", async () => {
    await dashboard.close();
    // A second and a half of queueing / runtime_env set-up before the driver starts.
    dashboard = await startRayDashboard({ pendingMs: 1500 });
    const loaded = experiment(
      "held",
      `  work:\n    kind: command\n    resources: { cpusPerTask: 2 }\n    params: { run: "sleep 0.2" }\n`,
      ", prices: { cpuHour: 1 }",
    );
    expect((await runExperiment(loaded, { pollIntervalMs: 50 })).counts).toEqual({ succeeded: 1 });
    const [run] = await rows("SELECT id FROM runs");
    const attemptDir = runPaths(path.join(root, "held"), String(run.id)).attemptDir(1);
    const started = Date.parse(JSON.parse(readFileSync(path.join(attemptDir, "started.json"), "utf8")).at);
    const finished = Date.parse(JSON.parse(readFileSync(path.join(attemptDir, "result.json"), "utf8")).finishedAt);
    const [line] = await rows("SELECT quantity, source FROM cost_ledger WHERE kind = 'cpu_hours'");
    expect(Number(line.quantity) * 3600).toBeCloseTo((2 * (finished - started)) / 1000, 6);
    expect(String(line.source)).toMatch(/worker start to finish/);
    const [job] = [...dashboard.jobs.values()];
    // Ray's own span includes the PENDING time, which was not booked.
    expect(Number(job.details.end_time) - Number(job.details.start_time)).toBeGreaterThanOrEqual(finished - started + 1400);
  });

  it("a job PENDING past Ray's start timeout is lost with a reason that names the resources, and books nothing", async () => {
    await dashboard.close();
    // A CPU-only cluster: a job asking for a GPU is never scheduled, and Ray fails it at the start timeout.
    dashboard = await startRayDashboard({ pendingMs: 50, startTimeoutSeconds: 0.5, gpus: 0 });
    const loaded = experiment(
      "unschedulable",
      `  work:\n    kind: command\n    resources: { gpus: 1 }\n    params: { run: "true" }\n`,
      "",
      "{ retries: 0, backoffSeconds: 0 }",
    );
    const report = await runExperiment(loaded, { pollIntervalMs: 50 });
    expect(report.exitCode).toBe(1);
    const [run] = await rows("SELECT id, status, error FROM runs");
    expect(run.status).not.toBe("succeeded");
    const paths = runPaths(path.join(root, "unschedulable"), String(run.id));
    const lost = readEvents(paths).find((e) => e.event === "lost");
    expect(lost?.detail?.error).toMatch(
      /^Ray job sera-\S+ never started: it stayed PENDING past the cluster's start timeout \(RAY_JOB_START_TIMEOUT_SECONDS.*resources \(1 GPU\)/,
    );
    expect(lost?.detail?.error).toMatch(/JOB_SUPERVISOR_ACTOR_START_TIMEOUT/);
    expect(existsSync(path.join(paths.attemptDir(1), "accounting.jsonl"))).toBe(false);
    expect(await rows("SELECT * FROM cost_ledger")).toEqual([]);
  });

  it("an abort stops the Ray job: the worker reports cancelled and the run is interrupted", async () => {
    const loaded = experiment("stop", `  work:\n    kind: command\n    params: { run: "echo begun; sleep 60" }\n`);
    const controller = new AbortController();
    const running = runExperiment(loaded, { signal: controller.signal, pollIntervalMs: 50 });
    await attemptPrinted(path.join(root, "stop"), "begun");
    controller.abort();
    const report: RunReport = await running;
    expect(report.exitCode).toBe(130);
    const [job] = [...dashboard.jobs.values()];
    expect(job.details.status).toBe("STOPPED");
    const [run] = await rows("SELECT id, status, failures FROM runs");
    expect(run).toMatchObject({ status: "interrupted", failures: 0 });
    const result = JSON.parse(readFileSync(path.join(runPaths(path.join(root, "stop"), String(run.id)).attemptDir(1), "result.json"), "utf8"));
    expect(result.status).toBe("cancelled");
  });

  it("a job stopped before its driver started is cancelled, not lost", async () => {
    await dashboard.close();
    dashboard = await startRayDashboard({ pendingMs: 60_000 });
    const loaded = experiment("pending", `  work:\n    kind: command\n    params: { run: "true" }\n`);
    const controller = new AbortController();
    const running = runExperiment(loaded, { signal: controller.signal, pollIntervalMs: 50 });
    while (dashboard.jobs.size === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect((await running).exitCode).toBe(130);
    const [run] = await rows("SELECT id, status, failures, error FROM runs");
    expect(run).toMatchObject({ status: "interrupted", failures: 0 });
    const events = readEvents(runPaths(path.join(root, "pending"), String(run.id)));
    expect(events.at(-1)).toMatchObject({ event: "interrupted", detail: { error: "interrupted" } });
  });

  it("a driver that dies without a result is a lost attempt, retried with Ray's reason recorded", async () => {
    const loaded = experiment("lost", `  work:\n    kind: command\n    params: { run: 'echo begun; if [ {{attempt}} = 1 ]; then sleep 3; fi' }\n`);
    const running = runExperiment(loaded, { pollIntervalMs: 50 });
    // Once the worker runs its command, take the driver away as a dead node would.
    await attemptPrinted(path.join(root, "lost"), "begun");
    const [first] = [...dashboard.jobs.keys()];
    dashboard.killDriver(first);
    const report = await running;
    expect(report.exitCode).toBe(0);
    const [run] = await rows("SELECT id, status, attempt, failures FROM runs");
    expect(run).toMatchObject({ status: "succeeded", attempt: 2, failures: 1 });
    const lost = readEvents(runPaths(path.join(root, "lost"), String(run.id))).find((e) => e.event === "lost");
    expect(lost?.detail?.error).toMatch(/^Ray job sera-\S+ ended FAILED without a result from its worker \(JOB_ENTRYPOINT_COMMAND_ERROR: .*signal SIGKILL/);
  });

  it("uploads a working directory once and runs commands inside the unpacked copy", async () => {
    const project = path.join(root, "project");
    mkdirSync(project);
    writeFileSync(path.join(project, "data.txt"), "from the package\n");
    const loaded = experiment(
      "upload",
      `  work:\n    kind: command\n    params: { run: 'cat data.txt; pwd > "$SERA_OUT_DIR/where.txt"', cwd: "${project}", n: 0 }\nsweep:\n  grid: { stages.work.params.n: [1, 2] }\n`,
      `, uploadWorkingDir: "${project}"`,
    );
    const report = await runExperiment(loaded, { pollIntervalMs: 50 });
    expect(report.counts).toEqual({ succeeded: 2 });
    expect(dashboard.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
    for (const run of await rows("SELECT id FROM runs")) {
      const paths = runPaths(path.join(root, "upload"), String(run.id));
      expect(readFileSync(path.join(paths.attemptDir(1), "stdout.log"), "utf8")).toBe("from the package\n");
      const where = readFileSync(path.join(paths.outDir, "where.txt"), "utf8").trim();
      expect(where).not.toBe(project);
      expect(where).toMatch(/ray-standin-job-.*\/working_dir$/);
    }
  });
});

/** Wait until some run's first attempt has printed `text` to its stdout.log. */
async function attemptPrinted(experimentDir: string, text: string): Promise<void> {
  const runsDir = path.join(experimentDir, "runs");
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ids = existsSync(runsDir) ? readdirSync(runsDir) : [];
    if (
      ids.some((id) => {
        const log = path.join(runsDir, id, "attempt-1", "stdout.log");
        return existsSync(log) && readFileSync(log, "utf8").includes(text);
      })
    )
      return;
    if (Date.now() > deadline) throw new Error(`no attempt printed ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}
