import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSandbox,
  createSyntheticRepo,
  prepareSource,
  runAgent,
  sandboxEnvironment,
  type ChatModel,
  type PreparedSource,
  type Sandbox,
} from "@sera/rollout";
import { generationParamsSchema } from "../src/pipeline/params.js";

/**
 * SWE-agent's limits, with its defaults: the 1,800 s budget counts command execution time (not
 * model latency), which a wall-clock limit backs up under its own exit status; observations are
 * cut only above 100,000 characters. A model double that always sends the same bash call drives
 * the real loop over a real bubblewrap sandbox.
 */

let workDir: string;
let source: PreparedSource;
let sandbox: Sandbox;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-agent-limits-"));
  source = await prepareSource(await createSyntheticRepo(5, workDir), "HEAD", path.join(workDir, "cache"));
  sandbox = await createSandbox({ source, root: path.join(workDir, "sandboxes"), isolation: "bwrap" });
});

afterAll(async () => {
  await sandbox.destroy();
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** A model that always asks for `command`, after `latencyMs`. */
function repeating(command: string, latencyMs = 0): ChatModel {
  let call = 0;
  return {
    async complete() {
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      call += 1;
      return {
        message: { role: "assistant", content: "", toolCalls: [{ id: `call-${call}`, name: "bash", arguments: { command } }] },
        usage: { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 },
        endpoint: "in-process double",
        latencyMs,
        finishReason: "tool_calls",
      };
    },
  };
}

const environment = () => sandboxEnvironment(sandbox, { commandTimeoutSeconds: 300, outputChars: 100_000 });

describe("agent limits", () => {
  it("stops on the execution budget after the commands' own time has used it", async () => {
    const result = await runAgent({
      model: repeating("sleep 0.4"),
      environment: environment(),
      system: "s",
      task: "t",
      limits: { maxSteps: 50, executionBudgetMs: 1000 },
    });
    expect(result.exitStatus).toBe("submitted (exit_total_execution_time)");
    // Each command takes 0.4 s and more: the third passes 1 s.
    expect(result.steps).toBeGreaterThanOrEqual(2);
    expect(result.steps).toBeLessThanOrEqual(3);
  });

  it("does not count model latency against the budget; the wall clock stops such a rollout under its own status", async () => {
    const slowModel = () => repeating("true", 300);
    const budgetOnly = await runAgent({
      model: slowModel(),
      environment: environment(),
      system: "s",
      task: "t",
      limits: { maxSteps: 6, executionBudgetMs: 1000 },
    });
    expect(budgetOnly.exitStatus).toBe("submitted (exit_cost)");
    const walled = await runAgent({
      model: slowModel(),
      environment: environment(),
      system: "s",
      task: "t",
      limits: { maxSteps: 50, executionBudgetMs: 60_000, wallClockMs: 1000 },
    });
    expect(walled.exitStatus).toBe("submitted (exit_wall_clock)");
  });

  it("hands back observations whole up to 100,000 characters and cuts only longer ones", async () => {
    const long = await runAgent({
      model: repeating(`python3 -c "print('x' * 99000, end='')"`),
      environment: environment(),
      system: "s",
      task: "t",
      limits: { maxSteps: 1 },
    });
    const observation = long.messages.find((m) => m.role === "tool")!.content;
    expect(observation).toBe("x".repeat(99_000));
    const longer = await runAgent({
      model: repeating(`python3 -c "print('x' * 150000, end='')"`),
      environment: environment(),
      system: "s",
      task: "t",
      limits: { maxSteps: 1 },
    });
    const cut = longer.messages.find((m) => m.role === "tool")!.content;
    expect(cut.length).toBeLessThan(100_500);
    expect(cut.length).toBeGreaterThan(99_000);
    expect(cut).toMatch(/^x+[\s\S]*\d[\s\S]*x+$/);
  });

  it("are the defaults of sera-generate's agent params, each a parameter", () => {
    const { agent } = generationParamsSchema.parse({ repo: "/r", teacher: { model: "m", endpoints: ["http://x/v1"] } });
    expect(agent).toMatchObject({ commandTimeoutSeconds: 300, executionBudgetSeconds: 1800, outputChars: 100_000 });
    const tuned = generationParamsSchema.parse({
      repo: "/r",
      teacher: { model: "m", endpoints: ["http://x/v1"] },
      agent: { executionBudgetSeconds: 60, outputChars: 5000 },
    });
    expect(tuned.agent).toMatchObject({ executionBudgetSeconds: 60, outputChars: 5000, commandTimeoutSeconds: 300 });
  });
});
