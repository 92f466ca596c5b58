import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packageUri, RayApiError, RayJobsClient, uploadWorkingDir, zipDirectory } from "../src/index.js";
import { startRayDashboard, type StandInDashboard } from "./ray-dashboard.js";

/** The Ray Jobs REST client against a loopback stand-in that follows the documented protocol. */

let dashboard: StandInDashboard;
beforeEach(async () => {
  dashboard = await startRayDashboard({ pendingMs: 150 });
});
afterEach(async () => {
  await dashboard.close();
});

async function waitForStatus(client: RayJobsClient, id: string, status: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await client.get(id))?.status !== status) {
    if (Date.now() > deadline) throw new Error(`job ${id} never reached ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

describe("Ray Jobs REST client", () => {
  it("submits with the documented fields and follows PENDING → RUNNING → SUCCEEDED, with logs", async () => {
    const client = new RayJobsClient({ address: dashboard.url, headers: { "x-proxy-token": "t0ken" } });
    expect((await client.version()).version).toBe("4");
    const reply = await client.submit({
      entrypoint: 'echo "hello $GREETING"; sleep 0.3; echo bye >&2',
      submission_id: "sera-test-1",
      runtime_env: { env_vars: { GREETING: "ray" } },
      metadata: { sera_run_id: "abc" },
      entrypoint_num_cpus: 1,
    });
    // Real Ray answers the submission id in both fields (job_id is kept for older clients).
    expect(reply).toEqual({ submission_id: "sera-test-1", job_id: "sera-test-1" });
    const post = dashboard.requests.find((r) => r.method === "POST")!;
    expect(post.path).toBe("/api/jobs/");
    expect(post.headers["x-proxy-token"]).toBe("t0ken");

    const pending = (await client.get("sera-test-1"))!;
    expect(pending.status).toBe("PENDING");
    // start_time is stamped at submission, before the driver runs.
    expect(pending.start_time).toBeGreaterThan(0);
    expect(await client.logs("sera-test-1")).toBe("");
    await waitForStatus(client, "sera-test-1", "RUNNING");
    await waitForStatus(client, "sera-test-1", "SUCCEEDED");
    const details = (await client.get("sera-test-1"))!;
    expect(details.metadata).toEqual({ sera_run_id: "abc" });
    expect(details.start_time).toBe(pending.start_time);
    expect(details.end_time! - details.start_time!).toBeGreaterThanOrEqual(250 + 150);
    // An entrypoint that never calls ray.init() registers no Ray driver.
    expect(details.job_id).toBeNull();
    expect(await client.logs("sera-test-1")).toMatch(/hello ray\n[\s\S]*bye/);
    expect((await client.list()).map((j) => j.submission_id)).toEqual(["sera-test-1"]);
  });

  it("reports failures, stops running and pending jobs, deletes only finished ones, and answers 404s", async () => {
    const client = new RayJobsClient({ address: dashboard.url });
    await client.submit({ entrypoint: "exit 3", submission_id: "fails" });
    await waitForStatus(client, "fails", "FAILED");
    expect((await client.get("fails"))?.message).toMatch(/exit code 3/);

    await client.submit({ entrypoint: "sleep 30", submission_id: "long" });
    await waitForStatus(client, "long", "RUNNING");
    await expect(client.delete("long")).rejects.toMatchObject({
      status: 500,
      message: expect.stringMatching(/HTTP 500: RuntimeError: Attempted to delete job 'long', but it is in a non-terminal state RUNNING\.$/),
    });
    expect(await client.stop("long")).toBe(true);
    await waitForStatus(client, "long", "STOPPED");
    expect(await client.stop("long")).toBe(false);
    expect(await client.delete("long")).toBe(true);
    expect(await client.get("long")).toBeNull();

    await client.submit({ entrypoint: "true", submission_id: "never-starts" });
    expect(await client.stop("never-starts")).toBe(true);
    expect((await client.get("never-starts"))?.status).toBe("STOPPED");

    await expect(client.logs("nope")).rejects.toBeInstanceOf(RayApiError);
    await expect(client.stop("nope")).rejects.toMatchObject({ status: 404 });
    await expect(client.submit({ entrypoint: "true", submission_id: "fails" })).rejects.toThrow(
      /HTTP 400: ValueError: Job with submission_id fails already exists/,
    );
    await expect(client.submit({ entrypoint: "" })).rejects.toMatchObject({ status: 400 });
  });

  it("gives drivers the node's environment and runtime_env.env_vars, never the submitter's", async () => {
    process.env.SERA_SUBMITTER_ONLY = "from the test process";
    try {
      const client = new RayJobsClient({ address: dashboard.url });
      await client.submit({
        entrypoint: 'echo "submitter=${SERA_SUBMITTER_ONLY-unset} given=${GIVEN-unset}"',
        submission_id: "env",
        runtime_env: { env_vars: { GIVEN: "yes" } },
      });
      await waitForStatus(client, "env", "SUCCEEDED");
      expect(await client.logs("env")).toBe("submitter=unset given=yes\n");
    } finally {
      delete process.env.SERA_SUBMITTER_ONLY;
    }
  });

  it("fails a job still PENDING after the start timeout, as Ray's job monitor does", async () => {
    const small = await startRayDashboard({ pendingMs: 50, startTimeoutSeconds: 0.4, gpus: 0 });
    try {
      const client = new RayJobsClient({ address: small.url });
      await client.submit({ entrypoint: "true", submission_id: "wants-gpu", entrypoint_num_gpus: 1 });
      await client.submit({ entrypoint: "true", submission_id: "fits" });
      await waitForStatus(client, "fits", "SUCCEEDED");
      expect((await client.get("wants-gpu"))?.status).toBe("PENDING");
      await waitForStatus(client, "wants-gpu", "FAILED");
      const failed = (await client.get("wants-gpu"))!;
      expect(failed.error_type).toBe("JOB_SUPERVISOR_ACTOR_START_TIMEOUT");
      expect(failed.message).toMatch(/failed to start within 0\.4 seconds.*RAY_JOB_START_TIMEOUT_SECONDS/);
      expect(failed.end_time! - failed.start_time!).toBeGreaterThanOrEqual(400);
    } finally {
      await small.close();
    }
  });

  it("names an unreachable dashboard in its error", async () => {
    const client = new RayJobsClient({ address: "http://127.0.0.1:1", timeoutMs: 2000 });
    await expect(client.get("x")).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("working_dir packages", () => {
  it("zips a directory deterministically, without excluded folders, in a form unzip accepts", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-zip-"));
    mkdirSync(path.join(dir, "src/deep"), { recursive: true });
    mkdirSync(path.join(dir, ".git"));
    writeFileSync(path.join(dir, "train.py"), "print('hi')\n".repeat(100));
    writeFileSync(path.join(dir, "src/deep/data.bin"), Buffer.from([0, 1, 2, 255]));
    writeFileSync(path.join(dir, "run.sh"), "#!/bin/sh\necho ok\n", { mode: 0o755 });
    writeFileSync(path.join(dir, ".git/HEAD"), "ref: x\n");
    const zip = zipDirectory(dir);
    expect(zipDirectory(dir).equals(zip)).toBe(true);
    expect(packageUri(zip)).toMatch(/^gcs:\/\/_ray_pkg_[0-9a-f]{16}\.zip$/);

    const out = mkdtempSync(path.join(os.tmpdir(), "sera-unzip-"));
    writeFileSync(path.join(out, "p.zip"), zip);
    expect(execFileSync("unzip", ["-t", "p.zip"], { cwd: out, encoding: "utf8" })).toContain("No errors detected");
    execFileSync("unzip", ["-q", "p.zip", "-d", "x"], { cwd: out });
    expect(readFileSync(path.join(out, "x/train.py"), "utf8")).toBe("print('hi')\n".repeat(100));
    expect([...readFileSync(path.join(out, "x/src/deep/data.bin"))]).toEqual([0, 1, 2, 255]);
    expect(execFileSync(path.join(out, "x/run.sh"), { encoding: "utf8" })).toBe("ok\n");
    expect(execFileSync("unzip", ["-Z1", "p.zip"], { cwd: out, encoding: "utf8" }).trim().split("\n").sort()).toEqual([
      "run.sh",
      "src/deep/data.bin",
      "train.py",
    ]);
  });

  it("uploads through the package API once per content", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-zip-"));
    writeFileSync(path.join(dir, "a.txt"), "one");
    const client = new RayJobsClient({ address: dashboard.url });
    const uri = await uploadWorkingDir(client, dir);
    expect(await uploadWorkingDir(client, dir)).toBe(uri);
    expect(dashboard.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
    expect(dashboard.requests.find((r) => r.method === "PUT")!.path).toBe(`/api/packages/gcs/${uri.slice("gcs://".length)}`);
    writeFileSync(path.join(dir, "a.txt"), "two");
    expect(await uploadWorkingDir(client, dir)).not.toBe(uri);
    expect(dashboard.packages.size).toBe(2);
  });
});
