import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { lockConnection, maximumObjectSize, rolloutsTable, sqlString } from "@sera/core";
import { rolloutKey, type SourceRecords } from "./source.js";
import { checkWherePredicate, WherePredicateError } from "./where-sql.js";

/**
 * The user's SQL condition over the rollouts, evaluated where the stage runs: workers never open
 * the store, so the sources' record files are loaded into an in-memory DuckDB instead. The
 * rollouts table gets the types of generation's contract definition (so `self_check = true` works even when every
 * value in a small run is null); the other tables are there for subqueries, with inferred types.
 * Once the files are loaded the connection is locked (no file access, no extensions, settings frozen)
 * and the condition is checked to be one expression before it runs (where-sql.ts).
 */

const rolloutColumns = rolloutsTable.columns;
// Record files written before the rename call the rollout attempt `attempt`; it is read under the new name.
const readColumns: Record<string, string> = { ...rolloutColumns, attempt: "INTEGER" };
const selectColumns = Object.keys(rolloutColumns)
  .map((c) => (c === "rollout_attempt" ? `coalesce("rollout_attempt", "attempt") AS "rollout_attempt"` : `"${c}"`))
  .join(", ");

const companionTables = ["instances", "patches", "verifications", "model_calls", "foreign_trajectories"];

function present(files: string[]): string[] {
  return files.filter((file) => existsSync(file) && statSync(file).size > 0);
}

/** Keys (record run id + rollout) of the rollouts that satisfy `where`. */
export async function rolloutsMatching(sources: readonly SourceRecords[], where: string): Promise<Set<string>> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const fileList = (table: string) => present(sources.map((source) => path.join(source.outDir, "records", `${table}.jsonl`)));
    const rollouts = fileList("rollouts");
    const spec = `{${Object.entries(readColumns)
      .map(([c, t]) => `${sqlString(c)}: ${sqlString(t)}`)
      .join(", ")}}`;
    await connection.run(
      rollouts.length === 0
        ? `CREATE TABLE rollouts (${Object.entries(rolloutColumns)
            .map(([c, t]) => `"${c}" ${t}`)
            .join(", ")})`
        : `CREATE TABLE rollouts AS SELECT ${selectColumns} FROM read_json([${rollouts.map(sqlString).join(", ")}], format = 'newline_delimited', columns = ${spec}, maximum_object_size = ${maximumObjectSize(rollouts)})`,
    );
    for (const table of companionTables) {
      const files = fileList(table);
      if (files.length === 0) continue;
      await connection.run(
        `CREATE TABLE ${table} AS SELECT * FROM read_json([${files.map(sqlString).join(", ")}], format = 'newline_delimited', union_by_name = true, sample_size = -1, maximum_object_size = ${maximumObjectSize(files)})`,
      );
    }
    await lockConnection(connection);
    const statement = await checkWherePredicate(connection, where, new Set(["rollouts", ...companionTables]));
    let rows: Record<string, unknown>[];
    try {
      const reader = await connection.runAndReadAll(statement);
      rows = reader.getRowObjectsJson() as Record<string, unknown>[];
    } catch (error) {
      throw new WherePredicateError(where, (error as Error).message.split("\n")[0]);
    }
    return new Set(rows.map((row) => `${row.run_id}\u0000${rolloutKey(String(row.instance_id), String(row.phase), Number(row.rollout_attempt))}`));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
