import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parsePredictions, readPredictions } from "@sera/core";
import { parseMiniSweAgentTraj, parseSftLine, readMiniSweAgentTrajFile, renderSample } from "../src/index.js";

const run = path.resolve(__dirname, "../../../fixtures/real/mini-swe-agent/output/deepseek_bench1");
const ids = ["astropy__astropy-12907", "django__django-13660", "django__django-14411", "django__django-14752"];
const fileOf = (id: string) => path.join(run, id, `${id}.traj.json`);

interface RawMessage {
  role: string;
  content: string;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  extra?: { exit_status?: string; submission?: string };
}
interface RawMini {
  instance_id: string;
  messages: RawMessage[];
  info: { exit_status: string; submission: string };
}

describe.each(ids)("mini-swe-agent trajectory %s", (id) => {
  const raw = JSON.parse(fs.readFileSync(fileOf(id), "utf8")) as RawMini;
  const trajectory = readMiniSweAgentTrajFile(fileOf(id));
  const chat = raw.messages.filter((m) => m.role !== "exit");

  it("maps every chat message to one message and the exit entry to status and patch", () => {
    expect(raw.messages.at(-1)?.role).toBe("exit");
    expect(trajectory.instanceId).toBe(raw.instance_id);
    expect(trajectory.messages.map((m) => m.role)).toEqual(chat.map((m) => m.role));
    expect(trajectory.messages.map((m) => m.content)).toEqual(chat.map((m) => m.content));
    expect(trajectory.exitStatus).toBe(raw.messages.at(-1)?.extra?.exit_status);
    expect(trajectory.exitStatus.toLowerCase()).toBe("submitted");
    expect(trajectory.patch).toBe(raw.messages.at(-1)?.extra?.submission);
    expect(trajectory.patch).toBe(raw.info.submission);
    expect(trajectory.patch.length).toBeGreaterThan(0);
  });

  it("keeps every tool call and links each result to its call", () => {
    const rawCalls = chat.flatMap((m) => m.tool_calls ?? []);
    expect(trajectory.messages.flatMap((m) => m.toolCalls ?? [])).toEqual(
      rawCalls.map((c) => ({ id: c.id, name: c.function.name, arguments: JSON.parse(c.function.arguments) })),
    );
    expect(trajectory.messages.filter((m) => m.role === "tool").map((m) => m.toolCallId)).toEqual(
      chat.filter((m) => m.role === "tool").map((m) => m.tool_call_id),
    );
    expect(trajectory.steps).toBe(chat.filter((m) => m.role === "assistant").length);
  });

  it("survives a hermes export and read-back with the same calls and results", () => {
    const result = renderSample(trajectory);
    if (!("line" in result)) throw new Error(`dropped: ${result.dropped}`);
    const { trajectory: back, tools } = parseSftLine(result.line);
    expect(tools.map((t) => t.function.name)).toEqual(["bash"]);
    expect(back.messages.map((m) => m.role)).toEqual(trajectory.messages.map((m) => m.role));
    expect(back.messages.flatMap((m) => m.toolCalls ?? []).map((c) => c.arguments)).toEqual(
      trajectory.messages.flatMap((m) => m.toolCalls ?? []).map((c) => c.arguments),
    );
    expect(back.messages.filter((m) => m.role === "tool").map((m) => m.content)).toEqual(chat.filter((m) => m.role === "tool").map((m) => m.content));
  });
});

describe("hand-checked numbers (jq) for django__django-14752", () => {
  it("has 64 raw messages: 63 chat messages, 31 assistant turns, 31 calls, 30 results, a 1,349-char patch", () => {
    const trajectory = readMiniSweAgentTrajFile(fileOf("django__django-14752"));
    expect(trajectory.messages).toHaveLength(63);
    expect(trajectory.messages.filter((m) => m.role === "assistant")).toHaveLength(31);
    expect(trajectory.messages.flatMap((m) => m.toolCalls ?? [])).toHaveLength(31);
    expect(trajectory.messages.filter((m) => m.role === "tool")).toHaveLength(30);
    expect(trajectory.patch).toHaveLength(1349);
    expect(trajectory.exitStatus).toBe("Submitted");
    expect(trajectory.source).toBe("mini-swe-agent");
  });
});

describe("mini-swe-agent preds.json", () => {
  const predictions = readPredictions(path.join(run, "preds.json"));

  it("holds 100 non-empty predictions from one model", () => {
    expect(predictions).toHaveLength(100);
    expect(new Set(predictions.map((p) => p.model_name_or_path))).toEqual(new Set(["deepseek/deepseek-chat"]));
    expect(predictions.every((p) => p.model_patch.length > 0)).toBe(true);
  });

  it("agrees with the four trajectories' submissions", () => {
    for (const id of ids) {
      expect(predictions.find((p) => p.instance_id === id)?.model_patch).toBe(readMiniSweAgentTrajFile(fileOf(id)).patch);
    }
  });
});

describe("prediction containers", () => {
  const pred = { model_name_or_path: "run-1", instance_id: "a__b-1", model_patch: null };

  it("reads a single .pred, a JSON list and JSONL; a null patch is empty", () => {
    const expected = [{ instance_id: "a__b-1", model_name_or_path: "run-1", model_patch: "" }];
    expect(parsePredictions(JSON.stringify(pred))).toEqual(expected);
    expect(parsePredictions(JSON.stringify([pred]))).toEqual(expected);
    const second = { ...pred, instance_id: "a__b-2", model_patch: "diff" };
    expect(parsePredictions(`${JSON.stringify(pred)}\n\n${JSON.stringify(second)}\n`)).toHaveLength(2);
  });

  it("rejects duplicate ids and a key that disagrees with its record", () => {
    expect(() => parsePredictions(JSON.stringify([pred, pred]))).toThrow(/instance a__b-1 is predicted twice/);
    expect(() => parsePredictions(JSON.stringify({ "x__y-1": pred }))).toThrow(/key x__y-1/);
  });

  it("rejects a trajectory of another format", () => {
    expect(() => parseMiniSweAgentTraj({ trajectory_format: "swe-agent", messages: [] }, "i")).toThrow(/mini-swe-agent-1/);
  });
});
