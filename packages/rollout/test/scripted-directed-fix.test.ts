import { afterEach, describe, expect, it } from "vitest";
import { startScriptedModelServer, toolDefinitions, type ScriptedModelServer } from "../src/index.js";

/**
 * The scripted stand-in's directed-fix path: a task that names its own replacement is worked the
 * way a SERA model uses its editor (bash search, view, str_replace, submit), so a client that only
 * translates those tools can be driven end to end.
 */

let server: ScriptedModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Call = { name: string; arguments: Record<string, unknown> };

async function nextCall(url: string, messages: unknown[]): Promise<Call> {
  const response = await fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "scripted-stand-in", messages, tools: toolDefinitions }),
  });
  const body = (await response.json()) as { choices: { message: { tool_calls: { function: { name: string; arguments: string } }[] } }[] };
  const call = body.choices[0].message.tool_calls[0].function;
  return { name: call.name, arguments: JSON.parse(call.arguments) as Record<string, unknown> };
}

describe("scripted stand-in: directed fix", () => {
  it("searches, views, replaces the named text and submits, reading each step from the observations", async () => {
    server = await startScriptedModelServer({ seed: 1 });
    const task = "<pr_description>\nadd() subtracts. Replace `return a - b` with `return a + b` in `calc.py`.\n</pr_description>";
    const messages: unknown[] = [
      { role: "system", content: "s" },
      { role: "user", content: task },
    ];
    const observations = [
      "2:    return a - b",
      "calc.py, lines 1-2 of 2:\n     1\tdef add(a, b):\n     2\t    return a - b",
      "Edited /testbed/calc.py. The changed region …",
    ];
    const calls: Call[] = [];
    for (let step = 0; step < 4; step++) {
      const call = await nextCall(server.url, messages);
      calls.push(call);
      messages.push({
        role: "assistant",
        content: "",
        tool_calls: [{ id: `c${step}`, type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } }],
      });
      messages.push({ role: "tool", tool_call_id: `c${step}`, content: observations[step] ?? "" });
    }
    expect(calls).toEqual([
      { name: "bash", arguments: { command: "grep -n -F 'return a - b' /testbed/calc.py" } },
      { name: "str_replace_editor", arguments: { command: "view", path: "/testbed/calc.py" } },
      { name: "str_replace_editor", arguments: { command: "str_replace", path: "/testbed/calc.py", old_str: "return a - b", new_str: "return a + b" } },
      { name: "submit", arguments: {} },
    ]);
  });

  it("leaves tasks without a directive to the usual policy", async () => {
    server = await startScriptedModelServer({ seed: 1 });
    const task = "<pr_description>\nBroken.\nSuspected location: calc.py (function add)\n</pr_description>";
    const call = await nextCall(server.url, [
      { role: "system", content: "s" },
      { role: "user", content: task },
    ]);
    expect(call.name).toBe("bash");
    expect(String(call.arguments.command)).toMatch(/^grep -nE /);
  });
});
