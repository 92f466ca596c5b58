/**
 * Which folder of a repository holds its code, decided the way SERA decides it, so folder depth
 * counts from the package (`django/db/models/query.py` is depth 3 inside `django/`) rather than
 * from the repository root, and scripts, docs and examples beside the package stay out.
 */

export type CodeFolderSource = "configured" | "detected" | "root";

export interface CodeFolderChoice {
  /** Repository-relative folder, "" for the root. */
  path: string;
  source: CodeFolderSource;
  /** One line saying why this folder, for `sera inventory` and the run's plan. */
  reason: string;
}

interface Candidate {
  folder: string;
  rule: string;
}

/**
 * SERA's order first (`<name>`, `<name lowercased>`, `src/<name>`, `src`), then ours for layouts
 * SERA does not know (`<name>` with dashes as underscores, the lowercased and underscored names
 * under `src/` and `lib/`); duplicates collapse onto their first rule.
 */
function candidates(repoName: string): Candidate[] {
  const name = repoName;
  const lower = name.toLowerCase();
  const snake = lower.replace(/-/g, "_");
  const list: Candidate[] = [
    { folder: name, rule: "<name>/ (SERA)" },
    { folder: lower, rule: "<name lowercased>/ (SERA)" },
    { folder: `src/${name}`, rule: "src/<name>/ (SERA)" },
    { folder: "src", rule: "src/ (SERA)" },
    { folder: snake, rule: "<name with - as _>/ (sera's addition)" },
    { folder: `src/${lower}`, rule: "src/<name lowercased>/ (sera's addition)" },
    { folder: `src/${snake}`, rule: "src/<name with - as _>/ (sera's addition)" },
    { folder: `lib/${name}`, rule: "lib/<name>/ (sera's addition)" },
    { folder: `lib/${lower}`, rule: "lib/<name lowercased>/ (sera's addition)" },
    { folder: `lib/${snake}`, rule: "lib/<name with - as _>/ (sera's addition)" },
  ];
  const seen = new Set<string>();
  return list.filter((candidate) => candidate.folder !== "" && !seen.has(candidate.folder) && seen.add(candidate.folder));
}

/** The name detection looks for: the last part of `org/name`, without a `.git` suffix. */
export function codeFolderName(repoName: string): string {
  const last =
    repoName
      .replace(/\\/g, "/")
      .split("/")
      .filter((part) => part !== "")
      .at(-1) ?? "";
  return last.replace(/\.git$/, "");
}

/**
 * Picks the code folder among `sourcePaths` (repository-relative paths of files in an enabled
 * language). A candidate counts only if it holds such a file: SERA checks that the folder exists,
 * we also want code in it, so a `<name>/` holding only docs does not win. When nothing matches,
 * SERA gives up on the repository; we fall back to the root and say so.
 */
export function detectCodeFolder(sourcePaths: readonly string[], repoName: string): CodeFolderChoice {
  const name = codeFolderName(repoName);
  if (name !== "") {
    for (const candidate of candidates(name)) {
      const prefix = `${candidate.folder}/`;
      if (sourcePaths.some((file) => file.startsWith(prefix))) {
        return { path: candidate.folder, source: "detected", reason: `${prefix} holds source files; rule ${candidate.rule} for name "${name}"` };
      }
    }
  }
  const tried =
    name === ""
      ? "no repository name to look for"
      : `none of ${candidates(name)
          .map((c) => `${c.folder}/`)
          .join(", ")} holds source files`;
  return { path: "", source: "root", reason: `${tried}; using the repository root (SERA would skip this repository)` };
}

/** SERA's test rule: any path containing `tests` is test code (`attests.py` too, as in the reference). */
export function matchesSeraTestRule(repoPath: string): boolean {
  return repoPath.includes("tests");
}
