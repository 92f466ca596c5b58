import { type evalSummariesTable, type evalsTable, type TableRow } from "@sera/core";
import { repoFromInstanceId } from "../tasks/instances.js";
import type { GradedInstance, RunSummary } from "./reports.js";

/**
 * Graded SWE-bench instances as `evals` rows, and the run's `eval_summaries` row: the harness's
 * own summary when it wrote one, else the same counts computed from the reports.
 */

export interface GradingContext {
  runId: string;
  /** The run whose predictions were graded (null for reports imported on their own). */
  evalRunId: string | null;
  seed: number | null;
  contextLength: number | null;
  model: string | null;
  /** instance id → repository, from the task instances when known. */
  repos: Map<string, string>;
  /** The graded evaluation run's provenance (its eval.json); null for reports imported on their own. */
  provenance: "real" | "stand-in" | null;
}

const count = (list: { success: string[]; failure: string[] } | undefined, side: "success" | "failure") => (list ? list[side].length : null);

export function sweBenchEvalRow(context: GradingContext, graded: GradedInstance): TableRow<typeof evalsTable> {
  const report = graded.report;
  const tests = report?.tests_status;
  return {
    run_id: context.runId,
    suite: "swe-bench",
    instance_id: graded.instanceId,
    eval_run_id: context.evalRunId,
    repo: context.repos.get(graded.instanceId) ?? repoFromInstanceId(graded.instanceId),
    seed: context.seed,
    context_length: context.contextLength,
    model: context.model,
    harness_run_id: graded.harnessRunId,
    status: graded.status,
    resolved: graded.resolved,
    patch_exists: report ? (report.patch_exists ?? null) : graded.status === "empty_patch" ? false : null,
    patch_applied: report ? (report.patch_successfully_applied ?? null) : null,
    f2p_success: count(tests?.FAIL_TO_PASS, "success"),
    f2p_failure: count(tests?.FAIL_TO_PASS, "failure"),
    p2p_success: count(tests?.PASS_TO_PASS, "success"),
    p2p_failure: count(tests?.PASS_TO_PASS, "failure"),
    f2f_success: count(tests?.FAIL_TO_FAIL, "success"),
    f2f_failure: count(tests?.FAIL_TO_FAIL, "failure"),
    p2f_success: count(tests?.PASS_TO_FAIL, "success"),
    p2f_failure: count(tests?.PASS_TO_FAIL, "failure"),
    recall: null,
    precision: null,
    f1: null,
    threshold: null,
    report_path: graded.reportFile,
    provenance: context.provenance,
  };
}

export interface SummaryOutcome {
  row: TableRow<typeof evalSummariesTable>;
  /** Where the harness summary and the reports disagree (a partial copy of a run, say). */
  disagreements: string[];
}

export function sweBenchSummaryRow(context: GradingContext, graded: GradedInstance[], harness: { file: string; summary: RunSummary } | null): SummaryOutcome {
  const computed = {
    total_instances: graded.length,
    submitted_instances: graded.length,
    completed_instances: graded.filter((g) => g.reportFile !== null).length,
    resolved_instances: graded.filter((g) => g.status === "resolved").length,
    unresolved_instances: graded.filter((g) => g.status === "unresolved").length,
    empty_patch_instances: graded.filter((g) => g.status === "empty_patch").length,
    error_instances: graded.filter((g) => g.status === "error").length,
  };
  const disagreements: string[] = [];
  let counts = computed;
  let source = "computed from report.json files";
  if (harness) {
    const s = harness.summary;
    counts = {
      total_instances: s.total_instances,
      submitted_instances: s.submitted_instances,
      completed_instances: s.completed_instances,
      resolved_instances: s.resolved_instances,
      unresolved_instances: s.unresolved_instances,
      empty_patch_instances: s.empty_patch_instances,
      error_instances: s.error_instances,
    };
    source = `harness summary ${harness.file}`;
    const ours = new Set(graded.filter((g) => g.status === "resolved").map((g) => g.instanceId));
    const theirs = new Set(s.resolved_ids);
    const missing = [...theirs].filter((id) => !ours.has(id));
    const extra = [...ours].filter((id) => !theirs.has(id));
    if (missing.length) disagreements.push(`resolved in the summary but not in the reports: ${missing.join(", ")}`);
    if (extra.length) disagreements.push(`resolved in the reports but not in the summary: ${extra.join(", ")}`);
  }
  const row = {
    run_id: context.runId,
    suite: "swe-bench",
    eval_run_id: context.evalRunId,
    harness_run_id: graded.find((g) => g.harnessRunId)?.harnessRunId ?? null,
    model: context.model,
    seed: context.seed,
    context_length: context.contextLength,
    ...counts,
    resolve_rate: counts.total_instances > 0 ? (100 * counts.resolved_instances) / counts.total_instances : null,
    source,
    provenance: context.provenance,
  };
  return { row, disagreements };
}
