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
export function typedReadJson(file: string, columns: Record<string, string>, lines: RecordLines = scanRecordLines(file)): string {
  const spec = `{${Object.entries(columns)
    .map(([column, type]) => `${sqlString(column)}: ${sqlString(type)}`)
    .join(", ")}}`;
  return `read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${spec}, maximum_object_size = ${objectSizeFor(lines)})`;
}

export interface RecordLines {
  /** The first line, without its newline ("" for an empty file). */
  first: string;
  longestBytes: number;
}

const SCAN_CHUNK_BYTES = 4 << 20;
const DUCKDB_DEFAULT_OBJECT_BYTES = 16 << 20;

/**
 * The first line of a JSONL file and the length in bytes of its longest, read in 4 MiB chunks (for
 * a file smaller than DuckDB's default object size, its first line and its size will do). DuckDB's JSON reader
 * parses a file in buffers of `maximum_object_size`, one per thread: a limit far above the longest
 * line puts a whole record file in one buffer and one thread (100K instances: 5.6 s of ingest
 * instead of 4.0 s), while a limit below it fails the load.
 */
export function scanRecordLines(file: string, { chunkBytes = SCAN_CHUNK_BYTES, wholeFileBelow = DUCKDB_DEFAULT_OBJECT_BYTES } = {}): RecordLines {
  const size = statSync(file).size;
  const fd = openSync(file, "r");
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    const firstParts: Buffer[] = [];
    let first: string | undefined;
    let longestBytes = 0;
    let lineStart = 0;
    for (let offset = 0; offset < size;) {
      const read = readSync(fd, chunk, 0, chunk.length, offset);
      if (read === 0) break;
      for (let at = chunk.indexOf(10); at !== -1 && at < read; at = chunk.indexOf(10, at + 1)) {
        if (first === undefined) {
          firstParts.push(chunk.subarray(Math.max(0, lineStart - offset), at));
          first = Buffer.concat(firstParts).toString("utf8");
          if (size <= wholeFileBelow) return { first, longestBytes: size };
        }
        longestBytes = Math.max(longestBytes, offset + at - lineStart);
        lineStart = offset + at + 1;
      }
      if (first === undefined) firstParts.push(Buffer.from(chunk.subarray(Math.max(0, lineStart - offset), read)));
      offset += read;
    }
    return { first: first ?? Buffer.concat(firstParts).toString("utf8"), longestBytes: Math.max(longestBytes, size - lineStart) };
  } finally {
    closeSync(fd);
  }
}

function objectSizeFor(lines: RecordLines): number {
  return Math.max(DUCKDB_DEFAULT_OBJECT_BYTES, lines.longestBytes + 1024);
}

/** `maximum_object_size` for one `read_json` over several JSONL files: room for the longest line of any. */
export function maximumObjectSize(files: readonly string[]): number {
  return Math.max(DUCKDB_DEFAULT_OBJECT_BYTES, ...files.map((file) => objectSizeFor(scanRecordLines(file))));
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
  const lines = scanRecordLines(file);
  let fresh = false;
  if ("run_id" in columns) {
    const firstRun = firstRunId(lines.first);
    if (firstRun !== undefined) {
      const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${table.name} WHERE run_id = ${sqlString(firstRun)}`);
      fresh = reader.getRowObjects()[0].n === 0;
    }
  }
  await connection.run(`INSERT ${fresh ? "" : "OR REPLACE "}INTO ${table.name} (${names}) SELECT ${names} FROM ${typedReadJson(file, columns, lines)}`);
}

/** The run a record file's first line belongs to; undefined where the line is not a record (DuckDB's load then says what is wrong). */
function firstRunId(line: string): string | undefined {
  try {
    const runId = (JSON.parse(line) as { run_id?: unknown }).run_id;
    return typeof runId === "string" ? runId : undefined;
  } catch {
    return undefined;
  }
}
