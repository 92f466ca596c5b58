import { closeSync, createReadStream, createWriteStream, openSync, readSync, renameSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { pipeline } from "node:stream/promises";

/**
 * Just enough of the safetensors format to rename tensors without loading them: an 8-byte
 * little-endian header length, a JSON header (tensor name → dtype, shape, byte offsets into the
 * data section, plus optional `__metadata__`), then the raw data. Renaming rewrites the header
 * and streams the data section across unchanged, so a 60 GB checkpoint costs one sequential copy.
 */

export interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string> | null;
  tensors: Record<string, TensorEntry>;
  /** Byte offset where the data section starts. */
  dataStart: number;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openSync(file, "r");
  try {
    const prefix = Buffer.alloc(8);
    if (readSync(fd, prefix, 0, 8, 0) !== 8) throw new Error(`${file}: too short for a safetensors file`);
    const length = Number(prefix.readBigUInt64LE(0));
    if (length <= 0 || length > MAX_HEADER_BYTES) throw new Error(`${file}: implausible safetensors header length ${length}`);
    const header = Buffer.alloc(length);
    if (readSync(fd, header, 0, length, 8) !== length) throw new Error(`${file}: truncated safetensors header`);
    const parsed = JSON.parse(header.toString("utf8")) as Record<string, unknown>;
    const { __metadata__: metadata, ...tensors } = parsed;
    return { metadata: (metadata as Record<string, string> | undefined) ?? null, tensors: tensors as Record<string, TensorEntry>, dataStart: 8 + length };
  } finally {
    closeSync(fd);
  }
}

/** Header bytes for the given entries, padded with spaces so the data section stays 8-byte aligned. */
export function encodeSafetensorsHeader(tensors: Record<string, TensorEntry>, metadata: Record<string, string> | null): Buffer {
  const body: Record<string, unknown> = metadata ? { __metadata__: metadata, ...tensors } : { ...tensors };
  let json = Buffer.from(JSON.stringify(body), "utf8");
  const padding = (8 - (json.length % 8)) % 8;
  if (padding) json = Buffer.concat([json, Buffer.alloc(padding, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([prefix, json]);
}

/** Write a small safetensors file from named byte buffers (used by the CPU stand-in trainer and tests). */
export function writeSafetensors(
  file: string,
  tensors: Record<string, { dtype: string; shape: number[]; data: Buffer }>,
  metadata: Record<string, string> | null = { format: "pt" },
): void {
  const entries: Record<string, TensorEntry> = {};
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    entries[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.length] };
    offset += tensor.data.length;
  }
  writeFileSync(file, Buffer.concat([encodeSafetensorsHeader(entries, metadata), ...Object.values(tensors).map((t) => t.data)]));
}

/**
 * Copy `source` to `target` with every tensor renamed by `rename`; the data bytes are untouched.
 * Throws if two tensors would end up with the same name. Returns how many names changed.
 */
export async function renameSafetensors(source: string, target: string, rename: (name: string) => string): Promise<number> {
  const header = readSafetensorsHeader(source);
  const renamed: Record<string, TensorEntry> = {};
  let changed = 0;
  for (const [name, entry] of Object.entries(header.tensors)) {
    const next = rename(name);
    if (next in renamed) throw new Error(`${source}: tensors ${JSON.stringify(name)} and another both become ${JSON.stringify(next)}`);
    if (next !== name) changed++;
    renamed[next] = entry;
  }
  const temporary = `${target}.${process.pid}.tmp`;
  const out = createWriteStream(temporary);
  if (!out.write(encodeSafetensorsHeader(renamed, header.metadata))) await once(out, "drain");
  await pipeline(createReadStream(source, { start: header.dataStart }), out);
  renameSync(temporary, target);
  return changed;
}
