import http from "node:http";
import https from "node:https";
import { publicEndpoint, redactSecrets } from "./call-error.js";
import { PROVENANCE_HEADER, provenanceOfModelList } from "./provenance.js";
import type { Provenance } from "./types.js";

/**
 * One cheap request to a teacher endpoint before a run spends anything: the model list
 * (`GET /v1/models`, served by vLLM, SGLang, OpenAI, Anthropic and the scripted stand-in). It tells
 * "nothing listens there" and "the key is refused" apart from "reachable", which is all a run
 * needs to know to fail fast with a clear message instead of failing every instance.
 */

export interface EndpointProbe {
  endpoint: string;
  /** reachable: any answer but 5xx or 401/403 (a gateway without a model list still answers 404). */
  outcome: "reachable" | "unreachable" | "server_error" | "key_refused";
  /** One line saying what happened, credentials removed. */
  detail: string;
  /** What the server's model list says it is (model/provenance.ts); null when it did not answer 2xx. */
  provenance: Provenance | null;
  /** Model ids the list names, when it answered one (empty otherwise). */
  models: string[];
}

export async function probeEndpoint(options: {
  baseURL: string;
  protocol: "openai" | "anthropic";
  apiKey?: string;
  timeoutMs: number;
}): Promise<EndpointProbe> {
  const base = options.baseURL.replace(/\/+$/, "");
  const url = options.protocol === "anthropic" ? `${base}/v1/models` : `${base}/models`;
  const endpoint = publicEndpoint(base);
  const headers: Record<string, string> = {};
  if (options.apiKey !== undefined) {
    if (options.protocol === "anthropic") {
      headers["x-api-key"] = options.apiKey;
      headers["anthropic-version"] = "2023-06-01";
    } else headers.authorization = `Bearer ${options.apiKey}`;
  }
  const secrets = options.apiKey === undefined ? [] : [options.apiKey];
  try {
    const { status, header, text } = await getModelList(url, headers, options.timeoutMs);
    const none = { provenance: null, models: [] };
    if (status >= 500) return { endpoint, outcome: "server_error", detail: `${endpoint} answered HTTP ${status} to GET ${new URL(url).pathname}`, ...none };
    if (status === 401 || status === 403) return { endpoint, outcome: "key_refused", detail: `${endpoint} refused the API key (HTTP ${status})`, ...none };
    if (status < 200 || status >= 300) return { endpoint, outcome: "reachable", detail: `${endpoint} answered HTTP ${status}`, ...none };
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // A gateway's non-JSON page still means "reachable"; it just names no models.
    }
    const data = (body as { data?: unknown } | null)?.data;
    const models = Array.isArray(data) ? data.map((entry) => (entry as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === "string") : [];
    return { endpoint, outcome: "reachable", detail: `${endpoint} answered HTTP ${status}`, provenance: provenanceOfModelList(header, body), models };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    const text = typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
    return { endpoint, outcome: "unreachable", detail: redactSecrets(`${endpoint} cannot be reached: ${text}`, secrets), provenance: null, models: [] };
  }
}

// A model list is small; more than this is not one, and is not kept.
const MODEL_LIST_LIMIT = 1 << 20;

function getModelList(url: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; header: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === "https:" ? https : http).request(
      target,
      { method: "GET", headers, signal: AbortSignal.timeout(timeoutMs) },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MODEL_LIST_LIMIT) chunks.push(chunk);
        });
        response.on("end", () => {
          const value = response.headers[PROVENANCE_HEADER];
          resolve({
            status: response.statusCode ?? 0,
            header: Array.isArray(value) ? value[0] : value,
            text: size <= MODEL_LIST_LIMIT ? Buffer.concat(chunks).toString("utf8") : "",
          });
        });
        response.on("error", reject);
      },
    );
    request.on("error", (error) => reject((error as Error).name === "AbortError" ? new Error(`no answer within ${timeoutMs} ms`) : error));
    request.end();
  });
}
