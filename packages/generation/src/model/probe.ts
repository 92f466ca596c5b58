import http from "node:http";
import https from "node:https";
import { publicEndpoint, redactSecrets } from "./callError.js";

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
    const status = await getStatus(url, headers, options.timeoutMs);
    if (status >= 500) return { endpoint, outcome: "server_error", detail: `${endpoint} answered HTTP ${status} to GET ${new URL(url).pathname}` };
    if (status === 401 || status === 403) return { endpoint, outcome: "key_refused", detail: `${endpoint} refused the API key (HTTP ${status})` };
    return { endpoint, outcome: "reachable", detail: `${endpoint} answered HTTP ${status}` };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    const text = typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
    return { endpoint, outcome: "unreachable", detail: redactSecrets(`${endpoint} cannot be reached: ${text}`, secrets) };
  }
}

function getStatus(url: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === "https:" ? https : http).request(target, { method: "GET", headers, signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", reject);
    });
    request.on("error", (error) => reject((error as Error).name === "AbortError" ? new Error(`no answer within ${timeoutMs} ms`) : error));
    request.end();
  });
}
