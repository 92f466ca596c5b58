import { cpSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildDataset, collectForeign, ForeignInputError, writeForeignBatch } from "../src/index.js";
import { datasetExecution } from "./support/generation-source.js";

/** Shape detection, directory walks and the ingest directory, on the real third-party fixtures. */

const real = path.resolve(__dirname, "../../../fixtures/real");
const miniRun = path.join(real, "mini-swe-agent/output/deepseek_bench1");

interface RawCall {
  function: { name: string };
}
interface RawMessage {
  role: string;
  tool_calls?: RawCall[] | null;
  extra?: { submission?: string };
}

/** What each real file holds, counted straight from its JSON. */
function rawCounts(file: string): { instance: string; messages: number; assistant: number; toolCalls: number; patch: string } {
  const raw = JSON.parse(readFileSync(file, "utf8")) as { history?: RawMessage[]; messages?: RawMessage[]; info: { submission: string } };
  const messages = (raw.history ?? raw.messages ?? []).filter((message) => message.role !== "exit");
  return {
    instance: path.basename(file).replace(/\.traj(\.json)?$/, ""),
    messages: messages.length,
    assistant: messages.filter((message) => message.role === "assistant").length,
    toolCalls: messages.reduce((sum, message) => sum + (message.tool_calls?.length ?? 0), 0),
    patch: raw.info.submission,
  };
}

const trajectoryFiles = [
  ...["astropy__astropy-12907", "django__django-13660", "django__django-14411", "django__django-14752"].map((id) => path.join(miniRun, id, `${id}.traj.json`)),
  path.join(
    real,
    "SWE-agent/trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__function_calling_replace__install-1/marshmallow-code__marshmallow-1867.traj",
  ),
  path.join(
    real,
    "SWE-agent/tests/test_data/trajectories/gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1/pydicom__pydicom-1458.traj",
  ),
];

describe("collectForeign on the real fixtures", () => {
  const batch = collectForeign(real);

  it("recognises every file by shape and skips the harness reports", () => {
    expect(batch.files.map((f) => `${path.relative(real, f.file)}:${f.format}`)).toEqual([
      "SWE-agent/tests/test_data/trajectories/gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1/all_preds.jsonl:predictions",
      "SWE-agent/tests/test_data/trajectories/gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1/pydicom__pydicom-1458.traj:swe-agent",
      "SWE-agent/trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__function_calling_replace__install-1/marshmallow-code__marshmallow-1867.traj:swe-agent",
      "mini-swe-agent/output/deepseek_bench1/astropy__astropy-12907/astropy__astropy-12907.traj.json:mini-swe-agent",
      "mini-swe-agent/output/deepseek_bench1/django__django-13660/django__django-13660.traj.json:mini-swe-agent",
      "mini-swe-agent/output/deepseek_bench1/django__django-14411/django__django-14411.traj.json:mini-swe-agent",
      "mini-swe-agent/output/deepseek_bench1/django__django-14752/django__django-14752.traj.json:mini-swe-agent",
      "mini-swe-agent/output/deepseek_bench1/preds.json:predictions",
    ]);
    expect(batch.skipped).toHaveLength(3);
    expect(batch.skipped.every((file) => file.endsWith("report.json"))).toBe(true);
  });

  it("loses nothing: message, turn, tool-call and patch counts match the files", () => {
    const byInstance = new Map(batch.trajectories.map((item) => [item.value.trajectory.instanceId, item.value.trajectory]));
    expect(byInstance.size).toBe(6);
    for (const file of trajectoryFiles) {
      const expected = rawCounts(file);
      const trajectory = byInstance.get(expected.instance);
      expect(trajectory, expected.instance).toBeDefined();
      expect(trajectory!.messages).toHaveLength(expected.messages);
      expect(trajectory!.messages.filter((m) => m.role === "assistant")).toHaveLength(expected.assistant);
      expect(trajectory!.messages.reduce((sum, m) => sum + (m.toolCalls?.length ?? 0), 0)).toBe(expected.toolCalls);
      expect(trajectory!.patch).toBe(expected.patch);
    }
    const preds = JSON.parse(readFileSync(path.join(miniRun, "preds.json"), "utf8")) as Record<string, { model_patch: string }>;
    const predictions = batch.predictions.map((item) => item.value);
    expect(predictions).toHaveLength(Object.keys(preds).length + 1);
    for (const [id, pred] of Object.entries(preds)) expect(predictions.find((p) => p.instance_id === id)?.model_patch).toBe(pred.model_patch);
  });

  it("writes an ingest directory whose records and trajectory files hold the same counts", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sera-ingested-"));
    const summary = writeForeignBatch(batch, root);
    expect(summary).toMatchObject({ id: batch.id, files: 8, trajectories: 6, predictions: 101, formats: ["mini-swe-agent", "predictions", "swe-agent"] });
    const rows = (table: string) =>
      readFileSync(path.join(summary.dir, "records", `${table}.jsonl`), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const rollouts = rows("rollouts");
    expect(rollouts).toHaveLength(6);
    expect(rows("patches").filter((p) => p.phase === "prediction")).toHaveLength(101);
    expect(rows("patches").filter((p) => p.phase === "foreign")).toHaveLength(6);
    expect(new Set(rows("instances").map((i) => i.instance_id)).size).toBe(rows("instances").length);
    expect(rows("instances").find((i) => i.instance_id === "django__django-14752")).toMatchObject({ repo: "django/django", status: "ingested" });
    for (const file of trajectoryFiles) {
      const expected = rawCounts(file);
      const rollout = rollouts.find((r) => r.instance_id === expected.instance)!;
      const stored = JSON.parse(readFileSync(String(rollout.trajectory_path), "utf8")) as { messages: unknown[]; patch: string };
      expect(stored.messages).toHaveLength(expected.messages);
      expect(stored.patch).toBe(expected.patch);
      expect(rows("foreign_trajectories").find((t) => t.instance_id === expected.instance)).toMatchObject({
        messages: expected.messages,
        assistant_turns: expected.assistant,
        tool_calls: expected.toolCalls,
        patch_chars: expected.patch.length,
      });
    }
    expect(rows("foreign_trajectories").find((t) => t.instance_id === "django__django-14752")?.model).toBe("deepseek/deepseek-chat");
  });

  it("names a batch by its content: the same files elsewhere get the same id, a changed file another", () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), "sera-foreign-copy-"));
    cpSync(miniRun, copy, { recursive: true });
    const original = collectForeign(miniRun).id;
    expect(collectForeign(copy).id).toBe(original);
    writeFileSync(path.join(copy, "preds.json"), JSON.stringify({ "x__y-1": { instance_id: "x__y-1", model_name_or_path: "m", model_patch: "" } }));
    expect(collectForeign(copy).id).not.toBe(original);
  });

  it("feeds the dataset stage like a generation run: every submitted mini-swe-agent trajectory becomes a sample with its own tools", async () => {
    const summary = writeForeignBatch(collectForeign(miniRun), mkdtempSync(path.join(os.tmpdir(), "sera-ingested-")));
    const { run } = datasetExecution(summary.id, summary.dir, { ratioFloor: 0 });
    const card = await buildDataset(run);
    expect(card.counts).toMatchObject({ considered: { foreign: 4 }, samples: 4 });
    expect(card.lineage.sources[0]).toMatchObject({ kind: "ingest", repos: ["astropy/astropy", "django/django"] });
    const first = JSON.parse(readFileSync(path.join(run.outDir, "data", "all-00000-of-00001.jsonl"), "utf8").split("\n")[0]) as {
      tool_json: { function: { name: string } }[];
    };
    expect(first.tool_json.map((t) => t.function.name)).toEqual(["bash"]);
  });
});

describe("bad foreign input", () => {
  const dir = () => mkdtempSync(path.join(os.tmpdir(), "sera-foreign-bad-"));

  it("names the file of malformed JSON, and the line for JSONL", () => {
    const a = dir();
    mkdirSync(path.join(a, "x__y-1"));
    writeFileSync(path.join(a, "x__y-1", "x__y-1.traj"), '{"history": [');
    expect(() => collectForeign(a)).toThrow(new ForeignInputError(path.join(a, "x__y-1", "x__y-1.traj"), "malformed JSON (Unexpected end of JSON input)"));
    const b = dir();
    writeFileSync(
      path.join(b, "train.jsonl"),
      '{"messages": [{"role": "user", "content": "hi"}]}\n{"messages": [{"role": "user", "content": "hi"}]}\n{"messages": [\n',
    );
    expect(() => collectForeign(b)).toThrow(/train\.jsonl line 3: malformed JSON/);
  });

  it("rejects a named file of no known shape, and a known shape with bad fields, in one line", () => {
    const c = dir();
    writeFileSync(path.join(c, "notes.json"), '{"hello": "world"}');
    expect(() => collectForeign(path.join(c, "notes.json"))).toThrow(/notes\.json: not a known trajectory format/);
    writeFileSync(path.join(c, "bad.jsonl"), '{"messages": [{"role": "user", "content": "ok"}]}\n{"messages": [{"role": "narrator", "content": "?"}]}\n');
    const error = (() => {
      try {
        collectForeign(path.join(c, "bad.jsonl"));
      } catch (caught) {
        return caught as Error;
      }
      return null;
    })();
    expect(error?.message).toMatch(/bad\.jsonl line 2: /);
    expect(error?.message.includes("\n")).toBe(false);
    expect(() => collectForeign(path.join(c, "missing"))).toThrow(/missing: no such file or directory/);
    const empty = dir();
    expect(() => collectForeign(empty)).toThrow(/holds no trajectory or prediction file/);
  });
});
