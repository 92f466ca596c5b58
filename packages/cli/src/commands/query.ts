import { StatementType } from "@duckdb/node-api";
import type { Store } from "@sera/core";
import { UsageError } from "../errors.js";
import { exactJsonRows } from "../json-rows.js";
import { formatCsv, formatTable } from "../table.js";
import { readStore, resolveStore } from "../store.js";
import { defineCommand } from "../command.js";
import { storeOptions } from "../options.js";

/** Statement kinds a query may be: reading (SELECT, and SHOW / DESCRIBE / SUMMARIZE / FROM-first, which DuckDB parses as SELECT) and EXPLAIN. */
const READING_STATEMENTS = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * Runs one reading statement of the user's. The connection is read-only and locked (no file or
 * network access, no extensions, settings frozen), and the text must hold exactly one SELECT or
 * EXPLAIN, so `COPY … TO`, `ATTACH`, `SET`, `INSTALL` and a second statement after `;` are refused.
 */
async function runUserQuery(store: Store, sql: string): Promise<Record<string, unknown>[]> {
  const statements = await store.connection.extractStatements(sql);
  if (statements.count !== 1) throw new Error(`expected exactly one SQL statement, got ${statements.count}`);
  const prepared = await statements.prepare(0);
  if (!READING_STATEMENTS.has(prepared.statementType)) {
    throw new Error(`only a SELECT (or EXPLAIN) statement may run here, not ${StatementType[prepared.statementType]}`);
  }
  return exactJsonRows(await prepared.runAndReadAll());
}

export async function queryCommand(args: { sql: string; experiment?: string; store?: string; json?: boolean; csv?: boolean }): Promise<number> {
  const { file } = resolveStore(args);
  return readStore(
    file,
    async (store) => {
      let rows;
      try {
        rows = await runUserQuery(store, args.sql);
      } catch (error) {
        throw new UsageError(`query: ${(error as Error).message.split("\n")[0].replace(/^Failed to extract statements: /, "")}`);
      }
      if (args.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
      else if (args.csv) process.stdout.write(formatCsv(rows) + "\n");
      else process.stdout.write(formatTable(rows, { maxWidth: 80 }) + `\n(${rows.length} row${rows.length === 1 ? "" : "s"})\n`);
      return 0;
    },
    { locked: true },
  );
}

export const queryCli = defineCommand(
  "query <sql>",
  "run SQL against the store (read-only)",
  (y) =>
    y
      .positional("sql", { type: "string", demandOption: true })
      .options(storeOptions)
      .option("json", { type: "boolean", conflicts: "csv" })
      .option("csv", { type: "boolean" }),
  (a) => queryCommand({ sql: a.sql, store: a.store, experiment: a.experiment, json: a.json, csv: a.csv }),
);
