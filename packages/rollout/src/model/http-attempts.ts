import { ModelCallError, kindForStatus, publicEndpoint, redactSecrets, retryAfterFromHeaders } from "./call-error.js";
import { postOnce, type RawAnswer } from "./http-transport.js";
import { PROVENANCE_HEADER, provenanceOfHeader } from "./provenance.js";
import type { ChatUsage, ModelCallRecord, ModelClientOptions, Provenance } from "./types.js";

/** What a client tells the shared attempt loop about one endpoint call. */
export interface EndpointCall<T> {
  /** Full URL of the API route. */
  url: string;
  /** Built per attempt so the API key is read from the environment at the last moment. */
  headers: (apiKey: string | undefined) => Record<string, string>;
  body: unknown;
  signal?: AbortSignal;
  /** Turns a 2xx JSON body into the result; throws (any error) when the shape is wrong. */
  decode: (json: unknown) => { result: T; usage: ChatUsage };
}

export interface EndpointAnswer<T> {
  result: T;
  usage: ChatUsage;
  endpoint: string;
  latencyMs: number;
  /** What the answering server said it is. */
  provenance: Provenance;
}

const zeroUsage: ChatUsage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };

/** Reads the key named by `apiKeyEnv`; nothing keeps it after the request is built. */
export function apiKeyFromEnv(apiKeyEnv: string | undefined, endpoint: string): string | undefined {
  if (apiKeyEnv === undefined) return undefined;
  const key = process.env[apiKeyEnv];
  if (key === undefined || key === "") {
    throw new ModelCallError({
      kind: "missing_key",
      endpoint,
      detail: `environment variable ${apiKeyEnv} (named by apiKeyEnv) is not set`,
    });
  }
  return key;
}

/**
 * Runs one logical call: per-attempt timeout (covering the body too, so a server that sends
 * headers and then stalls is caught), bounded retries with exponential backoff and jitter on
 * retryable failures, `retry-after` honoured, one `onCall` record per attempt. A caller abort
 * ends the loop at once with the signal's reason.
 */
export async function callWithRetries<T>(options: ModelClientOptions, call: EndpointCall<T>): Promise<EndpointAnswer<T>> {
  const endpoint = publicEndpoint(call.url);
  const started = performance.now();
  const initialBackoffMs = options.initialBackoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const body = JSON.stringify({ ...(call.body as object), ...(options.extraBody ?? {}) });

  for (let attempt = 1; ; attempt++) {
    const attemptStartedAt = new Date();
    const attemptStart = performance.now();
    const report = (status: ModelCallRecord["status"], usage: ChatUsage, provenance: ModelCallRecord["provenance"]) =>
      options.onCall?.({
        endpoint,
        model: options.model,
        httpAttempt: attempt,
        status,
        provenance,
        ...usage,
        latencyMs: Math.round(performance.now() - attemptStart),
        startedAt: attemptStartedAt.toISOString(),
      });
    try {
      const answer = await attemptOnce(options, call, endpoint, body);
      report("ok", answer.usage, answer.provenance);
      return { ...answer, endpoint, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      if (!(error instanceof ModelCallError)) throw error;
      report(error.kind, zeroUsage, error.provenance ?? null);
      if (!error.retryable || attempt > options.maxRetries) throw error;
      const backoff = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
      const jittered = backoff / 2 + (Math.random() * backoff) / 2;
      // The server's own hint wins when it asks for longer; a silly hint is capped.
      const waitMs = Math.max(jittered, Math.min(error.retryAfterMs ?? 0, Math.max(maxBackoffMs, 60_000)));
      await sleep(waitMs, call.signal);
    }
  }
}

async function attemptOnce<T>(
  options: ModelClientOptions,
  call: EndpointCall<T>,
  endpoint: string,
  body: string,
): Promise<{ result: T; usage: ChatUsage; provenance: Provenance }> {
  call.signal?.throwIfAborted();
  const apiKey = apiKeyFromEnv(options.apiKeyEnv, endpoint);
  const secrets = apiKey === undefined ? [] : [apiKey];
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const forwardAbort = () => controller.abort();
  call.signal?.addEventListener("abort", forwardAbort, { once: true });

  let answer: RawAnswer;
  try {
    answer = await postOnce(call.url, call.headers(apiKey), body, controller.signal);
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason;
    if (timedOut) {
      throw new ModelCallError({ kind: "timeout", endpoint, detail: `no complete answer within ${options.timeoutMs} ms`, secrets });
    }
    throw new ModelCallError({ kind: "network", endpoint, detail: describeNetworkError(error), secrets });
  } finally {
    clearTimeout(timer);
    call.signal?.removeEventListener("abort", forwardAbort);
  }
  const { status, text } = answer;
  const provenance = provenanceOfHeader(answer.header(PROVENANCE_HEADER));

  if (status < 200 || status >= 300) {
    throw new ModelCallError({
      kind: kindForStatus(status, text),
      status,
      endpoint,
      detail: snippet(redactSecrets(text, secrets)),
      retryAfterMs: retryAfterFromHeaders(answer.header),
      secrets,
      provenance,
    });
  }
  try {
    return { ...call.decode(JSON.parse(text)), provenance };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelCallError({
      kind: "malformed_response",
      status,
      endpoint,
      detail: `${reason}; body starts: ${snippet(redactSecrets(text, secrets))}`,
      secrets,
      provenance,
    });
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat || "(empty body)";
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
