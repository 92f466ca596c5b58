import type { DuckDBConnection } from "@duckdb/node-api";
import { loadRecordFile, recordTable, renameColumnIfPresent, type Migration, type RecordTable } from "@sera/core";

/**
 * The training package's tables. A dataset run writes one JSONL file per table under
 * `<outDir>/records/`; `sera ingest` writes the foreign-trajectory files under its own directory.
 * Loading replaces everything a run (or an ingest) recorded before, so reloading is idempotent and
 * a rebuilt dataset leaves no stale rows.
 */

/** One row per training sample: sample → rollout → instance → function, its tokens and subsets. */
export const samplesTable = recordTable(
  "samples",
  {
    run_id: "VARCHAR",
    sample_id: "VARCHAR",
    source_run_id: "VARCHAR",
    instance_id: "VARCHAR",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    repo: "VARCHAR",
    commit_sha: "VARCHAR",
    file: "VARCHAR",
    function: "VARCHAR",
    messages: "INTEGER",
    total_messages: "INTEGER",
    kept_tokens: "INTEGER",
    total_tokens: "INTEGER",
    truncation_ratio: "DOUBLE",
    truncated: "BOOLEAN",
    patch_lines: "INTEGER",
    bytes: "INTEGER",
    /** Position in the ratio order of the full dataset file (0 = best). */
    ratio_rank: "INTEGER",
    /** Position in the order the nested subsets are prefixes of (truncation ratio or seeded random, per `subsets.order`): in subset N iff subset_rank < N. */
    subset_rank: "INTEGER",
    subsets: "INTEGER[]",
  },
  ["run_id", "sample_id"],
);

/** Every rollout a dataset run considered and did not keep, with the first rule that removed it. */
export const datasetDropsTable = recordTable(
  "dataset_drops",
  {
    run_id: "VARCHAR",
    source_run_id: "VARCHAR",
    instance_id: "VARCHAR",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    /** The build step that dropped it: selection, filter, render, budget or ratio. */
    filter_step: "VARCHAR",
    reason: "VARCHAR",
  },
  ["run_id", "source_run_id", "instance_id", "phase", "rollout_attempt"],
);

/** One row per dataset run: the headline figures and the whole card as JSON. */
export const datasetsTable = recordTable(
  "datasets",
  {
    run_id: "VARCHAR",
    format: "VARCHAR",
    sources: "VARCHAR[]",
    candidates: "INTEGER",
    samples: "INTEGER",
    dropped: "INTEGER",
    truncated: "INTEGER",
    token_budget: "INTEGER",
    ratio_floor: "DOUBLE",
    mean_ratio: "DOUBLE",
    kept_tokens: "BIGINT",
    subsets: "INTEGER[]",
    out_dir: "VARCHAR",
    card: "JSON",
  },
  ["run_id"],
);

/** One row per `sera ingest` source: where it came from and what it held. */
export const ingestsTable = recordTable(
  "ingests",
  {
    id: "VARCHAR",
    path: "VARCHAR",
    dir: "VARCHAR",
    files: "INTEGER",
    trajectories: "INTEGER",
    predictions: "INTEGER",
    formats: "VARCHAR[]",
    ingested_at: "TIMESTAMPTZ",
  },
  ["id"],
);

/**
 * What only a foreign trajectory has: the file (and line) it came from, its format and model, and
 * the counts that prove nothing was lost. Its rollout, patch and instance rows sit in the same
 * tables as generated ones, under `run_id` = the ingest id.
 */
export const foreignTrajectoriesTable = recordTable(
  "foreign_trajectories",
  {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    format: "VARCHAR",
    file: "VARCHAR",
    line: "INTEGER",
    model: "VARCHAR",
    messages: "INTEGER",
    assistant_turns: "INTEGER",
    tool_calls: "INTEGER",
    tool_messages: "INTEGER",
    patch_chars: "INTEGER",
  },
  ["run_id", "instance_id", "phase", "rollout_attempt"],
);

export const datasetTables: RecordTable[] = [samplesTable, datasetDropsTable, datasetsTable];
export const foreignTables: RecordTable[] = [ingestsTable, foreignTrajectoriesTable];

export const trainingMigrations: Migration[] = [
  { component: "training", version: 1, name: "datasets and foreign trajectories", sql: [...datasetTables, ...foreignTables].map((table) => table.ddl) },
  {
    component: "training",
    version: 2,
    name: "attempt → rollout_attempt; dataset_drops.stage → filter_step",
    sql: [],
    apply: async (connection) => {
      for (const table of [samplesTable, datasetDropsTable, foreignTrajectoriesTable])
        await renameColumnIfPresent(connection, table.name, "attempt", "rollout_attempt");
      await renameColumnIfPresent(connection, datasetDropsTable.name, "stage", "filter_step");
    },
  },
];

/** The stage's ingest hook: replace whatever this dataset run recorded before. */
export async function ingestDatasetRecords(connection: DuckDBConnection, runId: string, recordsDir: string): Promise<void> {
  for (const table of datasetTables) {
    await connection.run(`DELETE FROM ${table.name} WHERE run_id = ?`, [runId]);
    await loadRecordFile(connection, recordsDir, table);
  }
}
