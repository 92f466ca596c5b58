import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * Generation's per-instance output, as other packages may read it: `instances/<id>/state.json` (the
 * instance's state machine, which generation writes after every step through this schema) and the
 * patch files it names next to it. `readGenerationOutput` is the one reader; evaluation's held-out
 * tasks and any later consumer take typed instances from it instead of parsing the files themselves.
 */

export const generationInstanceSteps = ["rollout1", "self_check", "pr", "rollout2", "verify", "done", "failed"] as const;

const rolloutSchema = z
  .object({
    phase: z.enum(["r1", "r2"]),
    attempt: z.number().int(),
    exitStatus: z.string(),
    steps: z.number().int(),
    inputTokens: z.number(),
    cachedInputTokens: z.number(),
    outputTokens: z.number(),
    wallSeconds: z.number(),
    promptIndex: z.number().int().nullable(),
    selfCheck: z.boolean().nullable(),
    failure: z.string().nullable(),
    modelError: z.string().nullable(),
    modelErrorKind: z.string().nullable().optional(),
    /** Relative to the instance directory. */
    trajectoryFile: z.string(),
    /** Relative to the instance directory. */
    patchFile: z.string(),
  })
  .strict();

export const generationInstanceStateSchema = z
  .object({
    // The sampled task is generation's own (function, prompt order, …); readers rely on these three.
    task: z.object({ id: z.string(), repo: z.string(), commit: z.string() }).loose(),
    step: z.enum(generationInstanceSteps),
    attempt: z.number().int(),
    rollouts: z.array(rolloutSchema),
    /** The synthetic PR written from rollout 1's patch: the problem statement of the instance. */
    pr: z.object({ text: z.string(), demonstrationId: z.string() }).strict().nullable(),
    // Soft verification: patch recall's figures plus the threshold and parse mode it was judged with.
    verification: z.object({ recall: z.number().nullable(), verdict: z.string(), threshold: z.number(), mode: z.string() }).loose().nullable(),
    failure: z.object({ reason: z.string(), detail: z.string(), step: z.string(), transient: z.boolean().optional() }).strict().nullable(),
  })
  .strict();

export type GenerationInstanceState = z.infer<typeof generationInstanceStateSchema>;
export type GenerationRolloutState = z.infer<typeof rolloutSchema>;

export interface GenerationInstance {
  id: string;
  dir: string;
  state: GenerationInstanceState;
  /** The synthetic PR's text, null before the instance reached it. */
  prText: string | null;
  /** The last rollout-1 attempt's patch (the teacher's P1), "" when it left none. */
  teacherPatch: string;
  /** Soft verification passed: the teacher's own P1 / P2 pair agreed. */
  verified: boolean;
}

export class GenerationOutputError extends Error {}

/** Every instance with a state.json under `<outDir>/instances/`, in id order, parsed with the schema. */
export function readGenerationOutput(outDir: string): GenerationInstance[] {
  const instancesDir = path.join(outDir, "instances");
  if (!existsSync(instancesDir)) throw new GenerationOutputError(`${outDir}: no instances/ folder; is this the output of a sera-generate run?`);
  const instances: GenerationInstance[] = [];
  for (const id of readdirSync(instancesDir).sort()) {
    const dir = path.join(instancesDir, id);
    const stateFile = path.join(dir, "state.json");
    if (!existsSync(stateFile)) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(stateFile, "utf8"));
    } catch (error) {
      throw new GenerationOutputError(`${stateFile}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = generationInstanceStateSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new GenerationOutputError(`${stateFile}: not a generation instance state (${issue.path.join(".")}: ${issue.message})`);
    }
    const state = parsed.data;
    const p1 = state.rollouts.filter((rollout) => rollout.phase === "r1").at(-1);
    const patchFile = p1 ? path.join(dir, p1.patchFile) : null;
    instances.push({
      id,
      dir,
      state,
      prText: state.pr?.text ?? null,
      teacherPatch: patchFile && existsSync(patchFile) ? readFileSync(patchFile, "utf8") : "",
      verified: state.verification?.verdict === "pass",
    });
  }
  return instances;
}

/**
 * One line of `plan.jsonl` per repository and attempt: what the attempt planned there (generation
 * writes it through this schema). Lines of runs made before several repositories had no `path`.
 */
export const generationPlanLineSchema = z
  .object({
    repo: z.string(),
    /** The repository's folder, absolute. */
    path: z.string().optional(),
    commits: z.array(z.string()),
    codeFolders: z.array(z.record(z.string(), z.string())).optional(),
    instances: z.number().int(),
  })
  .loose();
export type GenerationPlanLine = z.infer<typeof generationPlanLineSchema>;

/** Each repository a generation run read, by the name its instances carry → its folder (the last attempt's word). */
export function readGenerationRepositories(outDir: string): Map<string, string> {
  const file = path.join(outDir, "plan.jsonl");
  const folders = new Map<string, string>();
  if (!existsSync(file)) return folders;
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, index) => {
      if (line.trim() === "") return;
      let parsed: ReturnType<typeof generationPlanLineSchema.safeParse>;
      try {
        parsed = generationPlanLineSchema.safeParse(JSON.parse(line));
      } catch {
        // A line torn by a kill is the attempt that did not finish planning; the next one wrote its own.
        return;
      }
      if (!parsed.success) throw new GenerationOutputError(`${file}:${index + 1}: not a generation plan line (${parsed.error.issues[0].message})`);
      if (parsed.data.path !== undefined) folders.set(parsed.data.repo, parsed.data.path);
    });
  return folders;
}
