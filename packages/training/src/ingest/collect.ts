import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Prediction } from "@sera/core";
import { ForeignInputError, parseForeignFile, type ForeignFormat, type ForeignTrajectory } from "./detect.js";

/**
 * Everything under one path, parsed before anything is written: a bad file stops the ingest with
 * nothing recorded. The batch id hashes the parsed files' relative paths and bytes, so ingesting
 * the same files again (from anywhere) lands on the same rows.
 */

export interface ForeignItem<T> {
  value: T;
  file: string;
  format: ForeignFormat;
}

export interface ForeignBatch {
  id: string;
  /** The path given, resolved. */
  root: string;
  files: { file: string; format: ForeignFormat }[];
  /** Well-formed JSON files of no known shape, seen while walking a directory. */
  skipped: string[];
  trajectories: ForeignItem<ForeignTrajectory>[];
  predictions: ForeignItem<Prediction>[];
}

/** Files a walk looks at; the shape then decides. */
const candidateName = /\.(traj|pred|json|jsonl)$/;

function walk(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...walk(full));
    else if (entry.isFile() && candidateName.test(entry.name)) found.push(full);
  }
  return found;
}

export function collectForeign(input: string): ForeignBatch {
  const root = path.resolve(input);
  if (!existsSync(root)) throw new ForeignInputError(input, "no such file or directory");
  const isDirectory = statSync(root).isDirectory();
  const files = isDirectory ? walk(root) : [root];
  const batch: ForeignBatch = { id: "", root, files: [], skipped: [], trajectories: [], predictions: [] };
  const hash = createHash("sha256");
  for (const file of files) {
    const parsed = parseForeignFile(file);
    const relative = isDirectory ? path.relative(root, file) : path.basename(file);
    if (parsed === null) {
      if (!isDirectory)
        throw new ForeignInputError(file, "not a known trajectory format (SWE-agent .traj, mini-swe-agent .traj.json, predictions, or SFT JSONL)");
      batch.skipped.push(relative);
      continue;
    }
    hash.update(relative).update("\u0000").update(readFileSync(file)).update("\u0000");
    batch.files.push({ file, format: parsed.format });
    for (const value of parsed.trajectories) batch.trajectories.push({ value, file, format: parsed.format });
    for (const value of parsed.predictions) batch.predictions.push({ value, file, format: parsed.format });
  }
  if (batch.files.length === 0) {
    throw new ForeignInputError(input, "holds no trajectory or prediction file (SWE-agent .traj, mini-swe-agent .traj.json, predictions, or SFT JSONL)");
  }
  batch.id = `ingest-${hash.digest("hex").slice(0, 12)}`;
  return batch;
}
