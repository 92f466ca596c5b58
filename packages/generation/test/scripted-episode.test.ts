import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Message } from "@sera/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUILTIN_DEMONSTRATIONS,
  GENERIC_BUG_PROMPT,
  parsePrText,
  parseSelfCheck,
  renderBugPrompt,
  renderPrPrompt,
  renderSelfCheckPrompt,
  type TrajectoryStep,
} from "../src/index.js";
import {
  AGENT_SYSTEM_PROMPT,
  openAIChatModel,
  renderInstanceTask,
  startScriptedModelServer,
  type ChatModel,
  type ScriptedModelServer,
  type ToolDefinition,
} from "@sera/rollout";

// The agent side here is a small stand-in written for the test: it runs the scripted model's
// commands against a real git checkout, with /testbed mapped to a temp directory.

const tools: ToolDefinition[] = [
  { name: "bash", description: "Run a shell command.", parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] } },
  {
    name: "str_replace_editor",
    description: "View and edit files.",
    parameters: {
      type: "object",
      properties: {
        command: { type: "string", enum: ["view", "create", "str_replace", "insert", "undo_edit"] },
        path: { type: "string" },
        old_str: { type: "string" },
        new_str: { type: "string" },
        insert_line: { type: "integer" },
        view_range: { type: "array", items: { type: "integer" } },
      },
      required: ["command", "path"],
    },
  },
  { name: "submit", description: "Submit the work.", parameters: { type: "object", properties: {} } },
];

const pythonSource = `"""Geometry helpers."""


class Box:
    def __init__(self, width, height):
        self.width = width
        self.height = height

    def area(self, scale):
        """Return the scaled area."""
        return self.width * self.height * scale


def area(values):
    return sum(values)
`;

const jsSource = `export function formatName(first, last) {
  const parts = [first, last].filter(Boolean);
  return parts.join(" ");
}
`;

function git(repo: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd: repo, encoding: "utf8" });
}

function makeRepo(root: string): string {
  const repo = fs.mkdtempSync(path.join(root, "repo-"));
  fs.mkdirSync(path.join(repo, "pkg"));
  fs.mkdirSync(path.join(repo, "lib"));
  fs.writeFileSync(path.join(repo, "pkg", "shapes.py"), pythonSource);
  fs.writeFileSync(path.join(repo, "lib", "format.js"), jsSource);
  git(repo, "init", "-q");
  git(repo, "add", "-A");
  git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base");
  return repo;
}

function runTool(repo: string, name: string, args: Record<string, unknown>, submits: number): { output: string; done: boolean } {
  const mapPath = (p: unknown) => String(p).replace(/^\/testbed/, repo);
  if (name === "bash") {
    const command = String(args.command).replaceAll("/testbed", repo);
    const run = spawnSync("bash", ["-c", command], { cwd: repo, encoding: "utf8" });
    return { output: `${run.stdout}${run.stderr}`.replaceAll(repo, "/testbed"), done: false };
  }
  if (name === "str_replace_editor") {
    const file = mapPath(args.path);
    const text = fs.readFileSync(file, "utf8");
    if (args.command === "str_replace") {
      const count = text.split(String(args.old_str)).length - 1;
      if (count !== 1) return { output: `Error: No change made: old_str appears ${count} times in ${args.path}.`, done: false };
      fs.writeFileSync(
        file,
        text.replace(String(args.old_str), () => String(args.new_str)),
      );
      return { output: `Edited ${args.path}.`, done: false };
    }
    if (args.command === "insert") {
      const lines = text.split("\n");
      lines.splice(Number(args.insert_line), 0, String(args.new_str));
      fs.writeFileSync(file, lines.join("\n"));
      return { output: `Edited ${args.path}.`, done: false };
    }
    return { output: `unsupported command ${String(args.command)}`, done: false };
  }
  if (name === "submit") {
    if (submits === 0) {
      git(repo, "add", "-A");
      return { output: `Please review the diff below, remove scripts you added, then submit again.\n${git(repo, "diff", "--cached")}`, done: false };
    }
    return { output: "", done: true };
  }
  return { output: `unknown tool ${name}`, done: false };
}

interface Episode {
  actions: { name: string; args: Record<string, unknown> }[];
  messages: Message[];
  patch: string;
  formatErrors: number;
}

async function runEpisode(model: ChatModel, repo: string, problem: string): Promise<Episode> {
  const messages: Message[] = [
    { role: "system", content: AGENT_SYSTEM_PROMPT },
    { role: "user", content: renderInstanceTask(problem) },
  ];
  const actions: Episode["actions"] = [];
  let submits = 0;
  let formatErrors = 0;
  for (let step = 0; step < 20; step++) {
    const { message } = await model.complete({ messages, tools, temperature: 0.6 });
    messages.push(message);
    expect(message.toolCalls).toHaveLength(1);
    const call = message.toolCalls![0];
    if (typeof call.arguments === "string") {
      formatErrors++;
      messages.push({ role: "tool", toolCallId: call.id, content: "Your tool call could not be parsed: the arguments are not valid JSON. Try again." });
      continue;
    }
    const args = call.arguments;
    actions.push({ name: call.name, args });
    const result = runTool(repo, call.name, args, submits);
    if (call.name === "submit") submits++;
    if (result.done) break;
    messages.push({ role: "tool", toolCallId: call.id, content: `OBSERVATION:\n${result.output}` });
  }
  git(repo, "add", "-A");
  return { actions, messages, patch: git(repo, "diff", "--cached"), formatErrors };
}

function trajectorySteps(episode: Episode): TrajectoryStep[] {
  const steps: TrajectoryStep[] = [];
  for (let i = 0; i < episode.messages.length; i++) {
    const message = episode.messages[i];
    if (message.role !== "assistant") continue;
    const call = message.toolCalls![0];
    steps.push({
      action: JSON.stringify({ name: call.name, arguments: call.arguments }),
      observation: episode.messages[i + 1]?.content ?? "",
      response: message.reasoning ?? "",
    });
  }
  return steps;
}

function kindOf(action: Episode["actions"][number]): string {
  const command = String(action.args.command ?? "");
  if (action.name === "bash") return command.split(" ")[0] === "cd" ? "check" : command.split(" ")[0];
  return action.name === "str_replace_editor" ? command : action.name;
}

describe("scripted stand-in plays a full SERA episode against a real checkout", () => {
  let root: string;
  let server: ScriptedModelServer;
  let diverging: ScriptedModelServer;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "sera-scripted-episode-"));
    server = await startScriptedModelServer({ seed: 7, latencyMsPerTurn: 0 });
    diverging = await startScriptedModelServer({ seed: 7, latencyMsPerTurn: 0, divergenceRate: 1 });
  });
  afterAll(async () => {
    await server.close();
    await diverging.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("rollout 1 → self-check → PR → rollout 2 reproduces the edit", async () => {
    const model = openAIChatModel({ baseURL: server.url, model: "scripted-stand-in", timeoutMs: 5_000, maxRetries: 0 });
    const repo1 = makeRepo(root);
    const task = renderBugPrompt(GENERIC_BUG_PROMPT, { file: "pkg/shapes.py", function: "Box.area" });
    const first = await runEpisode(model, repo1, task);

    expect(first.actions.map(kindOf)).toEqual(["grep", "sed", "str_replace", "check", "submit", "submit"]);
    // The method of Box was edited, not the module-level function of the same name.
    expect(first.patch).toContain("diff --git a/pkg/shapes.py");
    const changed = first.patch.split("\n").filter((line) => line.startsWith("+") && !line.startsWith("+++"));
    expect(changed.length).toBeGreaterThan(0);
    // Body lines of the method sit at 8 spaces, a nested block at 12.
    expect(changed.map((line) => /^\+( *)/.exec(line)![1].length).every((indent) => indent === 8 || indent === 12)).toBe(true);
    const edited = fs.readFileSync(path.join(repo1, "pkg", "shapes.py"), "utf8");
    expect(edited.indexOf(changed[0].slice(1))).toBeGreaterThan(edited.indexOf('"""Return the scaled area."""'));
    expect(edited.indexOf(changed[0].slice(1))).toBeLessThan(edited.indexOf("return self.width"));
    expect(spawnSync("python3", ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", path.join(repo1, "pkg", "shapes.py")]).status).toBe(0);
    expect(first.messages.filter((m) => m.role === "assistant").every((m) => (m.reasoning ?? "").length > 10)).toBe(true);

    const steps = trajectorySteps(first);
    const check = await model.complete({ messages: [{ role: "user", content: renderSelfCheckPrompt({ task: first.messages[1].content, steps }) }] });
    expect(parseSelfCheck(check.message.content)).not.toBeNull();

    const pr = await model.complete({ messages: [{ role: "user", content: renderPrPrompt({ steps, demonstration: BUILTIN_DEMONSTRATIONS[0] }) }] });
    const prText = parsePrText(pr.message.content) ?? "";
    expect(prText).toContain("`pkg/shapes.py` (function `Box.area`)");
    expect(prText).not.toMatch(/Suspected location/);

    const second = await runEpisode(model, makeRepo(root), prText);
    expect(second.actions.at(-1)?.name).toBe("submit");
    expect(second.patch).toBe(first.patch);

    const divergent = await runEpisode(
      openAIChatModel({ baseURL: diverging.url, model: "scripted-stand-in", timeoutMs: 5_000, maxRetries: 0 }),
      makeRepo(root),
      prText,
    );
    expect(divergent.patch).toContain("pkg/shapes.py");
    expect(divergent.patch).not.toBe(first.patch);
  });

  it("recovers from malformed tool calls and still makes the same edit", async () => {
    const clean = openAIChatModel({ baseURL: server.url, model: "scripted-stand-in", timeoutMs: 5_000, maxRetries: 0 });
    const sloppy = await startScriptedModelServer({ seed: 7, faults: { malformedToolCallRate: 0.4 } });
    try {
      const model = openAIChatModel({ baseURL: sloppy.url, model: "scripted-stand-in", timeoutMs: 5_000, maxRetries: 0 });
      const task = renderBugPrompt(GENERIC_BUG_PROMPT, { file: "pkg/shapes.py", function: "Box.area" });
      const reference = await runEpisode(clean, makeRepo(root), task);
      const episode = await runEpisode(model, makeRepo(root), task);
      expect(episode.formatErrors).toBeGreaterThan(0);
      expect(episode.formatErrors).toBe(sloppy.stats().faults.malformedToolCall);
      expect(episode.actions.map(kindOf)).toEqual(reference.actions.map(kindOf));
      expect(episode.patch).toBe(reference.patch);
    } finally {
      await sloppy.close();
    }
  });

  it("edits a JavaScript function inside its braces and checks with git diff", async () => {
    const model = openAIChatModel({ baseURL: server.url, model: "scripted-stand-in", timeoutMs: 5_000, maxRetries: 0 });
    const repo = makeRepo(root);
    const episode = await runEpisode(model, repo, renderBugPrompt(GENERIC_BUG_PROMPT, { file: "lib/format.js", function: "formatName" }));
    expect(episode.actions.map(kindOf)).toEqual(["grep", "sed", "str_replace", "check", "submit", "submit"]);
    expect(episode.patch).toMatch(/\n\+  \/\/ formatName: /);
    const lines = fs.readFileSync(path.join(repo, "lib", "format.js"), "utf8").split("\n");
    expect(lines[0]).toBe("export function formatName(first, last) {");
    expect(lines[1]).toMatch(/^ {2}\/\/ formatName: /);
  });

  it("searches the whole checkout when the named file is wrong, and gives up cleanly when nothing is found", async () => {
    const model = openAIChatModel({ baseURL: server.url, model: "scripted-stand-in", timeoutMs: 5_000, maxRetries: 0 });
    const moved = await runEpisode(model, makeRepo(root), "Odd.\nSuspected location: pkg/other.py (function Box.area)");
    expect(moved.actions.map(kindOf).slice(0, 3)).toEqual(["grep", "grep", "sed"]);
    expect(moved.patch).toContain("pkg/shapes.py");

    const missing = await runEpisode(model, makeRepo(root), "Odd.\nSuspected location: pkg/shapes.py (function nowhere_defined)");
    expect(missing.actions.map(kindOf)).toEqual(["grep", "grep", "submit", "submit"]);
    expect(missing.patch).toBe("");
  });

  it("falls back to insert-by-line when the replacement text is not unique", async () => {
    const model = openAIChatModel({ baseURL: server.url, model: "scripted-stand-in", timeoutMs: 5_000, maxRetries: 0 });
    const repo = makeRepo(root);
    // Two identical copies of the method make the planned old_str ambiguous.
    const doubled = pythonSource.replace(
      "\n\ndef area(values):",
      `\n\nclass Twin:\n${pythonSource.split("class Box:\n")[1].split("\n\ndef area")[0]}\n\ndef area(values):`,
    );
    fs.writeFileSync(path.join(repo, "pkg", "shapes.py"), doubled);
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "twin");
    const episode = await runEpisode(model, repo, "Odd.\nSuspected location: pkg/shapes.py (function Twin.area)");
    expect(episode.actions.map(kindOf)).toEqual(["grep", "sed", "str_replace", "insert", "check", "submit", "submit"]);
    const text = fs.readFileSync(path.join(repo, "pkg", "shapes.py"), "utf8");
    const twinStart = text.indexOf("class Twin:");
    const added = episode.patch.split("\n").find((line) => line.startsWith("+") && !line.startsWith("+++"))!;
    expect(text.indexOf(added.slice(1))).toBeGreaterThan(twinStart);
    expect(spawnSync("python3", ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", path.join(repo, "pkg", "shapes.py")]).status).toBe(0);
  });
});
