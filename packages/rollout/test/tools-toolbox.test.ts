import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, createSyntheticRepo, prepareSource, type PreparedSource, type Sandbox } from "../src/sandbox/index.js";
import { createToolbox, NO_OUTPUT_NOTE, toolDefinitions, type ToolResult } from "../src/tools/index.js";

let workDir: string;
let source: PreparedSource;
const sandboxes: Sandbox[] = [];

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-tools-toolbox-"));
  const repo = await createSyntheticRepo(6, workDir);
  source = await prepareSource(repo, "HEAD", path.join(workDir, "cache"));
});

afterAll(async () => {
  for (const sandbox of sandboxes) await sandbox.destroy();
  fs.rmSync(workDir, { recursive: true, force: true });
});

async function newSandbox(): Promise<Sandbox> {
  const sandbox = await createSandbox({ source, root: path.join(workDir, "sbx"), isolation: "bwrap" });
  sandboxes.push(sandbox);
  return sandbox;
}

function textOf(result: ToolResult): string {
  if (result.kind === "submitted") throw new Error("unexpected submit");
  return result.text;
}

describe("tool definitions", () => {
  it("describe bash, str_replace_editor and submit as OpenAI function tools", () => {
    expect(toolDefinitions.map((tool) => tool.function.name)).toEqual(["bash", "str_replace_editor", "submit"]);
    for (const tool of toolDefinitions) {
      expect(tool.type).toBe("function");
      expect(tool.function.description.length).toBeGreaterThan(20);
      expect(tool.function.parameters.type).toBe("object");
      for (const required of tool.function.parameters.required) expect(tool.function.parameters.properties).toHaveProperty(required);
      for (const property of Object.values(tool.function.parameters.properties)) expect(property.description).toBeTruthy();
    }
    const editor = toolDefinitions[1].function.parameters;
    expect(Object.keys(editor.properties).sort()).toEqual(["command", "file_text", "insert_line", "new_str", "old_str", "path", "view_range"].sort());
    expect(JSON.parse(JSON.stringify(toolDefinitions))).toEqual(toolDefinitions);
  });
});

describe("bash tool", () => {
  it("returns output, a fixed note for silence, and a timeout message", async () => {
    const toolbox = createToolbox(await newSandbox(), { bashTimeoutMs: 800 });
    expect(textOf(await toolbox.run({ name: "bash", arguments: { command: "echo hi; echo err >&2" } }))).toBe("hi\nerr\n");
    expect(textOf(await toolbox.run({ name: "bash", arguments: '{"command": "true"}' }))).toBe(NO_OUTPUT_NOTE);
    const slow = await toolbox.run({ name: "bash", arguments: { command: "echo partial; sleep 30" } });
    expect(slow.kind).toBe("observation");
    expect(slow.kind === "observation" && slow.timedOut).toBe(true);
    expect(textOf(slow)).toMatch(/still running after 0\.8 s/);
    expect(textOf(slow)).toContain("partial");
  });

  it("caps long output at the configured size, keeping head and tail", async () => {
    const toolbox = createToolbox(await newSandbox(), { bashMaxOutputChars: 500 });
    const text = textOf(await toolbox.run({ name: "bash", arguments: { command: "seq 1 50000" } }));
    expect(text.startsWith("1\n2\n")).toBe(true);
    expect(text.endsWith("49999\n50000\n")).toBe(true);
    expect(text.length).toBeLessThan(600);
  });

  it("uses SWE-agent's 100,000 character cap by default", async () => {
    const toolbox = createToolbox(await newSandbox());
    const text = textOf(await toolbox.run({ name: "bash", arguments: { command: "head -c 140000 /dev/zero | tr '\\0' a" } }));
    expect(text).toMatch(/\[40000 characters elided\]/);
  });
});

describe("malformed calls", () => {
  it("explain unknown tools, bad JSON, non-object and missing arguments without throwing", async () => {
    const toolbox = createToolbox(await newSandbox());
    expect(textOf(await toolbox.run({ name: "python", arguments: {} }))).toMatch(/no tool called 'python'.*bash, str_replace_editor, submit/);
    expect(textOf(await toolbox.run({ name: "bash", arguments: "{command: ls" }))).toMatch(/not valid JSON/);
    expect(textOf(await toolbox.run({ name: "bash", arguments: "[1, 2]" }))).toMatch(/must be a JSON object/);
    expect(textOf(await toolbox.run({ name: "bash", arguments: { cmd: "ls" } }))).toMatch(/command: missing/);
    expect(textOf(await toolbox.run({ name: "bash", arguments: { command: "  " } }))).toMatch(/empty/);
    expect(textOf(await toolbox.run({ name: "str_replace_editor", arguments: { command: "view" } }))).toMatch(/path: missing/);
  });
});

describe("submit", () => {
  it("first shows a review with the current diff, then ends the episode with the final patch", async () => {
    const sandbox = await newSandbox();
    const toolbox = createToolbox(sandbox);
    await toolbox.run({ name: "bash", arguments: { command: "echo 'print(1)' > reproduce.py && sed -i 's/return 2/return 20/' pkg0/module2.py" } });

    const review = await toolbox.run({ name: "submit", arguments: {} });
    expect(review.kind).toBe("review");
    const reviewText = textOf(review);
    expect(reviewText).toContain("diff --git a/reproduce.py b/reproduce.py");
    expect(reviewText).toContain("+    return 20");
    expect(reviewText).toMatch(/reproduction/);
    expect(reviewText).toMatch(/test files/);
    expect(reviewText).toMatch(/submit again/);

    await toolbox.run({ name: "bash", arguments: { command: "rm reproduce.py" } });
    const final = await toolbox.run({ name: "submit", arguments: "" });
    expect(final.kind).toBe("submitted");
    if (final.kind !== "submitted") throw new Error("not submitted");
    expect(final.patch).toContain("+    return 20");
    expect(final.patch).not.toContain("reproduce.py");
    expect(final.patch).toBe(await sandbox.diff());
  });

  it("says so when there is nothing to submit yet, and can skip the review when asked", async () => {
    const sandbox = await newSandbox();
    expect(textOf(await createToolbox(sandbox).run({ name: "submit", arguments: {} }))).toMatch(/no changes/);
    const direct = await createToolbox(sandbox, { reviewBeforeSubmit: false }).run({ name: "submit", arguments: {} });
    expect(direct).toEqual({ kind: "submitted", patch: "" });
  });
});
