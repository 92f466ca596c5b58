import type { ChatTemplate } from "./chat-template.js";
import type { SftMessage } from "./sample.js";

/**
 * What a chat template renders for each SFT message, one segment per message, so the token
 * budget can count messages and truncate between them.
 *
 * Rendering every sample through the Jinja interpreter costs 40–60 ms for a long trajectory, an
 * order of magnitude more than the rest of the export. So segments come from `qwenSegments`, a
 * direct transcription of the layout Qwen3's template produces for SFT messages (plain
 * system/user/assistant text), and `SegmentSource` checks it against the real template on the
 * first samples and then every `checkEvery`-th; at the first disagreement (another student's
 * template) it renders every further sample with the template itself.
 */

const OPEN = "<|im_start|>";
const CLOSE = "<|im_end|>\n";
const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";

/** Python's str.strip/lstrip/rstrip with "\n" as the only character, as the template uses them. */
const lstripNewlines = (text: string) => text.replace(/^\n+/, "");
const rstripNewlines = (text: string) => text.replace(/\n+$/, "");

/** Index of the last user message that is a real query, not a batch of tool results (the template's `ns.last_query_index`). */
function lastQueryIndex(messages: readonly SftMessage[]): number {
  for (let index = messages.length - 1; index >= 0; index--) {
    const { role, content } = messages[index];
    if (role === "user" && !(content.startsWith("<tool_response>") && content.endsWith("</tool_response>"))) return index;
  }
  return messages.length - 1;
}

/** One assistant turn: a think block is kept after the last query when it holds reasoning or the turn is last. */
function assistantSegment(content: string, afterLastQuery: boolean, last: boolean): string {
  let body = content;
  let reasoning = "";
  if (content.includes(THINK_CLOSE)) {
    body = lstripNewlines(content.slice(content.lastIndexOf(THINK_CLOSE) + THINK_CLOSE.length));
    const beforeClose = rstripNewlines(content.slice(0, content.indexOf(THINK_CLOSE)));
    const open = beforeClose.lastIndexOf(THINK_OPEN);
    reasoning = lstripNewlines(open < 0 ? beforeClose : beforeClose.slice(open + THINK_OPEN.length));
  }
  if (afterLastQuery && (last || reasoning !== "")) {
    return `${OPEN}assistant\n${THINK_OPEN}\n${rstripNewlines(lstripNewlines(reasoning))}\n${THINK_CLOSE}\n\n${lstripNewlines(body)}${CLOSE}`;
  }
  return `${OPEN}assistant\n${body}${CLOSE}`;
}

/** Qwen3's layout of `messages`, one segment each; `lastIndex` is the message the conversation ends on. */
export function qwenSegments(messages: readonly SftMessage[], lastIndex: number = messages.length - 1): string[] {
  const queryIndex = lastQueryIndex(messages.slice(0, lastIndex + 1));
  return messages.slice(0, lastIndex + 1).map(({ role, content }, index) => {
    if (role === "assistant") return assistantSegment(content, index > queryIndex, index === lastIndex);
    return `${OPEN}${role}\n${content}${CLOSE}`;
  });
}

/** Splits a rendered ChatML conversation into one segment per message; null when it does not split that way. */
export function splitRendered(text: string, messageCount: number): string[] | null {
  const starts: number[] = [];
  for (let at = text.indexOf(OPEN); at >= 0; at = text.indexOf(OPEN, at + OPEN.length)) starts.push(at);
  if (starts.length !== messageCount || starts[0] !== 0) return null;
  return starts.map((start, index) => text.slice(start, starts[index + 1] ?? text.length));
}

export interface SegmentCheck {
  /** tokenizer_config.json of the template the segments follow. */
  configPath: string;
  /** "qwen3-layout": the fast path agreed on every checked sample; "template": every sample rendered by the template. */
  mode: "qwen3-layout" | "template";
  checkedSamples: number;
  /** The sample at which the fast path disagreed with the template, if it did. */
  firstMismatch: string | null;
}

export class SegmentSource {
  private readonly template: ChatTemplate;
  private readonly checkFirst: number;
  private readonly checkEvery: number;
  private seen = 0;
  readonly check: SegmentCheck;

  constructor(template: ChatTemplate, options: { checkFirst?: number; checkEvery?: number } = {}) {
    this.template = template;
    this.checkFirst = options.checkFirst ?? 16;
    this.checkEvery = options.checkEvery ?? 100;
    this.check = { configPath: template.configPath, mode: "qwen3-layout", checkedSamples: 0, firstMismatch: null };
  }

  /** Segments of the whole conversation; `lastIndex` < length renders the prefix that ends there. */
  segments(sampleId: string, messages: readonly SftMessage[], lastIndex: number = messages.length - 1): string[] {
    if (this.check.mode === "qwen3-layout") {
      const fast = qwenSegments(messages, lastIndex);
      const due = this.seen < this.checkFirst || this.seen % this.checkEvery === 0;
      this.seen++;
      if (!due) return fast;
      this.check.checkedSamples++;
      const rendered = this.template.render(messages.slice(0, lastIndex + 1));
      if (fast.join("") === rendered) return fast;
      this.check.mode = "template";
      this.check.firstMismatch = sampleId;
    }
    return this.fromTemplate(messages.slice(0, lastIndex + 1));
  }

  private fromTemplate(messages: readonly SftMessage[]): string[] {
    const segments = splitRendered(this.template.render(messages), messages.length);
    if (segments === null) {
      throw new Error(`${this.template.configPath}: the chat template does not render one ChatML turn per message, so the token budget cannot count turns`);
    }
    return segments;
  }
}
