import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readPredictions } from "@sera/core";
import { parseSftLine, parseSweAgentTraj, readSweAgentTrajFile, renderSample } from "../src/index.js";

const real = path.resolve(__dirname, "../../../fixtures/real/SWE-agent");
const marshmallowFile = path.join(
  real,
  "trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__function_calling_replace__install-1/marshmallow-code__marshmallow-1867.traj",
);
const pydicomDir = path.join(real, "tests/test_data/trajectories/gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1");
const pydicomFile = path.join(pydicomDir, "pydicom__pydicom-1458.traj");

interface RawHistoryEntry {
  role: string;
  content: string;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_ids?: string[];
}
interface RawTraj {
  history: RawHistoryEntry[];
  trajectory: unknown[];
  info: { exit_status: string; submission: string };
}
const readRaw = (file: string): RawTraj => JSON.parse(fs.readFileSync(file, "utf8")) as RawTraj;

describe("SWE-agent 1.x function-calling .traj (marshmallow-1867)", () => {
  const raw = readRaw(marshmallowFile);
  const trajectory = readSweAgentTrajFile(marshmallowFile);

  it("maps every history entry to one message with the same role and text", () => {
    expect(trajectory.instanceId).toBe("marshmallow-code__marshmallow-1867");
    expect(trajectory.messages.map((m) => m.role)).toEqual(raw.history.map((m) => m.role));
    expect(trajectory.messages.map((m) => m.content)).toEqual(raw.history.map((m) => m.content));
    // Verified by hand with jq: 24 history entries, 11 assistant turns, 11 tool calls, 11 steps.
    expect(trajectory.messages).toHaveLength(24);
    expect(trajectory.messages.filter((m) => m.role === "assistant")).toHaveLength(11);
    expect(trajectory.steps).toBe(11);
  });

  it("keeps every tool call with parsed arguments and links each result to its call", () => {
    const rawCalls = raw.history.flatMap((m) => m.tool_calls ?? []);
    const calls = trajectory.messages.flatMap((m) => m.toolCalls ?? []);
    expect(calls).toHaveLength(11);
    expect(calls).toEqual(rawCalls.map((c) => ({ id: c.id, name: c.function.name, arguments: JSON.parse(c.function.arguments) })));
    const toolMessages = trajectory.messages.filter((m) => m.role === "tool");
    expect(toolMessages.map((m) => m.toolCallId)).toEqual(raw.history.filter((m) => m.role === "tool").map((m) => m.tool_call_ids?.[0]));
    trajectory.messages.forEach((message, index) => {
      if (message.role === "tool") expect(trajectory.messages[index - 1].toolCalls?.[0].id).toBe(message.toolCallId);
    });
  });

  it("takes the exit status and patch from info", () => {
    expect(trajectory.exitStatus).toBe("submitted");
    expect(trajectory.patch).toBe(raw.info.submission);
    expect(trajectory.patch).toHaveLength(587);
    // The recorded submission starts with a CRLF before the diff header (checked with jq).
    expect(trajectory.patch.startsWith("\r\ndiff --git a/src/marshmallow/fields.py")).toBe(true);
  });

  it("exports to hermes and reads back with the same turns and calls", () => {
    const result = renderSample(trajectory);
    if (!("line" in result)) throw new Error(`dropped: ${result.dropped}`);
    const back = parseSftLine(result.line).trajectory;
    expect(back.messages).toHaveLength(24);
    expect(back.messages.filter((m) => m.role === "assistant")).toHaveLength(11);
    expect(back.messages.flatMap((m) => m.toolCalls ?? []).map((c) => [c.name, c.arguments])).toEqual(
      trajectory.messages.flatMap((m) => m.toolCalls ?? []).map((c) => [c.name, c.arguments]),
    );
    expect(back.messages.filter((m) => m.role === "tool").map((m) => m.content)).toEqual(raw.history.filter((m) => m.role === "tool").map((m) => m.content));
  });
});

describe("SWE-agent 0.x thought/action .traj (pydicom-1458)", () => {
  const raw = readRaw(pydicomFile);
  const trajectory = readSweAgentTrajFile(pydicomFile);

  it("keeps all 26 entries, the demonstration included, with no tool calls", () => {
    expect(trajectory.messages.map((m) => m.role)).toEqual(raw.history.map((m) => m.role));
    expect(trajectory.messages.map((m) => m.content)).toEqual(raw.history.map((m) => m.content));
    expect(trajectory.messages).toHaveLength(26);
    expect(trajectory.messages.filter((m) => m.role === "assistant")).toHaveLength(12);
    expect(trajectory.messages.some((m) => m.toolCalls)).toBe(false);
    expect(trajectory.patch).toBe(raw.info.submission);
    expect(trajectory.patch).toHaveLength(803);
    expect(trajectory.exitStatus).toBe("submitted");
  });

  it("cannot become a hermes sample (no structured calls) but can be exported raw", () => {
    expect(renderSample(trajectory)).toEqual({ dropped: "assistant-without-tool-call" });
    expect("line" in renderSample(trajectory, { format: "raw" })).toBe(true);
  });

  it("matches the run's all_preds.jsonl prediction", () => {
    const predictions = readPredictions(path.join(pydicomDir, "all_preds.jsonl"));
    expect(predictions).toHaveLength(1);
    expect(predictions[0].instance_id).toBe("pydicom__pydicom-1458");
    expect(predictions[0].model_name_or_path).toBe("gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1");
    expect(predictions[0].model_patch.startsWith("\ndiff --git")).toBe(true);
    expect(predictions[0].model_patch).toBe(trajectory.patch);
  });
});

describe("SWE-agent message shapes not in the fixtures", () => {
  it("joins list content, reads thinking blocks and JSON-string arguments, keeps bad arguments raw", () => {
    const trajectory = parseSweAgentTraj(
      {
        history: [
          { role: "system", content: [{ type: "text", text: "sys" }] },
          {
            role: "user",
            content: [
              { type: "text", text: "a" },
              { type: "text", text: "b" },
            ],
          },
          {
            role: "assistant",
            content: "",
            thinking_blocks: [
              { type: "thinking", thinking: "first" },
              { type: "thinking", thinking: "second" },
            ],
            tool_calls: [
              { id: "x", type: "function", function: { name: "bash", arguments: '{"command": "ls"}' } },
              { type: "function", function: { name: "bash", arguments: "{oops" } },
            ],
          },
          { role: "tool", content: [{ type: "text", text: "out" }], tool_call_ids: ["x"] },
        ],
        info: { exit_status: "submitted (exit_cost)", submission: null },
      },
      "inst-1",
    );
    expect(trajectory.messages).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "ab" },
      {
        role: "assistant",
        content: "",
        reasoning: "first\n\nsecond",
        toolCalls: [
          { id: "x", name: "bash", arguments: { command: "ls" } },
          { id: "call_2_1", name: "bash", arguments: "{oops" },
        ],
      },
      { role: "tool", content: "out", toolCallId: "x" },
    ]);
    expect(trajectory.exitStatus).toBe("submitted (exit_cost)");
    expect(trajectory.patch).toBe("");
    expect(trajectory.steps).toBe(1);
  });

  it("names the instance in a schema error", () => {
    expect(() => parseSweAgentTraj({ history: [{ role: "robot", content: "" }] }, "inst-9")).toThrow(/inst-9/);
  });
});
