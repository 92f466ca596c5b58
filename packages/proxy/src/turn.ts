import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import type { Provenance } from "@sera/core";
import { toolDefinitions } from "@sera/rollout";
import { blocksText, stripReminders, type MessagesRequest, type ReplyBlock, type ReplyMessage } from "./anthropic.js";
import { translateConversation, type AssistantMessage, type ChatMessage, type ProxyState } from "./conversation.js";
import { isPreread, translateToolCall, type SeraToolCall } from "./tool-calls.js";
import { chatCompletion, type Completion } from "./upstream.js";

const run = promisify(execFile);

export interface TurnSettings {
  endpoint: string;
  apiKey?: string;
  /** The served model name sent upstream, whatever model Claude Code asked for. */
  model: string;
  /** Used when Claude Code's system prompt names no working directory. */
  workdir: string;
  /** Refused calls the proxy answers itself before giving up on a turn. */
  maxLocalRounds?: number;
}

/** One request served: the reply for Claude Code and what the model was shown, for recording. */
export interface Turn {
  reply: ReplyMessage;
  /** The conversation as sent to the model on its last call, followed by its answer. */
  transcript: ChatMessage[];
  submitted: boolean;
  workdir: string;
  /** False for a request without tools (a summary, a title): not part of the agent's trajectory. */
  agentTurn: boolean;
  /** stand-in when any model answer in this turn came from a server that says it is one of sera's stand-ins. */
  provenance: Provenance;
}

function assistantOf(completion: Completion, call: SeraToolCall | undefined): AssistantMessage {
  const message: AssistantMessage = { role: "assistant", content: completion.content };
  if (completion.reasoning !== "") message.reasoning_content = completion.reasoning;
  if (call) message.tool_calls = [{ id: call.id, type: "function", function: { name: call.name, arguments: call.argumentsText } }];
  return message;
}

/** What Claude Code shows of the model's turn: its text, or its reasoning when it wrote none. */
function shownText(completion: Completion): string {
  return (completion.content.trim() !== "" ? completion.content : completion.reasoning).trim();
}

/** `git diff HEAD` of the working directory: the result of a submitted session ("" outside git). */
export async function workdirPatch(workdir: string): Promise<string> {
  try {
    const { stdout } = await run("git", ["diff", "--no-color", "--no-ext-diff", "HEAD"], { cwd: workdir, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch {
    return "";
  }
}

/**
 * Asks the model for its next step and turns it into Claude Code's reply. One tool call per model
 * turn, as in training. `submit` ends the turn with a summary (Claude Code has no such tool);
 * calls the editor would refuse are answered here and the model asked again, and those hidden
 * turns are stored with the next real call so the history stays what the model saw.
 */
export async function serveTurn(request: MessagesRequest, state: ProxyState, settings: TurnSettings, signal?: AbortSignal): Promise<Turn> {
  if (!request.tools || request.tools.length === 0) return plainTurn(request, settings, signal);
  const { messages, paths } = translateConversation(request, state, settings.workdir);
  const hidden: ChatMessage[] = [];
  const usage = { input_tokens: 0, output_tokens: 0 };
  const reply = (content: ReplyBlock[], stop: ReplyMessage["stop_reason"]) => replyMessage(request.model, content, stop, usage);
  const maxRounds = settings.maxLocalRounds ?? 3;
  let provenance: Provenance = "real";
  for (let round = 0; ; round++) {
    const completion = await chatCompletion(
      settings.endpoint,
      settings.apiKey,
      { model: settings.model, messages: [...messages, ...hidden], tools: toolDefinitions, temperature: request.temperature },
      signal,
    );
    if (completion.provenance === "stand-in") provenance = "stand-in";
    usage.input_tokens = completion.promptTokens;
    usage.output_tokens += completion.completionTokens;
    const call = completion.toolCalls[0];
    const assistant = assistantOf(completion, call);
    const transcript = [...messages, ...hidden, assistant];
    const text = shownText(completion);
    const textBlocks: ReplyBlock[] = text === "" ? [] : [{ type: "text", text }];
    if (!call) {
      const stop = completion.finishReason === "length" ? "max_tokens" : "end_turn";
      return {
        reply: reply(textBlocks.length ? textBlocks : [{ type: "text", text: "(the model answered with nothing)" }], stop),
        transcript,
        submitted: false,
        workdir: paths.workdir,
        agentTurn: true,
        provenance,
      };
    }
    if (call.name === "submit") {
      const summary = await submitSummary(paths.workdir);
      return {
        reply: reply([...textBlocks, { type: "text", text: summary }], "end_turn"),
        transcript,
        submitted: true,
        workdir: paths.workdir,
        agentTurn: true,
        provenance,
      };
    }
    const translation = translateToolCall(call, paths, state.history);
    if (translation.kind === "client") {
      const [mainUse] = translation.toolUses.filter((use) => !isPreread(use.id));
      state.calls.set(mainUse.id, { assistant, context: translation.context, hiddenBefore: hidden });
      return {
        reply: reply([...textBlocks, ...translation.toolUses], "tool_use"),
        transcript,
        submitted: false,
        workdir: paths.workdir,
        agentTurn: true,
        provenance,
      };
    }
    hidden.push(assistant, { role: "tool", tool_call_id: call.id, content: translation.observation });
    if (round + 1 >= maxRounds) {
      const note = `The model's last ${maxRounds} tool calls could not be carried out; the last answer was: ${translation.observation}`;
      return {
        reply: reply([...textBlocks, { type: "text", text: note }], "end_turn"),
        transcript: [...messages, ...hidden],
        submitted: false,
        workdir: paths.workdir,
        agentTurn: true,
        provenance,
      };
    }
  }
}

function replyMessage(model: string, content: ReplyBlock[], stop: ReplyMessage["stop_reason"], usage: ReplyMessage["usage"]): ReplyMessage {
  return {
    id: `msg_sera_${randomUUID().replace(/-/g, "")}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage,
  };
}

/**
 * A request without tools is not an agent turn (Claude Code's conversation summaries and titles):
 * its text goes to the model as it is, without SERA's prompts, and the answer comes back as text.
 */
async function plainTurn(request: MessagesRequest, settings: TurnSettings, signal?: AbortSignal): Promise<Turn> {
  const system = stripReminders(blocksText(request.system)).trim();
  const messages: ChatMessage[] = system === "" ? [] : [{ role: "system", content: system }];
  for (const message of request.messages) {
    const text = stripReminders(typeof message.content === "string" ? message.content : blocksText(message.content)).trim();
    if (text === "") continue;
    messages.push(message.role === "assistant" ? { role: "assistant", content: text } : { role: "user", content: text });
  }
  const completion = await chatCompletion(
    settings.endpoint,
    settings.apiKey,
    { model: settings.model, messages, tools: [], temperature: request.temperature },
    signal,
  );
  const text = shownText(completion) || "(the model answered with nothing)";
  const usage = { input_tokens: completion.promptTokens, output_tokens: completion.completionTokens };
  const reply = replyMessage(request.model, [{ type: "text", text }], completion.finishReason === "length" ? "max_tokens" : "end_turn", usage);
  return {
    reply,
    transcript: [...messages, assistantOf(completion, undefined)],
    submitted: false,
    workdir: settings.workdir,
    agentTurn: false,
    provenance: completion.provenance,
  };
}

async function submitSummary(workdir: string): Promise<string> {
  let stat = "";
  try {
    stat = (await run("git", ["diff", "--stat", "--no-color", "HEAD"], { cwd: workdir })).stdout.trim();
  } catch {
    stat = "";
  }
  return stat === "" ? "The model submitted its work (no changes to tracked files)." : `The model submitted its work:\n${stat}`;
}
