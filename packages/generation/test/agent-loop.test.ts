import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderBugPrompt } from "../src/index.js";
import {
  AGENT_SYSTEM_PROMPT,
  createSandbox,
  createToolbox,
  openAIChatModel,
  prepareSource,
  renderInstanceTask,
  runAgent,
  startScriptedModelServer,
  type Environment,
  type PreparedSource,
  type ScriptedModelServer,
} from "@sera/rollout";

/** The agent loop against the scripted stand-in over real HTTP, in a real (unisolated) sandbox copy. */

let source: PreparedSource;
const root = mkdtempSync(path.join(os.tmpdir(), "sera-agent-"));
const servers: ScriptedModelServer[] = [];

beforeAll(async () => {
  const repo = path.join(root, "stockroom");
  cpSync(path.resolve(__dirname, "../demo-repo"), repo, { recursive: true });
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t.invalid", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "demo");
  source = await prepareSource(repo, "HEAD", path.join(root, "cache"));
});
afterAll(async () => Promise.all(servers.map((s) => s.close())));

async function episode(serverOptions: Parameters<typeof startScriptedModelServer>[0], limits: Parameters<typeof runAgent>[0]["limits"] = {}) {
  const server = await startScriptedModelServer(serverOptions);
  servers.push(server);
  const sandbox = await createSandbox({ source, root: path.join(root, "sandboxes"), isolation: "none" });
  const toolbox = createToolbox(sandbox);
  const environment: Environment = {
    tools: toolbox.definitions.map((t) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters })),
    run: (call) => toolbox.run(call),
    patch: () => sandbox.diff(),
  };
  const seen: number[] = [];
  try {
    const result = await runAgent({
      model: openAIChatModel({ baseURL: server.url, model: "scripted-stand-in", timeoutMs: 5000, maxRetries: 0 }),
      environment,
      system: AGENT_SYSTEM_PROMPT,
      task: renderInstanceTask(renderBugPrompt("Something is off in {{function}} ({{file}}).", { function: "Catalog.get", file: "stockroom/catalog.py" })),
      limits,
      onMessages: (messages) => seen.push(messages.length),
    });
    return { result, seen };
  } finally {
    await sandbox.destroy();
  }
}

describe("runAgent", () => {
  it("runs a full episode to the second submit and returns the sandbox diff", async () => {
    const { result, seen } = await episode({ seed: 1 });
    expect(result.exitStatus).toBe("submitted");
    expect(result.patch).toMatch(/^diff --git a\/stockroom\/catalog\.py/);
    expect(result.steps).toBe(result.messages.filter((m) => m.role === "assistant").length);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    // Every assistant tool call is answered by exactly one tool message with its id.
    const callIds = result.messages.flatMap((m) => m.toolCalls?.map((c) => c.id) ?? []);
    const answered = result.messages.filter((m) => m.role === "tool").map((m) => m.toolCallId);
    expect(answered).toEqual(callIds);
    // The trajectory was reported as it grew, one message at a time or a call and its answer together.
    expect(seen.at(-1)).toBe(result.messages.length);
    expect(seen.every((n, i) => i === 0 || n > seen[i - 1])).toBe(true);
  });

  it("stops at the step cap and autosubmits what is there", async () => {
    const { result } = await episode({ seed: 1 }, { maxSteps: 3 });
    expect(result.exitStatus).toBe("submitted (exit_cost)");
    expect(result.steps).toBe(3);
  });

  it("ends with exit_context when the endpoint rejects the conversation as too long", async () => {
    const { result } = await episode({ seed: 1, maxContextTokens: 50 });
    expect(result.exitStatus).toBe("submitted (exit_context)");
    expect(result.modelError?.kind).toBe("context_overflow");
    expect(result.patch).toBe("");
  });

  it("gives up after repeated malformed tool calls", async () => {
    const { result } = await episode({ seed: 1, faults: { malformedToolCallRate: 1 } }, { maxFormatErrors: 2 });
    expect(result.exitStatus).toBe("submitted (exit_format)");
    expect(result.messages.filter((m) => m.role === "tool").every((m) => /not valid JSON|JSON object/.test(m.content))).toBe(true);
  });
});
