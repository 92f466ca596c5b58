import { readGenerationOutput, readGenerationRepositories, type UpstreamRun } from "@sera/core";
import { z } from "zod";
import type { TaskInstance } from "./instances.js";

/**
 * Held-out soft-verified tasks for private repositories without tests: the teacher's soft-verified
 * generation on functions kept out of training gives, per instance, a synthetic PR (the problem
 * statement) and the teacher's patch (rollout 1's P1). The student gets the PR; its patch is
 * scored by line recall against the teacher's. Read from a `sera-generate` run's output folder
 * through core's `readGenerationOutput`; only instances that passed soft verification are used, so
 * the teacher's own patch is a trustworthy target.
 */

export interface HeldOutSource {
  tasks: TaskInstance[];
  /** Instances left out because the teacher's own pair did not pass soft verification. */
  skipped: number;
  /** Each repository's folder by the name the tasks carry: what the generation run recorded, else its one `repo` param. */
  repoPaths: Map<string, string>;
}

/** The part of a generation run's params held-out tasks fall back on (runs from before plan.jsonl named each folder). */
const generationParamsSchema = z.object({ repo: z.string() }).loose();

/**
 * `upstream`: the generation run's plan, from the stage context for an upstream run (or core's
 * `readRunPlanOfOutput` for a folder named by path); without it the repository must be configured.
 */
export function heldOutTasksFromGeneration(outDir: string, upstream?: Pick<UpstreamRun, "params"> | null): HeldOutSource {
  const tasks: TaskInstance[] = [];
  let skipped = 0;
  for (const instance of readGenerationOutput(outDir)) {
    const { task, pr } = instance.state;
    if (!instance.verified || !pr || !instance.teacherPatch.trim()) {
      skipped++;
      continue;
    }
    tasks.push({ instance_id: task.id, repo: task.repo, base_commit: task.commit, problem_statement: pr.text, teacher_patch: instance.teacherPatch });
  }
  const repoPaths = readGenerationRepositories(outDir);
  const params = generationParamsSchema.safeParse(upstream?.params);
  if (params.success) for (const task of tasks) if (!repoPaths.has(task.repo)) repoPaths.set(task.repo, params.data.repo);
  return { tasks, skipped, repoPaths };
}
