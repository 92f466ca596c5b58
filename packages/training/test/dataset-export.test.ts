import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Message, Trajectory } from "@sera/core";
import {
  exportSft,
  loadChatTemplate,
  measureExportThroughput,
  parseSftLine,
  Qwen3BpeCounter,
  qwenSegments,
  readMiniSweAgentTrajFile,
  renderMessages,
  renderSample,
  selectByRatio,
  tokenCounterFromFunction,
  withQwen3Counter,
} from "../src/index.js";

const run = path.resolve(__dirname, "../../../fixtures/real/mini-swe-agent/output/deepseek_bench1");
const realTrajectories = fs
  .readdirSync(run)
  .filter((entry) => !entry.endsWith(".json"))
  .sort()
  .map((entry) => readMiniSweAgentTrajFile(path.join(run, entry, `${entry}.traj.json`)));

const call = (id: string) => ({ id, name: "bash", arguments: { command: "ls" } });
function trajectoryOf(instanceId: string, messages: Message[], exitStatus = "submitted"): Trajectory {
  return { instanceId, exitStatus, patch: "", steps: 1, source: "test", messages };
}
const longTurns: Message[] = [
  { role: "system", content: "sys" },
  { role: "user", content: "task" },
  { role: "assistant", content: "a", toolCalls: [call("1")] },
  { role: "tool", toolCallId: "1", content: "x".repeat(500) },
  { role: "assistant", content: "b", toolCalls: [call("2")] },
  { role: "tool", toolCallId: "2", content: "y".repeat(500) },
  { role: "assistant", content: "c", toolCalls: [call("3")] },
];
const chars = tokenCounterFromFunction((text) => text.length);

describe("exportSft", () => {
  it("keeps fitting samples whole, truncates long ones on an assistant turn, and counts drops by reason", async () => {
    const fits = trajectoryOf("fits", longTurns.slice(0, 3));
    const long = trajectoryOf("long", longTurns);
    const chatty = trajectoryOf("chatty", [
      { role: "user", content: "hi" },
      { role: "assistant", content: "no tools" },
    ]);
    const unfinished = trajectoryOf("unfinished", longTurns, "submitted (exit_cost)");
    const rendered = renderMessages(long);
    if ("dropped" in rendered) throw new Error("unexpected drop");
    // Budget: everything up to the second assistant turn (rendered as the last turn), not the final 700-odd characters.
    const budget = qwenSegments(rendered.messages, 4).join("").length;
    const tiny = trajectoryOf("tiny-budget", [
      { role: "user", content: "z".repeat(budget) },
      { role: "assistant", content: "", toolCalls: [call("9")] },
    ]);

    const report = await exportSft([fits, long, chatty, unfinished, tiny], chars, { budget, batchSize: 2 });

    expect(report.dropped).toEqual({ "assistant-without-tool-call": 1, "not-submitted": 1, "no-assistant-within-budget": 1 });
    expect(report.samples.map((s) => s.instanceId)).toEqual(["fits", "long"]);
    const [whole, cut] = report.samples;
    expect(whole).toMatchObject({ ratio: 1, truncated: false });
    expect(whole.line).toBe((renderSample(fits) as { line: string }).line);
    expect(cut).toMatchObject({ keptMessages: 5, totalMessages: 7, ratio: 5 / 7, truncated: true });
    const back = JSON.parse(cut.line) as { messages: { role: string; train: boolean }[] };
    expect(back.messages).toHaveLength(5);
    expect(back.messages.at(-1)).toMatchObject({ role: "assistant", train: true });
    expect(report.outputBytes).toBe(report.samples.reduce((sum, s) => sum + Buffer.byteLength(s.line) + 1, 0));
  });

  it("accepts an async source and gives the same result for any batch size", async () => {
    async function* source(): AsyncGenerator<Trajectory> {
      for (const t of realTrajectories) yield t;
    }
    const one = await exportSft(source(), chars, { budget: 20_000, batchSize: 1 });
    const many = await exportSft(realTrajectories, chars, { budget: 20_000, batchSize: 3 });
    expect(many).toEqual(one);
    expect(one.samples).toHaveLength(4);
  });

  it("on the real trajectories, worker counts equal Qwen3's count of the chat template's rendering, and truncation uses them", async () => {
    const bpe = Qwen3BpeCounter.load();
    const template = loadChatTemplate();
    const expected = realTrajectories.map((trajectory) => {
      const rendered = renderMessages(trajectory);
      if ("dropped" in rendered) throw new Error("unexpected drop");
      return bpe.count(template.render(rendered.messages));
    });
    // A budget between the smallest and largest sample forces some truncation.
    const budget = Math.floor((Math.min(...expected) + Math.max(...expected)) / 2);
    const report = await withQwen3Counter({ workers: 2 }, (counter) => exportSft(realTrajectories, counter, { budget }));
    expect(report.samples.map((s) => s.totalTokens)).toEqual(expected);
    expect(report.chatTemplate).toMatchObject({ mode: "qwen3-layout", firstMismatch: null });
    for (const sample of report.samples) {
      expect(sample.keptTokens).toBeLessThanOrEqual(budget);
      // What the trainer tokenizes: the kept messages through the template, the last turn rendered as last.
      const kept = (JSON.parse(sample.line) as { messages: { role: string; content: string }[] }).messages.map(({ role, content }) => ({ role, content }));
      expect(sample.keptTokens).toBe(bpe.count(template.render(kept)));
      expect(sample.truncated).toBe(sample.totalTokens > budget);
      const back = parseSftLine(sample.line).trajectory;
      expect(back.messages.at(-1)?.role).toBe(sample.truncated ? "assistant" : back.messages.at(-1)?.role);
    }
    expect(report.samples.some((s) => s.truncated)).toBe(true);
    expect(
      selectByRatio(
        report.samples.map((s) => ({ ...s, sampleId: s.instanceId })),
        { threshold: 1 },
      ).every((s) => !s.truncated),
    ).toBe(true);
  });

  it("measureExportThroughput reports bytes, time and rate from two workers", async () => {
    const result = await measureExportThroughput(realTrajectories, { workers: 2 });
    const bpe = Qwen3BpeCounter.load();
    const reference = await exportSft(
      realTrajectories,
      tokenCounterFromFunction((text) => bpe.count(text)),
    );
    expect(result.samples).toBe(4);
    expect(result.outputBytes).toBe(reference.outputBytes);
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.mbPerSecond).toBeCloseTo(result.outputBytes / 1e6 / result.seconds, 6);
    expect(result.cache).toBeUndefined();
  });
});
