import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseOrThrow } from "./content.js";

/** One SWE-bench prediction: which patch a run proposed for an instance. */
export interface Prediction {
  instanceId: string;
  modelName: string;
  /** Unified diff; "" when the run produced none (null in the file). */
  patch: string;
}

const predictionSchema = z.object({
  instance_id: z.string(),
  model_name_or_path: z.string().nullish(),
  model_patch: z.string().nullish(),
});

function toPrediction(record: z.infer<typeof predictionSchema>): Prediction {
  return { instanceId: record.instance_id, modelName: record.model_name_or_path ?? "", patch: record.model_patch ?? "" };
}

/**
 * Predictions in any container the tools write: a single `.pred` object, `preds.json` (an object
 * keyed by instance id), a JSON list, or JSONL (`all_preds.jsonl`). Duplicate ids are an error, as
 * in SWE-agent's own merge, because silently keeping one would hide a stale prediction.
 */
export function parsePredictions(text: string, what = "predictions"): Prediction[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  let records: z.infer<typeof predictionSchema>[];
  let whole: unknown;
  let isWholeJson = true;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    isWholeJson = false;
  }
  if (isWholeJson && Array.isArray(whole)) {
    records = whole.map((item, index) => parseOrThrow(predictionSchema, item, `${what}[${index}]`));
  } else if (isWholeJson && whole !== null && typeof whole === "object" && "instance_id" in whole) {
    records = [parseOrThrow(predictionSchema, whole, what)];
  } else if (isWholeJson && whole !== null && typeof whole === "object") {
    records = Object.entries(whole as Record<string, unknown>).map(([key, value]) => {
      const record = parseOrThrow(predictionSchema, value, `${what}["${key}"]`);
      if (record.instance_id !== key) throw new Error(`${what}: key ${key} holds a prediction for ${record.instance_id}`);
      return record;
    });
  } else {
    records = trimmed
      .split("\n")
      .map((line, index) => ({ line: line.trim(), index }))
      .filter(({ line }) => line !== "")
      .map(({ line, index }) => parseOrThrow(predictionSchema, JSON.parse(line), `${what} line ${index + 1}`));
  }
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.instance_id)) throw new Error(`${what}: duplicate prediction for ${record.instance_id}`);
    seen.add(record.instance_id);
  }
  return records.map(toPrediction);
}

export function readPredictionsFile(file: string): Prediction[] {
  return parsePredictions(readFileSync(file, "utf8"), file);
}
