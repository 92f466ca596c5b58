import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { checkpointsTable, loadRecordFile, readJson, type TableRow } from "@sera/core";

/**
 * The `checkpoints` table (defined in @sera/core's data contract): one row per checkpoint a training
 * run left, written by the stage as records/checkpoints.jsonl and loaded with keyed INSERT OR REPLACE.
 */

export { checkpointsTable };

export type CheckpointRecord = TableRow<typeof checkpointsTable>;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

export interface FolderDigest {
  files: number;
  bytes: number;
  sha256: string | null;
}

/** sha256 over "relative path, size, sha256 of the file" lines in path order: equal iff the folders hold the same bytes. */
export async function folderDigest(dir: string, hashContents = true): Promise<FolderDigest> {
  const files = filesUnder(dir);
  const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  if (!hashContents) return { files: files.length, bytes, sha256: null };
  const manifest = createHash("sha256");
  for (const file of files) {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    manifest.update(`${path.relative(dir, file)}\t${statSync(file).size}\t${hash.digest("hex")}\n`);
  }
  return { files: files.length, bytes, sha256: manifest.digest("hex") };
}

export interface IntermediateCheckpoint {
  dir: string;
  step: number;
  epoch: number | null;
}

/** `checkpoint-<step>` folders in the trainer's output directory, oldest first. */
export function intermediateCheckpoints(outputDir: string): IntermediateCheckpoint[] {
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir, { withFileTypes: true })
    .map((entry) => ({ entry, match: /^checkpoint-(\d+)$/.exec(entry.name) }))
    .filter((x): x is { entry: (typeof x)["entry"]; match: RegExpExecArray } => x.entry.isDirectory() && x.match !== null)
    .map(({ entry, match }) => {
      const dir = path.join(outputDir, entry.name);
      const state = readJson<{ epoch?: number }>(path.join(dir, "trainer_state.json"));
      return { dir, step: Number(match[1]), epoch: typeof state?.epoch === "number" ? state.epoch : null };
    })
    .sort((a, b) => a.step - b.step);
}

export async function ingestCheckpointRecords(connection: DuckDBConnection, recordsDir: string): Promise<void> {
  await loadRecordFile(connection, recordsDir, checkpointsTable);
}
