import path from "node:path";
import { ConfigError, type ReportConfig, type Store } from "@sera/core";
import {
  conditionRunsSql,
  costByFitSql,
  costByKindSql,
  fitPointsSql,
  instanceMeansSql,
  instanceRowsSql,
  metricSummarySql,
  repositoryRatesSql,
  runStatusSql,
  sqlIdentifier,
  sqlString,
  sweptColumn,
} from "./sql.js";

/** One query of a report: its SQL goes to sql/<name>.sql and its result to data/<name>.parquet. */
export interface ReportQuery {
  name: string;
  title: string;
  sql: string;
  /** false for large inputs that only go to Parquet (per-instance rows). */
  read: boolean;
}

export type Row = Record<string, unknown>;
type DuckDBConnection = Store["connection"];

export function fitQueryName(fitName: string): string {
  return `fit_${fitName}_points`;
}

export function compareQueryName(compareName: string): string {
  return `compare_${compareName}_runs`;
}

/** Dollars per cost fit (see costByFitSql); planned only when the report has a fit with `x: cost`. */
export const COST_BY_FIT_QUERY = "cost_by_fit";

export const INSTANCE_QUERIES = { rows: "instances", repositories: "instances_by_repository", means: "instances_per_condition" } as const;

/** Every query a report runs, in order; all literals are inlined so the SQL files stand alone. */
export function planReportQueries(experiment: string, report: ReportConfig | undefined, store: { samplesTable?: boolean } = {}): ReportQuery[] {
  const queries: ReportQuery[] = [
    { name: "runs_by_status", title: "Runs per stage and status", sql: runStatusSql(experiment), read: true },
    { name: "metrics_by_stage", title: "Metrics of succeeded runs", sql: metricSummarySql(experiment), read: true },
    { name: "cost_by_kind", title: "Cost ledger per stage and kind", sql: costByKindSql(experiment), read: true },
  ];
  if (!report) return queries;
  for (const fit of report.fits) {
    queries.push({
      name: fitQueryName(fit.name),
      title: `Points of the fit "${fit.title ?? fit.name}"`,
      sql: fitPointsSql({ experiment, stage: fit.stage, where: fit.where }, fit.metric ?? report.metric, fit.x, store),
      read: true,
    });
  }
  const costFits = report.fits.filter((fit) => fit.x === "cost");
  if (costFits.length > 0) {
    queries.push({ name: COST_BY_FIT_QUERY, title: "Recorded dollars per cost fit", sql: costByFitSql(experiment, costFits), read: true });
  }
  for (const compare of report.compare) {
    queries.push({
      name: compareQueryName(compare.name),
      title: `Runs of the comparison "${compare.title ?? compare.name}"`,
      sql: conditionRunsSql({ experiment, stage: compare.stage, where: compare.where }, compare.metric ?? report.metric, compare.by),
      read: true,
    });
  }
  if (report.instances) {
    const rows = instanceRowsSql(experiment, report.instances.sql, report.instances.by);
    queries.push(
      { name: INSTANCE_QUERIES.rows, title: "Per-instance evaluation rows", sql: rows, read: false },
      { name: INSTANCE_QUERIES.repositories, title: "Resolve rate per repository", sql: repositoryRatesSql(rows), read: true },
      { name: INSTANCE_QUERIES.means, title: "Resolve fraction per instance and condition", sql: instanceMeansSql(rows), read: true },
    );
  }
  return queries;
}

/** Whether the store has a table: record tables exist only once their stage's package has run. */
export async function hasTable(connection: DuckDBConnection, name: string): Promise<boolean> {
  const reader = await connection.runAndReadAll("SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = $1", [name]);
  return Number(reader.getRowObjects()[0].n) > 0;
}

/**
 * Checks the swept parameters a report names against the runs table, so a misspelt name fails
 * with one line naming the field rather than a DuckDB binder error.
 */
export async function checkReportParameters(connection: DuckDBConnection, report: ReportConfig | undefined, file: string): Promise<void> {
  if (!report) return;
  const reader = await connection.runAndReadAll(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'runs' AND column_name LIKE 'p\\_%' ESCAPE '\\'",
  );
  const columns = new Set(reader.getRowObjectsJson().map((row) => String(row.column_name)));
  const known = () =>
    columns.size === 0
      ? "none yet"
      : [...columns]
          .map((column) => column.slice(2))
          .sort()
          .join(", ");
  const expect = (parameter: string, field: string) => {
    if (!columns.has(sweptColumn(parameter))) {
      throw new ConfigError(file, field, `"${parameter}" is not a swept parameter in the store (swept: ${known()})`);
    }
  };
  report.fits.forEach((fit, i) => {
    if (fit.x !== "cost") expect(fit.x, `report.fits[${i}].x`);
    for (const parameter of Object.keys(fit.where)) expect(parameter, `report.fits[${i}].where.${parameter}`);
  });
  report.compare.forEach((compare, i) => {
    expect(compare.by, `report.compare[${i}].by`);
    for (const parameter of Object.keys(compare.where)) expect(parameter, `report.compare[${i}].where.${parameter}`);
  });
  if (report.instances?.by) expect(report.instances.by, "report.instances.by");
}

/**
 * Runs each query once into a temporary table (allowed on a read-only connection), copies it to
 * Parquet and reads it back when the report needs the rows.
 */
export async function runReportQueries(
  connection: DuckDBConnection,
  queries: readonly ReportQuery[],
  dataDir: string,
  file: string,
): Promise<Map<string, Row[]>> {
  const tables = new Map<string, Row[]>();
  // Parallel aggregation adds floating-point numbers in varying order; one thread makes a
  // report byte-identical when rebuilt from the same store.
  await connection.run("SET threads = 1");
  for (const query of queries) {
    const table = sqlIdentifier(`report_${query.name}`);
    try {
      await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${query.sql}`);
    } catch (error) {
      const field = query.name.startsWith("instances") ? "report.instances.sql" : `report (query ${query.name})`;
      throw new ConfigError(file, field, `the query failed: ${(error as Error).message.split("\n")[0]}`);
    }
    await connection.run(`COPY ${table} TO ${sqlString(path.join(dataDir, `${query.name}.parquet`))} (FORMAT parquet)`);
    if (query.read) {
      const reader = await connection.runAndReadAll(`SELECT * FROM ${table}`);
      tables.set(query.name, reader.getRowObjectsJson() as Row[]);
    }
    await connection.run(`DROP TABLE ${table}`);
  }
  return tables;
}
