import { describe, expect, it } from "vitest";
import { DEFAULT_RECALL_THRESHOLD, patchRecall } from "../src/verify/index.js";

/** A one-file, one-hunk patch whose hunk consists only of the given changed lines. */
function patchOf(file: string, changed: string[]): string {
  const removed = changed.filter((l) => l.startsWith("-")).length;
  const added = changed.length - removed;
  return [`diff --git a/${file} b/${file}`, `--- a/${file}`, `+++ b/${file}`, `@@ -1,${removed} +1,${added} @@`, ...changed, ""].join("\n");
}

const target = patchOf("app/util.py", ["-    return a+b", "+    return a + b", "+    log(a)"]);

describe("patchRecall: matching", () => {
  it("counts identical patches as full recall, precision and F1", () => {
    expect(patchRecall(target, target)).toEqual({
      recall: 1,
      matched: 3,
      targetLines: 3,
      candidateLines: 3,
      precision: 1,
      f1: 1,
      verdict: "pass",
    });
  });

  it("requires `-` lines to match as well as `+` lines", () => {
    const onlyAdds = patchOf("app/util.py", ["+    return a + b", "+    log(a)"]);
    const result = patchRecall(target, onlyAdds);
    expect(result.matched).toBe(2);
    expect(result.recall).toBeCloseTo(2 / 3);
    // The sign is part of the line: a `+` line never satisfies a `-` line with the same text.
    expect(patchRecall(patchOf("f", ["-x = 1"]), patchOf("f", ["+x = 1"])).matched).toBe(0);
  });

  it("ignores order and file", () => {
    const shuffled = [patchOf("elsewhere/other.py", ["+    log(a)"]), patchOf("app/util.py", ["+    return a + b", "-    return a+b"])].join("");
    expect(patchRecall(target, shuffled).recall).toBe(1);
  });

  it("can match per file when asked", () => {
    const moved = [patchOf("elsewhere/other.py", ["+    log(a)"]), patchOf("app/util.py", ["-    return a+b", "+    return a + b"])].join("");
    const result = patchRecall(target, moved, { perFile: true });
    expect(result.matched).toBe(2);
    expect(result.recall).toBeCloseTo(2 / 3);
  });

  it("requires indentation and trailing whitespace to be exact unless normalisation is on", () => {
    const reindented = patchOf("app/util.py", ["-  return a+b", "+\treturn a + b ", "+    log(a)"]);
    expect(patchRecall(target, reindented).matched).toBe(1);
    expect(patchRecall(target, reindented, { normalizeWhitespace: true }).matched).toBe(3);
  });

  it("counts duplicates per occurrence: each candidate line satisfies one target line", () => {
    const twice = patchOf("f.py", ["+pass", "+pass", "+pass"]);
    const once = patchOf("f.py", ["+pass"]);
    expect(patchRecall(twice, once)).toMatchObject({ matched: 1, targetLines: 3 });
    expect(patchRecall(twice, once).recall).toBeCloseTo(1 / 3);
    expect(patchRecall(once, twice)).toMatchObject({ recall: 1, matched: 1, precision: 1 / 3, verdict: "pass" });
  });

  it("never penalises extra candidate lines in recall, only in precision and F1", () => {
    const bigger = patchOf("app/util.py", ["-    return a+b", "+    return a + b", "+    log(a)", "+    log(b)", "+    log(c)"]);
    const result = patchRecall(target, bigger);
    expect(result.recall).toBe(1);
    expect(result.precision).toBeCloseTo(3 / 5);
    expect(result.f1).toBeCloseTo((2 * 0.6) / 1.6);
  });

  it("ignores blank changed lines on both sides", () => {
    const withBlanks = patchOf("app/util.py", ["-    return a+b", "+    return a + b", "+    log(a)", "+", "+    "]);
    expect(patchRecall(withBlanks, target)).toMatchObject({ recall: 1, targetLines: 3 });
  });

  it("in legacy mode drops the `---`/`+++` content lines from both sides", () => {
    const p1 = patchOf("q.sql", ["--- note", "+++i", "+keep"]);
    const p2 = patchOf("q.sql", ["+keep"]);
    expect(patchRecall(p1, p2).recall).toBeCloseTo(1 / 3);
    expect(patchRecall(p1, p2, { mode: "legacy" })).toMatchObject({ recall: 1, targetLines: 1 });
  });

  it("can leave out files that a patch creates", () => {
    const scratch = [
      "diff --git a/repro.py b/repro.py",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/repro.py",
      "@@ -0,0 +1,2 @@",
      "+import app",
      "+print(app.add(1, 2))",
      "",
    ].join("\n");
    const p1 = target + scratch;
    expect(patchRecall(p1, target).recall).toBeCloseTo(3 / 5);
    expect(patchRecall(p1, target, { excludeUntracked: true })).toMatchObject({ recall: 1, targetLines: 3 });
    // A candidate that only adds a scratch file has made no edit once those are excluded.
    expect(patchRecall(target, scratch, { excludeUntracked: true, threshold: 0 }).verdict).toBe("no-candidate");
  });
});

describe("patchRecall: verdicts and thresholds", () => {
  const half = patchOf("app/util.py", ["-    return a+b", "+    return a + b"]);
  const p1 = patchOf("app/util.py", ["-    return a+b", "+    return a + b", "+    log(a)", "+    log(b)"]);

  it("uses 0.5 by default and passes exactly at the threshold", () => {
    expect(DEFAULT_RECALL_THRESHOLD).toBe(0.5);
    expect(patchRecall(p1, half)).toMatchObject({ recall: 0.5, verdict: "pass" });
    expect(patchRecall(p1, patchOf("app/util.py", ["+    log(a)"]))).toMatchObject({ recall: 0.25, verdict: "fail" });
  });

  it("threshold 1 demands every countable line but not patch equality", () => {
    expect(patchRecall(p1, half, { threshold: 1 }).verdict).toBe("fail");
    const superset = p1 + patchOf("other.py", ["+extra"]);
    expect(patchRecall(p1, superset, { threshold: 1 }).verdict).toBe("pass");
  });

  it("threshold 0 passes any non-empty candidate, even with no shared line", () => {
    expect(patchRecall(p1, patchOf("z.py", ["+unrelated"]), { threshold: 0 })).toMatchObject({ recall: 0, verdict: "pass" });
  });

  it("an empty or missing candidate never passes, even at threshold 0", () => {
    for (const candidate of ["", "   \n", null, undefined]) {
      const result = patchRecall(p1, candidate, { threshold: 0 });
      expect(result.verdict).toBe("no-candidate");
      expect(result.recall).toBe(0);
      expect(result.precision).toBeNull();
    }
  });

  it("an empty target gives no verdict and no recall", () => {
    const blankOnly = patchOf("f.py", ["+", "-   "]);
    for (const p of ["", blankOnly]) {
      const result = patchRecall(p, p1, { threshold: 0 });
      expect(result).toMatchObject({ recall: null, precision: null, f1: null, verdict: "no-target", targetLines: 0 });
    }
  });

  it("rejects thresholds outside [0, 1]", () => {
    expect(() => patchRecall(p1, p1, { threshold: 1.5 })).toThrow(RangeError);
    expect(() => patchRecall(p1, p1, { threshold: -0.1 })).toThrow(RangeError);
    expect(() => patchRecall(p1, p1, { threshold: Number.NaN })).toThrow(RangeError);
  });
});
