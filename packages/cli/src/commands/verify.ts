import { closeSync, openSync, readSync } from "node:fs";
import { patchRecall } from "@sera/rollout";
import { UsageError } from "../errors.js";
import { defineCommand } from "../command.js";

/** A patch larger than this is refused rather than read on: `/dev/zero` or `yes |` would never end. */
export const MAX_PATCH_BYTES = 64 * 1024 * 1024;

/** Reads at most MAX_PATCH_BYTES, chunk by chunk, so an endless stream stops with an error instead of filling memory. */
function readPatch(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw new UsageError(`${file}: cannot read patch (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for (;;) {
      const chunk = Buffer.alloc(1024 * 1024);
      let read: number;
      try {
        read = readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          // A non-blocking pipe with nothing in it yet: wait a little rather than spin.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        throw new UsageError(`${file}: cannot read patch (${code ?? "error"})`);
      }
      if (read === 0) break;
      total += read;
      if (total > MAX_PATCH_BYTES)
        throw new UsageError(`${file}: more than ${MAX_PATCH_BYTES / 1024 / 1024} MiB without an end; a patch is expected, not a stream or a huge file`);
      chunks.push(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  checkUnifiedDiff(file, text);
  return text;
}

/**
 * An empty patch is a real answer (the agent changed nothing); anything else must look like a
 * unified diff (a `diff --git` header, `---`/`+++` file lines or an `@@` hunk), or the recall would be
 * a meaningless 0 for a file passed by mistake.
 */
function checkUnifiedDiff(file: string, text: string): void {
  if (text.trim() === "") return;
  if (text.includes("\0")) throw new UsageError(`${file}: not a unified diff (it holds binary data)`);
  const looksLikeDiff = /^diff --git /m.test(text) || /^--- .*\n\+\+\+ /m.test(text) || /^@@ -\d+(,\d+)? \+\d+(,\d+)? @@/m.test(text);
  if (!looksLikeDiff) throw new UsageError(`${file}: not a unified diff (no "diff --git", "--- / +++" or "@@" hunk header found)`);
}

/** `sera verify <patch1> <patch2>`: soft verification of P2 against P1 (line recall). */
export async function verifyCommand(args: {
  patch1: string;
  patch2: string;
  threshold: number;
  mode: "header-aware" | "legacy";
  json?: boolean;
}): Promise<number> {
  if (!(args.threshold >= 0 && args.threshold <= 1)) throw new UsageError(`--threshold: expected a number between 0 and 1, got ${args.threshold}`);
  const result = patchRecall(readPatch(args.patch1), readPatch(args.patch2), { threshold: args.threshold, mode: args.mode });
  if (args.json) {
    process.stdout.write(JSON.stringify({ ...result, threshold: args.threshold, mode: args.mode }) + "\n");
    return 0;
  }
  const recall = result.recall === null ? "n/a (P1 changes no countable line)" : result.recall.toFixed(4);
  process.stdout.write(
    `recall ${recall}  (${result.matched} of ${result.targetLines} P1 lines found in P2; P2 has ${result.candidateLines})\n` +
      `verdict ${result.verdict} at threshold ${args.threshold} (${args.mode})\n`,
  );
  return 0;
}

export const verifyCli = defineCommand(
  "verify <patch1> <patch2>",
  "soft verification: line-level recall of patch 2 against patch 1",
  (y) =>
    y
      .positional("patch1", { type: "string", demandOption: true })
      .positional("patch2", { type: "string", demandOption: true })
      .option("threshold", { type: "number", default: 0.5 })
      .option("mode", { choices: ["header-aware", "legacy"] as const, default: "header-aware" as const })
      .option("json", { type: "boolean" }),
  (a) => verifyCommand({ patch1: a.patch1, patch2: a.patch2, threshold: a.threshold, mode: a.mode, json: a.json }),
);
