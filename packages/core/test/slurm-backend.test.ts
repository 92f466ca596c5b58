import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonl, writeJsonAtomic, type Backend, type JobHandle } from "../src/index.js";
import type { CostLine } from "../src/store/tables.js";
import { attempt, backendFor, finished, pollUntil, requireSlurm, slurmState, submit } from "./slurm-support.js";

/**
 * The Slurm backend against a real single-node cluster: each outcome provoked directly on attempt
 * directories written as the coordinator would; test/slurm.e2e.test.ts drives the same backend
 * through `sera run`, and slurm-limits.test.ts covers Slurm's time and memory limits.
 */

requireSlurm();

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
    expect(reason).toMatch(
      new RegExp(`^Slurm job ${handle.jobRef} ended FAILED without a result from its worker; slurm-${handle.jobRef}\\.err: .*/nonexistent/node`),
    );
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

describe("Slurm job arrays", () => {
  /** Submit together and record the handles, as the coordinator does for runs that become ready at once. */
  async function submitTogether(backend: Backend, attemptDirs: string[]): Promise<JobHandle[]> {
    const handles = await backend.submitMany!(attemptDirs);
    for (const [i, dir] of attemptDirs.entries()) writeJsonAtomic(path.join(dir, "handle.json"), handles[i]);
    return handles;
  }

  it("attempts with the same resources share one array; a stage asking for other resources gets its own job", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sera slurm array "));
    const say = ["bash", "-c", 'echo "run=$SERA_RUN_ID task=$SLURM_ARRAY_TASK_ID"; sleep 1'];
    const dirs = [
      attempt(say, root, { id: "a", stage: "work" }),
      attempt(say, root, { id: "b", stage: "big" }),
      attempt(say, root, { id: "c", stage: "work" }),
      attempt(say, root, { id: "d", stage: "work" }),
    ];
    const backend = backendFor({}, { big: { memory: "300M" } });
    const handles = await submitTogether(backend, dirs);
    const arrayId = /^(\d+)_0$/.exec(handles[0].jobRef)?.[1];
    expect(arrayId).toBeDefined();
    expect(handles.map((h) => h.jobRef)).toEqual([`${arrayId}_0`, expect.stringMatching(/^\d+$/), `${arrayId}_1`, `${arrayId}_2`]);
    for (const [i, dir] of dirs.entries()) {
      expect(await pollUntil(backend, handles[i], dir, finished)).toBe("done");
      expect((await backend.collect(handles[i], dir)).status).toBe("succeeded");
    }
    // Every task ran its own attempt, logged into that attempt's directory under its own job reference.
    expect(readFileSync(path.join(dirs[0], "stdout.log"), "utf8")).toBe("run=a task=0\n");
    expect(readFileSync(path.join(dirs[3], "stdout.log"), "utf8")).toBe("run=d task=2\n");
    expect(readFileSync(path.join(dirs[1], "stdout.log"), "utf8")).toBe("run=b task=\n");
    expect(existsSync(path.join(dirs[2], `slurm-${handles[2].jobRef}.out`))).toBe(true);
    const script = readFileSync(path.join(dirs[0], "slurm-job.sh"), "utf8");
    expect(script).toContain("#SBATCH --array=0-2");
    expect(readFileSync(path.join(dirs[1], "slurm-job.sh"), "utf8")).toContain("#SBATCH --mem=300M");
    expect(existsSync(path.join(root, "slurm-arrays"))).toBe(true);
    // Accounting is per task: from sacct, or from slurmctld when the database has not caught up yet.
    for (const i of [0, 2, 3]) {
      const cpu = readJsonl<CostLine>(path.join(dirs[i], "accounting.jsonl")).find((l) => l.kind === "cpu_hours")!;
      expect(cpu.source).toMatch(new RegExp(`^slurm (sacct|scontrol) job ${handles[i].jobRef}$`));
      expect(cpu.quantity * 3600).toBeGreaterThanOrEqual(1);
      expect(slurmState(handles[i].jobRef)).toBe("COMPLETED");
    }
  });

  it("cancelling one task leaves the others running; a task whose worker cannot start is lost with its own error file", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sera-slurm-array-"));
    const dirs = ["x", "y"].map((id) => attempt(["bash", "-c", "echo started; sleep 3"], root, { id, stage: "work" }));
    const backend = backendFor();
    const handles = await submitTogether(backend, dirs);
    expect(await pollUntil(backend, handles[0], dirs[0], (s) => s === "running")).toBe("running");
    await backend.cancel(handles[0], dirs[0]);
    expect(await pollUntil(backend, handles[0], dirs[0], finished, 20_000)).toBe("done");
    expect((await backend.collect(handles[0], dirs[0])).status).toBe("cancelled");
    expect(await pollUntil(backend, handles[1], dirs[1], finished, 20_000)).toBe("done");
    expect((await backend.collect(handles[1], dirs[1])).status).toBe("succeeded");

    const broken = ["p", "q"].map((id) => attempt(["true"], root, { id, stage: "work" }));
    const brokenBackend = backendFor({ node: "/nonexistent/node" });
    const brokenHandles = await submitTogether(brokenBackend, broken);
    expect(await pollUntil(brokenBackend, brokenHandles[1], broken[1], finished)).toBe("lost");
    const reason = brokenBackend.lostReason!(brokenHandles[1], broken[1])!;
    const ref = brokenHandles[1].jobRef;
    expect(reason).toMatch(new RegExp(`^Slurm job ${ref} ended FAILED without a result from its worker; slurm-${ref}\\.err: .*/nonexistent/node`));
  });

  it("with arrays: false, attempts submitted together are separate jobs", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sera-slurm-noarray-"));
    const dirs = ["m", "n"].map((id) => attempt(["true"], root, { id, stage: "work" }));
    const backend = backendFor({ arrays: false });
    const handles = await submitTogether(backend, dirs);
    expect(handles.map((h) => h.jobRef)).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)]);
    for (const [i, dir] of dirs.entries()) expect(await pollUntil(backend, handles[i], dir, finished)).toBe("done");
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
