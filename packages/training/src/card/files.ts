import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { DatasetCard } from "./card.js";

/**
 * The shard files of a finished dataset run, in order, read from its card: what a training stage
 * downstream of `sera-dataset` should feed its trainer. `subset` is "all" or a nested subset size.
 */
export function datasetFiles(outDir: string, subset: "all" | number = "all", format: "jsonl" | "parquet" = "jsonl"): string[] {
  const cardFile = path.join(outDir, "card.json");
  if (!existsSync(cardFile)) throw new Error(`${outDir}: no card.json; is this the output of a sera-dataset run?`);
  const card = JSON.parse(readFileSync(cardFile, "utf8")) as DatasetCard;
  const name = subset === "all" ? "all" : `subset-${subset}`;
  const files = card.files.filter((file) => file.subset === name && file.format === format).map((file) => path.join(outDir, file.path));
  if (files.length === 0) {
    const known = [...new Set(card.files.map((file) => file.subset))].join(", ");
    throw new Error(`${outDir}: the dataset has no ${name} ${format} files (it has: ${known})`);
  }
  return files;
}
