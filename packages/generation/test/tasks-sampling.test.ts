import { describe, expect, it } from "vitest";
import {
  BUG_PROMPT_TEMPLATES,
  BUILTIN_DEMONSTRATIONS,
  attemptPromptIndex,
  createSeededRandom,
  isTestPath,
  sampleTasks,
  type SampledFunction,
} from "../src/tasks/index.js";
import { randomFromState } from "../src/tasks/seeded-random.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";

function fn(file: string, qualifiedName: string, startLine = 1): SampledFunction {
  return { file, qualifiedName, kind: "function", startLine, endLine: startLine + 5, language: "python" };
}

const inventory: SampledFunction[] = Array.from({ length: 40 }, (_, i) => fn(`pkg/mod${i % 7}.py`, `func_${i}`, i * 10 + 1));

const builtinIds = BUILTIN_DEMONSTRATIONS.map((d) => d.id);
const base = { functions: inventory, seed: 7, repo: "acme/widgets", commit: COMMIT, demonstrationIds: builtinIds };

describe("seeded random", () => {
  it("implements xoshiro128** (reference vectors from the published C code)", () => {
    const a = randomFromState([1, 2, 3, 4]);
    expect(Array.from({ length: 8 }, () => a.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
    const b = randomFromState([0xdeadbeef, 0x12345678, 0xfedcba98, 0x0badf00d]);
    expect(Array.from({ length: 4 }, () => b.nextUint32())).toEqual([2576977301, 397825509, 2932269098, 1657966921]);
  });

  it("gives the same stream for the same labels and a different one otherwise", () => {
    const draw = (...parts: string[]) => {
      const random = createSeededRandom(...parts);
      return Array.from({ length: 5 }, () => random.nextUint32());
    };
    expect(draw("a", "b")).toEqual(draw("a", "b"));
    expect(draw("a", "b")).not.toEqual(draw("ab"));
    expect(draw("a", "b")).not.toEqual(draw("a", "c"));
  });

  it("draws bounded integers in range and shuffles into a permutation", () => {
    const random = createSeededRandom("bounds");
    for (let i = 0; i < 1000; i++) {
      const value = random.nextInt(7);
      expect(value >= 0 && value < 7 && Number.isInteger(value)).toBe(true);
    }
    const items = Array.from({ length: 30 }, (_, i) => i);
    const shuffled = random.shuffle(items);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
    expect(() => random.nextInt(0)).toThrow(RangeError);
  });
});

describe("isTestPath", () => {
  it.each([
    "tests/test_core.py",
    "pkg/tests/helpers.py",
    "test/unit/parser.py",
    "pkg/test_util.py",
    "pkg/util_test.py",
    "conftest.py",
    "pkg/sub/conftest.py",
    "server/handler_test.go",
    "src/app.test.ts",
    "src/app.spec.ts",
    "src/view.test.tsx",
    "src/__tests__/view.js",
    "src/test/java/org/acme/ParserTest.java",
    "core/src/main/java/org/acme/ParserTest.java",
    "spec/models/user_spec.rb",
    "pkg\\tests\\win.py",
  ])("treats %s as test code", (file) => {
    expect(isTestPath(file)).toBe(true);
  });

  it.each([
    "pkg/core.py",
    "pkg/testing_utils.py",
    "pkg/contest.py",
    "src/attestation.ts",
    "src/main/java/org/acme/Parser.java",
    "latest/notes.go",
    "protest_tools/run.py",
  ])("keeps %s", (file) => {
    expect(isTestPath(file)).toBe(false);
  });
});

describe("sampleTasks", () => {
  it("returns identical tasks for the same seed, whatever the inventory's input order", () => {
    const first = sampleTasks(base);
    expect(sampleTasks(base)).toEqual(first);
    expect(sampleTasks({ ...base, functions: [...inventory].reverse() })).toEqual(first);
    expect(first).toHaveLength(40);
  });

  it("changes the order with the seed", () => {
    const order = (seed: string | number) => sampleTasks({ ...base, seed }).map((t) => t.function.qualifiedName);
    expect(order(8)).not.toEqual(order(7));
    expect(new Set(order(8))).toEqual(new Set(order(7)));
  });

  it("builds readable, content-addressed ids that stay put when the inventory grows", () => {
    const tasks = sampleTasks(base);
    for (const task of tasks) expect(task.id).toMatch(/^acme__widgets_01234_[0-9a-f]{12}$/);
    const grown = sampleTasks({ ...base, functions: [...inventory, fn("pkg/extra.py", "late_addition")] });
    const idOf = (list: typeof tasks, name: string) => list.find((t) => t.function.qualifiedName === name)?.id;
    for (const task of tasks) expect(idOf(grown, task.function.qualifiedName)).toBe(task.id);
    // A fixed input keeps a fixed id across releases (sha256 over seed, repo, commit, file, function, line, replica).
    expect(idOf(tasks, "func_0")).toBe(idOf(sampleTasks({ ...base, functions: [fn("pkg/mod0.py", "func_0", 1)] }), "func_0"));
    expect(idOf(sampleTasks({ ...base, seed: 8 }), "func_0")).not.toBe(idOf(tasks, "func_0"));
    expect(idOf(sampleTasks({ ...base, commit: COMMIT.replace("0123", "9999") }), "func_0")).not.toBe(idOf(tasks, "func_0"));
  });

  it("pins one id so accidental changes to the id scheme are caught", () => {
    const [task] = sampleTasks({ functions: [fn("pkg/a.py", "A.run", 3)], seed: "s", repo: "org/r", commit: COMMIT, demonstrationIds: builtinIds });
    expect(task.id).toBe(PINNED_ID);
  });

  it("replicates each function with unique ids and independent choices", () => {
    const tasks = sampleTasks({ ...base, instancesPerFunction: 3 });
    expect(tasks).toHaveLength(120);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(120);
    const copies = tasks.filter((t) => t.function.qualifiedName === "func_3");
    expect(copies.map((t) => t.replica)).toEqual([0, 1, 2]);
  });

  it("caps the number of functions and skips test code unless told not to", () => {
    const mixed = [...inventory, fn("tests/test_mod.py", "test_x"), fn("pkg/conftest.py", "fixture"), fn("pkg/mod_test.py", "test_y")];
    const skipped = sampleTasks({ ...base, functions: mixed });
    expect(skipped).toHaveLength(40);
    expect(skipped.some((t) => isTestPath(t.function.file))).toBe(false);
    expect(sampleTasks({ ...base, functions: mixed, skipTests: false })).toHaveLength(43);
    const capped = sampleTasks({ ...base, functions: mixed, functionsPerRepo: 5 });
    expect(capped.map((t) => t.function)).toEqual(skipped.slice(0, 5).map((t) => t.function));
  });

  it("draws distinct prompts per attempt and demonstrations from the pool, covering the library", () => {
    const many = Array.from({ length: 600 }, (_, i) => fn(`pkg/m${i}.py`, `f${i}`));
    const tasks = sampleTasks({ ...base, functions: many });
    const pool = new Set(BUILTIN_DEMONSTRATIONS.map((d) => d.id));
    for (const task of tasks) {
      expect(task.promptIndex).toBe(task.promptOrder[0]);
      expect(new Set(task.promptOrder).size).toBe(3);
      expect(task.promptOrder.every((i) => i >= 0 && i < BUG_PROMPT_TEMPLATES.length)).toBe(true);
      expect([0, 1, 2, 3].map((a) => attemptPromptIndex(task, a))).toEqual([...task.promptOrder, task.promptOrder[0]]);
      expect(pool.has(task.demonstrationId)).toBe(true);
    }
    expect(new Set(tasks.map((t) => t.promptIndex)).size).toBe(BUG_PROMPT_TEMPLATES.length);
    expect(new Set(tasks.map((t) => t.demonstrationId))).toEqual(pool);
    const custom = sampleTasks({ ...base, demonstrationIds: ["only-one"], templateCount: 2 });
    expect(custom.every((t) => t.demonstrationId === "only-one" && t.promptOrder.length === 2)).toBe(true);
  });

  it("rejects abbreviated commits and non-positive counts", () => {
    expect(() => sampleTasks({ ...base, commit: "0123456" })).toThrow(/full/);
    expect(() => sampleTasks({ ...base, functionsPerRepo: 0 })).toThrow(RangeError);
    expect(() => sampleTasks({ ...base, instancesPerFunction: 1.5 })).toThrow(RangeError);
    expect(() => sampleTasks({ ...base, demonstrationIds: [] })).toThrow(/empty/);
  });
});

// sha256 over the length-prefixed parts ("s", "org/r", COMMIT, "pkg/a.py", "A.run", "3", "0"), first 12 hex digits.
const PINNED_ID = "org__r_01234_62b3e0e6c7e9";
