import type { ToolCall, Trajectory } from "@sera/core";
import { renderAssistantTurn } from "./hermes.js";
import { pythonJsonDumps } from "./python-json.js";
import type { RenderedOrDropped, SftMessage } from "./sample.js";
import type { ResolvedRenderOptions } from "./resolve.js";
import type { OpenAiTool } from "./tools.js";

/**
 * System text for the OpenHands-style calling syntax: a readable function list plus the
 * `<function=…><parameter=…>` convention. It names the same working directory as the tool
 * descriptions (the reference's prompt said /repo while its tools said /testbed).
 */
export function xmlSystemText(roleLine: string, tools: readonly OpenAiTool[], workdir: string): string {
  const sections = tools.map((entry, index) => {
    const { name, description, parameters } = entry.function;
    const lines = [`## Function ${index + 1}: ${name}`];
    if (description !== "") lines.push(description);
    const properties = Object.entries(parameters.properties);
    if (properties.length === 0) lines.push("Parameters: none.");
    else {
      lines.push("Parameters:");
      for (const [key, schema] of properties) {
        const kind = typeof schema.type === "string" ? schema.type : "value";
        const need = parameters.required.includes(key) ? "required" : "optional";
        const details: string[] = [];
        if (typeof schema.description === "string" && schema.description !== "") details.push(schema.description);
        if (Array.isArray(schema.enum)) details.push(`One of: ${schema.enum.join(", ")}.`);
        lines.push(`- ${key} (${kind}, ${need})${details.length > 0 ? `: ${details.join(" ")}` : ""}`);
      }
    }
    return lines.join("\n");
  });
  return [
    roleLine,
    "",
    `The repository is checked out at ${workdir}. You can call these functions:`,
    "",
    sections.join("\n\n"),
    "",
    "To call a function, end your reply with a block in exactly this form, one <parameter> line per argument:",
    "<function=FUNCTION_NAME>",
    "<parameter=PARAMETER_NAME>value</parameter>",
    "</function>",
  ].join("\n");
}

export function xmlToolCall(call: ToolCall): string | undefined {
  if (typeof call.arguments === "string") return undefined;
  const parameters = Object.entries(call.arguments).map(
    ([key, value]) => `<parameter=${key}>${typeof value === "string" ? value : pythonJsonDumps(value)}</parameter>`,
  );
  return [`<function=${call.name}>`, ...parameters, "</function>"].join("\n");
}

/** Tool results stay one user turn each, as raw text: the xml convention has no result wrapper. */
export function renderXml(trajectory: Trajectory, options: ResolvedRenderOptions): RenderedOrDropped {
  const history = trajectory.messages;
  const first = history[0];
  const roleLine = options.roleLine ?? (first?.role === "system" ? first.content : undefined);
  const messages: SftMessage[] = [{ role: "system", content: xmlSystemText(roleLine ?? options.defaultRoleLine, options.tools, options.workdir) }];
  for (let index = 0; index < history.length; index++) {
    const message = history[index];
    if (index === 0 && message.role === "system") continue;
    if (message.role === "tool") {
      messages.push({ role: "user", content: message.content });
      continue;
    }
    if (message.role !== "assistant") {
      messages.push({ role: message.role, content: message.content });
      continue;
    }
    const turn = renderAssistantTurn(message, options, xmlToolCall, "\n\n");
    if ("dropped" in turn) return turn;
    messages.push({ role: "assistant", content: turn.content });
  }
  return { instanceId: trajectory.instanceId, messages, tools: options.tools };
}
