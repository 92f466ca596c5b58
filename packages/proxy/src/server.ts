import http from "node:http";
import { listenHttp } from "@sera/core";
import { toolDefinitions } from "@sera/rollout";
import type { ForeignSummary } from "@sera/training";
import { errorBody, messagesRequestSchema, type MessagesRequest } from "./anthropic.js";
import { ProxyState, translateConversation } from "./conversation.js";
import type { SessionRecorder } from "./recording.js";
import { errorEvent, replyEvents } from "./sse.js";
import { serveTurn, type TurnSettings } from "./turn.js";
import { UpstreamError } from "./upstream.js";

export interface ProxyOptions extends TurnSettings {
  port?: number;
  host?: string;
  /** With a recorder, each session is kept as a trajectory and ingested when the proxy closes. */
  recorder?: SessionRecorder;
  /** One line per served request or error (never request bodies or keys). */
  log?: (line: string) => void;
}

export interface ProxyStats {
  requests: number;
  turns: number;
  errors: number;
}

export interface ProxyServer {
  /** Base URL for ANTHROPIC_BASE_URL (no path). */
  url: string;
  port: number;
  stats(): ProxyStats;
  /** Stops serving; with a recorder, then ingests the recorded sessions and returns what was ingested. */
  close(): Promise<ForeignSummary[]>;
}

function sessionIdOf(req: http.IncomingMessage, request: MessagesRequest): string {
  const header = req.headers["x-claude-code-session-id"];
  if (typeof header === "string" && header !== "") return header;
  const userId = request.metadata?.user_id;
  if (typeof userId === "string") {
    try {
      const parsed = JSON.parse(userId) as { session_id?: unknown };
      if (typeof parsed.session_id === "string") return parsed.session_id;
    } catch {
      const match = /session_([0-9a-f-]{8,})/.exec(userId);
      if (match) return match[1];
    }
  }
  return "default";
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The Messages API error an upstream failure becomes; a context overflow reads like Anthropic's own. */
export function anthropicError(error: unknown): { status: number; type: string; message: string } {
  if (error instanceof UpstreamError) {
    if (error.contextOverflow) {
      const { requested, limit } = error.contextOverflow;
      const numbers = requested !== undefined && limit !== undefined ? `: ${requested} tokens > ${limit} maximum` : "";
      return { status: 400, type: "invalid_request_error", message: `prompt is too long${numbers} (${error.message})` };
    }
    if (error.status === 429) return { status: 429, type: "rate_limit_error", message: error.message };
    if (error.status >= 400 && error.status < 500) return { status: 400, type: "invalid_request_error", message: error.message };
    return { status: 502, type: "api_error", message: error.message };
  }
  return { status: 500, type: "api_error", message: `sera proxy: ${(error as Error).message}` };
}

/**
 * `sera proxy`: the Anthropic Messages API in front of an OpenAI-compatible server, so Claude Code
 * can drive a SERA model with the tools, prompts and observations it was trained on.
 */
export async function startProxy(options: ProxyOptions): Promise<ProxyServer> {
  const state = new ProxyState();
  const stats: ProxyStats = { requests: 0, turns: 0, errors: 0 };
  const log = options.log ?? (() => {});

  async function readRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<MessagesRequest | undefined> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      sendJson(res, 400, errorBody("invalid_request_error", "request body is not JSON"));
      return undefined;
    }
    const parsed = messagesRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      sendJson(res, 400, errorBody("invalid_request_error", `${issue.path.join(".") || "body"}: ${issue.message}`));
      return undefined;
    }
    return parsed.data;
  }

  async function messages(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const request = await readRequest(req, res);
    if (!request) return;
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    try {
      const turn = await serveTurn(request, state, options, abort.signal);
      stats.turns++;
      if (options.recorder && turn.agentTurn)
        await options.recorder.record(sessionIdOf(req, request), turn.transcript, turn.submitted, turn.workdir, turn.provenance);
      log(`turn ${stats.turns}: ${turn.reply.stop_reason} ${turn.reply.content.map((b) => (b.type === "tool_use" ? b.name : "text")).join("+")}`);
      if (request.stream) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
        res.end(replyEvents(turn.reply).join(""));
      } else {
        sendJson(res, 200, turn.reply);
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      stats.errors++;
      const failure = anthropicError(error);
      log(`error ${failure.status}: ${failure.message}`);
      if (request.stream) {
        // The Messages API reports a failure inside an open stream as an `error` event.
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.end(errorEvent(failure.type, failure.message));
      } else {
        sendJson(res, failure.status, errorBody(failure.type, failure.message));
      }
    }
  }

  async function countTokens(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const request = await readRequest(req, res);
    if (!request) return;
    // A view of the conversation without side effects: a scratch state, so no observation is cached.
    const { messages } = translateConversation(request, new ProxyState(), options.workdir);
    const characters = JSON.stringify(messages).length + JSON.stringify(toolDefinitions).length;
    sendJson(res, 200, { input_tokens: Math.ceil(characters / 4) });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    stats.requests++;
    const route = (req.url ?? "/").split("?")[0].replace(/\/+$/, "") || "/";
    if ((req.method === "HEAD" || req.method === "GET") && route === "/") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(req.method === "GET" ? "sera proxy\n" : undefined);
    } else if (req.method === "GET" && route === "/v1/models") {
      const model = { type: "model", id: options.model, display_name: `${options.model} (SERA, through sera proxy)`, created_at: "1970-01-01T00:00:00Z" };
      sendJson(res, 200, { data: [model], has_more: false, first_id: options.model, last_id: options.model });
    } else if (req.method === "POST" && route === "/v1/messages") {
      await messages(req, res);
    } else if (req.method === "POST" && route === "/v1/messages/count_tokens") {
      await countTokens(req, res);
    } else {
      sendJson(res, 404, errorBody("not_found_error", `sera proxy: no route ${req.method} ${route}`));
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      stats.errors++;
      if (!res.headersSent) sendJson(res, 500, errorBody("api_error", `sera proxy: ${(error as Error).message}`));
      else res.destroy();
    });
  });
  // A model turn can take minutes; Node's default request timeout would cut it off.
  server.requestTimeout = 0;
  const { origin, port } = await listenHttp(server, options);
  return {
    url: origin,
    port,
    stats: () => ({ ...stats }),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return options.recorder ? options.recorder.ingest() : [];
    },
  };
}
