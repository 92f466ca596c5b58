import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/**
 * The repositories one `sera-generate` stage draws instances from: `repo` (one), or `repos` (SERA's
 * corpus spans 121) as a list in the experiment file or a file of entries. Each repository keeps
 * its own commits and instance budget; instance ids carry its name, so every row is keyed by it
 * and a resumed run finds the same instances whatever the number of repositories.
 */

export const commitsSchema = z.union([
  z.array(z.string().min(4)).min(1),
  z.object({ count: z.number().int().min(1).default(5), lookbackDays: z.number().positive().default(365), ref: z.string().default("HEAD") }).strict(),
]);
export type CommitSelection = z.infer<typeof commitsSchema>;

export const repositoryEntrySchema = z
  .object({
    /** A local git repository; in a file, relative to the file's folder. */
    path: z.string().min(1),
    /** Name in instance ids and tables; default the folder's name. Unique within the stage. */
    name: z.string().min(1).optional(),
    /** Default: the stage's `commits`. */
    commits: commitsSchema.optional(),
    /** Instances sampled per commit of this repository; default the stage's `functionsPerRepo`. */
    functionsPerRepo: z.number().int().min(1).optional(),
  })
  .strict();
export type RepositoryEntry = z.infer<typeof repositoryEntrySchema>;

/** `repos:` — the entries inline (a path alone stands for `{path}`), or a YAML / JSON list or JSONL file of them. */
export const reposParam = z.union([z.array(z.union([z.string().min(1), repositoryEntrySchema])).min(1), z.string().min(1)]);

export interface Repository {
  name: string;
  /** Absolute. */
  path: string;
  commits: CommitSelection;
  functionsPerRepo: number;
}

/** What `repositoriesOf` needs of the stage's params. */
export interface RepositoryParams {
  repo?: string;
  repoName?: string;
  repos?: z.infer<typeof reposParam>;
  commits: CommitSelection;
  functionsPerRepo: number;
}

export class RepositoryListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RepositoryListError";
  }
}

/** The stage's repositories, in the order given, each with its settings resolved. */
export function repositoriesOf(params: RepositoryParams): Repository[] {
  if (params.repo !== undefined) {
    const absolute = path.resolve(params.repo);
    return [{ name: params.repoName ?? path.basename(absolute), path: absolute, commits: params.commits, functionsPerRepo: params.functionsPerRepo }];
  }
  const { entries, baseDir, where } =
    typeof params.repos === "string"
      ? readRepositoryFile(params.repos)
      : { entries: (params.repos ?? []).map((entry) => (typeof entry === "string" ? { path: entry } : entry)), baseDir: ".", where: "repos" };
  const byName = new Map<string, Repository>();
  for (const [index, entry] of entries.entries()) {
    const absolute = path.resolve(baseDir, entry.path);
    const repository = {
      name: entry.name ?? path.basename(absolute),
      path: absolute,
      commits: entry.commits ?? params.commits,
      functionsPerRepo: entry.functionsPerRepo ?? params.functionsPerRepo,
    };
    const earlier = byName.get(repository.name);
    if (earlier !== undefined) {
      throw new RepositoryListError(
        `${where}[${index}]: a second repository named ${repository.name} (${absolute}; the first is ${earlier.path}): give one a name`,
      );
    }
    byName.set(repository.name, repository);
  }
  return [...byName.values()];
}

/** The entries of a repository file, each checked, with errors naming the file (and line). */
export function readRepositoryFile(file: string): { entries: RepositoryEntry[]; baseDir: string; where: string } {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (error) {
    throw new RepositoryListError(`repos: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const entries: RepositoryEntry[] = [];
  const check = (value: unknown, where: string) => {
    const parsed = repositoryEntrySchema.safeParse(typeof value === "string" ? { path: value } : value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RepositoryListError(`${where}: ${issue.path.join(".") || "entry"}: ${issue.message}`);
    }
    entries.push(parsed.data);
  };
  if (absolute.endsWith(".jsonl")) {
    text.split("\n").forEach((line, index) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new RepositoryListError(`${file}:${index + 1}: not a JSON object`);
      }
      check(value, `${file}:${index + 1}`);
    });
  } else {
    let value: unknown;
    try {
      value = parseYaml(text);
    } catch (error) {
      throw new RepositoryListError(`${file}: not YAML or JSON (${(error as Error).message.split("\n")[0]})`);
    }
    if (!Array.isArray(value)) throw new RepositoryListError(`${file}: a list of repositories ({path, name, commits, functionsPerRepo}, or paths) expected`);
    value.forEach((entry, index) => check(entry, `${file}[${index}]`));
  }
  if (entries.length === 0) throw new RepositoryListError(`${file}: no repositories listed`);
  return { entries, baseDir: path.dirname(absolute), where: file };
}
