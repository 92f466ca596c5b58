import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { CardFile } from "../card/card.js";
import { sqlString, typedReadJson } from "@sera/core";

/**
 * Samples are spooled to one file as they are made (a 25k-sample dataset is gigabytes of text), and
 * the shards are then cut from the spool in whatever order each output needs: the full dataset by
 * truncation ratio, each nested subset in its seeded order.
 */

export interface SpooledLine {
  offset: number;
  length: number;
}

export class Spool {
  readonly file: string;
  private readonly fd: number;
  private size = 0;

  constructor(file: string) {
    this.file = file;
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, "w+");
  }

  append(line: string): SpooledLine {
    const bytes = Buffer.from(line + "\n");
    writeSync(this.fd, bytes, 0, bytes.length, this.size);
    const spooled = { offset: this.size, length: bytes.length };
    this.size += bytes.length;
    return spooled;
  }

  read(line: SpooledLine): Buffer {
    const buffer = Buffer.allocUnsafe(line.length);
    readSync(this.fd, buffer, 0, line.length, line.offset);
    return buffer;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Column types of an SFT line, so the Parquet schema does not depend on what a sample happens to hold. */
function sftColumns(train: boolean, toolJson: boolean): Record<string, string> {
  return {
    messages: train ? "STRUCT(role VARCHAR, content VARCHAR, train BOOLEAN)[]" : "STRUCT(role VARCHAR, content VARCHAR)[]",
    instance_id: "VARCHAR",
    ...(toolJson ? { tool_json: "JSON" } : {}),
  };
}

function fileEntry(outDir: string, file: string, subset: string, format: CardFile["format"], rows: number): CardFile {
  const bytes = readFileSync(file);
  return { path: path.relative(outDir, file), subset, format, rows, bytes: statSync(file).size, sha256: createHash("sha256").update(bytes).digest("hex") };
}

export interface ShardOptions {
  outDir: string;
  shardSize: number;
  train: boolean;
  toolJson: boolean;
}

/** `data/<name>-00000-of-0000N.jsonl` and `.parquet` (Parquet through DuckDB, same rows, same order). */
export async function writeShards(
  spool: Spool,
  lines: readonly SpooledLine[],
  name: string,
  options: ShardOptions,
  connection: DuckDBConnection,
): Promise<CardFile[]> {
  const dataDir = path.join(options.outDir, "data");
  mkdirSync(dataDir, { recursive: true });
  const shards = Math.max(1, Math.ceil(lines.length / options.shardSize));
  const files: CardFile[] = [];
  const pad = (n: number) => String(n).padStart(5, "0");
  for (let shard = 0; shard < shards; shard++) {
    const slice = lines.slice(shard * options.shardSize, (shard + 1) * options.shardSize);
    const base = path.join(dataDir, `${name}-${pad(shard)}-of-${pad(shards)}`);
    const fd = openSync(`${base}.jsonl`, "w");
    try {
      for (const line of slice) writeSync(fd, spool.read(line));
    } finally {
      closeSync(fd);
    }
    await connection.run(
      `COPY (SELECT * FROM ${typedReadJson(`${base}.jsonl`, sftColumns(options.train, options.toolJson))}) TO ${sqlString(`${base}.parquet`)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    files.push(fileEntry(options.outDir, `${base}.jsonl`, name, "jsonl", slice.length));
    files.push(fileEntry(options.outDir, `${base}.parquet`, name, "parquet", slice.length));
  }
  return files;
}
