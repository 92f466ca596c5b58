import type { Message } from "@sera/core";

/** Inline delimiters of a reasoning block inside `content`. */
export interface ThinkTags {
  open: string;
  close: string;
}

export const defaultThinkTags: ThinkTags = { open: "<think>", close: "</think>" };

/**
 * What survives of an assistant turn's text:
 * - `keepOnlyThink`: the think block only; an empty or missing one is replaced by the commentary.
 * - `keepOnlyCommentary`: the commentary only; an empty one is replaced by the think text.
 * - `keepBoth`: think block and commentary, as the teacher wrote them.
 */
export type ThinkMode = "keepOnlyThink" | "keepOnlyCommentary" | "keepBoth";

export interface AssistantText {
  think: string;
  commentary: string;
}

export type AssistantTextError = "multiple-think-blocks" | "malformed-think-block";

/**
 * Separate reasoning from commentary. Reasoning comes from the `reasoning` field (a teacher served
 * with a reasoning parser) or else from one inline block delimited by `tags` (a teacher served
 * without one leaves it in content). Only assistant turns go through here, so a tool output that
 * happens to contain `<think>` never disqualifies a sample.
 */
export function splitAssistantText(message: Message, tags: ThinkTags = defaultThinkTags): AssistantText | AssistantTextError {
  const content = message.content;
  const opens = countOccurrences(content, tags.open);
  const closes = countOccurrences(content, tags.close);
  const fieldReasoning = message.reasoning?.trim() ?? "";
  if (fieldReasoning !== "") {
    // A second block in content next to the field would be a second think block in one turn.
    if (opens > 0 || closes > 0) return "multiple-think-blocks";
    return { think: fieldReasoning, commentary: content.trim() };
  }
  if (opens > 1 || closes > 1) return "multiple-think-blocks";
  if (opens === 0 && closes === 0) return { think: "", commentary: content.trim() };
  const closeAt = content.indexOf(tags.close);
  if (closes === 0) return "malformed-think-block";
  if (opens === 0) {
    // Chat templates that open the block in the prompt leave only the closing tag in the output.
    return { think: content.slice(0, closeAt).trim(), commentary: content.slice(closeAt + tags.close.length).trim() };
  }
  const openAt = content.indexOf(tags.open);
  if (content.slice(0, openAt).trim() !== "" || closeAt < openAt) return "malformed-think-block";
  return {
    think: content.slice(openAt + tags.open.length, closeAt).trim(),
    commentary: content.slice(closeAt + tags.close.length).trim(),
  };
}

/** Apply a think mode; `keepThinking: false` removes reasoning outright (the paper's no-reasoning ablation). */
export function chooseAssistantText(text: AssistantText, mode: ThinkMode, keepThinking: boolean): AssistantText {
  if (!keepThinking) return { think: "", commentary: text.commentary };
  if (mode === "keepOnlyThink") return { think: text.think !== "" ? text.think : text.commentary, commentary: "" };
  if (mode === "keepOnlyCommentary") return { think: "", commentary: text.commentary !== "" ? text.commentary : text.think };
  return text;
}

function countOccurrences(haystack: string, needle: string): number {
  if (needle === "") return 0;
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}
