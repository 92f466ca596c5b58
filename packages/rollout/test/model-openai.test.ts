import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Message } from "@sera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAIChatModel, replyText, startScriptedModelServer, type ModelCallRecord, type ScriptedModelServer, type ToolDefinition } from "../src/index.js";

const agentTools: ToolDefinition[] = ["bash", "str_replace_editor", "submit"].map((name) => ({
  name,
  description: `${name} tool`,
  parameters: { type: "object", properties: name === "bash" ? { command: { type: "string" } } : {} },
}));

const task: Message = {
  role: "user",
  content: "<pr_description>\nSomething is off.\nSuspected location: pkg/mod.py (function load)\n</pr_description>",
};

/** A loopback server that answers every chat request with one fixed body and records what it got. */
async function cannedServer(body: unknown): Promise<{ url: string; received: unknown[]; close: () => Promise<void> }> {
  const received: unknown[] = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      received.push(JSON.parse(text));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("openAIChatModel against the scripted stand-in", () => {
  let server: ScriptedModelServer;
  beforeAll(async () => {
    server = await startScriptedModelServer({ seed: 11, latencyMsPerTurn: 0 });
  });
  afterAll(() => server.close());

  it("round-trips tool calls, keeps reasoning and records usage per attempt", async () => {
    const records: ModelCallRecord[] = [];
    const model = openAIChatModel({
      baseURL: server.url,
      model: "scripted-stand-in",
      timeoutMs: 5_000,
      maxRetries: 0,
      onCall: (record) => records.push(record),
    });
    const first = await model.complete({ messages: [task], tools: agentTools, temperature: 0.6, maxTokens: 512 });
    expect(first.finishReason).toBe("tool_calls");
    expect(first.message.role).toBe("assistant");
    expect(first.message.reasoning).toMatch(/load/);
    const call = first.message.toolCalls![0];
    expect(call.name).toBe("bash");
    expect(call.arguments).toEqual({ command: expect.stringContaining("/testbed/pkg/mod.py") });
    expect(first.usage.inputTokens).toBeGreaterThan(0);
    expect(first.usage.outputTokens).toBeGreaterThan(0);
    expect(first.endpoint).toBe(`${server.url}/chat/completions`);

    // Our assistant message and a tool result go back in OpenAI shape; the policy reads them.
    const second = await model.complete({
      messages: [task, first.message, { role: "tool", toolCallId: call.id, content: "3:def load(path):" }],
      tools: agentTools,
    });
    expect(second.message.toolCalls![0].arguments).toEqual({ command: "sed -n '3,42p' /testbed/pkg/mod.py" });
    expect(second.usage.cachedInputTokens).toBeGreaterThan(0);
    expect(second.usage.cachedInputTokens).toBeLessThan(second.usage.inputTokens);

    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({
      endpoint: `${server.url}/chat/completions`,
      model: "scripted-stand-in",
      httpAttempt: 1,
      provenance: "stand-in",
      status: "ok",
      inputTokens: second.usage.inputTokens,
      cachedInputTokens: second.usage.cachedInputTokens,
      outputTokens: second.usage.outputTokens,
    });
    expect(Number.isNaN(Date.parse(records[0].startedAt))).toBe(false);
  });

  it("keeps tool-call arguments that are not JSON as the raw string", async () => {
    const broken = await startScriptedModelServer({ seed: 11, faults: { malformedToolCallRate: 1 } });
    try {
      const model = openAIChatModel({ baseURL: broken.url, model: "scripted-stand-in", timeoutMs: 5_000, maxRetries: 0 });
      const { message } = await model.complete({ messages: [task], tools: agentTools });
      const args = message.toolCalls![0].arguments;
      expect(typeof args).toBe("string");
      expect(() => JSON.parse(args as string)).toThrow();
      expect(args as string).toContain('"command"');
      expect(broken.stats().faults.malformedToolCall).toBe(1);
    } finally {
      await broken.close();
    }
  });
});

describe("openAIChatModel response mapping", () => {
  it("keeps a <think> block in content as the server sent it, and a parser's `reasoning` field as reasoning", async () => {
    const canned = await cannedServer({
      choices: [
        {
          finish_reason: "tool_calls",
          message: {
            role: "assistant",
            content: "<think>\nFirst find the file.\n</think>\n\nLooking now.",
            reasoning: "Parser field.",
            tool_calls: [{ id: "c1", type: "function", function: { name: "submit", arguments: "" } }],
          },
        },
      ],
      usage: { prompt_tokens: 100, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 64 } },
    });
    try {
      const model = openAIChatModel({ baseURL: canned.url, model: "glm", timeoutMs: 2_000, maxRetries: 0, extraBody: { top_k: 20 } });
      const response = await model.complete({ messages: [{ role: "user", content: "hi" }] });
      expect(response.message.content).toBe("<think>\nFirst find the file.\n</think>\n\nLooking now.");
      expect(response.message.reasoning).toBe("Parser field.");
      expect(response.message.toolCalls).toEqual([{ id: "c1", name: "submit", arguments: {} }]);
      expect(response.usage).toEqual({ inputTokens: 100, cachedInputTokens: 64, outputTokens: 7 });
      expect(canned.received[0]).toMatchObject({ model: "glm", top_k: 20 });
    } finally {
      await canned.close();
    }
  });

  it("reads `reasoning_content` and keeps content whole when the template opened <think> itself", async () => {
    const canned = await cannedServer({
      choices: [
        { finish_reason: "stop", message: { role: "assistant", content: "Check the loop bounds.</think>\n\nDone.", reasoning_content: "Bounds first." } },
      ],
    });
    try {
      const model = openAIChatModel({ baseURL: canned.url, model: "qwen", timeoutMs: 2_000, maxRetries: 0 });
      const { message, usage } = await model.complete({ messages: [{ role: "user", content: "hi" }] });
      expect(message).toEqual({ role: "assistant", content: "Check the loop bounds.</think>\n\nDone.", reasoning: "Bounds first." });
      expect(usage).toEqual({ inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 });
    } finally {
      await canned.close();
    }
  });

  it("sends thinking back as it came: inline in content always, the parser's field only with replayReasoning", async () => {
    const canned = await cannedServer({ choices: [{ finish_reason: "stop", message: { role: "assistant", content: "ok" } }] });
    const history: Message[] = [
      { role: "user", content: "go" },
      { role: "assistant", content: "<think>\ninline thought\n</think>\n\nrunning ls" },
      { role: "user", content: "next" },
      { role: "assistant", content: "done", reasoning: "field thought" },
      { role: "user", content: "and now?" },
    ];
    try {
      for (const replayReasoning of [false, true]) {
        const model = openAIChatModel({ baseURL: canned.url, model: "glm", timeoutMs: 2_000, maxRetries: 0, replayReasoning });
        await model.complete({ messages: history });
      }
      const [plain, replayed] = canned.received as { messages: Record<string, unknown>[] }[];
      for (const body of [plain, replayed]) expect(body.messages[1]).toEqual({ role: "assistant", content: "<think>\ninline thought\n</think>\n\nrunning ls" });
      expect(plain.messages[3]).toEqual({ role: "assistant", content: "done" });
      expect(replayed.messages[3]).toEqual({ role: "assistant", content: "done", reasoning_content: "field thought" });
    } finally {
      await canned.close();
    }
  });

  it("replyText gives the answer after a leading think block, for sera's own questions", () => {
    expect(replyText("<think>\nIs it yes? No.\n</think>\n\nyes")).toBe("yes");
    expect(replyText("weighing it</think>\nno")).toBe("no");
    expect(replyText("plain answer")).toBe("plain answer");
    expect(replyText("answer, then <think>late</think>")).toBe("answer, then <think>late</think>");
  });

  it("sends assistant tool calls as JSON strings and tool results with tool_call_id", async () => {
    const canned = await cannedServer({ choices: [{ finish_reason: "stop", message: { role: "assistant", content: "ok" } }] });
    try {
      const model = openAIChatModel({ baseURL: canned.url, model: "scripted-stand-in", timeoutMs: 2_000, maxRetries: 0 });
      await model.complete({
        messages: [
          { role: "system", content: "sys" },
          { role: "user", content: "go" },
          {
            role: "assistant",
            content: "",
            reasoning: "thinking",
            toolCalls: [
              { id: "a", name: "bash", arguments: { command: "ls" } },
              { id: "b", name: "bash", arguments: "{not json" },
            ],
          },
          { role: "tool", toolCallId: "a", content: "file.py" },
        ],
        tools: agentTools.slice(0, 1),
      });
      expect(canned.received[0]).toMatchObject({
        messages: [
          { role: "system", content: "sys" },
          { role: "user", content: "go" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "a", type: "function", function: { name: "bash", arguments: '{"command":"ls"}' } },
              { id: "b", type: "function", function: { name: "bash", arguments: "{not json" } },
            ],
          },
          { role: "tool", tool_call_id: "a", content: "file.py" },
        ],
        tools: [{ type: "function", function: { name: "bash", description: "bash tool" } }],
      });
      // Reasoning is not replayed unless asked for.
      expect(JSON.stringify(canned.received[0])).not.toContain("thinking");
    } finally {
      await canned.close();
    }
  });
});
