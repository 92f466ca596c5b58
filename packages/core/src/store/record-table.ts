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

/** Rows of `<dir>/<table>.jsonl`, loaded with keyed INSERT OR REPLACE; a missing or empty file loads nothing. */
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
  await connection.run(`INSERT OR REPLACE INTO ${table.name} (${names}) SELECT ${names} FROM ${typedReadJson(file, columns)}`);
}
