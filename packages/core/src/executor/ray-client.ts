import http from "node:http";
import https from "node:https";
import { z } from "zod";

/**
 * A small typed client of the Ray Jobs REST API served by the Ray dashboard (default port 8265).
 * No npm package implements it. Responses are validated loosely: Ray adds fields between
 * versions, and only the ones sera reads are required.
 */

export const rayJobStatuses = ["PENDING", "RUNNING", "STOPPED", "SUCCEEDED", "FAILED"] as const;
export type RayJobStatus = (typeof rayJobStatuses)[number];
export const terminalRayStatuses = new Set<RayJobStatus>(["STOPPED", "SUCCEEDED", "FAILED"]);

export const rayJobDetailsSchema = z.looseObject({
  type: z.string().optional(),
  job_id: z.string().nullable().optional(),
  submission_id: z.string().nullable().optional(),
  status: z.enum(rayJobStatuses),
  entrypoint: z.string().optional(),
  message: z.string().nullable().optional(),
  error_type: z.string().nullable().optional(),
  /** Unix milliseconds. */
  start_time: z.number().nullable().optional(),
  end_time: z.number().nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  runtime_env: z.record(z.string(), z.unknown()).nullable().optional(),
  driver_exit_code: z.number().nullable().optional(),
});
export type RayJobDetails = z.infer<typeof rayJobDetailsSchema>;

export interface RaySubmitRequest {
  entrypoint: string;
  submission_id?: string;
  runtime_env?: Record<string, unknown>;
  metadata?: Record<string, string>;
  entrypoint_num_cpus?: number;
  entrypoint_num_gpus?: number;
  /** Bytes. */
  entrypoint_memory?: number;
  entrypoint_resources?: Record<string, number>;
}

export class RayApiError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(method: string, url: string, status: number, body: string) {
    const summary = errorSummary(body);
    super(`Ray Jobs API ${method} ${url}: HTTP ${status}${summary ? `: ${summary}` : ""}`);
    this.name = "RayApiError";
    this.status = status;
    this.body = body;
  }
}

/**
 * The dashboard answers 400/500 with a Python traceback as the body; its last line ("ValueError:
 * Job with submission_id … already exists") is the part a person needs, not the first 300 characters.
 */
export function errorSummary(body: string): string {
  const lines = body
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const text = lines[0]?.startsWith("Traceback (most recent call last)") ? lines[lines.length - 1] : lines.join(" ");
  return text.replace(/\s+/g, " ").slice(0, 300);
}

export interface RayClientOptions {
  /** e.g. http://head-node:8265 */
  address: string;
  /** Extra headers (for a proxy in front of the dashboard); values come from the caller, never from files. */
  headers?: Record<string, string>;
  tlsVerify?: boolean;
  timeoutMs?: number;
}

interface RawResponse {
  status: number;
  body: Buffer;
}

export class RayJobsClient {
  private readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly tlsVerify: boolean;
  private readonly timeoutMs: number;

  constructor(options: RayClientOptions) {
    this.base = new URL(options.address.endsWith("/") ? options.address : `${options.address}/`);
    this.headers = options.headers ?? {};
    this.tlsVerify = options.tlsVerify ?? true;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  private request(method: string, route: string, body?: Buffer, contentType?: string): Promise<RawResponse> {
    const url = new URL(route.replace(/^\//, ""), this.base);
    const transport = url.protocol === "https:" ? https : http;
    const headers: Record<string, string | number> = { accept: "application/json", ...this.headers };
    if (body) {
      headers["content-type"] = contentType ?? "application/json";
      headers["content-length"] = body.length;
    }
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method, headers, timeout: this.timeoutMs, rejectUnauthorized: this.tlsVerify }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        response.on("error", reject);
      });
      request.on("timeout", () => request.destroy(new Error(`Ray Jobs API ${method} ${url.pathname}: no answer in ${this.timeoutMs} ms`)));
      request.on("error", reject);
      request.end(body);
    });
  }

  private async json<T>(method: string, route: string, schema: z.ZodType<T>, payload?: unknown): Promise<T> {
    const response = await this.request(method, route, payload === undefined ? undefined : Buffer.from(JSON.stringify(payload)));
    const text = response.body.toString("utf8");
    if (response.status < 200 || response.status >= 300) throw new RayApiError(method, route, response.status, text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new RayApiError(method, route, response.status, `not JSON: ${text.slice(0, 100)}`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RayApiError(method, route, response.status, `unexpected reply: ${issue.path.join(".") || "(top)"} ${issue.message}`);
    }
    return parsed.data;
  }

  version(): Promise<{ version: string; ray_version?: string }> {
    return this.json("GET", "/api/version", z.looseObject({ version: z.string(), ray_version: z.string().optional() }));
  }

  /** POST /api/jobs/ (the trailing slash is part of the route). */
  submit(request: RaySubmitRequest): Promise<{ submission_id: string; job_id?: string | null }> {
    return this.json("POST", "/api/jobs/", z.looseObject({ submission_id: z.string(), job_id: z.string().nullable().optional() }), request);
  }

  list(): Promise<RayJobDetails[]> {
    return this.json("GET", "/api/jobs/", z.array(rayJobDetailsSchema));
  }

  /** The job's details, or null when the cluster does not know the id (404). */
  async get(id: string): Promise<RayJobDetails | null> {
    try {
      return await this.json("GET", `/api/jobs/${encodeURIComponent(id)}`, rayJobDetailsSchema);
    } catch (error) {
      if (error instanceof RayApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** Everything the driver printed so far ("" before it starts). */
  async logs(id: string): Promise<string> {
    return (await this.json("GET", `/api/jobs/${encodeURIComponent(id)}/logs`, z.looseObject({ logs: z.string() }))).logs;
  }

  async stop(id: string): Promise<boolean> {
    return (await this.json("POST", `/api/jobs/${encodeURIComponent(id)}/stop`, z.looseObject({ stopped: z.boolean() }))).stopped;
  }

  /** Only terminal jobs can be deleted. */
  async delete(id: string): Promise<boolean> {
    return (await this.json("DELETE", `/api/jobs/${encodeURIComponent(id)}`, z.looseObject({ deleted: z.boolean() }))).deleted;
  }

  /** Whether a package URI such as gcs://_ray_pkg_<hash>.zip is already stored on the cluster. */
  async packageExists(uri: string): Promise<boolean> {
    const response = await this.request("GET", packageRoute(uri));
    if (response.status === 404) return false;
    if (response.status >= 200 && response.status < 300) return true;
    throw new RayApiError("GET", packageRoute(uri), response.status, response.body.toString("utf8"));
  }

  async uploadPackage(uri: string, zip: Buffer): Promise<void> {
    const response = await this.request("PUT", packageRoute(uri), zip, "application/octet-stream");
    if (response.status < 200 || response.status >= 300) throw new RayApiError("PUT", packageRoute(uri), response.status, response.body.toString("utf8"));
  }
}

/** gcs://_ray_pkg_abc.zip → /api/packages/gcs/_ray_pkg_abc.zip */
export function packageRoute(uri: string): string {
  const match = /^([a-z0-9]+):\/\/([^/]+)$/.exec(uri);
  if (!match) throw new Error(`not a Ray package URI: ${uri}`);
  return `/api/packages/${match[1]}/${encodeURIComponent(match[2])}`;
}
