import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  checkpointsTable,
  coreTables,
  defineTable,
  derivedColumnType,
  evaluationTables,
  generationTables,
  instancesTable,
  datasetTables,
  foreignTables,
} from "../src/index.js";

/**
 * The data contract derives every table's DuckDB columns from its zod row shape. The maps and DDL
 * below are the hand-written declarations the tables had before the contract (cost_ledger plus
 * its new provenance column): the derived ones must give the same column types, so stores and
 * record files made before keep loading unchanged.
 */

const handWrittenColumns: Record<string, Record<string, string>> = {
  instances: {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    repo: "VARCHAR",
    commit_sha: "VARCHAR",
    file: "VARCHAR",
    function: "VARCHAR",
    function_kind: "VARCHAR",
    language: "VARCHAR",
    start_line: "INTEGER",
    end_line: "INTEGER",
    replica: "INTEGER",
    demonstration_id: "VARCHAR",
    status: "VARCHAR",
    last_step: "VARCHAR",
    r1_attempts: "INTEGER",
    failure_reason: "VARCHAR",
    failure_detail: "VARCHAR",
    recall: "DOUBLE",
    provenance: "VARCHAR",
  },
  rollouts: {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    exit_status: "VARCHAR",
    steps: "INTEGER",
    input_tokens: "BIGINT",
    cached_input_tokens: "BIGINT",
    output_tokens: "BIGINT",
    wall_seconds: "DOUBLE",
    prompt_index: "INTEGER",
    self_check: "BOOLEAN",
    failure_reason: "VARCHAR",
    trajectory_path: "VARCHAR",
    provenance: "VARCHAR",
  },
  model_calls: {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    seq: "INTEGER",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    endpoint: "VARCHAR",
    model: "VARCHAR",
    http_attempt: "INTEGER",
    status: "VARCHAR",
    input_tokens: "BIGINT",
    cached_input_tokens: "BIGINT",
    output_tokens: "BIGINT",
    latency_ms: "DOUBLE",
    started_at: "TIMESTAMPTZ",
    provenance: "VARCHAR",
  },
  patches: {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    patch: "VARCHAR",
    sha256: "VARCHAR",
    files_changed: "INTEGER",
    lines_added: "INTEGER",
    lines_removed: "INTEGER",
  },
  verifications: {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    recall: "DOUBLE",
    matched: "INTEGER",
    target_lines: "INTEGER",
    candidate_lines: "INTEGER",
    precision: "DOUBLE",
    f1: "DOUBLE",
    threshold: "DOUBLE",
    mode: "VARCHAR",
    verdict: "VARCHAR",
    provenance: "VARCHAR",
  },
  samples: {
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
    ratio_rank: "INTEGER",
    subset_rank: "INTEGER",
    subsets: "INTEGER[]",
    mix_quota: "VARCHAR",
    mix_source: "VARCHAR",
  },
  dataset_drops: {
    run_id: "VARCHAR",
    source_run_id: "VARCHAR",
    instance_id: "VARCHAR",
    phase: "VARCHAR",
    rollout_attempt: "INTEGER",
    filter_step: "VARCHAR",
    reason: "VARCHAR",
  },
  datasets: {
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
  ingests: {
    id: "VARCHAR",
    path: "VARCHAR",
    dir: "VARCHAR",
    files: "INTEGER",
    trajectories: "INTEGER",
    predictions: "INTEGER",
    formats: "VARCHAR[]",
    ingested_at: "TIMESTAMPTZ",
  },
  foreign_trajectories: {
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
  eval_rollouts: {
    run_id: "VARCHAR",
    instance_id: "VARCHAR",
    suite: "VARCHAR",
    repo: "VARCHAR",
    seed: "INTEGER",
    context_length: "INTEGER",
    model: "VARCHAR",
    exit_status: "VARCHAR",
    failure: "VARCHAR",
    steps: "INTEGER",
    input_tokens: "BIGINT",
    cached_input_tokens: "BIGINT",
    output_tokens: "BIGINT",
    wall_seconds: "DOUBLE",
    patch: "VARCHAR",
    patch_lines: "INTEGER",
    trajectory_path: "VARCHAR",
    provenance: "VARCHAR",
  },
  evals: {
    run_id: "VARCHAR",
    suite: "VARCHAR",
    instance_id: "VARCHAR",
    eval_run_id: "VARCHAR",
    repo: "VARCHAR",
    seed: "INTEGER",
    context_length: "INTEGER",
    model: "VARCHAR",
    harness_run_id: "VARCHAR",
    status: "VARCHAR",
    resolved: "BOOLEAN",
    patch_exists: "BOOLEAN",
    patch_applied: "BOOLEAN",
    f2p_success: "INTEGER",
    f2p_failure: "INTEGER",
    p2p_success: "INTEGER",
    p2p_failure: "INTEGER",
    f2f_success: "INTEGER",
    f2f_failure: "INTEGER",
    p2f_success: "INTEGER",
    p2f_failure: "INTEGER",
    recall: "DOUBLE",
    precision: "DOUBLE",
    f1: "DOUBLE",
    threshold: "DOUBLE",
    report_path: "VARCHAR",
    provenance: "VARCHAR",
  },
  eval_summaries: {
    run_id: "VARCHAR",
    suite: "VARCHAR",
    eval_run_id: "VARCHAR",
    harness_run_id: "VARCHAR",
    model: "VARCHAR",
    seed: "INTEGER",
    context_length: "INTEGER",
    total_instances: "INTEGER",
    submitted_instances: "INTEGER",
    completed_instances: "INTEGER",
    resolved_instances: "INTEGER",
    unresolved_instances: "INTEGER",
    empty_patch_instances: "INTEGER",
    error_instances: "INTEGER",
    resolve_rate: "DOUBLE",
    source: "VARCHAR",
    provenance: "VARCHAR",
  },
  checkpoints: {
    run_id: "VARCHAR",
    path: "VARCHAR",
    step: "INTEGER",
    epoch: "DOUBLE",
    is_final: "BOOLEAN",
    servable: "BOOLEAN",
    stand_in: "BOOLEAN",
    loss: "DOUBLE",
    files: "INTEGER",
    bytes: "BIGINT",
    sha256: "VARCHAR",
    recipe: "VARCHAR",
    trainer: "VARCHAR",
    base_model: "VARCHAR",
  },
};

const handWrittenSpineDdl = [
  `CREATE TABLE IF NOT EXISTS experiments (name VARCHAR PRIMARY KEY, file VARCHAR NOT NULL, config JSON NOT NULL, config_sha256 VARCHAR NOT NULL, dir VARCHAR NOT NULL, sera_version VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS runs (id VARCHAR PRIMARY KEY, experiment VARCHAR NOT NULL, stage VARCHAR NOT NULL, kind VARCHAR NOT NULL, params JSON NOT NULL, seed INTEGER, upstream JSON NOT NULL, status VARCHAR NOT NULL, attempt INTEGER NOT NULL, failures INTEGER NOT NULL, backend VARCHAR, job_ref VARCHAR, queued_at TIMESTAMPTZ, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, wall_seconds DOUBLE, exit_code INTEGER, error VARCHAR, stdout_tail VARCHAR, stderr_tail VARCHAR, run_dir VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS run_events (run_id VARCHAR NOT NULL, seq INTEGER NOT NULL, happened_at TIMESTAMPTZ NOT NULL, attempt INTEGER NOT NULL, event VARCHAR NOT NULL, detail JSON, PRIMARY KEY (run_id, seq))`,
  `CREATE TABLE IF NOT EXISTS artifacts (run_id VARCHAR NOT NULL, path VARCHAR NOT NULL, attempt INTEGER NOT NULL, sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL, kind VARCHAR NOT NULL, PRIMARY KEY (run_id, path))`,
  `CREATE TABLE IF NOT EXISTS run_metrics (run_id VARCHAR NOT NULL, attempt INTEGER NOT NULL, line INTEGER NOT NULL, name VARCHAR NOT NULL, value DOUBLE NOT NULL, step DOUBLE, provenance VARCHAR, PRIMARY KEY (run_id, attempt, line, name))`,
  `CREATE TABLE IF NOT EXISTS cost_ledger (id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, experiment VARCHAR NOT NULL, attempt INTEGER NOT NULL, kind VARCHAR NOT NULL, quantity DOUBLE NOT NULL, unit VARCHAR NOT NULL, unit_price DOUBLE, usd DOUBLE, source VARCHAR NOT NULL, provenance VARCHAR)`,
];

async function describeTables(statements: readonly string[]): Promise<Record<string, { type: string; nullable: boolean; key: boolean }[]>> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const statement of statements) await connection.run(statement);
    const tables: Record<string, { type: string; nullable: boolean; key: boolean }[]> = {};
    for (const statement of statements) {
      const name = /CREATE TABLE IF NOT EXISTS (\w+)/.exec(statement)![1];
      const rows = (await connection.runAndReadAll(`DESCRIBE ${name}`)).getRowObjectsJson();
      tables[name] = rows.map((row) => ({
        type: `${String(row.column_name)} ${String(row.column_type)}`,
        nullable: row.null === "YES",
        key: row.key === "PRI",
      }));
    }
    return tables;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("data contract", () => {
  const recordTables = [...generationTables, ...datasetTables, ...foreignTables, ...evaluationTables, checkpointsTable];

  it("derives each record table's column map equal to its former hand-written one", () => {
    expect(Object.fromEntries(recordTables.map((table) => [table.name, table.columns]))).toEqual(handWrittenColumns);
  });

  it("derives the spine tables' DDL to the same columns, types, NOT NULLs and keys as the hand-written DDL", async () => {
    expect(await describeTables(coreTables.map((table) => table.ddl))).toEqual(await describeTables(handWrittenSpineDdl));
  });

  it("creates every record table from its derived DDL with its key", async () => {
    const described = await describeTables(recordTables.map((table) => table.ddl));
    for (const table of recordTables) {
      expect([table.name, described[table.name].filter((column) => column.key).map((column) => column.type.split(" ")[0])]).toEqual([table.name, table.key]);
    }
  });

  it("applies the derivation rule, with overrides only where given", () => {
    expect(derivedColumnType(z.string())).toBe("VARCHAR");
    expect(derivedColumnType(z.enum(["a", "b"]).nullable())).toBe("VARCHAR");
    expect(derivedColumnType(z.number().int())).toBe("INTEGER");
    expect(derivedColumnType(z.number().nullable())).toBe("DOUBLE");
    expect(derivedColumnType(z.boolean().optional())).toBe("BOOLEAN");
    expect(derivedColumnType(z.array(z.number().int()))).toBe("INTEGER[]");
    expect(derivedColumnType(z.array(z.string()))).toBe("VARCHAR[]");
    expect(derivedColumnType(z.object({ a: z.number() }))).toBe("JSON");
    const table = defineTable(
      "t",
      { id: z.string(), n: z.number().int(), at: z.string().nullable() },
      { key: ["id"], types: { n: "BIGINT", at: "TIMESTAMPTZ" }, notNull: true },
    );
    expect(table.columns).toEqual({ id: "VARCHAR", n: "BIGINT", at: "TIMESTAMPTZ" });
    expect(table.ddl).toBe(`CREATE TABLE IF NOT EXISTS t ("id" VARCHAR NOT NULL, "n" BIGINT NOT NULL, "at" TIMESTAMPTZ, PRIMARY KEY (id))`);
    expect(() => defineTable("t", { id: z.string() }, { key: ["id", "nope" as "id"] })).toThrow(/nope/);
  });

  it("parses rows strictly: a missing or misspelt column fails", () => {
    const row = instancesTable.row.shape;
    expect(Object.keys(row)).toEqual(Object.keys(instancesTable.columns));
    expect(() => instancesTable.row.parse({})).toThrow(/run_id/);
  });
});
