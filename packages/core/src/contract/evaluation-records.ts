import { z } from "zod";
import { defineTable, provenanceSchema } from "./define-table.js";

/**
 * Evaluation's tables. Stages write one JSONL file per table under records/; ingest loads them with
 * keyed INSERT OR REPLACE.
 *
 *  eval_rollouts  the agent's side of an evaluation: per instance, exit status, steps, tokens, patch
 *  evals          graded outcomes per instance: resolved, test counts (SWE-bench) or line recall
 *                 (held-out soft verification), with seed and context length for paired statistics
 *  eval_summaries one row per grading run: the harness's run summary (or counts computed the same way)
 *
 * Every table's `provenance` is `stand-in` when the served model said it is one of sera's stand-ins
 * or the checkpoint carries the CPU stand-in trainer's marker, else `real` (null: graded without an
 * evaluation run to ask, or loaded from records written before provenance was kept).
 */

const count = z.number().int().nullable();
const provenance = provenanceSchema.nullable();

export const evalRolloutsTable = defineTable(
  "eval_rollouts",
  {
    run_id: z.string(),
    instance_id: z.string(),
    suite: z.string(),
    repo: z.string().nullable(),
    seed: z.number().int().nullable(),
    context_length: z.number().int().nullable(),
    model: z.string(),
    exit_status: z.string(),
    failure: z.string().nullable(),
    steps: z.number().int(),
    input_tokens: z.number().int(),
    cached_input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    wall_seconds: z.number(),
    patch: z.string(),
    patch_lines: z.number().int(),
    trajectory_path: z.string().nullable(),
    provenance,
  },
  { key: ["run_id", "instance_id"], types: { input_tokens: "BIGINT", cached_input_tokens: "BIGINT", output_tokens: "BIGINT" } },
);

export const evalsTable = defineTable(
  "evals",
  {
    run_id: z.string(),
    suite: z.string(),
    instance_id: z.string(),
    eval_run_id: z.string().nullable(),
    repo: z.string().nullable(),
    seed: z.number().int().nullable(),
    context_length: z.number().int().nullable(),
    model: z.string().nullable(),
    harness_run_id: z.string().nullable(),
    status: z.string(),
    resolved: z.boolean(),
    patch_exists: z.boolean().nullable(),
    patch_applied: z.boolean().nullable(),
    f2p_success: count,
    f2p_failure: count,
    p2p_success: count,
    p2p_failure: count,
    f2f_success: count,
    f2f_failure: count,
    p2f_success: count,
    p2f_failure: count,
    recall: z.number().nullable(),
    precision: z.number().nullable(),
    f1: z.number().nullable(),
    threshold: z.number().nullable(),
    report_path: z.string().nullable(),
    provenance,
  },
  { key: ["run_id", "suite", "instance_id"] },
);

export const evalSummariesTable = defineTable(
  "eval_summaries",
  {
    run_id: z.string(),
    suite: z.string(),
    eval_run_id: z.string().nullable(),
    harness_run_id: z.string().nullable(),
    model: z.string().nullable(),
    seed: z.number().int().nullable(),
    context_length: z.number().int().nullable(),
    total_instances: count,
    submitted_instances: count,
    completed_instances: count,
    resolved_instances: count,
    unresolved_instances: count,
    empty_patch_instances: count,
    error_instances: count,
    resolve_rate: z.number().nullable(),
    source: z.string(),
    provenance,
  },
  { key: ["run_id", "suite"] },
);

export const evaluationTables = [evalRolloutsTable, evalsTable, evalSummariesTable];
