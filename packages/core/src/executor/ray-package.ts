import { createHash } from "node:crypto";
import { lstatSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import type { RayJobsClient } from "./ray-client.js";

/**
 * Ship a local directory to a Ray cluster as a job's working_dir: zip it (files stored relative to
 * the directory, as Ray's own packager does), name it by content hash, and PUT it through the
 * dashboard's package API unless the cluster already has it. The zip is deterministic (sorted
 * entries, fixed timestamps), so an unchanged directory is uploaded once.
 */

export const defaultPackageExcludes = [".git", "node_modules", ".sera", "__pycache__", ".venv"];

interface ZipEntry {
  name: string;
  data: Buffer;
  mode: number;
}

function collectEntries(root: string, excludes: Set<string>): ZipEntry[] {
  const entries: ZipEntry[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (excludes.has(name)) continue;
      const full = path.join(dir, name);
      const stat = lstatSync(full);
      // Links are skipped: they may point outside the directory and cannot be unpacked portably.
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile()) entries.push({ name: path.relative(root, full).split(path.sep).join("/"), data: readFileSync(full), mode: stat.mode & 0o777 });
    }
  };
  walk(root);
  return entries;
}

/** 1980-01-01 00:00 in MS-DOS date/time, the earliest a zip can say: keeps the bytes reproducible. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export function zipDirectory(root: string, excludes: string[] = defaultPackageExcludes): Buffer {
  const entries = collectEntries(root, new Set(excludes));
  if (entries.length > 0xffff) throw new Error(`${root}: ${entries.length} files is more than a zip without zip64 holds`);
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const deflated = deflateRawSync(entry.data);
    const stored = deflated.length >= entry.data.length;
    const body = stored ? entry.data : deflated;
    const crc = crc32(entry.data);
    if (offset + body.length > 0xffffffff) throw new Error(`${root}: larger than 4 GiB, too big to upload as a working_dir`);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt16LE(0x0800, 6); // names are UTF-8
    header.writeUInt16LE(stored ? 0 : 8, 8);
    header.writeUInt16LE(DOS_TIME, 10);
    header.writeUInt16LE(DOS_DATE, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(body.length, 18);
    header.writeUInt32LE(entry.data.length, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(0, 28);
    local.push(header, name, body);

    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode bits below are read
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(0x0800, 8);
    record.writeUInt16LE(stored ? 0 : 8, 10);
    record.writeUInt16LE(DOS_TIME, 12);
    record.writeUInt16LE(DOS_DATE, 14);
    record.writeUInt32LE(crc, 16);
    record.writeUInt32LE(body.length, 20);
    record.writeUInt32LE(entry.data.length, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(((0o100000 | entry.mode) << 16) >>> 0, 38);
    record.writeUInt32LE(offset, 42);
    central.push(record, name);
    offset += header.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, directory, end]);
}

/** The content-addressed URI Ray expects for an uploaded working_dir. */
export function packageUri(zip: Buffer): string {
  return `gcs://_ray_pkg_${createHash("sha256").update(zip).digest("hex").slice(0, 16)}.zip`;
}

/** Upload `dir` unless the cluster already holds the same bytes; returns the URI for runtime_env.working_dir. */
export async function uploadWorkingDir(client: RayJobsClient, dir: string, excludes?: string[]): Promise<string> {
  const zip = zipDirectory(dir, excludes);
  const uri = packageUri(zip);
  if (!(await client.packageExists(uri))) await client.uploadPackage(uri, zip);
  return uri;
}
