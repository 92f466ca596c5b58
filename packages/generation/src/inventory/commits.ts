import { resolveCommit, runGit } from "./git-objects.js";

export interface WindowedCommitSelection {
  /** How many commits to pick (spec default 5). */
  count: number;
  /** Only commits whose committer date is at most this many days old (spec default 365). */
  lookbackDays: number;
  /** Branch, tag or commit whose history is sampled; default HEAD. */
  ref?: string;
  /**
   * End of the window; default now. When given, commits dated after it are left out too, so a
   * pinned `now` keeps the selection stable as the branch grows. Without it there is no upper
   * bound, so a commit dated in the future by clock skew still counts.
   */
  now?: Date;
}

export interface ExplicitCommitSelection {
  /** Exact commits to use; each is checked to be a commit of the repository. */
  commits: readonly string[];
}

/**
 * Picks the commits to sample functions from, returning full SHAs oldest first.
 *
 * Windowed (spec §1 "Commits"): the ref's commits inside the window, oldest first (m of them);
 * indices round(i·(m−1)/(n−1)) for i = 0…n−1, so both ends are kept; duplicates dropped and any
 * shortfall filled with the newest unused commits. n = 1 gives the newest, n ≥ m gives all, and
 * an empty window gives none. `round` halves to even like Python's, which the reference uses.
 *
 * Explicit: each commit is resolved (`git rev-parse --verify <c>^{commit}`); the first bad one
 * throws an error naming it. Order is kept and repeats are dropped.
 */
export async function selectCommits(repoPath: string, selection: WindowedCommitSelection | ExplicitCommitSelection): Promise<string[]> {
  if ("commits" in selection) {
    const shas: string[] = [];
    for (const commit of selection.commits) shas.push(await resolveCommit(repoPath, commit));
    return [...new Set(shas)];
  }
  const { count, lookbackDays } = selection;
  if (!Number.isInteger(count) || count < 1) throw new Error(`commit count must be a whole number ≥ 1, got ${count}`);
  if (!(lookbackDays > 0)) throw new Error(`lookbackDays must be positive, got ${lookbackDays}`);
  const tip = await resolveCommit(repoPath, selection.ref ?? "HEAD");
  const windowEnd = selection.now ? selection.now.getTime() / 1000 : Number.POSITIVE_INFINITY;
  const windowStart = (selection.now ?? new Date()).getTime() / 1000 - lookbackDays * 86_400;
  const inWindow = (await listCommitsOldestFirst(repoPath, tip)).filter((commit) => commit.committedAt >= windowStart && commit.committedAt <= windowEnd);
  return pickEvenlySpaced(inWindow.length, count).map((index) => inWindow[index].sha);
}

interface DatedCommit {
  sha: string;
  /** Committer date, seconds since the epoch. */
  committedAt: number;
}

async function listCommitsOldestFirst(repoPath: string, tip: string): Promise<DatedCommit[]> {
  const out = await runGit(repoPath, ["rev-list", "--timestamp", "--reverse", tip]);
  const commits = out
    .toString("utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [timestamp, sha] = line.split(" ");
      return { sha, committedAt: Number(timestamp) };
    });
  // Rebased or cherry-picked history can carry out-of-order dates; the stable sort keeps
  // git's (topological) order among equal dates.
  return commits.sort((a, b) => a.committedAt - b.committedAt);
}

/** Indices into an oldest-first list of `available` commits, ascending. */
export function pickEvenlySpaced(available: number, count: number): number[] {
  if (available === 0) return [];
  if (count >= available) return Array.from({ length: available }, (_, index) => index);
  if (count === 1) return [available - 1];
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add(roundHalfToEven((i * (available - 1)) / (count - 1)));
  for (let index = available - 1; picked.size < count && index >= 0; index--) picked.add(index);
  return [...picked].sort((a, b) => a - b);
}

export function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
