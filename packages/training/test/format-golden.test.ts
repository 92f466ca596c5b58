import { describe, expect, it } from "vitest";
import type { Trajectory } from "@sera/core";
import { renderSample, type OpenAiTool } from "../src/index.js";

const tools: OpenAiTool[] = [
  {
    type: "function",
    function: {
      name: "bash",
      description: "Run a command.",
      parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
    },
  },
  {
    type: "function",
    function: {
      name: "str_replace_editor",
      description: "Edit a file.",
      parameters: {
        type: "object",
        properties: { command: { type: "string" }, path: { type: "string" }, old_str: { type: "string" }, new_str: { type: "string" } },
        required: ["command", "path"],
      },
    },
  },
  {
    type: "function",
    function: { name: "submit", description: "Hand in the work.", parameters: { type: "object", properties: {}, required: [] } },
  },
];

const trajectory: Trajectory = {
  instanceId: "demo__parse-1",
  exitStatus: "submitted",
  patch: "",
  steps: 3,
  source: "test",
  messages: [
    { role: "system", content: "You are a careful coding agent." },
    { role: "user", content: "Fix the crash in parse() — see café.py." },
    {
      role: "assistant",
      reasoning: "I should look at the file first.",
      content: "Let me read it.",
      toolCalls: [{ id: "c1", name: "bash", arguments: { command: "cat /testbed/parse.py" } }],
    },
    { role: "tool", toolCallId: "c1", content: "def parse(s):\n    return int(s)" },
    {
      role: "assistant",
      content: "Fix it, then look for callers.",
      toolCalls: [
        {
          id: "c2",
          name: "str_replace_editor",
          arguments: { command: "str_replace", path: "/testbed/parse.py", old_str: "int(s)", new_str: "int(s.strip())" },
        },
        { id: "c3", name: "bash", arguments: { command: 'grep -rn "parse(" /testbed' } },
      ],
    },
    { role: "tool", toolCallId: "c2", content: "The file /testbed/parse.py has been edited." },
    { role: "tool", toolCallId: "c3", content: "/testbed/cli.py:3: parse(arg)" },
    { role: "assistant", reasoning: "Done; submit.", content: "", toolCalls: [{ id: "c4", name: "submit", arguments: {} }] },
  ],
};

// Each expected line is written out by hand: the JSON text exactly as it must appear in the file. The
// hermes system text after the role line is Qwen3's own tool section, as its chat template writes it.
const toolJson = String.raw`[{"type":"function","function":{"name":"bash","description":"Run a command.","parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}},{"type":"function","function":{"name":"str_replace_editor","description":"Edit a file.","parameters":{"type":"object","properties":{"command":{"type":"string"},"path":{"type":"string"},"old_str":{"type":"string"},"new_str":{"type":"string"}},"required":["command","path"]}}},{"type":"function","function":{"name":"submit","description":"Hand in the work.","parameters":{"type":"object","properties":{},"required":[]}}}]`;

const hermesLine =
  String.raw`{"messages":[` +
  String.raw`{"role":"system","content":"You are a careful coding agent.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"bash\", \"description\": \"Run a command.\", \"parameters\": {\"type\": \"object\", \"properties\": {\"command\": {\"type\": \"string\"}}, \"required\": [\"command\"]}}}\n{\"type\": \"function\", \"function\": {\"name\": \"str_replace_editor\", \"description\": \"Edit a file.\", \"parameters\": {\"type\": \"object\", \"properties\": {\"command\": {\"type\": \"string\"}, \"path\": {\"type\": \"string\"}, \"old_str\": {\"type\": \"string\"}, \"new_str\": {\"type\": \"string\"}}, \"required\": [\"command\", \"path\"]}}}\n{\"type\": \"function\", \"function\": {\"name\": \"submit\", \"description\": \"Hand in the work.\", \"parameters\": {\"type\": \"object\", \"properties\": {}, \"required\": []}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>","train":false},` +
  String.raw`{"role":"user","content":"Fix the crash in parse() — see café.py.","train":false},` +
  String.raw`{"role":"assistant","content":"<think>\nI should look at the file first.\n</think>\n\n<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"cat /testbed/parse.py\"}}\n</tool_call>","train":true},` +
  String.raw`{"role":"user","content":"<tool_response>\ndef parse(s):\n    return int(s)\n</tool_response>","train":false},` +
  String.raw`{"role":"assistant","content":"<think>\nFix it, then look for callers.\n</think>\n\n<tool_call>\n{\"name\": \"str_replace_editor\", \"arguments\": {\"command\": \"str_replace\", \"path\": \"/testbed/parse.py\", \"old_str\": \"int(s)\", \"new_str\": \"int(s.strip())\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"grep -rn \\\"parse(\\\" /testbed\"}}\n</tool_call>","train":true},` +
  String.raw`{"role":"user","content":"<tool_response>\nThe file /testbed/parse.py has been edited.\n</tool_response>\n<tool_response>\n/testbed/cli.py:3: parse(arg)\n</tool_response>","train":false},` +
  String.raw`{"role":"assistant","content":"<think>\nDone; submit.\n</think>\n\n<tool_call>\n{\"name\": \"submit\", \"arguments\": {}}\n</tool_call>","train":true}` +
  String.raw`],"instance_id":"demo__parse-1","tool_json":` +
  toolJson +
  "}";

const xmlLine =
  String.raw`{"messages":[` +
  String.raw`{"role":"system","content":"You are a careful coding agent.\n\nThe repository is checked out at /testbed. You can call these functions:\n\n## Function 1: bash\nRun a command.\nParameters:\n- command (string, required)\n\n## Function 2: str_replace_editor\nEdit a file.\nParameters:\n- command (string, required)\n- path (string, required)\n- old_str (string, optional)\n- new_str (string, optional)\n\n## Function 3: submit\nHand in the work.\nParameters: none.\n\nTo call a function, end your reply with a block in exactly this form, one <parameter> line per argument:\n<function=FUNCTION_NAME>\n<parameter=PARAMETER_NAME>value</parameter>\n</function>","train":false},` +
  String.raw`{"role":"user","content":"Fix the crash in parse() — see café.py.","train":false},` +
  String.raw`{"role":"assistant","content":"<think>\nI should look at the file first.\n</think>\n\nLet me read it.\n\n<function=bash>\n<parameter=command>cat /testbed/parse.py</parameter>\n</function>","train":true},` +
  String.raw`{"role":"user","content":"def parse(s):\n    return int(s)","train":false},` +
  String.raw`{"role":"assistant","content":"Fix it, then look for callers.\n\n<function=str_replace_editor>\n<parameter=command>str_replace</parameter>\n<parameter=path>/testbed/parse.py</parameter>\n<parameter=old_str>int(s)</parameter>\n<parameter=new_str>int(s.strip())</parameter>\n</function>\n<function=bash>\n<parameter=command>grep -rn \"parse(\" /testbed</parameter>\n</function>","train":true},` +
  String.raw`{"role":"user","content":"The file /testbed/parse.py has been edited.","train":false},` +
  String.raw`{"role":"user","content":"/testbed/cli.py:3: parse(arg)","train":false},` +
  String.raw`{"role":"assistant","content":"<think>\nDone; submit.\n</think>\n\n<function=submit>\n</function>","train":true}` +
  String.raw`],"instance_id":"demo__parse-1","tool_json":` +
  toolJson +
  "}";

const rawLine =
  String.raw`{"messages":[` +
  String.raw`{"role":"system","content":"You are a careful coding agent.","train":false},` +
  String.raw`{"role":"user","content":"Fix the crash in parse() — see café.py.","train":false},` +
  String.raw`{"role":"assistant","content":"Let me read it.","train":true},` +
  String.raw`{"role":"user","content":"def parse(s):\n    return int(s)","train":false},` +
  String.raw`{"role":"assistant","content":"Fix it, then look for callers.","train":true},` +
  String.raw`{"role":"user","content":"The file /testbed/parse.py has been edited.","train":false},` +
  String.raw`{"role":"user","content":"/testbed/cli.py:3: parse(arg)","train":false},` +
  String.raw`{"role":"assistant","content":"","train":true}` +
  String.raw`],"instance_id":"demo__parse-1","tool_json":` +
  toolJson +
  "}";

describe("golden SFT lines", () => {
  it("renders hermes exactly", () => {
    expect(renderSample(trajectory, { format: "hermes", tools })).toEqual({ line: hermesLine });
  });

  it("renders xml exactly", () => {
    expect(renderSample(trajectory, { format: "xml", tools })).toEqual({ line: xmlLine });
  });

  it("renders raw exactly", () => {
    expect(renderSample(trajectory, { format: "raw", tools })).toEqual({ line: rawLine });
  });

  it("writes non-ASCII text as raw UTF-8, not \\u escapes", () => {
    const result = renderSample(trajectory, { tools });
    if (!("line" in result)) throw new Error("sample was dropped");
    expect(result.line).toContain("café.py");
    expect(result.line).toContain("—");
    expect(result.line).not.toMatch(/\\u00e9|\\u2014/);
    expect(Buffer.from(result.line, "utf8").toString("utf8")).toBe(result.line);
  });

  it("keeps key order messages, instance_id, tool_json and role, content, train", () => {
    const result = renderSample(trajectory, { tools });
    if (!("line" in result)) throw new Error("sample was dropped");
    const parsed = JSON.parse(result.line) as { messages: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(["messages", "instance_id", "tool_json"]);
    for (const message of parsed.messages) expect(Object.keys(message)).toEqual(["role", "content", "train"]);
  });
});
