import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
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

/** The `run_id` on a record file's first line: a stage's `records/` folder holds one run's rows. */
function firstRunId(file: string): string | null {
  const fd = openSync(file, "r");
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(1 << 16);
    for (let position = 0; ;) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) break;
      const end = buffer.subarray(0, read).indexOf(10);
      chunks.push(Buffer.from(buffer.subarray(0, end === -1 ? read : end)));
      if (end !== -1) break;
      position += read;
    }
    const first = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { run_id?: unknown };
    return typeof first.run_id === "string" ? first.run_id : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Rows of `<dir>/<table>.jsonl`, loaded keyed; a missing or empty file loads nothing. Re-ingesting a
 * run replaces its rows (INSERT OR REPLACE). The first ingest of a run — the table holds no row of
 * it yet — is a plain INSERT, which skips the per-row conflict lookup (about a quarter of the load
 * time at paper scale) and still fails on a duplicate key rather than dropping a row.
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
  const runId = "run_id" in columns ? firstRunId(file) : null;
  let fresh = false;
  if (runId !== null) {
    const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${table.name} WHERE run_id = ?`, [runId]);
    fresh = reader.getRowObjects()[0].n === 0;
  }
  await connection.run(`INSERT ${fresh ? "" : "OR REPLACE "}INTO ${table.name} (${names}) SELECT ${names} FROM ${typedReadJson(file, columns)}`);
}
