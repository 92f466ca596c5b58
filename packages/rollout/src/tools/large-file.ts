import fs from "node:fs";

/**
 * Reading files of the copy from the host without ever holding a whole large
 * file in memory: an agent can write a 1 GB file in one command, and the
 * editor runs in the worker process that serves every other rollout.
 */

/** Files up to this size are read whole (viewed with a line count, and editable). */
export const WHOLE_FILE_BYTES = 4 * 1024 * 1024;
/** A window into a larger file is only looked for in its first this many bytes. */
export const WINDOW_SCAN_BYTES = 64 * 1024 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** The first `maxBytes` bytes of a file (fewer if it is shorter). */
export function readHead(hostPath: string, maxBytes: number): Buffer {
  const fd = fs.openSync(hostPath, "r");
  try {
    const buffer = Buffer.alloc(maxBytes);
    const read = fs.readSync(fd, buffer, 0, maxBytes, 0);
    return buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

export interface LineWindow {
  /** Lines first.. (1-based), without terminators; the last one may be cut at the byte budget. */
  lines: string[];
  first: number;
  /** true when the scan stopped at WINDOW_SCAN_BYTES before reaching line `first`. */
  beyondScan: boolean;
  /** true when the file ended before line `last` (or before line `first`). */
  reachedEnd: boolean;
  /** Lines seen in total, when the file ended within the scan; otherwise undefined. */
  totalLines?: number;
}

/**
 * Lines `first`..`last` (`last` -1: as far as the budget goes) of a file, read
 * in chunks and kept only while inside the window, so memory stays at about
 * one chunk plus `maxBytes` whatever the file's size or line lengths. Each
 * kept line also costs `lineOverhead` bytes of the budget (a caller's line
 * numbering), so the shown text fits the budget it was given.
 */
export function readLineWindow(
  hostPath: string,
  first: number,
  last: number,
  maxBytes: number,
  options: { lineOverhead?: number; scanBytes?: number } = {},
): LineWindow {
  const lineOverhead = options.lineOverhead ?? 1;
  const scanBytes = options.scanBytes ?? WINDOW_SCAN_BYTES;
  const fd = fs.openSync(hostPath, "r");
  const chunk = Buffer.alloc(CHUNK_BYTES);
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let current: Buffer[] = [];
  let lineNumber = 1;
  let position = 0;
  let endsWithNewline = true;
  const wanted = (line: number) => line >= first && (last === -1 || line <= last);
  const budgetSpent = () => (last !== -1 && lineNumber > last) || keptBytes >= maxBytes;
  const keep = (piece: Buffer) => {
    const room = Math.max(0, maxBytes - keptBytes);
    current.push(Buffer.from(piece.subarray(0, room)));
    keptBytes += Math.min(room, piece.length);
  };
  const closeLine = () => {
    kept.push(Buffer.concat(current));
    current = [];
  };
  try {
    for (;;) {
      if (lineNumber < first && position >= scanBytes) return { lines: [], first, beyondScan: true, reachedEnd: false };
      const read = fs.readSync(fd, chunk, 0, CHUNK_BYTES, position);
      if (read === 0) {
        if (current.length > 0) closeLine();
        const totalLines = position === 0 ? 0 : lineNumber - (endsWithNewline ? 1 : 0);
        return { lines: decode(kept), first, beyondScan: false, reachedEnd: true, totalLines };
      }
      position += read;
      endsWithNewline = chunk[read - 1] === NEWLINE;
      let start = 0;
      while (start < read) {
        const found = chunk.indexOf(NEWLINE, start);
        const stop = found === -1 || found >= read ? read : found;
        if (wanted(lineNumber)) keep(chunk.subarray(start, stop));
        if (stop === read) break;
        if (wanted(lineNumber)) {
          keptBytes += lineOverhead;
          closeLine();
        }
        lineNumber += 1;
        start = stop + 1;
        if (budgetSpent()) return { lines: decode(kept), first, beyondScan: false, reachedEnd: false };
      }
      // One line longer than the whole budget: show its beginning and stop.
      if (keptBytes >= maxBytes) {
        closeLine();
        return { lines: decode(kept), first, beyondScan: false, reachedEnd: false };
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

function decode(lines: Buffer[]): string[] {
  return lines.map((line) => line.toString("utf8"));
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024 * 1024)).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
