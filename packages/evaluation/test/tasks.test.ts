import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readTaskInstances, repoFromInstanceId, resolveRepoPath } from "../src/index.js";

function file(lines: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-tasks-"));
  const target = path.join(dir, "tasks.jsonl");
  writeFileSync(target, lines.join("\n") + "\n");
  return target;
}

const instance = {
  instance_id: "django__django-14752",
  repo: "django/django",
  base_commit: "b64db05b9cedd96905d637a2d824cbbf428e40e7",
  problem_statement: "Refactor AutocompleteJsonView…",
};

describe("task instances", () => {
  it("reads SWE-bench-style instances, keeping SWE-bench's other fields", () => {
    const tasks = readTaskInstances(file([JSON.stringify({ ...instance, version: "4.0", FAIL_TO_PASS: "[]" }), ""]));
    expect(tasks).toEqual([{ ...instance, version: "4.0", FAIL_TO_PASS: "[]" }]);
  });

  it("names the file, line and field of a bad instance", () => {
    expect(() => readTaskInstances(file([JSON.stringify(instance), JSON.stringify({ ...instance, instance_id: "x", base_commit: undefined })]))).toThrow(
      /tasks\.jsonl:2: base_commit: /,
    );
    expect(() => readTaskInstances(file(["{oops"]))).toThrow(/tasks\.jsonl:1: not a JSON object/);
    expect(() => readTaskInstances(file([JSON.stringify(instance), JSON.stringify(instance)]))).toThrow(
      "tasks.jsonl:2: instance_id django__django-14752 appears twice",
    );
    expect(() => readTaskInstances(file([JSON.stringify(instance)]), { requireTeacherPatch: true })).toThrow(
      /teacher_patch: a held-out task needs the teacher's patch/,
    );
    expect(() => readTaskInstances("/nonexistent/tasks.jsonl")).toThrow("tasks.file: /nonexistent/tasks.jsonl does not exist");
  });

  it("finds local clones by explicit mapping or under a folder, and says which names it knows", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sera-clones-"));
    for (const name of ["django__django", "sympy", path.join("astropy", "astropy")]) {
      mkdirSync(path.join(root, name), { recursive: true });
      execFileSync("git", ["init", "-q"], { cwd: path.join(root, name) });
    }
    expect(resolveRepoPath("django/django", {}, root)).toBe(path.join(root, "django__django"));
    expect(resolveRepoPath("sympy/sympy", {}, root)).toBe(path.join(root, "sympy"));
    expect(resolveRepoPath("astropy/astropy", {}, root)).toBe(path.join(root, "astropy/astropy"));
    expect(resolveRepoPath("org/private", { "org/private": "clones/private" }, undefined, "/work")).toBe("/work/clones/private");
    expect(() => resolveRepoPath("pallets/flask", {}, root)).toThrow(/no local clone for repo pallets\/flask: .*known: .*django__django/);
    expect(repoFromInstanceId("django__django-14752")).toBe("django/django");
    expect(repoFromInstanceId("scikit-learn__scikit-learn-10297")).toBe("scikit-learn/scikit-learn");
    expect(repoFromInstanceId("stockroom_ca46d_b688cca4457b")).toBe("stockroom_ca46d_b688cca4457b");
  });
});
