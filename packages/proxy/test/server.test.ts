import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startScriptedModelServer, type ScriptedModelServer } from "@sera/rollout";
import { parseCompletion, replyEvents, startProxy, type ProxyServer, type ReplyMessage } from "../src/index.js";

/**
 * The proxy over real HTTP in front of the scripted stand-in model (a stand-in for vLLM, not a
 * SERA model): routes, streaming and non-streaming replies, the model's answers as Anthropic
 * blocks and SSE events, submit, bad input and a context overflow.
 */

const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-proxy-server-"));
let model: ScriptedModelServer;
let tiny: ScriptedModelServer;
const proxies: ProxyServer[] = [];
beforeAll(async () => {
  fs.writeFileSync(path.join(workdir, "calc.py"), "def add(a, b):\n    return a - b\n");
  model = await startScriptedModelServer({ seed: 3 });
  tiny = await startScriptedModelServer({ seed: 3, maxContextTokens: 50 });
});
afterEach(async () => Promise.all(proxies.splice(0).map((p) => p.close())));
afterAll(async () => {
  await Promise.all([model.close(), tiny.close()]);
  fs.rmSync(workdir, { recursive: true, force: true });
});

async function proxyFor(server: ScriptedModelServer): Promise<ProxyServer> {
  const proxy = await startProxy({ endpoint: server.url, model: "scripted-stand-in", workdir });
  proxies.push(proxy);
  return proxy;
}

const task = "add() subtracts. Replace `return a - b` with `return a + b` in `calc.py`.";
const body = (extra: Record<string, unknown> = {}) => ({
  model: "sera",
  max_tokens: 1000,
  system: [{ type: "text", text: `Primary working directory: ${workdir}` }],
  messages: [{ role: "user", content: task }],
  // Claude Code always lists its tools; the proxy offers the model SERA's instead.
  tools: [
    { name: "Bash", input_schema: { type: "object" } },
    { name: "Read", input_schema: { type: "object" } },
    { name: "Edit", input_schema: { type: "object" } },
  ],
  ...extra,
});
const post = (proxy: ProxyServer, route: string, payload: unknown) =>
  fetch(`${proxy.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(payload),
  });

/** Rebuilds the message from SSE events the way an Anthropic client does. */
function assemble(stream: string): { events: string[]; message: ReplyMessage } {
  const events: string[] = [];
  let message: ReplyMessage | undefined;
  const partial: string[] = [];
  for (const chunk of stream.split("\n\n").filter((c) => c.trim() !== "")) {
    const [eventLine, dataLine] = chunk.split("\n");
    const name = eventLine.replace("event: ", "");
    const data = JSON.parse(dataLine.replace("data: ", "")) as Record<string, any>;
    expect(data.type).toBe(name);
    events.push(name);
    if (name === "message_start") message = data.message as ReplyMessage;
    if (name === "content_block_start") {
      message!.content[data.index] = { ...data.content_block };
      partial[data.index] = "";
    }
    if (name === "content_block_delta" && data.delta.type === "text_delta") (message!.content[data.index] as { text: string }).text += data.delta.text;
    if (name === "content_block_delta" && data.delta.type === "input_json_delta") partial[data.index] += data.delta.partial_json;
    if (name === "content_block_stop" && message!.content[data.index].type === "tool_use")
      (message!.content[data.index] as { input: unknown }).input = JSON.parse(partial[data.index]);
    if (name === "message_delta") {
      message!.stop_reason = data.delta.stop_reason;
      message!.usage.output_tokens = data.usage.output_tokens;
    }
  }
  return { events, message: message! };
}

describe("sera proxy over HTTP", () => {
  it("answers HEAD /, /v1/models and count_tokens", async () => {
    const proxy = await proxyFor(model);
    expect((await fetch(`${proxy.url}/`, { method: "HEAD" })).status).toBe(200);
    const models = (await (await fetch(`${proxy.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(["scripted-stand-in"]);
    const counted = (await (await post(proxy, "/v1/messages/count_tokens?beta=true", body())).json()) as { input_tokens: number };
    expect(counted.input_tokens).toBeGreaterThan(100);
  });

  it("turns the model's first call into a Bash tool use (non-streaming), with its reasoning as text", async () => {
    const proxy = await proxyFor(model);
    const response = await post(proxy, "/v1/messages?beta=true", body());
    expect(response.status).toBe(200);
    const reply = (await response.json()) as ReplyMessage;
    expect(reply.stop_reason).toBe("tool_use");
    expect(reply.content.map((b) => b.type)).toEqual(["text", "tool_use"]);
    expect(reply.content[1]).toMatchObject({ name: "Bash", input: { command: `grep -n -F 'return a - b' ${workdir}/calc.py` } });
    expect(reply.usage.input_tokens).toBeGreaterThan(0);
  });

  it("streams the same reply as message_start, block start/delta/stop, message_delta, message_stop", async () => {
    const proxy = await proxyFor(model);
    const plain = (await (await post(proxy, "/v1/messages", body())).json()) as ReplyMessage;
    const response = await post(proxy, "/v1/messages", body({ stream: true }));
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const { events, message } = assemble(await response.text());
    expect(`${events.join(" ")} `).toMatch(/^message_start (content_block_start (content_block_delta )+content_block_stop )+message_delta message_stop $/);
    expect({ ...message, id: "" }).toEqual({ ...plain, id: "" });
  });

  it("ends the turn on submit with a summary instead of a tool use", async () => {
    const proxy = await proxyFor(model);
    const edited = body({
      messages: [
        { role: "user", content: task },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "grep -n x calc.py" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "2:    return a - b" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_2", name: "Read", input: { file_path: path.join(workdir, "calc.py") } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_2", content: "1\tdef add(a, b):\n2\t    return a - b" }] },
        {
          role: "assistant",
          content: [
            {
              type: "tool_use",
              id: "toolu_3",
              name: "Edit",
              input: { file_path: path.join(workdir, "calc.py"), old_string: "return a - b", new_string: "return a + b" },
            },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_3", content: "The file has been updated successfully." }] },
      ],
    });
    const reply = (await (await post(proxy, "/v1/messages", edited)).json()) as ReplyMessage;
    expect(reply.stop_reason).toBe("end_turn");
    expect(reply.content.every((b) => b.type === "text")).toBe(true);
    expect(reply.content.at(-1)).toMatchObject({ type: "text", text: expect.stringMatching(/^The model submitted its work/) });
  });

  it("a prompt over the model's context → Anthropic's prompt-too-long, as a 400 and as a stream error event", async () => {
    const proxy = await proxyFor(tiny);
    const response = await post(proxy, "/v1/messages", body());
    expect(response.status).toBe(400);
    const error = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(error.type).toBe("error");
    expect(error.error.type).toBe("invalid_request_error");
    expect(error.error.message).toMatch(/^prompt is too long: \d+ tokens > 50 maximum/);
    const streamed = await (await post(proxy, "/v1/messages", body({ stream: true }))).text();
    expect(streamed).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"invalid_request_error","message":"prompt is too long/);
  });

  it("passes a request without tools (Claude Code's summaries, titles) to the model as plain chat, without SERA's prompts", async () => {
    const proxy = await proxyFor(model);
    const before = model.stats().byKind;
    const reply = (await (await post(proxy, "/v1/messages", body({ tools: [], system: "Summarize the conversation." }))).json()) as ReplyMessage;
    expect(reply.stop_reason).toBe("end_turn");
    expect(reply.content).toEqual([{ type: "text", text: expect.any(String) }]);
    const after = model.stats().byKind;
    expect(after.other).toBe(before.other + 1);
    expect(after.rollout).toBe(before.rollout);
  });

  it("bad input → 400 naming the field; an unknown route → 404", async () => {
    const proxy = await proxyFor(model);
    const bad = await post(proxy, "/v1/messages", { model: "sera", messages: [{ role: "robot", content: "hi" }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^messages\.0\.role: /);
    expect((await fetch(`${proxy.url}/v1/complete`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("model answers as Anthropic replies (golden)", () => {
  it("reads a hermes-parsed completion: content, reasoning, tool calls, usage", () => {
    const completion = parseCompletion(
      JSON.stringify({
        choices: [
          {
            message: {
              role: "assistant",
              content: null,
              reasoning_content: "look first",
              tool_calls: [
                { id: "chatcmpl-tool-1", type: "function", function: { name: "str_replace_editor", arguments: '{"command":"view","path":"/testbed"}' } },
              ],
            },
            finish_reason: "tool_calls",
          },
        ],
        usage: { prompt_tokens: 120, completion_tokens: 9 },
      }),
    );
    expect(completion).toEqual({
      content: "",
      reasoning: "look first",
      toolCalls: [{ id: "chatcmpl-tool-1", name: "str_replace_editor", argumentsText: '{"command":"view","path":"/testbed"}' }],
      promptTokens: 120,
      completionTokens: 9,
      finishReason: "tool_calls",
    });
  });

  it("streams a reply as the Messages API's events", () => {
    const reply: ReplyMessage = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "sera",
      content: [
        { type: "text", text: "Viewing." },
        { type: "tool_use", id: "toolu_c1", name: "Read", input: { file_path: "/w/a.py" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 120, output_tokens: 9 },
    };
    expect(replyEvents(reply).join("")).toBe(
      [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"sera","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":120,"output_tokens":0}}}',
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Viewing."}}',
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}',
        'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_c1","name":"Read","input":{}}}',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"file_path\\":\\"/w/a.py\\"}"}}',
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}',
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":9}}',
        'event: message_stop\ndata: {"type":"message_stop"}',
        "",
      ].join("\n\n"),
    );
  });
});
