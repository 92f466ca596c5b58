import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";

/**
 * SWE-bench predictions (formats.md): one record `{instance_id, model_name_or_path, model_patch}`
 * per instance, as JSONL, a JSON list, or an object keyed by instance id (preds.json). A null
 * patch is kept as "" (the harness counts it as an empty patch, not an error); duplicate ids are
 * an error, as in the harness.
 */

export const predictionSchema = z
  .object({
    instance_id: z.string().min(1),
    model_name_or_path: z.string().min(1),
    model_patch: z.string().nullable(),
  })
  .loose();

export interface Prediction {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string;
}

export function predictionLine(prediction: Prediction): string {
  return JSON.stringify({ instance_id: prediction.instance_id, model_name_or_path: prediction.model_name_or_path, model_patch: prediction.model_patch });
}

function normalise(value: unknown, where: string): Prediction {
  const parsed = predictionSchema.safeParse(value);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues[0].path.join(".") || "record"}: ${parsed.error.issues[0].message}`);
  return { instance_id: parsed.data.instance_id, model_name_or_path: parsed.data.model_name_or_path, model_patch: parsed.data.model_patch ?? "" };
}

export function readPredictions(file: string): Prediction[] {
  if (!existsSync(file)) throw new Error(`predictions: ${file} does not exist`);
  const text = readFileSync(file, "utf8");
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    whole = undefined;
  }
  let records: Prediction[];
  if (Array.isArray(whole)) records = whole.map((value, i) => normalise(value, `${file}[${i}]`));
  else if (whole !== null && typeof whole === "object") {
    const object = whole as Record<string, unknown>;
    records = "instance_id" in object ? [normalise(object, file)] : Object.entries(object).map(([id, value]) => normalise(value, `${file}: ${id}`));
  } else {
    records = [];
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`${file}:${i + 1}: not JSON (predictions are JSONL, a JSON list, or an object keyed by instance id)`);
      }
      records.push(normalise(value, `${file}:${i + 1}`));
    });
  }
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.instance_id)) throw new Error(`${file}: instance ${record.instance_id} is predicted twice`);
    seen.add(record.instance_id);
  }
  return records;
}
