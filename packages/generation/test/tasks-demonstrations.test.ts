import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUILTIN_DEMONSTRATIONS, loadDemonstrations } from "../src/tasks/index.js";

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
    await expect(loadDemonstrations(file)).rejects.toThrow(`${file}:2: duplicate id "a" (first on line 1)`);
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
