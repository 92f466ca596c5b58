/**
 * The scripted stand-in's view of a chat-completions request: the messages in a flat form,
 * what kind of request it is, and the agent's previous actions paired with their observations.
 */

export interface WireToolCall {
  id: string;
  name: string;
  argumentsText: string;
}

export interface WireMessage {
  role: string;
  content: string;
  toolCalls: WireToolCall[];
  toolCallId?: string;
}

export type RequestKind = "rollout" | "selfCheck" | "prWriting" | "other";

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string" ? (part as { text: string }).text : ""))
      .join("");
  }
  return "";
}

/** Reads `messages` from a request body; throws when it is not a list of role-tagged objects. */
export function readWireMessages(raw: unknown): WireMessage[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new Error("'messages' must be a non-empty array");
  return raw.map((value, index) => {
    if (!value || typeof value !== "object" || typeof (value as { role?: unknown }).role !== "string") {
      throw new Error(`messages[${index}] has no role`);
    }
    const message = value as Record<string, unknown>;
    const toolCalls: WireToolCall[] = Array.isArray(message.tool_calls)
      ? message.tool_calls.map((call: Record<string, unknown>) => {
          const fn = (call?.function ?? {}) as Record<string, unknown>;
          return {
            id: typeof call?.id === "string" ? call.id : "",
            name: typeof fn.name === "string" ? fn.name : "",
            argumentsText: typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {}),
          };
        })
      : [];
    return {
      role: message.role as string,
      content: textOf(message.content),
      toolCalls,
      toolCallId: typeof message.tool_call_id === "string" ? message.tool_call_id : undefined,
    };
  });
}

export function toolNamesOf(rawTools: unknown): string[] {
  if (!Array.isArray(rawTools)) return [];
  return rawTools
    .map((tool: Record<string, unknown>) => ((tool?.function ?? tool) as { name?: unknown })?.name)
    .filter((name): name is string => typeof name === "string");
}

export function classifyRequest(messages: readonly WireMessage[], toolNames: readonly string[]): RequestKind {
  const agentTools = ["bash", "str_replace_editor", "submit"];
  if (agentTools.every((name) => toolNames.includes(name))) return "rollout";
  const userText = messages
    .filter((m) => m.role === "user")
    .map((m) => m.content)
    .join("\n");
  if (userText.includes("<demonstration_issue>")) return "prWriting";
  if (userText.includes("<original_task>") && userText.includes("<trajectory>")) return "selfCheck";
  return "other";
}

export function between(text: string, open: string, close: string): string | undefined {
  const start = text.indexOf(open);
  if (start < 0) return undefined;
  const end = text.indexOf(close, start + open.length);
  return end < 0 ? text.slice(start + open.length) : text.slice(start + open.length, end);
}

export interface PastAction {
  name: string;
  /** Undefined when the arguments were not a JSON object (a malformed call the agent rejected). */
  args: Record<string, unknown> | undefined;
  observation: string;
}

/**
 * The agent's earlier tool calls with their observations. A harness may prefix observations
 * with `OBSERVATION:`; that marker is dropped.
 */
export function pastActions(messages: readonly WireMessage[]): PastAction[] {
  const actions: PastAction[] = [];
  messages.forEach((message, index) => {
    if (message.role !== "assistant") return;
    for (const call of message.toolCalls) {
      let args: Record<string, unknown> | undefined;
      try {
        const parsed: unknown = call.argumentsText.trim() === "" ? {} : JSON.parse(call.argumentsText);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
      } catch {
        args = undefined;
      }
      const answer =
        messages.find((m, i) => i > index && m.role === "tool" && call.id !== "" && m.toolCallId === call.id) ??
        (messages[index + 1]?.role === "tool" ? messages[index + 1] : undefined);
      const observation = (answer?.content ?? "").replace(/^\n*OBSERVATION:[ \t]*\r?\n?/, "");
      actions.push({ name: call.name, args, observation });
    }
  });
  return actions;
}

export interface LocatedTask {
  file: string;
  qualifiedName: string;
  /** True when the location came from a PR text the stand-in wrote itself (rollout 2). */
  fromScriptedPr: boolean;
}

/** The form the stand-in's PR texts use to name the place (parsed back in rollout 2). */
export function scriptedPrLocation(file: string, qualifiedName: string): string {
  return `\`${file}\` (function \`${qualifiedName}\`)`;
}

function cleanPath(file: string): string {
  return file.replace(/^\/testbed\//, "").replace(/^\.\//, "");
}

export function locateTask(text: string): LocatedTask | undefined {
  const suspected = /Suspected location:\s*`?([^\s`(]+)`?\s*\(function\s+`?([^\s`)]+)`?\)/.exec(text);
  if (suspected) return { file: cleanPath(suspected[1]), qualifiedName: suspected[2], fromScriptedPr: false };
  const scripted = /`([^`\s]+)` \(function `([^`\s]+)`\)/.exec(text);
  if (scripted) return { file: cleanPath(scripted[1]), qualifiedName: scripted[2], fromScriptedPr: true };
  return undefined;
}
