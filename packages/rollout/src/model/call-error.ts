import type { ModelCallErrorKind, Provenance } from "./types.js";

const retryableKinds: ReadonlySet<ModelCallErrorKind> = new Set(["timeout", "rate_limited", "server_error", "network", "malformed_response"]);

export class ModelCallError extends Error {
  readonly kind: ModelCallErrorKind;
  readonly status?: number;
  readonly endpoint: string;
  /** How long the server asked us to wait (from `retry-after` / `retry-after-ms`), if it said. */
  readonly retryAfterMs?: number;
  /** What the answering server said it is, when an answer came (see model/provenance.ts). */
  readonly provenance?: Provenance;

  constructor(init: {
    kind: ModelCallErrorKind;
    endpoint: string;
    detail: string;
    status?: number;
    retryAfterMs?: number;
    secrets?: readonly string[];
    provenance?: Provenance;
  }) {
    const statusPart = init.status === undefined ? "" : ` (HTTP ${init.status})`;
    super(redactSecrets(`${init.kind}${statusPart} from ${init.endpoint}: ${init.detail}`, init.secrets ?? []));
    this.name = "ModelCallError";
    this.kind = init.kind;
    this.status = init.status;
    this.endpoint = init.endpoint;
    this.retryAfterMs = init.retryAfterMs;
    this.provenance = init.provenance;
  }

  get retryable(): boolean {
    return retryableKinds.has(this.kind);
  }
}

export function isRetryableKind(kind: ModelCallErrorKind): boolean {
  return retryableKinds.has(kind);
}

/**
 * Failures that say nothing about the instance, only about the teacher right now: it cannot be
 * reached, it answers 5xx or 429 after every retry, or its key variable is unset. An instance that
 * meets one stays resumable, so a later run redoes it instead of recording a failure for good.
 * Timeouts, context overflow, bad requests and malformed answers stay the instance's own failure.
 */
const transientKinds: ReadonlySet<ModelCallErrorKind> = new Set(["network", "server_error", "rate_limited", "missing_key"]);

export function isTransientKind(kind: ModelCallErrorKind): boolean {
  return transientKinds.has(kind);
}

const contextOverflowPattern =
  /context[ _-]?length|maximum context|context window|too many tokens|prompt is too long|input is too long|exceeds? the (?:model'?s? )?(?:maximum|max)/i;

/** Maps a non-2xx HTTP answer to an error kind. */
export function kindForStatus(status: number, body: string): ModelCallErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 408) return "timeout";
  if (status >= 500) return "server_error";
  if (status === 413) return "context_overflow";
  if (status === 400 && contextOverflowPattern.test(body)) return "context_overflow";
  return "bad_request";
}

/**
 * Removes key material from text that may end up in logs: the literal secrets we know of,
 * bearer tokens, `x-api-key` / `Authorization` header echoes, and common key shapes. Servers
 * sometimes echo request headers in error bodies, so every error detail goes through here.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out
    .replace(/(authorization["']?\s*[:=]\s*["']?)(?:bearer\s+)?[^\s"',}]+/gi, "$1[redacted]")
    .replace(/((?:x-)?api[-_]?key["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, "$1[redacted]")
    .replace(/\bbearer\s+[A-Za-z0-9._~+/=-]+/gi, "Bearer [redacted]")
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g, "$1-[redacted]")
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1[redacted]@");
}

/** Endpoint URL fit for logs: no user-info, no query string (some gateways take keys there). */
export function publicEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return redactSecrets(url.split("?")[0], []);
  }
}

/** Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterFromHeaders(header: (name: string) => string | undefined, now = Date.now()): number | undefined {
  const ms = header("retry-after-ms");
  if (ms !== undefined && ms.trim() !== "" && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = header("retry-after");
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
