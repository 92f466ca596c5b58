import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

/**
 * A stand-in for the Ray dashboard's Jobs REST API on loopback (no Ray can be installed on these
 * machines), written from the documented protocol: POST /api/jobs/ (trailing slash), GET
 * /api/jobs/ and /api/jobs/{id}, /logs, /stop, DELETE, and the package API for working_dir
 * uploads. Entrypoints really run, as `sh -c` in their own session like Ray's job supervisor, with
 * runtime_env.env_vars and an unzipped working_dir; statuses move PENDING → RUNNING → SUCCEEDED /
 * FAILED / STOPPED. It is a protocol peer for tests, not a model of Ray's scheduler.
 *
 * Where real Ray's behaviour matters to sera, the stand-in copies it (Ray's job_head.py and
 * job_manager.py): the submit reply's `job_id` is the submission id; `start_time` is stamped at
 * submission, while the job is still PENDING; a job that stays PENDING longer than the start
 * timeout (RAY_JOB_START_TIMEOUT_SECONDS, 15 min by default) fails with error_type
 * JOB_SUPERVISOR_ACTOR_START_TIMEOUT; a job asking for more GPUs than the cluster has never leaves
 * PENDING; an entrypoint that never calls ray.init() registers no Ray driver, so its details keep
 * `job_id: null`; the driver's environment is the node's (a bare PATH) plus runtime_env.env_vars,
 * never the submitter's; errors answer 400 (bad request, duplicate id), 404 (unknown job) and 500
 * (deleting a job that is not finished) with a Python traceback as the body.
 */

export interface StandInJob {
  details: Record<string, unknown> & { status: string; submission_id: string };
  logs: string;
  child?: ChildProcess;
  stopRequested: boolean;
  startTimer?: NodeJS.Timeout;
}

export interface StandInDashboard {
  url: string;
  jobs: Map<string, StandInJob>;
  packages: Map<string, Buffer>;
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders }[];
  /** SIGKILL a running driver's whole session, as if its node died. */
  killDriver(id: string): void;
  close(): Promise<void>;
}

const terminal = new Set(["SUCCEEDED", "FAILED", "STOPPED"]);

/** The environment a Ray node gives a driver before runtime_env.env_vars: the node's own, here a bare PATH. */
const NODE_ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };

/** Real Ray answers server-side errors with Python's traceback text; the last line names the error. */
function traceback(exception: string, message: string): string {
  return `Traceback (most recent call last):\n  File "job_head.py", line 1, in stand_in\n${exception}: ${message}\n`;
}

export interface RayDashboardOptions {
  /** How long a schedulable job stays PENDING before its driver starts (runtime_env set-up, queueing). */
  pendingMs?: number;
  /** RAY_JOB_START_TIMEOUT_SECONDS of the head node; defaults to the variable, else Ray's 900 s. */
  startTimeoutSeconds?: number;
  /** GPUs in the whole cluster; a job asking for more is never scheduled (default 0, like a CPU-only cluster). */
  gpus?: number;
}

function reply(response: http.ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
  response.end(text);
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function validationError(body: Record<string, unknown>): string | null {
  if (typeof body.entrypoint !== "string" || body.entrypoint === "") return "entrypoint must be a non-empty string";
  if (body.submission_id !== undefined && typeof body.submission_id !== "string") return "submission_id must be a string";
  if (body.metadata !== undefined && (typeof body.metadata !== "object" || Object.values(body.metadata as object).some((v) => typeof v !== "string")))
    return "metadata must map strings to strings";
  for (const key of ["entrypoint_num_cpus", "entrypoint_num_gpus", "entrypoint_memory"]) {
    if (body[key] !== undefined && (typeof body[key] !== "number" || (body[key] as number) < 0)) return `${key} must be a non-negative number`;
  }
  if (body.runtime_env !== undefined && (typeof body.runtime_env !== "object" || body.runtime_env === null)) return "runtime_env must be a mapping";
  return null;
}

export async function startRayDashboard(options: RayDashboardOptions = {}): Promise<StandInDashboard> {
  const jobs = new Map<string, StandInJob>();
  const packages = new Map<string, Buffer>();
  const requests: StandInDashboard["requests"] = [];
  const startTimeoutSeconds = options.startTimeoutSeconds ?? Number(process.env.RAY_JOB_START_TIMEOUT_SECONDS ?? 900);
  const clusterGpus = options.gpus ?? 0;

  const finish = (job: StandInJob, status: string, message: string, exitCode: number | null) => {
    Object.assign(job.details, { status, message, end_time: Date.now(), driver_exit_code: exitCode });
  };

  const start = (job: StandInJob) => {
    const runtimeEnv = (job.details.runtime_env ?? {}) as { working_dir?: string; env_vars?: Record<string, string> };
    let cwd = mkdtempSync(path.join(os.tmpdir(), "ray-standin-job-"));
    if (runtimeEnv.working_dir) {
      const name = /^gcs:\/\/(.+)$/.exec(runtimeEnv.working_dir)?.[1];
      const zip = name ? packages.get(name) : undefined;
      if (!zip) {
        Object.assign(job.details, { error_type: "RUNTIME_ENV_SETUP_FAILURE" });
        return finish(job, "FAILED", `runtime_env setup failed: working_dir ${runtimeEnv.working_dir} not found`, null);
      }
      writeFileSync(path.join(cwd, "package.zip"), zip);
      execFileSync("unzip", ["-q", "package.zip", "-d", "working_dir"], { cwd });
      cwd = path.join(cwd, "working_dir");
    }
    const child = spawn("/bin/sh", ["-c", String(job.details.entrypoint)], {
      cwd,
      env: { ...NODE_ENV, ...runtimeEnv.env_vars },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    job.child = child;
    // start_time stays the submission time; RUNNING only changes the status and message.
    Object.assign(job.details, { status: "RUNNING", message: "Job is currently running." });
    child.stdout!.on("data", (chunk: Buffer) => (job.logs += chunk.toString("utf8")));
    child.stderr!.on("data", (chunk: Buffer) => (job.logs += chunk.toString("utf8")));
    child.on("close", (code, signal) => {
      if (job.stopRequested) finish(job, "STOPPED", "Job was intentionally stopped.", code);
      else if (code === 0) finish(job, "SUCCEEDED", "Job finished successfully.", 0);
      else {
        Object.assign(job.details, { error_type: "JOB_ENTRYPOINT_COMMAND_ERROR" });
        finish(job, "FAILED", `Job entrypoint command failed with exit code ${code ?? `null (signal ${signal})`}`, code);
      }
    });
  };

  // Ray's job monitor fails a job still PENDING after the start timeout, naming entrypoint resources when some were asked for.
  const timeOutStart = (job: StandInJob, id: string) => {
    if (job.details.status !== "PENDING") return;
    const askedResources = ["entrypoint_num_cpus", "entrypoint_num_gpus", "entrypoint_memory"].some((key) => Number(job.details[key] ?? 0) > 0);
    const message =
      `Job supervisor actor failed to start within ${startTimeoutSeconds} seconds. This timeout can be configured by setting the environment variable RAY_JOB_START_TIMEOUT_SECONDS.` +
      (askedResources ? ` This may be because the job entrypoint's specified resources aren't available on the cluster (job ${id}).` : "");
    Object.assign(job.details, { error_type: "JOB_SUPERVISOR_ACTOR_START_TIMEOUT" });
    finish(job, "FAILED", message, null);
  };

  const stopWaitMs = (job: StandInJob) => {
    const seconds = Number(((job.details.runtime_env ?? {}) as { env_vars?: Record<string, string> }).env_vars?.RAY_JOB_STOP_WAIT_TIME_S ?? 3);
    return seconds * 1000;
  };

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const route = url.pathname;
    requests.push({ method: request.method ?? "", path: route, headers: request.headers });
    const body = await readBody(request);
    const jobMatch = /^\/api\/jobs\/([^/]+)(\/logs|\/stop)?$/.exec(route);
    const packageMatch = /^\/api\/packages\/([a-z0-9]+)\/([^/]+)$/.exec(route);

    if (request.method === "GET" && route === "/api/version") return reply(response, 200, { version: "4", ray_version: "stand-in", ray_commit: "none" });
    if (route === "/api/jobs/" && request.method === "POST") {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
      } catch {
        return reply(response, 400, "Failed to parse request: the body is not JSON");
      }
      const problem = validationError(parsed);
      if (problem) return reply(response, 400, traceback("TypeError", problem));
      const id = (parsed.submission_id as string | undefined) ?? `raysubmit_${Math.random().toString(36).slice(2, 14)}`;
      if (jobs.has(id))
        return reply(response, 400, traceback("ValueError", `Job with submission_id ${id} already exists. Please use a different submission_id.`));
      const job: StandInJob = {
        details: {
          ...parsed,
          type: "SUBMISSION",
          submission_id: id,
          job_id: null,
          status: "PENDING",
          message: "Job has not started yet.",
          error_type: null,
          start_time: Date.now(),
          end_time: null,
          metadata: parsed.metadata ?? {},
          driver_info: null,
          driver_exit_code: null,
        },
        logs: "",
        stopRequested: false,
      };
      jobs.set(id, job);
      const schedulable = Number(parsed.entrypoint_num_gpus ?? 0) <= clusterGpus;
      const pendingMs = options.pendingMs ?? 50;
      if (schedulable && pendingMs <= startTimeoutSeconds * 1000) job.startTimer = setTimeout(() => start(job), pendingMs);
      else job.startTimer = setTimeout(() => timeOutStart(job, id), startTimeoutSeconds * 1000);
      return reply(response, 200, { job_id: id, submission_id: id });
    }
    if (route === "/api/jobs/" && request.method === "GET")
      return reply(
        response,
        200,
        [...jobs.values()].map((j) => j.details),
      );
    if (jobMatch) {
      const id = decodeURIComponent(jobMatch[1]);
      const job = jobs.get(id);
      if (!job) return reply(response, 404, `Job ${id} does not exist`);
      if (!jobMatch[2] && request.method === "GET") return reply(response, 200, job.details);
      if (jobMatch[2] === "/logs" && request.method === "GET") return reply(response, 200, { logs: job.logs });
      if (jobMatch[2] === "/stop" && request.method === "POST") {
        if (terminal.has(job.details.status)) return reply(response, 200, { stopped: false });
        job.stopRequested = true;
        if (job.details.status === "PENDING") {
          clearTimeout(job.startTimer);
          finish(job, "STOPPED", "Job was intentionally stopped.", null);
        } else {
          const pid = job.child!.pid!;
          process.kill(-pid, "SIGTERM");
          setTimeout(() => {
            try {
              process.kill(-pid, "SIGKILL");
            } catch {
              /* already gone */
            }
          }, stopWaitMs(job)).unref();
        }
        return reply(response, 200, { stopped: true });
      }
      if (!jobMatch[2] && request.method === "DELETE") {
        if (!terminal.has(job.details.status))
          return reply(response, 500, traceback("RuntimeError", `Attempted to delete job '${id}', but it is in a non-terminal state ${job.details.status}.`));
        jobs.delete(id);
        return reply(response, 200, { deleted: true });
      }
    }
    if (packageMatch && request.method === "GET") return packages.has(packageMatch[2]) ? reply(response, 200, {}) : reply(response, 404, "package not found");
    if (packageMatch && request.method === "PUT") {
      packages.set(decodeURIComponent(packageMatch[2]), body);
      return reply(response, 200, {});
    }
    return reply(response, 404, `no route ${request.method} ${route}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    jobs,
    packages,
    requests,
    killDriver(id) {
      const pid = jobs.get(id)?.child?.pid;
      if (pid) process.kill(-pid, "SIGKILL");
    },
    async close() {
      for (const job of jobs.values()) {
        if (job.child && job.child.exitCode === null) {
          try {
            process.kill(-job.child.pid!, "SIGKILL");
          } catch {
            /* gone */
          }
        }
        clearTimeout(job.startTimer);
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
