import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Prediction } from "@sera/core";

/**
 * The SWE-bench harness's outputs (formats.md): one report.json per graded instance under
 * `logs/run_evaluation/<run_id>/<model with "/" as "__">/<instance_id>/`, and a run summary
 * `<model>.<run_id>.json` in the directory the harness ran in. Instances are classified the way
 * the harness's own run report does: an empty patch is `empty_patch`, a readable report is
 * `resolved` or `unresolved`, and a prediction without one (or with an unreadable one) is `error`.
 */

const testListSchema = z.object({ success: z.array(z.string()), failure: z.array(z.string()) }).loose();

export const instanceReportSchema = z
  .object({
    patch_is_None: z.boolean().optional(),
    patch_exists: z.boolean().optional(),
    patch_successfully_applied: z.boolean().optional(),
    resolved: z.boolean(),
    tests_status: z
      .object({ FAIL_TO_PASS: testListSchema, PASS_TO_PASS: testListSchema, FAIL_TO_FAIL: testListSchema.optional(), PASS_TO_FAIL: testListSchema.optional() })
      .loose()
      .optional(),
  })
  .loose();
export type InstanceReport = z.infer<typeof instanceReportSchema>;

export const runSummarySchema = z
  .object({
    total_instances: z.number().int(),
    submitted_instances: z.number().int(),
    completed_instances: z.number().int(),
    resolved_instances: z.number().int(),
    unresolved_instances: z.number().int(),
    empty_patch_instances: z.number().int(),
    error_instances: z.number().int(),
    resolved_ids: z.array(z.string()),
    unresolved_ids: z.array(z.string()).optional(),
    error_ids: z.array(z.string()).optional(),
    empty_patch_ids: z.array(z.string()).optional(),
    schema_version: z.number().int().optional(),
  })
  .loose();
export type RunSummary = z.infer<typeof runSummarySchema>;

export interface FoundReport {
  instanceId: string;
  /** The model folder name (model_name_or_path with "/" as "__"). */
  modelDir: string;
  harnessRunId: string;
  file: string;
}

/** Every report.json under `root`, which may be the harness's working dir, its logs/run_evaluation, or one run's folder. */
export function findReports(root: string): FoundReport[] {
  if (!existsSync(root)) throw new Error(`reports: ${root} does not exist`);
  const found: FoundReport[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, depth + 1);
      else if (entry.name === "report.json") {
        const instanceDir = path.dirname(full);
        const modelDir = path.dirname(instanceDir);
        found.push({
          instanceId: path.basename(instanceDir),
          modelDir: path.basename(modelDir),
          harnessRunId: path.basename(path.dirname(modelDir)),
          file: full,
        });
      }
    }
  };
  walk(root, 0);
  return found.sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
}

/** A report.json holds one key, the instance id; anything else is unreadable (the harness counts it as an error). */
export function readInstanceReport(file: string, instanceId: string): InstanceReport | null {
  try {
    const text = readFileSync(file, "utf8").trim();
    if (!text) return null;
    const parsed = instanceReportSchema.safeParse((JSON.parse(text) as Record<string, unknown>)[instanceId]);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function readRunSummary(file: string): RunSummary {
  if (!existsSync(file)) throw new Error(`summary: ${file} does not exist`);
  const parsed = runSummarySchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`summary: ${file}: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/** The run summary `<model>.<run_id>.json`, looked for in the given folders. */
export function findRunSummary(dirs: string[], harnessRunId: string): { file: string; summary: RunSummary } | null {
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith(`.${harnessRunId}.json`)) continue;
      const file = path.join(dir, name);
      const parsed = runSummarySchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
      if (parsed.success) return { file, summary: parsed.data };
    }
  }
  return null;
}

export type GradeStatus = "resolved" | "unresolved" | "empty_patch" | "error";

export interface GradedInstance {
  instanceId: string;
  status: GradeStatus;
  resolved: boolean;
  report: InstanceReport | null;
  reportFile: string | null;
  harnessRunId: string | null;
}

/**
 * Grade each prediction from its report (or every report found, when there are no predictions).
 * Reports from several harness runs are only accepted with the run chosen explicitly.
 */
export function gradeInstances(reports: FoundReport[], predictions: Prediction[] | null, harnessRunId?: string): GradedInstance[] {
  const runIds = [...new Set(reports.map((r) => r.harnessRunId))];
  if (!harnessRunId && runIds.length > 1) throw new Error(`reports from several harness runs (${runIds.join(", ")}): name one in harnessRunId`);
  const chosen = reports.filter((r) => !harnessRunId || r.harnessRunId === harnessRunId);
  // The harness files a report under the prediction's model name, so the model folder is part of the key.
  const key = (instanceId: string, modelDir: string) => `${modelDir}\u0000${instanceId}`;
  const byInstance = new Map<string, FoundReport>();
  for (const report of chosen) {
    const k = key(report.instanceId, report.modelDir);
    if (byInstance.has(k)) throw new Error(`two reports for ${report.instanceId}: ${byInstance.get(k)!.file} and ${report.file}`);
    byInstance.set(k, report);
  }
  const grade = (instanceId: string, patch: string | null, modelDir: string): GradedInstance => {
    if (patch !== null && patch.trim() === "")
      return { instanceId, status: "empty_patch", resolved: false, report: null, reportFile: null, harnessRunId: harnessRunId ?? runIds[0] ?? null };
    const found = byInstance.get(key(instanceId, modelDir));
    const report = found ? readInstanceReport(found.file, instanceId) : null;
    if (!found || !report)
      return {
        instanceId,
        status: "error",
        resolved: false,
        report: null,
        reportFile: found?.file ?? null,
        harnessRunId: found?.harnessRunId ?? harnessRunId ?? runIds[0] ?? null,
      };
    return {
      instanceId,
      status: report.resolved ? "resolved" : "unresolved",
      resolved: report.resolved,
      report,
      reportFile: found.file,
      harnessRunId: found.harnessRunId,
    };
  };
  if (predictions) return predictions.map((p) => grade(p.instance_id, p.model_patch, p.model_name_or_path.replace(/\//g, "__")));
  return chosen.map((report) => grade(report.instanceId, null, report.modelDir));
}
