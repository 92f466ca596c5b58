import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUILTIN_DEMONSTRATIONS, loadDemonstrationPool, loadDemonstrations } from "../src/tasks/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-demos-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeJsonl(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n"));
  return file;
}

describe("loadDemonstrations", () => {
  it("reads ids and bodies, accepts the text/problem_statement aliases and skips blank lines and empty bodies", async () => {
    const file = writeJsonl("ok.jsonl", [
      JSON.stringify({ id: "gh-1", body: "Crash when the list is empty." }),
      "",
      JSON.stringify({ id: "gh-2", body: "   " }),
      JSON.stringify({ id: 3, text: "Wrong total with discounts." }),
      JSON.stringify({ instance_id: "proj__proj-12", problem_statement: "Timeout ignored.\n\nDetails here." }),
      JSON.stringify({ body: "No id given here." }),
      JSON.stringify({ id: "gh-4", body: null, text: "Body under an alias." }),
      "",
    ]);
    expect(await loadDemonstrations(file)).toEqual([
      { id: "gh-1", body: "Crash when the list is empty." },
      { id: "3", body: "Wrong total with discounts." },
      { id: "proj__proj-12", body: "Timeout ignored.\n\nDetails here." },
      { id: "line-6", body: "No id given here." },
      { id: "gh-4", body: "Body under an alias." },
    ]);
  });

  it("names the file and line of malformed JSON", async () => {
    const file = writeJsonl("broken.jsonl", [JSON.stringify({ id: "a", body: "fine" }), "", '{"id": "b", "body": "unterminated']);
    await expect(loadDemonstrations(file)).rejects.toThrow(`${file}:3: invalid JSON`);
  });

  it("names the file and line of entries that are not objects or have wrongly typed fields", async () => {
    const notObject = writeJsonl("array.jsonl", [JSON.stringify({ id: "a", body: "x" }), "[1, 2]"]);
    await expect(loadDemonstrations(notObject)).rejects.toThrow(`${notObject}:2: expected a JSON object`);
    const badBody = writeJsonl("badbody.jsonl", [JSON.stringify({ id: "a", body: 42 })]);
    await expect(loadDemonstrations(badBody)).rejects.toThrow(`${badBody}:1: \`body\` must be a string`);
    const badId = writeJsonl("badid.jsonl", [JSON.stringify({ id: { nested: true }, body: "x" })]);
    await expect(loadDemonstrations(badId)).rejects.toThrow(`${badId}:1: \`id\` must be a string or number`);
  });

  it("rejects duplicate ids, naming both lines", async () => {
    const file = writeJsonl("dupes.jsonl", [JSON.stringify({ id: "a", body: "x" }), JSON.stringify({ id: "a", body: "y" })]);
    await expect(loadDemonstrations(file)).rejects.toThrow(`${file}:2: duplicate id "a" (first at ${file}:1)`);
  });

  it("reports a missing file", async () => {
    await expect(loadDemonstrations(path.join(dir, "absent.jsonl"))).rejects.toThrow(/ENOENT/);
  });
});

describe("built-in demonstration pool", () => {
  it("holds at least twelve distinct, non-empty issues", () => {
    expect(BUILTIN_DEMONSTRATIONS.length).toBeGreaterThanOrEqual(12);
    expect(new Set(BUILTIN_DEMONSTRATIONS.map((d) => d.id)).size).toBe(BUILTIN_DEMONSTRATIONS.length);
    expect(new Set(BUILTIN_DEMONSTRATIONS.map((d) => d.body)).size).toBe(BUILTIN_DEMONSTRATIONS.length);
    for (const demo of BUILTIN_DEMONSTRATIONS) expect(demo.body.trim().length).toBeGreaterThan(40);
  });

  it("varies in style: terse and long ones, code with expected vs actual output, a traceback, a signed one", () => {
    const bodies = BUILTIN_DEMONSTRATIONS.map((d) => d.body);
    expect(bodies.some((b) => b.length < 150)).toBe(true);
    expect(bodies.some((b) => b.length > 800)).toBe(true);
    expect(bodies.some((b) => b.includes("```") && /expected/i.test(b) && /actual/i.test(b))).toBe(true);
    expect(bodies.some((b) => b.includes("Traceback (most recent call last)"))).toBe(true);
    expect(bodies.some((b) => /\n[A-Z][a-z]+ [A-Z][a-z]+$/.test(b.trim()))).toBe(true);
    expect(bodies.filter((b) => !b.includes("```")).length).toBeGreaterThanOrEqual(4);
  });
});

function writeJson(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

describe("issue pools from GitHub", () => {
  it("reads `gh issue list --json number,title,body` output: title and body as SWE-bench joins them, empty bodies skipped", async () => {
    const file = writeJson("gh.json", [
      { number: 12, title: "Crash on empty input", body: "Calling `parse('')` raises IndexError." },
      { number: 11, title: "No body here", body: "" },
      { number: 10, title: "", body: "Only a body." },
    ]);
    expect(await loadDemonstrations(file)).toEqual([
      { id: "#12", body: "Crash on empty input\nCalling `parse('')` raises IndexError." },
      { id: "#10", body: "Only a body." },
    ]);
  });

  it("reads GitHub REST issues: pull requests and null bodies left out, the repository taken from repository_url", async () => {
    const file = writeJson("rest.json", [
      {
        number: 7,
        title: "Timezone lost on copy",
        body: "Copying a timestamp drops its zone.",
        html_url: "https://github.com/acme/clock/issues/7",
        repository_url: "https://api.github.com/repos/acme/clock",
        state: "open",
        user: { login: "someone" },
      },
      {
        number: 8,
        title: "Fix zone",
        body: "Fixes #7",
        html_url: "https://github.com/acme/clock/pull/8",
        repository_url: "https://api.github.com/repos/acme/clock",
        pull_request: { url: "x" },
      },
      { number: 9, title: "Empty", body: null, repository_url: "https://api.github.com/repos/acme/clock" },
    ]);
    expect(await loadDemonstrations(file)).toEqual([
      { id: "acme/clock#7", body: "Timezone lost on copy\nCopying a timestamp drops its zone.", repo: "acme/clock" },
    ]);
  });

  it("reads a plain list of issue bodies (SERA's user pool) and objects like the JSONL ones", async () => {
    const file = writeJson("bodies.json", ["First issue text.", "  ", { id: "x-1", body: "Second.", repo: "acme/clock" }]);
    expect(await loadDemonstrations(file)).toEqual([
      { id: "item-1", body: "First issue text." },
      { id: "x-1", body: "Second.", repo: "acme/clock" },
    ]);
  });

  it("names the file and item of malformed entries", async () => {
    const broken = path.join(dir, "broken.json");
    fs.writeFileSync(broken, '[{"number": 1,');
    await expect(loadDemonstrations(broken)).rejects.toThrow(`${broken}: invalid JSON`);
    const badNumber = writeJson("badnumber.json", [{ number: "one", body: "x" }]);
    await expect(loadDemonstrations(badNumber)).rejects.toThrow(`${badNumber}: item 1: \`number\` must be an integer`);
    const nested = writeJson("nested.json", ["fine", [1, 2]]);
    await expect(loadDemonstrations(nested)).rejects.toThrow(`${nested}: item 2: expected an issue object or a string`);
    const twice = writeJson("twice.json", [
      { number: 3, body: "a" },
      { number: 3, body: "b" },
    ]);
    await expect(loadDemonstrations(twice)).rejects.toThrow(`${twice}: item 2: duplicate id "#3" (first at ${twice}: item 1)`);
  });
});

describe("loadDemonstrationPool", () => {
  const swebench = () =>
    writeJsonl("swebench.jsonl", [
      JSON.stringify({ instance_id: "django__django-11099", repo: "django/django", problem_statement: "UsernameValidator allows trailing newline." }),
      JSON.stringify({ instance_id: "sympy__sympy-20590", repo: "sympy/sympy", problem_statement: "Symbol instances have __dict__." }),
      JSON.stringify({ instance_id: "django__django-11133", repo: "django/django", problem_statement: "HttpResponse doesn't handle memoryview." }),
    ]);

  it("is the built-in pool without a file, the whole file without a filter", async () => {
    expect(await loadDemonstrationPool(undefined)).toEqual(BUILTIN_DEMONSTRATIONS);
    expect((await loadDemonstrationPool(swebench())).map((d) => d.id)).toHaveLength(3);
  });

  it("keeps only one repository's issues with `repo` (org/name or name, any case)", async () => {
    const file = swebench();
    const ids = async (repo: string) => (await loadDemonstrationPool({ file, repo })).map((d) => d.id);
    expect(await ids("django/django")).toEqual(["django__django-11099", "django__django-11133"]);
    expect(await ids("Django")).toEqual(["django__django-11099", "django__django-11133"]);
    expect(await ids("sympy")).toEqual(["sympy__sympy-20590"]);
    // Entries without a repository match when their id contains the name (SERA's pipeline_repo rule).
    const noRepo = writeJsonl("norepo.jsonl", [
      JSON.stringify({ id: "astropy__astropy-12907", body: "Separability matrix wrong." }),
      JSON.stringify({ id: "other-1", body: "x" }),
    ]);
    expect((await loadDemonstrationPool({ file: noRepo, repo: "astropy/astropy" })).map((d) => d.id)).toEqual(["astropy__astropy-12907"]);
  });

  it("refuses a filter that keeps nothing and a file without issues, naming them", async () => {
    const file = swebench();
    await expect(loadDemonstrationPool({ file, repo: "flask" })).rejects.toThrow(
      `demonstrations.repo: no entry of ${file} is from "flask" (3 entries; repositories in it: django/django, sympy/sympy)`,
    );
    const empty = writeJson("empty.json", []);
    await expect(loadDemonstrationPool(empty)).rejects.toThrow(`demonstrations: ${empty} holds no issue with a non-empty body`);
  });
});
