import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findReports, findRunSummary, gradeInstances, readPredictions, sweBenchEvalRow, sweBenchSummaryRow } from "../src/index.js";

/**
 * The real harness reports in fixtures/real (SOURCES.md): three instances of the
 * mini-swe-agent DeepSeek run `deepseek_bench1_eval`, and that run's 100 predictions.
 */
const real = path.resolve(__dirname, "../../../fixtures/real/mini-swe-agent");
const runDir = path.join(real, "logs/run_evaluation/deepseek_bench1_eval");
const predsJson = path.join(real, "output/deepseek_bench1/preds.json");

const context = {
  runId: "h1",
  evalRunId: "e1",
  seed: 3,
  contextLength: 32768,
  model: "deepseek/deepseek-chat",
  repos: new Map<string, string>(),
  provenance: null,
};

describe("SWE-bench harness reports (real files)", () => {
  it("finds the three report.json files with their harness run and model folder", () => {
    expect(findReports(runDir).map((r) => [r.instanceId, r.modelDir, r.harnessRunId])).toEqual([
      ["django__django-13660", "deepseek__deepseek-chat", "deepseek_bench1_eval"],
      ["django__django-14411", "deepseek__deepseek-chat", "deepseek_bench1_eval"],
      ["django__django-14752", "deepseek__deepseek-chat", "deepseek_bench1_eval"],
    ]);
    // Any level of the harness layout works as the root.
    expect(findReports(path.join(real, "logs"))).toHaveLength(3);
  });

  it("turns each report into exactly its resolved flag and test counts", () => {
    const rows = gradeInstances(findReports(runDir), null).map((g) => sweBenchEvalRow(context, g));
    const pick = (row: Record<string, unknown>) => [
      row.instance_id,
      row.status,
      row.resolved,
      row.patch_exists,
      row.patch_applied,
      row.f2p_success,
      row.f2p_failure,
      row.p2p_success,
      row.p2p_failure,
      row.f2f_success,
      row.f2f_failure,
      row.p2f_success,
      row.p2f_failure,
    ];
    expect(rows.map(pick)).toEqual([
      // F2P passes, but two P2P tests regress: not resolved.
      ["django__django-13660", "unresolved", false, true, true, 2, 0, 4, 2, 0, 0, 0, 0],
      ["django__django-14411", "unresolved", false, true, true, 0, 1, 83, 0, 0, 0, 0, 0],
      ["django__django-14752", "resolved", true, true, true, 1, 0, 15, 0, 0, 0, 0, 0],
    ]);
    expect(rows[2]).toMatchObject({
      repo: "django/django",
      harness_run_id: "deepseek_bench1_eval",
      seed: 3,
      context_length: 32768,
      eval_run_id: "e1",
      suite: "swe-bench",
    });
    expect(String(rows[2].report_path)).toMatch(/deepseek__deepseek-chat\/django__django-14752\/report\.json$/);
  });

  it("grades the run's predictions like the harness's run report: reports found, the rest errors", () => {
    const predictions = readPredictions(predsJson);
    expect(predictions).toHaveLength(100);
    const graded = gradeInstances(findReports(runDir), predictions);
    expect(graded.filter((g) => g.status === "resolved").map((g) => g.instanceId)).toEqual(["django__django-14752"]);
    expect(
      graded
        .filter((g) => g.status === "unresolved")
        .map((g) => g.instanceId)
        .sort(),
    ).toEqual(["django__django-13660", "django__django-14411"]);
    expect(graded.filter((g) => g.status === "error")).toHaveLength(97);
    const { row, disagreements } = sweBenchSummaryRow(context, graded, null);
    expect(row).toMatchObject({
      total_instances: 100,
      submitted_instances: 100,
      completed_instances: 3,
      resolved_instances: 1,
      unresolved_instances: 2,
      empty_patch_instances: 0,
      error_instances: 97,
      resolve_rate: 1,
      source: "computed from report.json files",
    });
    expect(disagreements).toEqual([]);
  });

  it("takes the harness's run summary when it exists, and says where it disagrees with the reports", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-harness-"));
    cpSync(runDir, path.join(dir, "logs/run_evaluation/deepseek_bench1_eval"), { recursive: true });
    // The summary the harness writes next to logs/ (formats.md), here for the three graded instances.
    const summary = {
      total_instances: 300,
      submitted_instances: 3,
      completed_instances: 3,
      resolved_instances: 2,
      unresolved_instances: 1,
      empty_patch_instances: 0,
      error_instances: 0,
      completed_ids: ["django__django-13660", "django__django-14411", "django__django-14752"],
      incomplete_ids: [],
      empty_patch_ids: [],
      submitted_ids: ["django__django-13660", "django__django-14411", "django__django-14752"],
      resolved_ids: ["django__django-14411", "django__django-14752"],
      unresolved_ids: ["django__django-13660"],
      error_ids: [],
      schema_version: 2,
    };
    writeFileSync(path.join(dir, "deepseek__deepseek-chat.deepseek_bench1_eval.json"), JSON.stringify(summary, null, 4));
    const found = findRunSummary([dir], "deepseek_bench1_eval");
    expect(found?.summary.total_instances).toBe(300);
    const graded = gradeInstances(findReports(dir), null);
    const { row, disagreements } = sweBenchSummaryRow(context, graded, found);
    expect(row).toMatchObject({ total_instances: 300, resolved_instances: 2, resolve_rate: (100 * 2) / 300 });
    expect(String(row.source)).toMatch(/^harness summary .*deepseek__deepseek-chat\.deepseek_bench1_eval\.json$/);
    expect(disagreements).toEqual(["resolved in the summary but not in the reports: django__django-14411"]);
  });

  it("counts empty patches as empty_patch, unreadable or misfiled reports as errors, and refuses ambiguous runs", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-harness-"));
    const instance = (run: string, model: string, id: string, body: string) => {
      mkdirSync(path.join(dir, run, model, id), { recursive: true });
      writeFileSync(path.join(dir, run, model, id, "report.json"), body);
    };
    instance("r1", "org__model", "a__b-1", "");
    instance("r1", "org__model", "a__b-2", JSON.stringify({ "a__b-2": { resolved: true } }));
    instance("r1", "other", "a__b-3", JSON.stringify({ "a__b-3": { resolved: true } }));
    const predictions = [
      { instance_id: "a__b-1", model_name_or_path: "org/model", model_patch: "diff" },
      { instance_id: "a__b-2", model_name_or_path: "org/model", model_patch: "diff" },
      { instance_id: "a__b-3", model_name_or_path: "org/model", model_patch: "diff" },
      { instance_id: "a__b-4", model_name_or_path: "org/model", model_patch: "  " },
    ];
    const graded = gradeInstances(findReports(dir), predictions);
    expect(graded.map((g) => [g.instanceId, g.status])).toEqual([
      ["a__b-1", "error"],
      ["a__b-2", "resolved"],
      ["a__b-3", "error"],
      ["a__b-4", "empty_patch"],
    ]);
    // A report without tests_status (the patch did not apply) has no test counts.
    expect(sweBenchEvalRow(context, graded[1])).toMatchObject({ f2p_success: null, p2p_failure: null, patch_applied: null, repo: "a/b" });
    instance("r2", "org__model", "a__b-2", JSON.stringify({ "a__b-2": { resolved: false } }));
    expect(() => gradeInstances(findReports(dir), predictions)).toThrow("reports from several harness runs (r1, r2): name one in harnessRunId");
    expect(gradeInstances(findReports(dir), predictions, "r2")[1].status).toBe("unresolved");
  });
});
