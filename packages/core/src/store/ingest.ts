import { existsSync } from "node:fs";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  attemptFiles,
  attemptsOnDisk,
  readEvents,
  readJson,
  readJsonl,
  reportCorruptionToStderr,
  type AttemptResult,
  type CorruptionSink,
  type JobHandle,
  type MetricsLine,
  type RunEvent,
  type RunPaths,
} from "../executor/journal.js";
import type { PlannedRun } from "../sweep/expand.js";
import { stageHandler } from "../stages/registry.js";
import { RowBatch } from "./row-batch.js";
import type { Provenance } from "../contract/define-table.js";
import { runStatuses, type CostLine, type RunStatus } from "../contract/run-records.js";

/**
 * Project run directories into the tables. Every write is keyed (INSERT OR REPLACE / IGNORE on
 * natural keys), so ingesting a run any number of times — after a crash, twice in a row, from
 * `sera run` or from a rebuild — leaves exactly one row per fact.
 */

export interface RunOnDisk {
  plan: PlannedRun;
  paths: RunPaths;
}

const statusSet = new Set<string>(runStatuses);
const failureStatuses = new Set<string>(["failed", "timeout", "lost"]);

export interface RunSummary {
  status: RunStatus;
  attempt: number;
  failures: number;
  queuedAt: string | null;
  lastEvent: RunEvent | undefined;
}

/** Fold the event journal into the run's current status and counters. */
export function summariseEvents(events: RunEvent[]): RunSummary {
  let status: RunStatus = "queued";
  let attempt = 0;
  let failures = 0;
  let queuedAt: string | null = null;
  let lastEvent: RunEvent | undefined;
  for (const event of events) {
    attempt = Math.max(attempt, event.attempt);
    if (!statusSet.has(event.event)) continue;
    status = event.event as RunStatus;
    lastEvent = event;
    if (status === "queued" && queuedAt === null) queuedAt = event.at;
    if (failureStatuses.has(status)) failures++;
  }
  return { status, attempt, failures, queuedAt, lastEvent };
}

function sqlType(values: unknown[]): "DOUBLE" | "BOOLEAN" | "VARCHAR" {
  if (values.every((v) => typeof v === "number")) return "DOUBLE";
  if (values.every((v) => typeof v === "boolean")) return "BOOLEAN";
  return "VARCHAR";
}

function columnValue(value: unknown, type: string): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (type === "DOUBLE") return typeof value === "number" ? value : null;
  if (type === "BOOLEAN") return typeof value === "boolean" ? value : null;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Make sure each swept parameter has a p_<name> column; returns column → SQL type. */
export async function ensureSweepColumns(connection: DuckDBConnection, runs: PlannedRun[]): Promise<Map<string, string>> {
  const valuesByColumn = new Map<string, unknown[]>();
  for (const run of runs) for (const [column, value] of Object.entries(run.sweep)) valuesByColumn.set(column, [...(valuesByColumn.get(column) ?? []), value]);
  const existing = await connection.runAndReadAll(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'runs' AND column_name LIKE 'p\\_%' ESCAPE '\\'",
  );
  const types = new Map<string, string>(existing.getRowObjectsJson().map((row) => [String(row.column_name), String(row.data_type)]));
  for (const [column, values] of valuesByColumn) {
    if (types.has(column)) continue;
    const type = sqlType(values);
    await connection.run(`ALTER TABLE runs ADD COLUMN IF NOT EXISTS "${column}" ${type}`);
    types.set(column, type);
  }
  return types;
}

export async function upsertExperiment(
  connection: DuckDBConnection,
  row: { name: string; file: string; config: string; configSha256: string; dir: string; seraVersion: string },
): Promise<void> {
  await connection.run(
    `INSERT INTO experiments (name, file, config, config_sha256, dir, sera_version, created_at, updated_at)
     VALUES ($name, $file, $config, $sha, $dir, $version, now(), now())
     ON CONFLICT (name) DO UPDATE SET file = excluded.file, config = excluded.config, config_sha256 = excluded.config_sha256,
       dir = excluded.dir, sera_version = excluded.sera_version, updated_at = now()`,
    { name: row.name, file: row.file, config: row.config, sha: row.configSha256, dir: row.dir, version: row.seraVersion },
  );
}

export async function ingestRun(
  connection: DuckDBConnection,
  run: RunOnDisk,
  backend: string,
  columnTypes: Map<string, string>,
  onCorrupt: CorruptionSink = reportCorruptionToStderr,
  withStageRecords = true,
): Promise<void> {
  const batch = new RowBatch();
  const stageRecords = collectRun(run, backend, columnTypes, onCorrupt, batch);
  await batch.write(connection);
  if (withStageRecords) await stageRecords?.(connection);
}

/** A stage's own record loading for a run, to be done after the run's journal rows are written. */
type StageRecords = (connection: DuckDBConnection) => Promise<void>;

/**
 * Read one run's journal and queue its rows (runs, run_events, artifacts, run_metrics, cost_ledger)
 * on `batch`; returns the stage's record loading when the run succeeded and its stage has one.
 */
function collectRun(run: RunOnDisk, backend: string, columnTypes: Map<string, string>, onCorrupt: CorruptionSink, batch: RowBatch): StageRecords | null {
  const { plan, paths } = run;
  const events = readEvents(paths, onCorrupt);
  const summary = summariseEvents(events);
  const attempts = attemptsOnDisk(paths);
  const latest = attempts.at(-1);
  const latestDir = latest === undefined ? null : paths.attemptDir(latest);
  const asMissing = { onCorrupt, action: "ingested the run without it" };
  const result = latestDir ? readJson<AttemptResult>(path.join(latestDir, attemptFiles.result), asMissing) : undefined;
  const handle = latestDir ? readJson<JobHandle>(path.join(latestDir, attemptFiles.handle), asMissing) : undefined;
  const started = latestDir ? readJson<{ at: string }>(path.join(latestDir, attemptFiles.started), asMissing) : undefined;
  const terminal = ["succeeded", "failed", "timeout", "interrupted", "lost", "skipped"].includes(summary.status);
  const detailError = summary.lastEvent?.detail?.error;

  const columns: Record<string, unknown> = {
    id: plan.id,
    experiment: plan.experiment,
    stage: plan.stage,
    kind: plan.kind,
    params: JSON.stringify(plan.params),
    seed: plan.seed,
    upstream: JSON.stringify(plan.upstream),
    status: summary.status,
    attempt: summary.attempt,
    failures: summary.failures,
    backend: handle?.backend ?? (summary.attempt > 0 ? backend : null),
    job_ref: handle?.jobRef ?? null,
    queued_at: summary.queuedAt,
    started_at: started?.at ?? null,
    finished_at: terminal ? (result?.finishedAt ?? summary.lastEvent?.at ?? null) : null,
    wall_seconds: terminal && result ? result.wallSeconds : null,
    exit_code: terminal && result ? result.exitCode : null,
    error: summary.status === "succeeded" ? null : typeof detailError === "string" ? detailError : terminal ? (result?.error ?? null) : null,
    stdout_tail: result?.stdoutTail ?? null,
    stderr_tail: result?.stderrTail ?? null,
    run_dir: paths.runDir,
  };
  for (const [column, value] of Object.entries(plan.sweep)) columns[column] = columnValue(value, columnTypes.get(column) ?? "VARCHAR");
  batch.add("runs", "REPLACE", ["id"], columns as Record<string, string | number | boolean | null>);

  for (const [seq, event] of events.entries()) {
    batch.add("run_events", "IGNORE", ["run_id", "seq"], {
      run_id: plan.id,
      seq,
      happened_at: event.at,
      attempt: event.attempt,
      event: event.event,
      detail: event.detail ? JSON.stringify(event.detail) : null,
    });
  }

  if (result && latest !== undefined) {
    batch.deleteWhere("artifacts", "run_id", plan.id);
    for (const artifact of result.artifacts) {
      batch.add("artifacts", "REPLACE", ["run_id", "path"], {
        run_id: plan.id,
        path: artifact.path,
        attempt: latest,
        sha256: artifact.sha256,
        bytes: artifact.bytes,
        kind: artifact.kind,
      });
    }
  }

  const metricsByAttempt = attempts.map((attempt) => {
    const metricsFile = path.join(paths.attemptDir(attempt), attemptFiles.metrics);
    return existsSync(metricsFile) ? readJsonl<MetricsLine>(metricsFile, { onCorrupt, action: "skipped those metrics" }) : [];
  });
  const provenance = runProvenance(metricsByAttempt.flat());
  for (const [index, attempt] of attempts.entries()) {
    // Cluster accounting (GPU-/CPU-hours) written by the backend; one line per kind, replaced if the backend refines it.
    for (const cost of readJsonl<CostLine>(path.join(paths.attemptDir(attempt), attemptFiles.accounting), { onCorrupt, action: "skipped that cost line" })) {
      const usd = cost.usd ?? (cost.unit_price !== null ? cost.unit_price * cost.quantity : null);
      batch.add("cost_ledger", "REPLACE", ["id"], ledgerRow(`${plan.id}:${attempt}:accounting:${cost.kind}`, plan, attempt, cost, usd, provenance));
    }
    for (const metrics of metricsByAttempt[index]) {
      for (const [name, value] of Object.entries(metrics.values)) {
        batch.add("run_metrics", "IGNORE", ["run_id", "attempt", "line", "name"], {
          run_id: plan.id,
          attempt,
          line: metrics.line,
          name,
          value,
          step: metrics.step,
          provenance: metrics.provenance ?? null,
        });
      }
      for (const [index, cost] of metrics.cost.entries()) {
        const usd = cost.usd ?? (cost.unit_price !== null ? cost.unit_price * cost.quantity : null);
        // A keyed line is a running total: attempts are read in order, so the newest one's total stands.
        const keyed = cost.key !== undefined;
        const id = keyed ? `${plan.id}:total:${cost.key}` : `${plan.id}:${attempt}:${metrics.line}:${index}`;
        batch.add("cost_ledger", keyed ? "REPLACE" : "IGNORE", ["id"], ledgerRow(id, plan, attempt, cost, usd, provenance));
      }
    }
  }

  const handler = stageHandler(plan.kind);
  if (!handler?.ingest || summary.status !== "succeeded" || latest === undefined) return null;
  const ingestStage = handler.ingest;
  return (connection) => ingestStage(connection, { plan, outDir: paths.outDir, attemptDir: paths.attemptDir(latest) });
}

/**
 * A run's provenance as its metrics lines state it: one stand-in line makes the whole run stand-in
 * (its spend paid for stand-in output), else `real` if any line said so, else unknown (null).
 */
function runProvenance(lines: readonly MetricsLine[]): Provenance | null {
  if (lines.some((line) => line.provenance === "stand-in")) return "stand-in";
  return lines.some((line) => line.provenance === "real") ? "real" : null;
}

function ledgerRow(
  id: string,
  plan: PlannedRun,
  attempt: number,
  cost: CostLine,
  usd: number | null,
  provenance: Provenance | null,
): Record<string, string | number | null> {
  return {
    id,
    run_id: plan.id,
    experiment: plan.experiment,
    attempt,
    kind: cost.kind,
    quantity: cost.quantity,
    unit: cost.unit,
    unit_price: cost.unit_price,
    usd,
    source: cost.source,
    provenance,
  };
}

/**
 * One transaction for the batch. If it fails, each run gets its own; a run whose stage records
 * cannot be loaded (a damaged record file) is ingested from its journal alone, the rows its
 * records gave earlier stay as they were, and the damage is reported with the output folder.
 */
export async function ingestRuns(
  connection: DuckDBConnection,
  runs: RunOnDisk[],
  backend: string,
  onCorrupt: CorruptionSink = reportCorruptionToStderr,
): Promise<void> {
  if (runs.length === 0) return;
  const inTransaction = async (work: () => Promise<void>) => {
    await connection.run("BEGIN TRANSACTION");
    try {
      await work();
      await connection.run("COMMIT");
    } catch (error) {
      await connection.run("ROLLBACK");
      throw error;
    }
  };
  let types = new Map<string, string>();
  try {
    await inTransaction(async () => {
      types = await ensureSweepColumns(
        connection,
        runs.map((r) => r.plan),
      );
      // Every run's journal rows in one batch, then the stages' record files, run by run.
      const batch = new RowBatch();
      const stageRecords = runs.map((run) => collectRun(run, backend, types, onCorrupt, batch));
      await batch.write(connection);
      for (const load of stageRecords) await load?.(connection);
    });
    return;
  } catch (error) {
    if (runs.length === 1 && !stageHandler(runs[0].plan.kind)?.ingest) throw error;
  }
  await inTransaction(async () => {
    types = await ensureSweepColumns(
      connection,
      runs.map((r) => r.plan),
    );
  });
  for (const run of runs) {
    try {
      await inTransaction(() => ingestRun(connection, run, backend, types, onCorrupt));
    } catch (error) {
      await inTransaction(() => ingestRun(connection, run, backend, types, onCorrupt, false));
      onCorrupt({
        file: path.join(run.paths.outDir, "records"),
        problem: `the stage's records could not be loaded (${(error as Error).message.split("\n")[0]})`,
        action: "kept the rows already in the store for this run; the journal's rows were updated",
      });
    }
  }
}
