import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { predictionLine, readPredictions } from "../src/index.js";

const real = path.resolve(__dirname, "../../../fixtures/real");

describe("SWE-bench predictions", () => {
  it("reads the real containers: preds.json keyed by id, and SWE-agent's all_preds.jsonl", () => {
    const keyed = readPredictions(path.join(real, "mini-swe-agent/output/deepseek_bench1/preds.json"));
    expect(keyed).toHaveLength(100);
    expect(new Set(keyed.map((p) => p.model_name_or_path))).toEqual(new Set(["deepseek/deepseek-chat"]));
    expect(keyed.find((p) => p.instance_id === "django__django-14752")?.model_patch).toMatch(/^diff --git /);

    const jsonl = readPredictions(
      path.join(real, "SWE-agent/tests/test_data/trajectories/gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1/all_preds.jsonl"),
    );
    expect(jsonl.map((p) => p.instance_id)).toEqual(["pydicom__pydicom-1458"]);
    // Kept byte for byte, leading newline included.
    expect(jsonl[0].model_patch.startsWith("\n")).toBe(true);
  });

  it("writes one record per line that reads back the same, and accepts a JSON list with null patches", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-preds-"));
    const records = [
      { instance_id: "a__b-1", model_name_or_path: "sera-student", model_patch: "diff --git a/x b/x\n" },
      { instance_id: "a__b-2", model_name_or_path: "sera-student", model_patch: "" },
    ];
    const file = path.join(dir, "predictions.jsonl");
    writeFileSync(file, records.map((r) => predictionLine(r) + "\n").join(""));
    expect(readPredictions(file)).toEqual(records);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8").split("\n")[0]))).toEqual(["instance_id", "model_name_or_path", "model_patch"]);

    writeFileSync(file, JSON.stringify([{ instance_id: "x__y-1", model_name_or_path: "m", model_patch: null }]));
    expect(readPredictions(file)).toEqual([{ instance_id: "x__y-1", model_name_or_path: "m", model_patch: "" }]);
  });

  it("names the line of a bad record and rejects duplicate ids", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-preds-"));
    const file = path.join(dir, "p.jsonl");
    writeFileSync(file, `${predictionLine({ instance_id: "a", model_name_or_path: "m", model_patch: "" })}\n{"instance_id": "b"}\n`);
    expect(() => readPredictions(file)).toThrow(/p\.jsonl:2: model_name_or_path: /);
    writeFileSync(file, `${predictionLine({ instance_id: "a", model_name_or_path: "m", model_patch: "" })}\nnot json\n`);
    expect(() => readPredictions(file)).toThrow(/p\.jsonl:2: not JSON/);
    writeFileSync(file, [1, 2].map(() => predictionLine({ instance_id: "a", model_name_or_path: "m", model_patch: "" })).join("\n"));
    expect(() => readPredictions(file)).toThrow("instance a is predicted twice");
  });
});
