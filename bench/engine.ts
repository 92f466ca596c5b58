import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Trajectory } from "@sera/core";
import { BUG_PROMPT_TEMPLATES, inventory, renderBugPrompt } from "@sera/generation";
import {
  AGENT_SYSTEM_PROMPT,
  bwrapAvailable,
  createSandbox,
  createToolbox,
  endpointPool,
  openAIChatModel,
  prepareSource,
  renderInstanceTask,
  runAgent,
  startScriptedModelServer,
  type Environment,
  type ToolCallRequest,
  type ToolResult,
} from "@sera/rollout";

/**
 * Rollout-engine efficiency: 64 agents against the scripted stand-in at 100 ms per turn. The
 * question is whether the loop, HTTP client and endpoint pool keep every agent waiting only on the
 * model. Tool calls are answered from observations recorded in real sandboxes beforehand, so the
 * figure isolates the engine from the cost of running commands (measured separately below, and
 * bounded by this machine's 2 cores).
 */

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

export function demoRepoCopy(): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "sera-bench-")), "stockroom");
  cpSync(path.join(repoRoot, "packages/generation/demo-repo"), dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@sera.invalid", ...args], { cwd: dir, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "demo");
  return dir;
}

interface Recorded {
  task: string;
  answers: Map<string, ToolResult>;
  patch: string;
  trajectory: Trajectory;
}

const keyOf = (call: ToolCallRequest) => JSON.stringify([call.name, call.arguments]);

function model(url: string, concurrency: number) {
  return endpointPool([openAIChatModel({ baseURL: url, model: "scripted-stand-in", timeoutMs: 60_000, maxRetries: 2 })], {
    maxConcurrentPerEndpoint: concurrency,
  });
}

export async function recordRollouts(repo: string, count: number): Promise<Recorded[]> {
  const server = await startScriptedModelServer({ seed: 0 });
  const listed = await inventory(repo, "HEAD");
  const source = await prepareSource(repo, "HEAD", path.join(os.tmpdir(), "sera-bench-cache"));
  const isolation = (await bwrapAvailable()) ? "bwrap" : "none";
  const teacher = model(server.url, 8);
  const recorded: Recorded[] = [];
  try {
    for (const [i, fn] of listed.functions.slice(0, count).entries()) {
      const task = renderInstanceTask(renderBugPrompt(BUG_PROMPT_TEMPLATES[i % BUG_PROMPT_TEMPLATES.length], { function: fn.qualifiedName, file: fn.file }));
      const sandbox = await createSandbox({ source, root: path.join(os.tmpdir(), "sera-bench-sandboxes"), isolation });
      const toolbox = createToolbox(sandbox);
      const answers = new Map<string, ToolResult>();
      const environment: Environment = {
        tools: toolbox.definitions.map((t) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters })),
        run: async (call) => {
          const result = await toolbox.run(call);
          answers.set(keyOf(call), result);
          return result;
        },
        patch: () => sandbox.diff(),
      };
      const result = await runAgent({ model: teacher, environment, system: AGENT_SYSTEM_PROMPT, task });
      await sandbox.destroy();
      recorded.push({
        task,
        answers,
        patch: result.patch,
        trajectory: {
          instanceId: `bench-${i}`,
          messages: result.messages,
          exitStatus: result.exitStatus,
          patch: result.patch,
          steps: result.steps,
          source: "sera",
        },
      });
    }
  } finally {
    await server.close();
  }
  return recorded;
}

export async function engineEfficiency(recorded: Recorded[], options: { concurrency: number; latencyMs: number; rollouts: number }) {
  const server = await startScriptedModelServer({ seed: 0, latencyMsPerTurn: options.latencyMs });
  const teacher = model(server.url, options.concurrency);
  const tools = (await import("@sera/rollout")).toolDefinitions.map((t) => ({
    name: t.function.name,
    description: t.function.description,
    parameters: t.function.parameters,
  }));
  let next = 0;
  let turns = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < options.rollouts) {
      const item = recorded[next++ % recorded.length];
      const environment: Environment = {
        tools,
        run: async (call) => {
          const answer = item.answers.get(keyOf(call));
          if (!answer) throw new Error(`replay miss for ${keyOf(call)}`);
          return answer;
        },
        patch: async () => item.patch,
      };
      const result = await runAgent({ model: teacher, environment, system: AGENT_SYSTEM_PROMPT, task: item.task });
      turns += result.steps;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await server.close();
  const measured = turns / seconds;
  const ideal = options.concurrency * (1000 / options.latencyMs);
  return { rollouts: options.rollouts, turns, seconds, turnsPerSecond: measured, idealTurnsPerSecond: ideal, efficiency: measured / ideal };
}
