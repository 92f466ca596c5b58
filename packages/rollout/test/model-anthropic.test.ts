import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Message } from "@sera/core";
import { describe, expect, it } from "vitest";
import { anthropicChatModel, ModelCallError, type ModelCallRecord } from "../src/index.js";

interface Exchange {
  headers: http.IncomingHttpHeaders;
  path: string;
  body: Record<string, unknown>;
}

/**
 * A loopback Messages API endpoint. It checks what the documented API requires (x-api-key,
 * anthropic-version, max_tokens, alternating user/assistant turns, tool_result answering the
 * previous tool_use) and answers 400 in the API's error shape otherwise.
 */
async function messagesServer(answer: (body: Record<string, unknown>) => { status: number; body: unknown }) {
  const exchanges: Exchange[] = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      exchanges.push({ headers: req.headers, path: req.url ?? "", body });
      const problem = validate(req, body);
      const reply = problem ? { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: problem } } } : answer(body);
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { baseURL: `http://127.0.0.1:${port}`, exchanges, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function validate(req: http.IncomingMessage, body: Record<string, unknown>): string | undefined {
  if (req.url !== "/v1/messages") return `unknown path ${req.url}`;
  if (!req.headers["x-api-key"]) return "missing x-api-key";
  if (!req.headers["anthropic-version"]) return "missing anthropic-version";
  if (typeof body.max_tokens !== "number") return "max_tokens: Field required";
  const messages = body.messages as { role: string; content: { type: string; id?: string; tool_use_id?: string }[] }[];
  if (messages.some((m) => (m.role as string) === "system")) return "system role is not allowed in messages";
  for (let i = 0; i < messages.length; i++) {
    if (i > 0 && messages[i].role === messages[i - 1].role) return "roles must alternate";
    for (const block of messages[i].content) {
      if (block.type !== "tool_result") continue;
      const previous = messages[i - 1]?.content ?? [];
      if (!previous.some((b) => b.type === "tool_use" && b.id === block.tool_use_id)) return "tool_result without matching tool_use";
    }
  }
  return undefined;
}

const keyEnv = "SERA_TEST_ANTHROPIC_KEY";
const key = "sk-ant-api03-TESTKEYabcdefghijklmnop";

describe("anthropicChatModel", () => {
  it("maps system, tool_use and tool_result blocks, thinking and cache usage", async () => {
    process.env[keyEnv] = key;
    const api = await messagesServer(() => ({
      status: 200,
      body: {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude-test",
        content: [
          { type: "thinking", thinking: "The grep found it; read the body next.", signature: "sig" },
          { type: "text", text: "Reading the function." },
          { type: "tool_use", id: "toolu_2", name: "bash", input: { command: "sed -n '3,42p' /testbed/a.py" } },
        ],
        stop_reason: "tool_use",
        usage: { input_tokens: 20, cache_read_input_tokens: 300, cache_creation_input_tokens: 10, output_tokens: 40 },
      },
    }));
    try {
      const records: ModelCallRecord[] = [];
      const model = anthropicChatModel({
        baseURL: api.baseURL,
        model: "claude-test",
        apiKeyEnv: keyEnv,
        timeoutMs: 2_000,
        maxRetries: 0,
        onCall: (r) => records.push(r),
      });
      const history: Message[] = [
        { role: "system", content: "You fix bugs." },
        { role: "user", content: "Find load in a.py" },
        {
          role: "assistant",
          content: "",
          reasoning: "search first",
          toolCalls: [{ id: "toolu_1", name: "bash", arguments: { command: "grep -n load /testbed/a.py" } }],
        },
        { role: "tool", toolCallId: "toolu_1", content: "3:def load():" },
        { role: "user", content: "Keep going." },
      ];
      const response = await model.complete({
        messages: history,
        tools: [{ name: "bash", description: "shell", parameters: { type: "object", properties: { command: { type: "string" } } } }],
        temperature: 0.6,
      });
      expect(response.message).toEqual({
        role: "assistant",
        content: "Reading the function.",
        reasoning: "The grep found it; read the body next.",
        toolCalls: [{ id: "toolu_2", name: "bash", arguments: { command: "sed -n '3,42p' /testbed/a.py" } }],
      });
      expect(response.finishReason).toBe("tool_use");
      expect(response.usage).toEqual({ inputTokens: 330, cachedInputTokens: 300, outputTokens: 40 });
      expect(records[0]).toMatchObject({ status: "ok", model: "claude-test", inputTokens: 330, cachedInputTokens: 300 });

      const sent = api.exchanges[0];
      expect(sent.headers["x-api-key"]).toBe(key);
      expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
      expect(sent.body).toMatchObject({
        model: "claude-test",
        max_tokens: 4096,
        temperature: 0.6,
        system: "You fix bugs.",
        tools: [{ name: "bash", description: "shell", input_schema: { type: "object" } }],
        messages: [
          { role: "user", content: [{ type: "text", text: "Find load in a.py" }] },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "bash", input: { command: "grep -n load /testbed/a.py" } }] },
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_1", content: "3:def load():" },
              { type: "text", text: "Keep going." },
            ],
          },
        ],
      });
    } finally {
      delete process.env[keyEnv];
      await api.close();
    }
  });

  it("classifies overload, prompt-too-long and auth failures, keeping the key out of errors", async () => {
    process.env[keyEnv] = key;
    let calls = 0;
    const api = await messagesServer((body) => {
      calls++;
      const text = JSON.stringify(body.messages);
      if (text.includes("overload")) return { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } };
      if (text.includes("huge")) {
        return {
          status: 400,
          body: { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" } },
        };
      }
      return { status: 401, body: { type: "error", error: { type: "authentication_error", message: `invalid x-api-key: ${key}` } } };
    });
    try {
      const model = anthropicChatModel({ baseURL: api.baseURL, model: "c", apiKeyEnv: keyEnv, timeoutMs: 2_000, maxRetries: 1, initialBackoffMs: 1 });
      const failure = (content: string): Promise<ModelCallError> =>
        model.complete({ messages: [{ role: "user", content }] }).then(
          () => {
            throw new Error("expected the call to fail");
          },
          (e: unknown) => e as ModelCallError,
        );

      const overloaded = await failure("overload");
      expect(overloaded).toBeInstanceOf(ModelCallError);
      expect(overloaded.kind).toBe("server_error");
      expect(calls).toBe(2);

      expect((await failure("huge")).kind).toBe("context_overflow");
      expect(calls).toBe(3);

      const auth = await failure("anything");
      expect(auth.kind).toBe("bad_request");
      expect(auth.status).toBe(401);
      expect(`${auth.message}${auth.stack}${JSON.stringify(auth)}`).not.toContain("TESTKEY");
    } finally {
      delete process.env[keyEnv];
      await api.close();
    }
  });
});
