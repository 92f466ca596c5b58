import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { pickEvenlySpaced, roundHalfToEven } from "../src/inventory/commits.js";
import { selectCommits } from "../src/index.js";
import { commitAll, emptyRepo, git, removeCreatedRepos, writeFile } from "./fixtures/inventory/git-repo.js";

afterAll(removeCreatedRepos);

const DAY_MS = 86_400_000;

/** One commit per entry, `daysAgo` before now, oldest first; returns SHA by age. */
function datedRepo(daysAgo: number[]): { dir: string; shaByAge: Map<number, string> } {
  const dir = emptyRepo();
  const shaByAge = new Map<number, string>();
  const now = Date.now();
  for (const age of daysAgo) {
    writeFile(dir, "log.txt", `commit from ${age} days ago\n`);
    shaByAge.set(age, commitAll(dir, `${age} days ago`, new Date(now - age * DAY_MS)));
  }
  return { dir, shaByAge };
}

describe("selectCommits over a lookback window", () => {
  const ages = [400, 300, 200, 100, 90, 80, 60, 40, 20, 5];
  const { dir, shaByAge } = datedRepo(ages);
  const sha = (...days: number[]) => days.map((age) => shaByAge.get(age));

  it("picks evenly spaced commits oldest first, both ends included", async () => {
    // In the 365-day window: 300 … 5 days ago, m = 9; n = 5 gives indices 0, 2, 4, 6, 8.
    expect(await selectCommits(dir, { count: 5, lookbackDays: 365 })).toEqual(sha(300, 100, 80, 40, 5));
    // n = 4: 8·i/3 = 0, 2.67, 5.33, 8 → 0, 3, 5, 8.
    expect(await selectCommits(dir, { count: 4, lookbackDays: 365 })).toEqual(sha(300, 90, 60, 5));
  });

  it("n = 1 gives the newest commit and n ≥ m gives every commit in the window", async () => {
    expect(await selectCommits(dir, { count: 1, lookbackDays: 365 })).toEqual(sha(5));
    expect(await selectCommits(dir, { count: 9, lookbackDays: 365 })).toEqual(sha(300, 200, 100, 90, 80, 60, 40, 20, 5));
    expect(await selectCommits(dir, { count: 50, lookbackDays: 50 })).toEqual(sha(40, 20, 5));
  });

  it("a pinned `now` bounds the window at both ends; an empty window gives nothing", async () => {
    const now = new Date(Date.now() - 150 * DAY_MS);
    // From 150 days ago, 100 days back: commits 250 … 150 days old, so only the one 200 days ago.
    expect(await selectCommits(dir, { count: 10, lookbackDays: 100, now })).toEqual(sha(200));
    expect(await selectCommits(dir, { count: 3, lookbackDays: 200, now })).toEqual(sha(300, 200));
    expect(await selectCommits(dir, { count: 3, lookbackDays: 1, now: new Date(Date.now() - 1000 * DAY_MS) })).toEqual([]);
  });

  it("counts a commit dated in the future when `now` is not pinned", async () => {
    const { dir: skewed, shaByAge: skewedShas } = datedRepo([10, -2]);
    expect(await selectCommits(skewed, { count: 1, lookbackDays: 30 })).toEqual([skewedShas.get(-2)]);
  });

  it("follows the given ref", async () => {
    git(dir, ["branch", "old", shaByAge.get(80)!]);
    expect(await selectCommits(dir, { count: 2, lookbackDays: 365, ref: "old" })).toEqual(sha(300, 80));
    await expect(selectCommits(dir, { count: 2, lookbackDays: 365, ref: "no-such-branch" })).rejects.toThrow(`not a commit in ${dir}: no-such-branch`);
  });

  it("rejects counts and windows that make no sense", async () => {
    await expect(selectCommits(dir, { count: 0, lookbackDays: 365 })).rejects.toThrow(/count/);
    await expect(selectCommits(dir, { count: 2.5, lookbackDays: 365 })).rejects.toThrow(/count/);
    await expect(selectCommits(dir, { count: 2, lookbackDays: 0 })).rejects.toThrow(/lookbackDays/);
  });
});

describe("selectCommits with an explicit list", () => {
  const { dir, shaByAge } = datedRepo([30, 20, 10]);

  it("resolves short SHAs, refs and expressions to full SHAs, keeping order and dropping repeats", async () => {
    git(dir, ["tag", "v1", shaByAge.get(30)!]);
    const short = shaByAge.get(20)!.slice(0, 8);
    expect(await selectCommits(dir, { commits: [short, "v1", "HEAD", "main~0"] })).toEqual([shaByAge.get(20), shaByAge.get(30), shaByAge.get(10)]);
  });

  it("names the first bad commit in a one-line error", async () => {
    const error = await selectCommits(dir, { commits: ["HEAD", "v9-missing", "also-missing"] }).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe(`not a commit in ${dir}: v9-missing`);
    // A tree object is not a commit.
    const tree = git(dir, ["rev-parse", "HEAD^{tree}"]);
    await expect(selectCommits(dir, { commits: [tree] })).rejects.toThrow(`not a commit in ${dir}: ${tree}`);
  });
});

describe("pickEvenlySpaced", () => {
  it("rounds halves to even as the reference (Python round) does", () => {
    // m = 6, n = 3: 5·1/2 = 2.5 → 2, not 3.
    expect(pickEvenlySpaced(6, 3)).toEqual([0, 2, 5]);
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfToEven)).toEqual([0, 2, 2, 4, 2, 3]);
  });

  it("returns min(n, m) distinct ascending indices in range, keeping both ends when n ≥ 2", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 60 }), (available, count) => {
        const picked = pickEvenlySpaced(available, count);
        expect(picked).toHaveLength(Math.min(available, count));
        for (let i = 1; i < picked.length; i++) expect(picked[i]).toBeGreaterThan(picked[i - 1]);
        if (available === 0) return;
        expect(picked[0]).toBeGreaterThanOrEqual(0);
        expect(picked[picked.length - 1]).toBe(available - 1);
        if (count >= 2) expect(picked[0]).toBe(0);
      }),
    );
  });

  it("matches the formula round(i·(m−1)/(n−1)) whenever 2 ≤ n < m", () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 500 }), fc.integer({ min: 2, max: 499 }), (available, count) => {
        fc.pre(count < available);
        const expected = Array.from({ length: count }, (_, i) => roundHalfToEven((i * (available - 1)) / (count - 1)));
        expect(pickEvenlySpaced(available, count)).toEqual(expected);
      }),
    );
  });
});
