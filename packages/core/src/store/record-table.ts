import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * A table a stage fills from JSONL record files (generation, training and evaluation records):
 * its DuckDB column types, key and DDL, derived from the table's zod row shape by `defineTable`
 * (contract/define-table.ts). Loading is keyed INSERT OR REPLACE, so re-ingesting never duplicates.
 */
export interface RecordTable {
  name: string;
  /** Column → DuckDB type, in DDL order. */
  columns: Record<string, string>;
  key: string[];
  ddl: string;
}

export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** `read_json` over one file with the table's declared column types (no inference surprises). */
export function typedReadJson(file: string, columns: Record<string, string>): string {
  const spec = `{${Object.entries(columns)
    .map(([column, type]) => `${sqlString(column)}: ${sqlString(type)}`)
    .join(", ")}}`;
  return `read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${spec}, maximum_object_size = 268435456)`;
}

/**
 * Rows of `<dir>/<table>.jsonl`, loaded keyed; a missing or empty file loads nothing. Re-ingesting a
 * run replaces its rows (INSERT OR REPLACE). A run's first ingest (a stage's `records/` folder holds
 * one run's rows, so the first line's `run_id` names it, and the table has none of its rows yet) is a
 * plain INSERT: no per-row conflict lookup (7% of the load at 100K instances), and a duplicate key
 * fails instead of silently replacing a row.
 */
export async function loadRecordFile(
  connection: DuckDBConnection,
  dir: string,
  table: RecordTable,
  columns: Record<string, string> = table.columns,
): Promise<void> {
  const file = path.join(dir, `${table.name}.jsonl`);
  if (!existsSync(file) || statSync(file).size === 0) return;
  const names = Object.keys(columns)
    .map((column) => `"${column}"`)
    .join(", ");
  let fresh = false;
  if ("run_id" in columns) {
    const firstRun = `(SELECT run_id FROM ${typedReadJson(file, { run_id: "VARCHAR" })} LIMIT 1)`;
    const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${table.name} WHERE run_id = ${firstRun}`);
    fresh = reader.getRowObjects()[0].n === 0;
  }
  await connection.run(`INSERT ${fresh ? "" : "OR REPLACE "}INTO ${table.name} (${names}) SELECT ${names} FROM ${typedReadJson(file, columns)}`);
}
