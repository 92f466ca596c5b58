import { describe, expect, it } from "vitest";
import type { Trajectory } from "@sera/core";
import { parseSftJsonl, parseSftLine, renderSample, sweAgentTools } from "../src/index.js";

const trajectory: Trajectory = {
  instanceId: "org_repo_abcde_10001",
  exitStatus: "submitted",
  patch: "",
  steps: 3,
  source: "test",
  messages: [
    { role: "system", content: "You are a careful coding agent." },
    { role: "user", content: "<pr_description>\nparse() crashes on padded input\n</pr_description>" },
    {
      role: "assistant",
      reasoning: "Look at parse first.",
      content: "Reading the file.",
      toolCalls: [{ id: "c1", name: "bash", arguments: { command: "cat /testbed/parse.py" } }],
    },
    { role: "tool", toolCallId: "c1", content: "OBSERVATION:\ndef parse(s):\n    return int(s)" },
    {
      role: "assistant",
      reasoning: "Edit, then grep.",
      content: "",
      toolCalls: [
        { id: "c2", name: "str_replace_editor", arguments: { command: "view", path: "/testbed/parse.py", view_range: [1, 2] } },
        { id: "c3", name: "bash", arguments: { command: "grep -rn parse /testbed" } },
      ],
    },
    { role: "tool", toolCallId: "c2", content: "1\tdef parse(s):" },
    { role: "tool", toolCallId: "c3", content: "/testbed/cli.py:3: <think> is just text here" },
    { role: "assistant", reasoning: "Submit.", content: "", toolCalls: [{ id: "c4", name: "submit", arguments: {} }] },
  ],
};

function lineOf(options: Parameters<typeof renderSample>[1]): string {
  const result = renderSample(trajectory, options);
  if (!("line" in result)) throw new Error(`dropped: ${result.dropped}`);
  return result.line;
}

describe("SFT JSONL read-back", () => {
  it("hermes with think and commentary kept reads back to the same conversation", () => {
    const { trajectory: back, tools } = parseSftLine(lineOf({ thinkMode: "keepBoth", tools: sweAgentTools }));
    expect(tools).toEqual(sweAgentTools);
    expect(back.instanceId).toBe(trajectory.instanceId);
    expect(back.messages.slice(1)).toEqual([
      trajectory.messages[1],
      { ...trajectory.messages[2], toolCalls: [{ id: "call_2_0", name: "bash", arguments: { command: "cat /testbed/parse.py" } }] },
      { role: "tool", toolCallId: "call_2_0", content: trajectory.messages[3].content },
      {
        ...trajectory.messages[4],
        toolCalls: [
          { id: "call_4_0", name: "str_replace_editor", arguments: { command: "view", path: "/testbed/parse.py", view_range: [1, 2] } },
          { id: "call_4_1", name: "bash", arguments: { command: "grep -rn parse /testbed" } },
        ],
      },
      // The merged user turn splits back into one tool message per result, answering calls in order.
      { role: "tool", toolCallId: "call_4_0", content: "1\tdef parse(s):" },
      { role: "tool", toolCallId: "call_4_1", content: "/testbed/cli.py:3: <think> is just text here" },
      { ...trajectory.messages[7], toolCalls: [{ id: "call_6_0", name: "submit", arguments: {} }] },
    ]);
    expect(back.messages[0].role).toBe("system");
    expect(back.messages[0].content.startsWith("You are a careful coding agent.\n\n# Tools")).toBe(true);
    expect(back.exitStatus).toBe("unknown");
    expect(back.steps).toBe(3);
  });

  it("default hermes (keepOnlyThink) reads back with reasoning and no commentary", () => {
    const { trajectory: back } = parseSftLine(lineOf({}));
    const assistants = back.messages.filter((m) => m.role === "assistant");
    expect(assistants.map((m) => [m.reasoning, m.content])).toEqual([
      ["Look at parse first.", ""],
      ["Edit, then grep.", ""],
      ["Submit.", ""],
    ]);
  });

  it("takes the tool list from the system text when tool_json is absent", () => {
    const { tools } = parseSftLine(lineOf({ toolJson: false, tools: sweAgentTools }));
    expect(tools).toEqual(sweAgentTools);
  });

  it("xml reads back with calls whose parameter values are text", () => {
    const { trajectory: back } = parseSftLine(lineOf({ format: "xml", tools: sweAgentTools }));
    const calls = back.messages.flatMap((m) => m.toolCalls ?? []);
    expect(calls.map((c) => [c.name, c.arguments])).toEqual([
      ["bash", { command: "cat /testbed/parse.py" }],
      ["str_replace_editor", { command: "view", path: "/testbed/parse.py", view_range: "[1, 2]" }],
      ["bash", { command: "grep -rn parse /testbed" }],
      ["submit", {}],
    ]);
    // xml keeps each tool result as its own user turn, so they read back as user messages.
    expect(back.messages.filter((m) => m.role === "user")).toHaveLength(4);
  });

  it("reads SWE-smith-style lines with OpenAI tool_calls, tool roles, list content and a patch", () => {
    const line = JSON.stringify({
      traj_id: "repo__x.abc123.run1",
      patch: "diff --git a/x b/x",
      messages: [
        { role: "system", content: [{ type: "text", text: "sys" }] },
        { role: "user", content: "task" },
        {
          role: "assistant",
          content: "Let me look.",
          tool_calls: [{ id: "t1", type: "function", function: { name: "bash", arguments: '{"command": "ls"}' } }],
        },
        { role: "tool", tool_call_id: "t1", content: [{ type: "text", text: "a.py" }] },
        { role: "assistant", content: '<tool_call>\n{"name": "submit", "arguments": {}}\n</tool_call>' },
        { role: "assistant", content: "<tool_call>\nnot json\n</tool_call>" },
      ],
    });
    const { trajectory: back, tools } = parseSftLine(line);
    expect(tools).toEqual([]);
    expect(back.instanceId).toBe("repo__x.abc123.run1");
    expect(back.patch).toBe("diff --git a/x b/x");
    expect(back.messages).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "task" },
      { role: "assistant", content: "Let me look.", toolCalls: [{ id: "t1", name: "bash", arguments: { command: "ls" } }] },
      { role: "tool", toolCallId: "t1", content: "a.py" },
      { role: "assistant", content: "", toolCalls: [{ id: "call_4_0", name: "submit", arguments: {} }] },
      // A malformed call is kept as text, not dropped.
      { role: "assistant", content: "<tool_call>\nnot json\n</tool_call>" },
    ]);
  });

  it("checks tool_json against the tool shape: a tool without a name is an error, missing optional parts read as empty", () => {
    const messages = [
      { role: "system", content: "sys" },
      { role: "user", content: "go" },
    ];
    const bare = { type: "function", function: { name: "bash", parameters: { type: "object" } } };
    const [tool] = parseSftLine(JSON.stringify({ messages, tool_json: [bare] })).tools;
    expect(tool.function).toEqual({ name: "bash", description: "", parameters: { type: "object", properties: {}, required: [] } });
    const nameless = { type: "function", function: { description: "runs", parameters: { type: "object" } } };
    expect(() => parseSftLine(JSON.stringify({ messages, tool_json: [nameless] }), "sample-7")).toThrow(/sample-7: [\s\S]*tool_json\[0\]\.function\.name/);
  });

  it("parses a JSONL file line by line and names a bad line", () => {
    const good = lineOf({});
    expect(parseSftJsonl(`${good}\n\n${good}\n`)).toHaveLength(2);
    expect(() => parseSftJsonl(`${good}\n{"messages": 3}\n`)).toThrow(/line 2/);
  });
});
