import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { TaskInstance } from "./instances.js";

/**
 * Held-out soft-verified tasks for private repositories without tests: the teacher's soft-verified
 * generation on functions kept out of training gives, per instance, a synthetic PR (the problem
 * statement) and the teacher's patch (rollout 1's P1). The student gets the PR; its patch is
 * scored by line recall against the teacher's. Read from a `sera-generate` run's output folder
 * (instances/<id>/state.json and the patch files next to it); only instances that passed soft
 * verification are used, so the teacher's own patch is a trustworthy target.
 */

const stateSchema = z
  .object({
    task: z.object({ id: z.string(), repo: z.string(), commit: z.string() }).loose(),
    step: z.string(),
    pr: z.object({ text: z.string() }).loose().nullable(),
    rollouts: z.array(z.object({ phase: z.string(), attempt: z.number(), patchFile: z.string() }).loose()),
    verification: z.object({ verdict: z.string() }).loose().nullable(),
  })
  .loose();

export interface HeldOutSource {
  tasks: TaskInstance[];
  /** Instances left out because the teacher's own pair did not pass soft verification. */
  skipped: number;
  /** The generation run's repository folder, from its run.json, when known. */
  repoPath: string | null;
}

export function heldOutTasksFromGeneration(outDir: string): HeldOutSource {
  const instancesDir = path.join(outDir, "instances");
  if (!existsSync(instancesDir)) throw new Error(`${outDir}: no instances/ folder; is this the output of a sera-generate run?`);
  const tasks: TaskInstance[] = [];
  let skipped = 0;
  for (const id of readdirSync(instancesDir).sort()) {
    const stateFile = path.join(instancesDir, id, "state.json");
    if (!existsSync(stateFile)) continue;
    const state = stateSchema.safeParse(JSON.parse(readFileSync(stateFile, "utf8")));
    if (!state.success) throw new Error(`${stateFile}: not a generation instance state (${state.error.issues[0].path.join(".")})`);
    const { task, pr, rollouts, verification } = state.data;
    const p1 = rollouts.filter((r) => r.phase === "r1").at(-1);
    if (verification?.verdict !== "pass" || !pr || !p1) {
      skipped++;
      continue;
    }
    const patchFile = path.join(instancesDir, id, p1.patchFile);
    const teacherPatch = existsSync(patchFile) ? readFileSync(patchFile, "utf8") : "";
    if (!teacherPatch.trim()) {
      skipped++;
      continue;
    }
    tasks.push({ instance_id: task.id, repo: task.repo, base_commit: task.commit, problem_statement: pr.text, teacher_patch: teacherPatch });
  }
  // The run's plan (runs/<id>/run.json, next to out/) names the repository it read.
  const plan = path.join(outDir, "..", "run.json");
  let repoPath: string | null = null;
  if (existsSync(plan)) {
    const params = (JSON.parse(readFileSync(plan, "utf8")) as { params?: { repo?: unknown } }).params;
    if (typeof params?.repo === "string") repoPath = params.repo;
  }
  return { tasks, skipped, repoPath };
}
