import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * Evaluation tasks. SWE-bench-style instances are one JSON object per line with at least
 * `instance_id`, `repo`, `base_commit` and `problem_statement` (SWE-bench's own fields; others
 * are kept but unused). Held-out soft-verified tasks add the teacher's patch. Repositories are
 * local clones: `repos` maps a repo name to a folder, or `repoRoot` holds clones named like the
 * repo (`django__django`, `django`, or `django/django` as nested folders).
 */

export const taskInstanceSchema = z
  .object({
    instance_id: z.string().min(1),
    repo: z.string().min(1),
    base_commit: z.string().min(4),
    problem_statement: z.string().min(1),
    /** Held-out soft-verified tasks: the teacher's patch for this problem. */
    teacher_patch: z.string().optional(),
  })
  .loose();
export type TaskInstance = z.infer<typeof taskInstanceSchema>;

export function readTaskInstances(file: string, options: { requireTeacherPatch?: boolean } = {}): TaskInstance[] {
  if (!existsSync(file)) throw new Error(`tasks.file: ${file} does not exist`);
  const out: TaskInstance[] = [];
  const seen = new Set<string>();
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, index) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new Error(`${file}:${index + 1}: not a JSON object`);
      }
      const parsed = taskInstanceSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`${file}:${index + 1}: ${issue.path.join(".") || "line"}: ${issue.message}`);
      }
      if (options.requireTeacherPatch && !parsed.data.teacher_patch?.trim())
        throw new Error(`${file}:${index + 1}: teacher_patch: a held-out task needs the teacher's patch`);
      if (seen.has(parsed.data.instance_id)) throw new Error(`${file}:${index + 1}: instance_id ${parsed.data.instance_id} appears twice`);
      seen.add(parsed.data.instance_id);
      out.push(parsed.data);
    });
  return out;
}

/** SWE-bench ids read `<owner>__<name>-<number>`; the repo is `<owner>/<name>`. */
export function repoFromInstanceId(instanceId: string): string {
  const match = /^(.+?)__(.+)-\d+$/.exec(instanceId);
  return match ? `${match[1]}/${match[2]}` : instanceId;
}

export function resolveRepoPath(repo: string, repos: Record<string, string>, repoRoot: string | undefined, cwd = process.cwd()): string {
  if (repos[repo]) return path.resolve(cwd, repos[repo]);
  if (repoRoot) {
    const root = path.resolve(cwd, repoRoot);
    for (const candidate of [repo.replace("/", "__"), repo.split("/").at(-1) ?? repo, repo]) {
      const dir = path.join(root, candidate);
      if (existsSync(path.join(dir, ".git"))) return dir;
    }
  }
  const known = [...Object.keys(repos), ...(repoRoot && existsSync(path.resolve(cwd, repoRoot)) ? readdirSync(path.resolve(cwd, repoRoot)) : [])];
  throw new Error(`no local clone for repo ${repo}: add it to tasks.repos or put it under tasks.repoRoot (known: ${known.join(", ") || "none"})`);
}
