import { readFileSync } from "node:fs";
import { patchRecall } from "@sera/generation";
import { UsageError } from "../errors.js";

function readPatch(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`${file}: cannot read patch (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/** `sera verify <patch1> <patch2>`: soft verification of P2 against P1 (line recall). */
export async function verifyCommand(args: { patch1: string; patch2: string; threshold: number; mode: "header-aware" | "legacy"; json?: boolean }): Promise<number> {
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
