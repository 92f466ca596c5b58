import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * What a run is, read from its output folder: the spine keeps each run's plan in run.json beside
 * `out/`. Stages get their upstream runs' kind and params from the stage context (JobContext.upstream);
 * this reader is for a run's output folder named by path alone (evaluation's `tasks.generationDir`,
 * a dataset's `from`), so no stage reads the journal's files by hand.
 */

const runPlanSchema = z
  .object({
    id: z.string(),
    experiment: z.string(),
    stage: z.string(),
    kind: z.string(),
    params: z.record(z.string(), z.unknown()),
  })
  .loose();

export type RunPlanOfOutput = z.infer<typeof runPlanSchema>;

/** The plan of the run whose output folder is `outDir`; null when the folder is not a run's `out/` (or its plan is unreadable). */
export function readRunPlanOfOutput(outDir: string): RunPlanOfOutput | null {
  const file = path.join(path.dirname(path.resolve(outDir)), "run.json");
  if (!existsSync(file)) return null;
  try {
    const parsed = runPlanSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
