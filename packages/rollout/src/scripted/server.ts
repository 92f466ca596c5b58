import http from "node:http";
import { listenHttp } from "@sera/core";
import { PROVENANCE_HEADER } from "../model/provenance.js";
import { completionBody, streamEvents, type WireReply, type WireUsage } from "./completion-wire.js";
import { classifyRequest, readWireMessages, toolNamesOf, type RequestKind, type WireMessage } from "./conversation.js";
import { digestOf, unitOf } from "./hashing.js";
import { rolloutReply, type ScriptedReply } from "./rollout-policy.js";
import { otherReply, prWritingReply, selfCheckReply } from "./text-replies.js";

export interface ScriptedFaultRates {
  /** Answer 500 or 503. */
  http5xxRate: number;
  /** Accept the request and never answer (the socket is held until the client gives up). */
  timeoutRate: number;
  /** Send tool-call arguments that are not valid JSON. */
  malformedToolCallRate: number;
  /** Send the headers and a first chunk, then stall. */
  hangingStreamRate: number;
}

export interface ScriptedModelServerOptions {
  port?: number;
  host?: string;
  seed: number | string;
  latencyMsPerTurn?: number;
  promptTokensPerChar?: number;
  /** Fixed completion token count; by default it follows the reply length. */
  completionTokens?: number;
  faults?: Partial<ScriptedFaultRates>;
  /** Chance that rollout 2 makes a different edit than rollout 1 for a function. */
  divergenceRate?: number;
  /** A shell command (e.g. the repository's tests) that every located rollout runs first, as a teacher reproducing the bug would. */
  testCommand?: string;
  /** Chance that a self-check answers no. */
  rejectRate?: number;
  /** Prompts longer than this (in estimated tokens) get a context-length 400, like vLLM. */
  maxContextTokens?: number;
  /**
   * A model name to answer to as well as its own id (`scripted-stand-in`), e.g. the real teacher an
   * experiment file names, for dry runs of that file. The server then lists and answers as that
   * name, but every answer still says it is a stand-in, so every row it feeds is marked stand-in.
   * Without it, a request for any other model is refused (HTTP 404, as vLLM does).
   */
  impersonate?: string;
  /**
   * Answer as a server without a reasoning parser does (SERA's GLM-4.5-Air set-up): the thinking
   * goes into content as a leading `<think>…</think>` block, and no `reasoning_content` is sent.
   */
  thinkingInContent?: boolean;
}

/** The scripted server's own model id. */
export const SCRIPTED_MODEL_ID = "scripted-stand-in";

export interface ScriptedServerStats {
  requests: number;
  completed: number;
  inFlight: number;
  maxInFlight: number;
  byKind: Record<RequestKind, number>;
  faults: { http5xx: number; timeout: number; malformedToolCall: number; hangingStream: number };
  badRequests: number;
}

export interface ScriptedModelServer {
  /** Base URL including `/v1`. */
  url: string;
  /** The model name it answers as: its own id, or the one it impersonates. */
  model: string;
  close(): Promise<void>;
  stats(): ScriptedServerStats;
}

// Every answer, errors included, says what the server is (see model/provenance.ts).
const standInHeaders = { server: "scripted-stand-in", [PROVENANCE_HEADER]: "stand-in" };

class UnknownModelError extends Error {
  constructor(requested: string) {
    super(
      `scripted stand-in: the model "${requested}" does not exist here; this is sera's scripted stand-in (model id ${SCRIPTED_MODEL_ID}), not a real model. ` +
        `Use model: ${SCRIPTED_MODEL_ID}, or start the stand-in with --impersonate "${requested}" for a dry run (its data is then still marked stand-in).`,
    );
  }
}

interface ParsedRequest {
  messages: WireMessage[];
  toolNames: string[];
  kind: RequestKind;
  stream: boolean;
  includeUsage: boolean;
  /** Hash of seed + content: everything about a healthy answer derives from it. */
  digest: string;
  promptChars: number;
  prefixChars: number;
}

/**
 * A scripted stand-in for a teacher model, speaking the OpenAI chat-completions protocol over
 * real HTTP. Its answers depend only on the seed and the request content; faults depend on
 * those plus how many times this exact request was seen before, so a retry can succeed and a
 * rerun meets the same faults in the same places.
 */
export async function startScriptedModelServer(options: ScriptedModelServerOptions): Promise<ScriptedModelServer> {
  const seed = String(options.seed);
  const latencyMs = options.latencyMsPerTurn ?? 0;
  const tokensPerChar = options.promptTokensPerChar ?? 0.25;
  const faults: ScriptedFaultRates = { http5xxRate: 0, timeoutRate: 0, malformedToolCallRate: 0, hangingStreamRate: 0, ...options.faults };
  const modelName = options.impersonate ?? SCRIPTED_MODEL_ID;
  const answersTo = new Set([SCRIPTED_MODEL_ID, modelName]);
  const occurrences = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const stats: ScriptedServerStats = {
    requests: 0,
    completed: 0,
    inFlight: 0,
    maxInFlight: 0,
    byKind: { rollout: 0, selfCheck: 0, prWriting: 0, other: 0 },
    faults: { http5xx: 0, timeout: 0, malformedToolCall: 0, hangingStream: 0 },
    badRequests: 0,
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const sendJson = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...standInHeaders });
    res.end(text);
  };
  const sendError = (res: http.ServerResponse, status: number, message: string, type: string) =>
    sendJson(res, status, { object: "error", error: { message, type, code: status }, message, type, code: status });

  function replyFor(request: ParsedRequest): ScriptedReply {
    const kind = request.kind;
    if (kind === "rollout") return rolloutReply(request.messages, { seed, divergenceRate: options.divergenceRate ?? 0, testCommand: options.testCommand });
    if (kind === "selfCheck") return selfCheckReply(request.messages, seed, options.rejectRate ?? 0.02);
    if (kind === "prWriting") return prWritingReply(request.messages, seed);
    return otherReply();
  }

  function wireReply(request: ParsedRequest, reply: ScriptedReply, malformed: boolean): WireReply {
    const argumentsJson = JSON.stringify(reply.toolCall?.arguments ?? {});
    const argumentsText = malformed ? argumentsJson.slice(0, -1) : argumentsJson;
    const promptTokens = Math.ceil(request.promptChars * tokensPerChar);
    const replyChars = reply.reasoning.length + reply.content.length + (reply.toolCall ? argumentsText.length : 0);
    const completionTokens = options.completionTokens ?? Math.max(1, Math.ceil(replyChars * tokensPerChar));
    const usage: WireUsage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: Math.min(promptTokens, Math.ceil(request.prefixChars * tokensPerChar)) },
    };
    return {
      id: `chatcmpl-scripted-${request.digest.slice(0, 24)}`,
      model: modelName,
      reply,
      toolCallId: `call_${request.digest.slice(24, 40)}`,
      argumentsText,
      usage,
    };
  }

  async function handleCompletion(res: http.ServerResponse, request: ParsedRequest): Promise<void> {
    const occurrence = occurrences.get(request.digest) ?? 0;
    occurrences.set(request.digest, occurrence + 1);
    const roll = (fault: string) => unitOf(seed, "fault", fault, request.digest, occurrence);
    stats.byKind[request.kind]++;

    if (roll("timeout") < faults.timeoutRate) {
      stats.faults.timeout++;
      return; // hold the socket: the client's timeout has to fire
    }
    await pause(latencyMs);
    if (res.destroyed) return;
    if (roll("http5xx") < faults.http5xxRate) {
      stats.faults.http5xx++;
      const overloaded = roll("http5xx-code") < 0.5;
      sendError(
        res,
        overloaded ? 503 : 500,
        overloaded ? "scripted stand-in: injected overload" : "scripted stand-in: injected internal error",
        overloaded ? "service_unavailable" : "internal_server_error",
      );
      return;
    }
    const scripted = replyFor(request);
    const reply =
      options.thinkingInContent && scripted.reasoning !== ""
        ? { ...scripted, content: `<think>\n${scripted.reasoning}\n</think>\n\n${scripted.content}`, reasoning: "" }
        : scripted;
    const malformed = reply.toolCall !== undefined && roll("malformed") < faults.malformedToolCallRate;
    if (malformed) stats.faults.malformedToolCall++;
    const wire = wireReply(request, reply, malformed);

    if (roll("hanging") < faults.hangingStreamRate) {
      stats.faults.hangingStream++;
      if (request.stream) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...standInHeaders });
        res.write(streamEvents(wire, false)[0]);
      } else {
        res.writeHead(200, { "content-type": "application/json", ...standInHeaders });
        res.write(JSON.stringify(completionBody(wire)).slice(0, 40));
      }
      return; // stall until the client gives up or the server closes
    }
    if (request.stream) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...standInHeaders });
      res.end(streamEvents(wire, request.includeUsage).join(""));
    } else {
      sendJson(res, 200, completionBody(wire));
    }
    stats.completed++;
  }

  function parseRequest(bodyText: string): ParsedRequest {
    const body = JSON.parse(bodyText) as Record<string, unknown>;
    if (!body || typeof body !== "object") throw new Error("body must be a JSON object");
    if (typeof body.model !== "string" || body.model === "")
      throw new Error("model: required (this server is the scripted stand-in; use model: scripted-stand-in)");
    if (!answersTo.has(body.model)) throw new UnknownModelError(body.model);
    const messages = readWireMessages(body.messages);
    const tools = body.tools ?? [];
    const contentKey = JSON.stringify({ messages: body.messages, tools });
    const messageChars = messages.map((m) => m.content.length + m.toolCalls.reduce((sum, c) => sum + c.argumentsText.length, 0));
    const toolChars = JSON.stringify(tools).length;
    const promptChars = toolChars + messageChars.reduce((a, b) => a + b, 0);
    const streamOptions = (body.stream_options ?? {}) as { include_usage?: unknown };
    const toolNames = toolNamesOf(tools);
    return {
      messages,
      toolNames,
      kind: classifyRequest(messages, toolNames),
      stream: body.stream === true,
      includeUsage: streamOptions.include_usage === true,
      digest: digestOf(seed, contentKey),
      promptChars,
      // What a prefix cache would hold from the previous turn: all but the newest message.
      prefixChars: promptChars - messageChars[messageChars.length - 1],
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0].replace(/\/+$/, "");
    if (req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, { object: "list", data: [{ id: modelName, object: "model", created: 0, owned_by: "sera", sera_provenance: "stand-in" }] });
      return;
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      sendError(res, 404, `scripted stand-in: no route ${req.method} ${path}`, "not_found");
      return;
    }
    stats.requests++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let request: ParsedRequest;
    try {
      request = parseRequest(Buffer.concat(chunks).toString("utf8"));
    } catch (error) {
      stats.badRequests++;
      if (error instanceof UnknownModelError) sendError(res, 404, error.message, "NotFoundError");
      else sendError(res, 400, `scripted stand-in: ${error instanceof Error ? error.message : String(error)}`, "invalid_request_error");
      return;
    }
    const promptTokens = Math.ceil(request.promptChars * tokensPerChar);
    if (options.maxContextTokens !== undefined && promptTokens > options.maxContextTokens) {
      stats.badRequests++;
      sendError(
        res,
        400,
        `This model's maximum context length is ${options.maxContextTokens} tokens. However, the request has ${promptTokens} input tokens. Shorten the messages.`,
        "BadRequestError",
      );
      return;
    }
    await handleCompletion(res, request);
  }

  const server = http.createServer((req, res) => {
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on("close", () => stats.inFlight--);
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `scripted stand-in: ${String(error)}`, "internal_server_error");
      else res.destroy();
    });
  });
  // Many agents share one stand-in; do not let Node's defaults cap or time out connections.
  server.keepAliveTimeout = 30_000;
  server.requestTimeout = 0;

  const { origin } = await listenHttp(server, options);

  return {
    url: `${origin}/v1`,
    model: modelName,
    stats: () => structuredClone(stats),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
