import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_SYSTEM_PROMPT } from "@sera/rollout";
import { messagesRequestSchema, ProxyState, translateConversation } from "../src/index.js";

/**
 * A Claude Code request (its shapes as Claude Code 2.1.197 sends them: reminder blocks, a
 * mid-conversation system message, tool uses and results, the proxy's own pre-edit Read) → the
 * chat-completions conversation the SERA model sees. Golden pair: test/golden/*.json.
 */

const workdir = "/tmp/sera-proxy-golden-wd";
const golden = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "golden", name), "utf8")) as unknown;
const request = () => messagesRequestSchema.parse(golden("claude-code-request.json"));

beforeAll(() => {
  fs.mkdirSync(workdir, { recursive: true });
  fs.writeFileSync(path.join(workdir, "calc.py"), "def add(a, b):\n    return a + b\n");
});
afterAll(() => fs.rmSync(workdir, { recursive: true, force: true }));

describe("Claude Code's conversation as the SERA model's", () => {
  it("matches the golden chat messages", () => {
    const { messages, paths } = translateConversation(request(), new ProxyState(), "/elsewhere");
    expect(paths.workdir).toBe(workdir);
    expect(messages).toEqual(golden("sera-chat-messages.json"));
  });

  it("keeps SERA's system prompt first and folds a mid-conversation system message into it", () => {
    const { messages } = translateConversation(request(), new ProxyState(), "/elsewhere");
    expect(messages[0]).toEqual({ role: "system", content: `${AGENT_SYSTEM_PROMPT}\n\nEnvironment note: the user works on Linux.` });
    expect(messages.filter((m) => m.role === "system")).toHaveLength(1);
    expect(JSON.stringify(messages)).not.toMatch(/system-reminder|sera_read|tmp\/sera-proxy-golden-wd/);
  });

  it("shows the model a recorded observation again unchanged, though the file changed since", () => {
    const state = new ProxyState();
    state.calls.set("toolu_call_3", {
      assistant: {
        role: "assistant",
        content: "",
        tool_calls: [
          {
            id: "call_3",
            type: "function",
            function: {
              name: "str_replace_editor",
              arguments: '{"command":"str_replace","path":"/testbed/calc.py","old_str":"return a - b","new_str":"return a + b"}',
            },
          },
        ],
      },
      context: { kind: "str_replace", shownPath: "/testbed/calc.py", realPath: path.join(workdir, "calc.py"), snippet: { first: 2, last: 2 } },
      hiddenBefore: [
        { role: "assistant", content: "", tool_calls: [{ id: "call_x", type: "function", function: { name: "submit_now", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_x", content: "Error: there is no tool named submit_now; the tools are bash, str_replace_editor and submit." },
      ],
    });
    const first = translateConversation(request(), state, workdir).messages;
    fs.writeFileSync(path.join(workdir, "calc.py"), "changed later\n");
    const second = translateConversation(request(), state, workdir).messages;
    const index = first.findIndex((m) => m.role === "tool" && m.tool_call_id === "call_3");
    expect(second[index]).toEqual(first[index]);
    expect(first[index].content).toContain("     2\t    return a + b");
    // The refused call the proxy answered itself sits right before the recorded one.
    expect(first[index - 2]).toMatchObject({ role: "tool", tool_call_id: "call_x" });
    expect(first[index - 1]).toMatchObject({ role: "assistant", tool_calls: [{ id: "call_3" }] });
  });
});
