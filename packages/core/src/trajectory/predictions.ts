import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * SWE-bench predictions, the one definition evaluation writes and reads and the foreign-trajectory
 * ingest reads: `{instance_id, model_name_or_path, model_patch}` per instance, as JSONL
 * (`all_preds.jsonl`), a JSON list, a single `.pred` object, or an object keyed by instance id
 * (`preds.json`). A null patch is kept as "" (the harness counts it as empty, not as an error);
 * a repeated id is an error, because silently keeping one would hide a stale prediction.
 */
export const predictionSchema = z
  .object({
    instance_id: z.string().min(1),
    model_name_or_path: z.string(),
    model_patch: z.string().nullable(),
  })
  .loose();

export interface Prediction {
  instance_id: string;
  model_name_or_path: string;
  /** Unified diff; "" when the run produced none (null in the file). */
  model_patch: string;
}

/** The JSONL line the harness reads, with the fields in the harness's order. */
export function predictionLine(prediction: Prediction): string {
  return JSON.stringify({ instance_id: prediction.instance_id, model_name_or_path: prediction.model_name_or_path, model_patch: prediction.model_patch });
}

function normalise(value: unknown, where: string): Prediction {
  const parsed = predictionSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues[0].path.join(".") || "record"}: ${parsed.error.issues[0].message}`);
  return { instance_id: parsed.data.instance_id, model_name_or_path: parsed.data.model_name_or_path, model_patch: parsed.data.model_patch ?? "" };
}

/** `text` in any of the containers above; `where` names it in errors (a file, or "predictions"). */
export function parsePredictions(text: string, where = "predictions"): Prediction[] {
  if (text.trim() === "") return [];
  let whole: unknown;
  let isWholeJson = true;
  try {
    whole = JSON.parse(text);
  } catch {
    isWholeJson = false;
  }
  let records: Prediction[];
  if (isWholeJson && Array.isArray(whole)) records = whole.map((value, i) => normalise(value, `${where}[${i}]`));
  else if (isWholeJson && whole !== null && typeof whole === "object") {
    const object = whole as Record<string, unknown>;
    records =
      "instance_id" in object
        ? [normalise(object, where)]
        : Object.entries(object).map(([key, value]) => {
            const record = normalise(value, `${where}: ${key}`);
            if (record.instance_id !== key) throw new Error(`${where}: key ${key} holds a prediction for ${record.instance_id}`);
            return record;
          });
  } else {
    records = [];
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`${where}:${i + 1}: not JSON (predictions are JSONL, a JSON list, or an object keyed by instance id)`);
      }
      records.push(normalise(value, `${where}:${i + 1}`));
    });
  }
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.instance_id)) throw new Error(`${where}: instance ${record.instance_id} is predicted twice`);
    seen.add(record.instance_id);
  }
  return records;
}

export function readPredictions(file: string): Prediction[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`predictions: ${file} does not exist`);
    throw error;
  }
  return parsePredictions(text, file);
}
