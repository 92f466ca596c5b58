import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * Keyed rows gathered over one ingest and written with one multi-row statement per table, mode and
 * column list. DuckDB spends milliseconds planning and starting each single-row INSERT (5–7 ms on
 * a loaded 2-core machine) and a fraction of that per row of a multi-row one, which made the
 * journal's projection the spine's largest cost per run.
 *
 * The result equals running the rows one by one in the order they were added: DuckDB keeps the
 * *first* of two rows with the same key in one `INSERT OR REPLACE`, so the batch itself keeps the
 * last row per key for REPLACE (a later line or attempt stands) and the first for IGNORE.
 */

export type WriteMode = "REPLACE" | "IGNORE";
type Value = string | number | boolean | null;

interface Group {
  table: string;
  mode: WriteMode;
  columns: string[];
  rows: Map<string, Value[]>;
}

/** Rows per statement: large enough to amortise planning, small enough to keep the SQL text modest. */
const ROWS_PER_STATEMENT = 250;

export class RowBatch {
  private readonly groups = new Map<string, Group>();
  private readonly deletions = new Map<string, { table: string; column: string; values: Set<Value> }>();

  /** Queue `DELETE FROM table WHERE column = value`; deletions run before every queued row. */
  deleteWhere(table: string, column: string, value: Value): void {
    const id = `${table}\0${column}`;
    let deletion = this.deletions.get(id);
    if (!deletion) this.deletions.set(id, (deletion = { table, column, values: new Set() }));
    deletion.values.add(value);
  }

  /** Queue `INSERT OR <mode> INTO table` of one row; `key` names the columns of the table's primary key. */
  add(table: string, mode: WriteMode, key: readonly string[], row: Record<string, Value>): void {
    const columns = Object.keys(row);
    const id = `${mode}\0${table}\0${columns.join("\0")}`;
    let group = this.groups.get(id);
    if (!group) this.groups.set(id, (group = { table, mode, columns, rows: new Map() }));
    const keyText = JSON.stringify(key.map((column) => row[column]));
    if (mode === "IGNORE" && group.rows.has(keyText)) return;
    group.rows.delete(keyText);
    group.rows.set(
      keyText,
      columns.map((column) => row[column]),
    );
  }

  get size(): number {
    let rows = 0;
    for (const group of this.groups.values()) rows += group.rows.size;
    return rows;
  }

  async write(connection: DuckDBConnection): Promise<void> {
    for (const { table, column, values } of this.deletions.values()) {
      const list = [...values];
      for (let start = 0; start < list.length; start += ROWS_PER_STATEMENT) {
        const chunk = list.slice(start, start + ROWS_PER_STATEMENT);
        await connection.run(`DELETE FROM ${table} WHERE "${column}" IN (${chunk.map((_, i) => `$${i + 1}`).join(", ")})`, chunk as never);
      }
    }
    for (const { table, mode, columns, rows } of this.groups.values()) {
      const list = [...rows.values()];
      const names = columns.map((column) => `"${column}"`).join(", ");
      for (let start = 0; start < list.length; start += ROWS_PER_STATEMENT) {
        const chunk = list.slice(start, start + ROWS_PER_STATEMENT);
        let parameter = 0;
        const tuples = chunk.map((row) => `(${row.map(() => `$${++parameter}`).join(", ")})`).join(", ");
        await connection.run(`INSERT OR ${mode} INTO ${table} (${names}) VALUES ${tuples}`, chunk.flat() as never);
      }
    }
    this.groups.clear();
    this.deletions.clear();
  }
}
