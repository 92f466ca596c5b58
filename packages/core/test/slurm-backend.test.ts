import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { readJsonl, slurmBackend, slurmBackendSchema, writeJsonAtomic, type Backend, type JobHandle, type JobState } from "../src/index.js";
import type { CostLine } from "../src/store/tables.js";

/**
 * The Slurm backend against a real single-node cluster (.ci/slurm-up.sh starts one; CI runs it).
 * Attempt directories are written by hand here, as the coordinator would, so each Slurm outcome
 * can be provoked directly; test/slurm.e2e.test.ts drives the same backend through `sera run`.
 */

const workerScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/executor/worker-main.js");

beforeAll(() => {
  try {
    execFileSync("sinfo", ["-h", "-o", "%T"], { encoding: "utf8" });
  } catch (error) {
    throw new Error(`no Slurm cluster answers here (${(error as Error).message.split("\n")[0]}); start one with: sudo .ci/slurm-up.sh`);
  }
  if (!existsSync(workerScript)) throw new Error(`${workerScript} is missing; build first (npx tsc -b packages/core)`);
});

function backendFor(settings: Record<string, unknown> = {}): Backend {
  return slurmBackend({ config: slurmBackendSchema.parse({ kind: "slurm", pollSeconds: 0.3, workerScript, resources: { memory: "200M" }, ...settings }) });
}

/** An attempt directory as the coordinator leaves it before submitting: run.json beside it, job.json inside. */
function attempt(argv: string[], root = mkdtempSync(path.join(os.tmpdir(), "sera-slurm-"))): string {
  const runDir = path.join(root, "runs", "r1");
  const attemptDir = path.join(runDir, "attempt-1");
  mkdirSync(attemptDir, { recursive: true });
  writeJsonAtomic(path.join(runDir, "run.json"), { id: "r1", experiment: "t", stage: "work" });
  writeJsonAtomic(path.join(attemptDir, "job.json"), {
    runId: "r1abcdef0123",
    attempt: 1,
    argv,
    env: { SERA_STAGE: "work" },
    cwd: root,
    outDir: path.join(runDir, "out"),
    outputs: [],
    timeoutSeconds: null,
  });
  return attemptDir;
}

/** Submit and record the handle, as the coordinator does (the worker waits for handle.json). */
async function submit(backend: Backend, attemptDir: string): Promise<JobHandle> {
  const handle = await backend.submit(attemptDir);
  writeJsonAtomic(path.join(attemptDir, "handle.json"), handle);
  return handle;
}

async function pollUntil(backend: Backend, handle: JobHandle, attemptDir: string, wanted: (s: JobState) => boolean, timeoutMs = 30_000): Promise<JobState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await backend.poll(handle, attemptDir);
    if (wanted(state)) return state;
    if (Date.now() > deadline) throw new Error(`job ${handle.jobRef} still ${state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const finished = (s: JobState) => s === "done" || s === "lost";

function slurmState(jobId: string): string {
  return execFileSync("sacct", ["-j", jobId, "-X", "-P", "-n", "--format=State"], { encoding: "utf8" }).trim().split(" ")[0];
}

describe("Slurm backend on a real cluster", () => {
  it("runs the worker as a batch job in a directory with a space, and records sacct accounting", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sera slurm "));
    const attemptDir = attempt(["bash", "-c", 'echo "{\\"loss\\": 0.5}"; echo to-stderr >&2; sleep 1.2'], root);
    const backend = backendFor({ resources: { memory: "200M", cpusPerTask: 1 }, env: { SERA_TEST_MARK: "from the backend" } });
    const handle = await submit(backend, attemptDir);
    expect(handle).toMatchObject({ backend: "slurm", jobRef: expect.stringMatching(/^\d+$/) });
    expect(await pollUntil(backend, handle, attemptDir, finished)).toBe("done");
    const result = await backend.collect(handle, attemptDir);
    expect(result).toMatchObject({ status: "succeeded", exitCode: 0 });
    expect(readFileSync(path.join(attemptDir, "stdout.log"), "utf8")).toContain('{"loss": 0.5}');
    expect(readFileSync(path.join(attemptDir, "stderr.log"), "utf8")).toContain("to-stderr");
    expect(existsSync(path.join(attemptDir, `slurm-${handle.jobRef}.out`))).toBe(true);
    const script = readFileSync(path.join(attemptDir, "slurm-job.sh"), "utf8");
    expect(script).toContain("#SBATCH --cpus-per-task=1");
    expect(script).toContain("export SERA_TEST_MARK='from the backend'");
    expect(slurmState(handle.jobRef)).toBe("COMPLETED");

    const lines = readJsonl<CostLine>(path.join(attemptDir, "accounting.jsonl"));
    const cpu = lines.find((l) => l.kind === "cpu_hours")!;
    expect(cpu.source).toBe(`slurm sacct job ${handle.jobRef}`);
    // The job slept 1.2 s on one CPU; sacct counts whole seconds.
    expect(cpu.quantity * 3600).toBeGreaterThanOrEqual(1);
    expect(cpu.quantity * 3600).toBeLessThan(30);
    expect(lines.find((l) => l.kind === "gpu_hours")).toMatchObject({ quantity: 0, unit: "gpu_hours" });
  });

  it("a GPU request becomes gres/gpu, and GPU-hours come from sacct's AllocTRES", async () => {
    // The test cluster's two GPUs are stand-ins (.ci/slurm-up.sh): Slurm allocates and accounts them, no hardware exists.
    const attemptDir = attempt(["bash", "-c", 'echo "visible=$CUDA_VISIBLE_DEVICES backend=$SERA_BACKEND"; sleep 1.5']);
    const backend = backendFor({ resources: { memory: "200M", cpusPerTask: 1, gpus: 2 } });
    const handle = await submit(backend, attemptDir);
    expect(await pollUntil(backend, handle, attemptDir, finished)).toBe("done");
    expect((await backend.collect(handle, attemptDir)).status).toBe("succeeded");
    expect(readFileSync(path.join(attemptDir, "slurm-job.sh"), "utf8")).toContain("#SBATCH --gres=gpu:2");
    expect(readFileSync(path.join(attemptDir, "stdout.log"), "utf8")).toBe("visible=0,1 backend=slurm\n");
    const lines = readJsonl<CostLine>(path.join(attemptDir, "accounting.jsonl"));
    const gpu = lines.find((l) => l.kind === "gpu_hours")!;
    const cpu = lines.find((l) => l.kind === "cpu_hours")!;
    expect(gpu.quantity * 3600).toBeGreaterThanOrEqual(2);
    expect(gpu.quantity).toBeCloseTo(2 * cpu.quantity, 12);
  });

  it("a job cancelled before it starts is reported as cancelled, not lost", async () => {
    const attemptDir = attempt(["true"]);
    const backend = backendFor({ resources: { memory: "200M", directives: ["--hold"] } });
    const handle = await submit(backend, attemptDir);
    expect(await backend.poll(handle, attemptDir)).toBe("pending");
    await backend.cancel(handle, attemptDir);
    expect(await pollUntil(backend, handle, attemptDir, finished)).toBe("done");
    const result = await backend.collect(handle, attemptDir);
    expect(result.status).toBe("cancelled");
    expect(result.error).toContain("before it started");
    expect(existsSync(path.join(attemptDir, "started.json"))).toBe(false);
  });

  it("a job whose worker cannot start is lost, with Slurm's error file in the reason", async () => {
    const attemptDir = attempt(["true"]);
    const backend = backendFor({ node: "/nonexistent/node" });
    const handle = await submit(backend, attemptDir);
    expect(await pollUntil(backend, handle, attemptDir, finished)).toBe("lost");
    const reason = backend.lostReason!(handle, attemptDir)!;
    expect(reason).toMatch(new RegExp(`^Slurm job ${handle.jobRef} ended FAILED without a result from its worker; slurm-${handle.jobRef}\\.err: .*/nonexistent/node`));
  });

  it("cancelling a running job lets the worker stop its command and report cancelled", async () => {
    const attemptDir = attempt(["bash", "-c", "echo started; sleep 60"]);
    const backend = backendFor();
    const handle = await submit(backend, attemptDir);
    expect(await pollUntil(backend, handle, attemptDir, (s) => s === "running")).toBe("running");
    const stdout = path.join(attemptDir, "stdout.log");
    const deadline = Date.now() + 15_000;
    while (!(existsSync(stdout) && readFileSync(stdout, "utf8").includes("started")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const cancelledAt = Date.now();
    await backend.cancel(handle, attemptDir);
    expect(await pollUntil(backend, handle, attemptDir, finished, 20_000)).toBe("done");
    expect(Date.now() - cancelledAt).toBeLessThan(15_000);
    const result = await backend.collect(handle, attemptDir);
    expect(result.status).toBe("cancelled");
    expect(JSON.parse(readFileSync(path.join(attemptDir, "result.json"), "utf8")).status).toBe("cancelled");
    expect(slurmState(handle.jobRef)).toBe("CANCELLED");
  });

  it("a sbatch refusal is an error naming the problem", async () => {
    const attemptDir = attempt(["true"]);
    const backend = backendFor({ resources: { partition: "no-such-partition" } });
    await expect(backend.submit(attemptDir)).rejects.toThrow(/sbatch: .*invalid partition/i);
  });
});

// Keep the temp-file helper honest: a job file the backend cannot read is an error, not a crash later.
describe("Slurm backend input checks", () => {
  it("refuses an attempt directory without job.json", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-slurm-empty-"));
    writeFileSync(path.join(dir, "run.json"), "{}");
    await expect(backendFor().submit(dir)).rejects.toThrow(/job\.json missing/);
  });
});
