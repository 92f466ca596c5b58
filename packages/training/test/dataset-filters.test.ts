import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Message, Trajectory } from "@sera/core";
import {
  countChangedLines,
  dedupePatches,
  filterByPatchSize,
  filterByToolOutputTokens,
  meanToolOutputTokens,
  nestedSubsets,
  normalizePatch,
  seededOrder,
  tokenCounterFromFunction,
} from "../src/index.js";

const real = path.resolve(__dirname, "../../../fixtures/real");

const patch = [
  "diff --git a/src/m.py b/src/m.py",
  "index 1a2b3c4..5d6e7f8 100644",
  "--- a/src/m.py",
  "+++ b/src/m.py",
  "@@ -1,4 +1,5 @@",
  " def f(x):",
  "-    return x",
  "+    # doubled",
  "+    return 2 * x",
  "+",
  " ",
  "",
].join("\n");

describe("patch size", () => {
  it("counts + and - lines, not headers, and counts a blank changed line", () => {
    expect(countChangedLines(patch)).toBe(4);
    expect(countChangedLines("")).toBe(0);
  });

  it("counts the real marshmallow patch by hand: one removed, two added", () => {
    const traj = JSON.parse(
      fs.readFileSync(
        path.join(
          real,
          "SWE-agent/trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__function_calling_replace__install-1/marshmallow-code__marshmallow-1867.traj",
        ),
        "utf8",
      ),
    ) as { info: { submission: string } };
    expect(countChangedLines(traj.info.submission)).toBe(3);
  });

  it("keeps patches of at most N changed lines (default 40) and reports the drop count", () => {
    const lines = (n: number) => ["--- a/x", "+++ b/x", "@@ -1 +1 @@", ...Array.from({ length: n }, (_, i) => `+l${i}`)].join("\n");
    const items = [
      { id: "a", patch: lines(40) },
      { id: "b", patch: lines(41) },
      { id: "c", patch: lines(3) },
    ];
    expect(filterByPatchSize(items)).toEqual({ kept: [items[0], items[2]], dropped: 1 });
    expect(filterByPatchSize(items, 3)).toEqual({ kept: [items[2]], dropped: 2 });
  });
});

describe("patch de-duplication", () => {
  it("treats patches that differ only in index lines and trailing whitespace as equal", () => {
    const variant = patch.replace("index 1a2b3c4..5d6e7f8 100644", "index 9999999..0000000 100644").replace("+    return 2 * x", "+    return 2 * x   ");
    expect(normalizePatch(variant)).toBe(normalizePatch(patch));
    const different = patch.replace("2 * x", "3 * x");
    const items = [{ patch }, { patch: variant }, { patch: different }, { patch: `${patch}\n\n` }];
    expect(dedupePatches(items)).toEqual({ kept: [items[0], items[2]], dropped: 2 });
  });
});

function trajectoryOf(messages: Message[]): Trajectory {
  return { instanceId: "t", exitStatus: "submitted", patch: "", steps: 1, source: "test", messages };
}

describe("tool output size", () => {
  const words = tokenCounterFromFunction((text) => (text === "" ? 0 : text.split(/\s+/).filter(Boolean).length));
  const call = (id: string, name = "bash") => ({ id, name, arguments: {} });
  const messages: Message[] = [
    { role: "system", content: "sys" },
    { role: "user", content: "one two three four" },
    { role: "assistant", content: "", toolCalls: [call("a"), call("b")] },
    { role: "tool", toolCallId: "a", content: "x x" },
    { role: "tool", toolCallId: "b", content: "x x x x" },
    { role: "assistant", content: "", toolCalls: [call("s", "submit")] },
    { role: "tool", toolCallId: "s", content: "review review review review review review" },
    { role: "assistant", content: "", toolCalls: [call("t", "submit")] },
  ];

  it("averages over tool results by default", async () => {
    expect(await meanToolOutputTokens(trajectoryOf(messages), words)).toBe((2 + 4 + 6) / 3);
    expect(await meanToolOutputTokens(trajectoryOf(messages.slice(0, 2)), words)).toBe(0);
  });

  it("reproduces the reference definition on request", async () => {
    // user prompt 4 + "<tool_response>\nx x\n</tool_response>" 4 + 6; review excluded; 8 messages -> / 4
    expect(await meanToolOutputTokens(trajectoryOf(messages), words, "reference")).toBe((4 + 4 + 6) / 4);
  });

  it("keeps trajectories whose mean is at most the limit (default 600)", async () => {
    const small = trajectoryOf(messages);
    const large = trajectoryOf([{ role: "tool", toolCallId: "a", content: "w ".repeat(601) }]);
    expect(await filterByToolOutputTokens([small, large], words)).toEqual({ kept: [small], dropped: 1 });
    expect(await filterByToolOutputTokens([small, large], words, { maxMean: 3 })).toEqual({ kept: [], dropped: 2 });
  });
});

describe("nested subsets", () => {
  const pool = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 80 });

  it("each smaller subset is a prefix of every larger one", () => {
    fc.assert(
      fc.property(pool, fc.array(fc.nat({ max: 80 }), { minLength: 1, maxLength: 5 }), fc.integer(), (ids, rawSizes, seed) => {
        const sizes = rawSizes.map((size) => size % (ids.length + 1));
        const subsets = nestedSubsets(ids, sizes, seed, (id) => id);
        const sorted = [...new Set(sizes)].sort((a, b) => a - b);
        expect([...subsets.keys()]).toEqual(sorted);
        for (const size of sorted) expect(subsets.get(size)).toHaveLength(size);
        for (let i = 1; i < sorted.length; i++) {
          const larger = subsets.get(sorted[i]) as string[];
          expect(larger.slice(0, sorted[i - 1])).toEqual(subsets.get(sorted[i - 1]));
        }
      }),
    );
  });

  it("the same seed gives the same order whatever the input order; another seed usually differs", () => {
    fc.assert(
      fc.property(
        pool.chain((ids) => fc.tuple(fc.constant(ids), fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length }))),
        fc.integer(),
        ([ids, shuffled], seed) => {
          expect(seededOrder(shuffled, seed, (id) => id)).toEqual(seededOrder(ids, seed, (id) => id));
          expect([...seededOrder(ids, seed, (id) => id)].sort()).toEqual([...ids].sort());
        },
      ),
    );
    const ids = Array.from({ length: 50 }, (_, i) => `inst-${i}`);
    expect(seededOrder(ids, 1, (id) => id)).not.toEqual(seededOrder(ids, 2, (id) => id));
  });

  it("rejects a size larger than the pool, naming the size", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `i${i}`);
    expect(() => nestedSubsets(ids, [400, 750, 1500], 7, (id) => id)).toThrow(/subset size 1500 exceeds the 1000 eligible samples/);
    expect(() => nestedSubsets(ids, [2.5], 7, (id) => id)).toThrow(/2.5/);
    const subsets = nestedSubsets(ids, [750, 400], 7, (id) => id);
    expect(subsets.get(750)?.slice(0, 400)).toEqual(subsets.get(400));
  });
});
