import { describe, expect, it } from "vitest";
import type { Message, Trajectory } from "@sera/core";
import { inferTools, pythonJsonDumps, renderMessages, renderSample, sweAgentTools, type RenderOptions } from "../src/index.js";

function trajectoryOf(messages: Message[], exitStatus = "submitted"): Trajectory {
  return { instanceId: "t-1", exitStatus, patch: "", steps: 1, source: "test", messages };
}

const call = (id: string, command: string) => ({ id, name: "bash", arguments: { command } });

function assistantContents(messages: Message[], options: RenderOptions = {}): string[] {
  const rendered = renderMessages(trajectoryOf(messages), options);
  if ("dropped" in rendered) throw new Error(`dropped: ${rendered.dropped}`);
  return rendered.messages.filter((message) => message.role === "assistant").map((message) => message.content);
}

const bashCall = '<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}\n</tool_call>';

describe("assistant turn text", () => {
  const prompt: Message = { role: "user", content: "go" };

  it("keepOnlyThink keeps the think block and discards commentary", () => {
    const turn: Message = { role: "assistant", reasoning: "plan", content: "chat", toolCalls: [call("a", "ls")] };
    expect(assistantContents([prompt, turn])).toEqual([`<think>\nplan\n</think>\n\n${bashCall}`]);
  });

  it("keepOnlyThink replaces an empty or missing think block by the commentary", () => {
    const missing: Message = { role: "assistant", content: "chat", toolCalls: [call("a", "ls")] };
    const empty: Message = { role: "assistant", content: "<think>\n  \n</think>\nchat", toolCalls: [call("b", "ls")] };
    expect(assistantContents([prompt, missing, empty])).toEqual([`<think>\nchat\n</think>\n\n${bashCall}`, `<think>\nchat\n</think>\n\n${bashCall}`]);
  });

  it("keepOnlyThink emits an empty think block when the turn has no text at all", () => {
    const bare: Message = { role: "assistant", content: "", toolCalls: [call("a", "ls")] };
    expect(assistantContents([prompt, bare])).toEqual([`<think>\n\n</think>\n\n${bashCall}`]);
  });

  it("reads an inline think block from content when the teacher had no reasoning parser", () => {
    const inline: Message = { role: "assistant", content: "<think>\nweigh options\n</think>\n\nnow act", toolCalls: [call("a", "ls")] };
    expect(assistantContents([prompt, inline], { thinkMode: "keepBoth" })).toEqual([`<think>\nweigh options\n</think>\n\nnow act\n${bashCall}`]);
  });

  it("reads a block that only has the closing tag (template opened it)", () => {
    const halfOpen: Message = { role: "assistant", content: "weigh options\n</think>\n\nnow act", toolCalls: [call("a", "ls")] };
    expect(assistantContents([prompt, halfOpen])).toEqual([`<think>\nweigh options\n</think>\n\n${bashCall}`]);
  });

  it("honours custom think tags", () => {
    const tagged: Message = { role: "assistant", content: "<reasoning>deep</reasoning>ok", toolCalls: [call("a", "ls")] };
    expect(assistantContents([prompt, tagged], { thinkTags: { open: "<reasoning>", close: "</reasoning>" } })).toEqual([
      `<think>\ndeep\n</think>\n\n${bashCall}`,
    ]);
  });

  it("keepOnlyCommentary keeps commentary and falls back to the think text", () => {
    const both: Message = { role: "assistant", reasoning: "plan", content: "chat", toolCalls: [call("a", "ls")] };
    const thinkOnly: Message = { role: "assistant", reasoning: "plan", content: "", toolCalls: [call("b", "ls")] };
    expect(assistantContents([prompt, both, thinkOnly], { thinkMode: "keepOnlyCommentary" })).toEqual([`chat\n${bashCall}`, `plan\n${bashCall}`]);
  });

  it("keepThinking false removes reasoning whatever the mode", () => {
    const both: Message = { role: "assistant", reasoning: "plan", content: "chat", toolCalls: [call("a", "ls")] };
    expect(assistantContents([prompt, both], { keepThinking: false })).toEqual([`chat\n${bashCall}`]);
  });
});

describe("drop reasons", () => {
  const prompt: Message = { role: "user", content: "go" };

  it("drops (does not throw) a sample with an assistant turn that calls no tool", () => {
    const chatty: Message = { role: "assistant", content: "I am done." };
    expect(renderSample(trajectoryOf([prompt, chatty]))).toEqual({ dropped: "assistant-without-tool-call" });
    expect(renderSample(trajectoryOf([prompt, chatty]), { format: "xml" })).toEqual({ dropped: "assistant-without-tool-call" });
    expect("line" in renderSample(trajectoryOf([prompt, chatty]), { format: "raw" })).toBe(true);
  });

  it("drops a turn with two think blocks, but only checks assistant turns", () => {
    const twice: Message = { role: "assistant", content: "<think>a</think>b<think>c</think>", toolCalls: [call("a", "ls")] };
    expect(renderSample(trajectoryOf([prompt, twice]))).toEqual({ dropped: "multiple-think-blocks" });
    const fieldAndInline: Message = { role: "assistant", reasoning: "a", content: "<think>b</think>", toolCalls: [call("a", "ls")] };
    expect(renderSample(trajectoryOf([prompt, fieldAndInline]))).toEqual({ dropped: "multiple-think-blocks" });

    const viewsThink: Message = { role: "tool", toolCallId: "a", content: "x = '<think>'\ny = '<think></think>'" };
    const fine: Message = { role: "assistant", reasoning: "ok", content: "", toolCalls: [call("a", "cat f.py")] };
    const result = renderSample(trajectoryOf([{ role: "user", content: "<think><think>" }, fine, viewsThink, fine]));
    expect("line" in result).toBe(true);
  });

  it("drops a think block that does not open the turn", () => {
    const late: Message = { role: "assistant", content: "first <think>then</think>", toolCalls: [call("a", "ls")] };
    expect(renderSample(trajectoryOf([prompt, late]))).toEqual({ dropped: "malformed-think-block" });
  });

  it("enforces the submitted exit status case-insensitively and exactly", () => {
    const turn: Message = { role: "assistant", content: "", toolCalls: [call("a", "ls")] };
    expect("line" in renderSample(trajectoryOf([prompt, turn], "Submitted"))).toBe(true);
    expect(renderSample(trajectoryOf([prompt, turn], "submitted (exit_cost)"))).toEqual({ dropped: "not-submitted" });
    expect("line" in renderSample(trajectoryOf([prompt, turn], "submitted (exit_cost)"), { enforceSubmit: false })).toBe(true);
  });

  it("drops tool calls whose arguments never parsed as JSON, and samples with no assistant turn", () => {
    const broken: Message = { role: "assistant", content: "", toolCalls: [{ id: "a", name: "bash", arguments: "{not json" }] };
    expect(renderSample(trajectoryOf([prompt, broken]))).toEqual({ dropped: "tool-arguments-not-json" });
    expect(renderSample(trajectoryOf([prompt]))).toEqual({ dropped: "no-assistant-turn" });
  });
});

describe("line options and tools", () => {
  const messages: Message[] = [
    { role: "system", content: "role" },
    { role: "user", content: "go" },
    { role: "assistant", content: "", toolCalls: [call("a", "ls")] },
    { role: "tool", toolCallId: "a", content: "out" },
  ];

  it("omits train and tool_json when asked", () => {
    const result = renderSample(trajectoryOf(messages), { trainKey: false, toolJson: false });
    if (!("line" in result)) throw new Error("dropped");
    const parsed = JSON.parse(result.line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["messages", "instance_id"]);
    expect(parsed.messages).toEqual([
      expect.objectContaining({ role: "system" }),
      { role: "user", content: "go" },
      { role: "assistant", content: `<think>\n\n</think>\n\n${bashCall}` },
      { role: "user", content: "<tool_response>\nout\n</tool_response>" },
    ]);
  });

  it("infers the tool list from the calls made, in catalogue order", () => {
    const used: Message[] = [
      { role: "assistant", content: "", toolCalls: [{ id: "1", name: "submit", arguments: {} }] },
      { role: "assistant", content: "", toolCalls: [{ id: "2", name: "grep_repo", arguments: { pattern: "x" } }] },
      { role: "assistant", content: "", toolCalls: [call("3", "ls")] },
    ];
    const names = inferTools(trajectoryOf(used)).map((entry) => entry.function.name);
    expect(names).toEqual(["bash", "submit", "grep_repo"]);
    expect(sweAgentTools.map((entry) => entry.function.name)).toEqual(["bash", "str_replace_editor", "submit"]);
  });

  it("the xml system text names the same working directory as the tools", () => {
    const rendered = renderMessages(trajectoryOf(messages), { format: "xml", tools: sweAgentTools });
    if ("dropped" in rendered) throw new Error("dropped");
    expect(rendered.messages[0].content).toContain("/testbed");
    expect(rendered.messages[0].content).not.toContain("/repo");
  });
});

describe("pythonJsonDumps", () => {
  it("matches json.dumps(ensure_ascii=False) spacing and escapes", () => {
    expect(pythonJsonDumps({ a: [1, 'x"y\n'], b: { c: null, d: true }, é: "ü\u0001" })).toBe(
      '{"a": [1, "x\\"y\\n"], "b": {"c": null, "d": true}, "é": "ü\\u0001"}',
    );
    expect(pythonJsonDumps({})).toBe("{}");
    expect(pythonJsonDumps([])).toBe("[]");
  });
});
