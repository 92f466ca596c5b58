import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { foreignTrajectoriesTable, ingestsTable } from "../records/tables.js";
import {
  appendPartialRecordRows,
  appendRecordRows,
  instancesTable,
  loadRecordFile,
  patchesTable,
  pickColumns,
  rolloutsTable,
  type Provenance,
  type RecordTable,
  type TableRow,
} from "@sera/core";
import type { ForeignBatch } from "./collect.js";
import { foreignProvenance } from "./detect.js";
import { patchStatistics } from "@sera/rollout";

/**
 * A foreign batch becomes a directory laid out like a generation run's output (trajectory files
 * plus `records/*.jsonl`), so a dataset can be built from it exactly as from generated data, and
 * its rows go into the same tables: `rollouts` and `patches` (phase `foreign`, or `prediction` for
 * a patch that came without a conversation) and `instances`, under run_id = the batch id.
 */

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The columns of generation's tables that foreign rows fill (typed by generation's definitions); the rest stay null. */
const foreignColumns = {
  instances: ["run_id", "instance_id", "repo", "status", "last_step", "provenance"],
  rollouts: ["run_id", "instance_id", "phase", "rollout_attempt", "exit_status", "steps", "trajectory_path", "provenance"],
  patches: ["run_id", "instance_id", "phase", "rollout_attempt", "patch", "sha256", "files_changed", "lines_added", "lines_removed"],
} as const;

/** A foreign row of one of generation's tables: the columns ingest fills. */
type ForeignRow<T, Columns extends readonly (keyof TableRow<T>)[]> = Pick<TableRow<T>, Columns[number]>;

const loadOrder: { table: RecordTable; columns: Record<string, string> }[] = [
  { table: instancesTable, columns: pickColumns(instancesTable, foreignColumns.instances) },
  { table: rolloutsTable, columns: pickColumns(rolloutsTable, foreignColumns.rollouts) },
  { table: patchesTable, columns: pickColumns(patchesTable, foreignColumns.patches) },
  { table: foreignTrajectoriesTable, columns: foreignTrajectoriesTable.columns },
  { table: ingestsTable, columns: ingestsTable.columns },
];

/** The patch-size columns of a `patches` row, counted as generation counts its own patches. */
function patchCounts(patch: string): { files_changed: number; lines_added: number; lines_removed: number } {
  const size = patchStatistics(patch);
  return { files_changed: size.filesChanged, lines_added: size.linesAdded, lines_removed: size.linesRemoved };
}

/** SWE-bench ids are `<owner>__<repo>-<number>`. */
function repoOf(instanceId: string): string | null {
  const match = /^(.+?)__(.+)-\d+$/.exec(instanceId);
  return match ? `${match[1]}/${match[2]}` : null;
}

/** A directory name for an instance id; a hash suffix keeps two ids apart when sanitising made them equal. */
function directoryName(instanceId: string): string {
  const safe = instanceId.replace(/[^A-Za-z0-9._-]/g, "_");
  return safe === instanceId && safe !== "" && !safe.startsWith(".") ? safe : `${safe.slice(0, 80)}-${sha256(instanceId).slice(0, 8)}`;
}

export interface ForeignSummary {
  id: string;
  dir: string;
  files: number;
  trajectories: number;
  predictions: number;
  messages: number;
  formats: string[];
  skipped: string[];
}

/** Write the batch's directory under `ingestRoot/<id>` (replacing an earlier copy whole). */
export function writeForeignBatch(batch: ForeignBatch, ingestRoot: string, ingestedAt: Date = new Date()): ForeignSummary {
  const dir = path.join(ingestRoot, batch.id);
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(path.join(staging, "records"), { recursive: true });
  const tables = {
    rollouts: [] as ForeignRow<typeof rolloutsTable, typeof foreignColumns.rollouts>[],
    patches: [] as ForeignRow<typeof patchesTable, typeof foreignColumns.patches>[],
    foreign_trajectories: [] as TableRow<typeof foreignTrajectoriesTable>[],
    ingests: [] as TableRow<typeof ingestsTable>[],
  };
  // An instance is stand-in when any record of it says so, real when one says real, else unknown (null).
  const instances = new Map<string, ForeignRow<typeof instancesTable, typeof foreignColumns.instances>>();
  const addInstance = (instanceId: string, provenance: Provenance | null) => {
    const row = instances.get(instanceId) ?? {
      run_id: batch.id,
      instance_id: instanceId,
      repo: repoOf(instanceId),
      status: "ingested",
      last_step: "ingested",
      provenance: null,
    };
    if (row.provenance !== "stand-in" && provenance !== null) row.provenance = provenance;
    instances.set(instanceId, row);
  };
  const attempts = new Map<string, number>();
  let messages = 0;
  for (const { value, file, format } of batch.trajectories) {
    const { trajectory, line, model, provenance, tools } = value;
    const attempt = (attempts.get(trajectory.instanceId) ?? 0) + 1;
    attempts.set(trajectory.instanceId, attempt);
    const relative = path.join("instances", directoryName(trajectory.instanceId), `foreign-${attempt}.traj.json`);
    mkdirSync(path.dirname(path.join(staging, relative)), { recursive: true });
    writeFileSync(
      path.join(staging, relative),
      JSON.stringify({
        instanceId: trajectory.instanceId,
        phase: "foreign",
        attempt,
        messages: trajectory.messages,
        exitStatus: trajectory.exitStatus,
        patch: trajectory.patch,
        steps: trajectory.steps,
        source: trajectory.source,
        provenance,
        ...(tools ? { tools } : {}),
      }),
    );
    addInstance(trajectory.instanceId, provenance);
    const key = { run_id: batch.id, instance_id: trajectory.instanceId, phase: "foreign" as const, rollout_attempt: attempt };
    messages += trajectory.messages.length;
    tables.rollouts.push({ ...key, exit_status: trajectory.exitStatus, steps: trajectory.steps, trajectory_path: path.join(dir, relative), provenance });
    tables.patches.push({ ...key, patch: trajectory.patch, sha256: sha256(trajectory.patch), ...patchCounts(trajectory.patch) });
    tables.foreign_trajectories.push({
      ...key,
      format,
      file,
      line,
      model,
      messages: trajectory.messages.length,
      assistant_turns: trajectory.messages.filter((message) => message.role === "assistant").length,
      tool_calls: trajectory.messages.reduce((sum, message) => sum + (message.toolCalls?.length ?? 0), 0),
      tool_messages: trajectory.messages.filter((message) => message.role === "tool").length,
      patch_chars: trajectory.patch.length,
    });
  }
  // The same prediction can sit in a per-instance .pred and in the merged preds.json: keep one per (instance, patch).
  const seenPredictions = new Set<string>();
  const predictionAttempts = new Map<string, number>();
  for (const { value } of batch.predictions) {
    const identity = `${value.instance_id}\u0000${sha256(value.model_patch)}`;
    if (seenPredictions.has(identity)) continue;
    seenPredictions.add(identity);
    const attempt = (predictionAttempts.get(value.instance_id) ?? 0) + 1;
    predictionAttempts.set(value.instance_id, attempt);
    // A prediction names its model (model_name_or_path), which by the same rule makes it real unless it says otherwise.
    addInstance(value.instance_id, foreignProvenance(value, value.model_name_or_path));
    tables.patches.push({
      run_id: batch.id,
      instance_id: value.instance_id,
      phase: "prediction",
      rollout_attempt: attempt,
      patch: value.model_patch,
      sha256: sha256(value.model_patch),
      ...patchCounts(value.model_patch),
    });
  }
  const formats = [...new Set(batch.files.map((entry) => entry.format))].sort();
  tables.ingests.push({
    id: batch.id,
    path: batch.root,
    dir,
    files: batch.files.length,
    trajectories: batch.trajectories.length,
    predictions: seenPredictions.size,
    formats,
    ingested_at: ingestedAt.toISOString(),
  });
  const recordsDir = path.join(staging, "records");
  appendPartialRecordRows(recordsDir, instancesTable, [...instances.values()], foreignColumns.instances);
  appendPartialRecordRows(recordsDir, rolloutsTable, tables.rollouts, foreignColumns.rollouts);
  appendPartialRecordRows(recordsDir, patchesTable, tables.patches, foreignColumns.patches);
  appendRecordRows(recordsDir, foreignTrajectoriesTable, tables.foreign_trajectories);
  appendRecordRows(recordsDir, ingestsTable, tables.ingests);
  writeFileSync(path.join(staging, "records", "files.json"), JSON.stringify({ skipped: batch.skipped, files: batch.files }, null, 2));
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return {
    id: batch.id,
    dir,
    files: batch.files.length,
    trajectories: batch.trajectories.length,
    predictions: seenPredictions.size,
    messages,
    formats,
    skipped: batch.skipped,
  };
}

/**
 * Replace everything recorded under the batch id with the directory's records, in one
 * transaction: ingesting the same files again leaves exactly the same rows.
 */
export async function loadForeignBatch(connection: DuckDBConnection, id: string, dir: string): Promise<void> {
  await connection.run("BEGIN TRANSACTION");
  try {
    for (const { table, columns } of loadOrder) {
      // The tables it fills may not exist yet: a store that never held a generation run, opened by a
      // process (sera proxy --record) that registered no generation stage. Their DDL is the contract's.
      await connection.run(table.ddl);
      await connection.run(`DELETE FROM ${table.name} WHERE ${table.name === "ingests" ? "id" : "run_id"} = ?`, [id]);
      await loadRecordFile(connection, path.join(dir, "records"), table, columns);
    }
    await connection.run("COMMIT");
  } catch (error) {
    await connection.run("ROLLBACK");
    throw error;
  }
}
