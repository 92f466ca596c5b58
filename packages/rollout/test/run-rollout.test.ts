import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentParamsSchema,
  classifyAgentResult,
  createSyntheticRepo,
  DEFAULT_SANDBOX_LIMITS,
  environmentSchema,
  ModelCallError,
  prepareSource,
  rolloutEnvironments,
  rolloutTrajectorySchema,
  runRollout,
  type ChatModel,
  type ChatResponse,
  type PreparedSource,
  type RolloutRequest,
} from "@sera/rollout";

/**
 * The one rollout runtime both generation and evaluation use: a real bubblewrap sandbox, the real
 * tools and loop; the model is an in-test double that plays a fixed script of tool calls.
 */

let workDir: string;
let source: PreparedSource;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-run-rollout-"));
  source = await prepareSource(await createSyntheticRepo(3, workDir), "HEAD", path.join(workDir, "cache"));
});

afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** A model that sends the given tool calls one per reply. */
function scripted(calls: Array<{ name: string; arguments: Record<string, unknown> }>): ChatModel {
  let step = 0;
  return {
    async complete(): Promise<ChatResponse> {
      const call = calls[Math.min(step, calls.length - 1)];
      step += 1;
      return {
        message: { role: "assistant", content: `step ${step}`, toolCalls: [{ id: `call-${step}`, ...call }] },
        usage: { inputTokens: 10, cachedInputTokens: 2, outputTokens: 3 },
        endpoint: "in-test double",
        latencyMs: 0,
        finishReason: "tool_calls",
      };
    },
  };
}

function request(name: string, model: ChatModel, environment: unknown = { kind: "host" }): RolloutRequest {
  return {
    model,
    environments: rolloutEnvironments(environmentSchema.parse(environment), { logDir: path.join(workDir, "logs"), runId: "run-rollout-test" }),
    sandbox: { source, root: path.join(workDir, "sandboxes"), isolation: "bwrap", limits: DEFAULT_SANDBOX_LIMITS },
    problemStatement: "Add a NOTES file.",
    agent: agentParamsSchema.parse(undefined),
    trajectoryFile: path.join(workDir, `${name}.traj.json`),
    trajectoryLabels: { instanceId: name },
  };
}

describe("runRollout", () => {
  it("runs the agent in a fresh sandbox and saves its own trajectory: labels, messages, the tools offered, exit status and usage", async () => {
    const model = scripted([
      { name: "bash", arguments: { command: "echo hello > NOTES" } },
      { name: "submit", arguments: {} },
      { name: "submit", arguments: {} },
    ]);
    const result = await runRollout(request("solved", model));
    expect(result.failure).toBeNull();
    expect(result.exitStatus).toBe("submitted");
    expect(result.patch).toContain("+hello");
    expect(result.usage).toEqual({ inputTokens: 30, cachedInputTokens: 6, outputTokens: 9 });
    const saved = rolloutTrajectorySchema.parse(JSON.parse(fs.readFileSync(path.join(workDir, "solved.traj.json"), "utf8")));
    expect(saved).toMatchObject({ instanceId: "solved", exitStatus: "submitted", failure: null, modelError: null, usage: result.usage });
    expect(saved.tools.map((tool) => tool.function.name).sort()).toEqual(["bash", "str_replace_editor", "submit"]);
    expect(saved.messages[1].content).toContain("Add a NOTES file.");
    expect(saved.patch).toBe(result.patch);
  });

  it("classifies an unreachable model as a transient model_error, with its message as the detail", async () => {
    const down: ChatModel = {
      complete: () => Promise.reject(new ModelCallError({ kind: "network", endpoint: "http://127.0.0.1:9", detail: "connection refused" })),
    };
    const result = await runRollout(request("down", down));
    expect(result).toMatchObject({ failure: "model_error", modelErrorKind: "network", transient: true, steps: 0 });
    expect(result.detail).toContain("connection refused");
  });

  it("classifies an environment whose setup fails as environment_error, without throwing", async () => {
    const model = scripted([{ name: "submit", arguments: {} }]);
    const result = await runRollout(request("setup-fails", model, { kind: "prepared", setup: ["echo no such toolchain >&2; exit 3"] }));
    expect(result).toMatchObject({ exitStatus: "error", failure: "environment_error", transient: false, patch: "" });
    expect(fs.existsSync(path.join(workDir, "setup-fails.traj.json"))).toBe(false);
  });

  it("gives both callers the same failure for the same ending", () => {
    expect(classifyAgentResult({ patch: "", exitStatus: "submitted (exit_format)" })).toBe("format_error");
    expect(classifyAgentResult({ patch: "", exitStatus: "submitted (exit_wall_clock)" })).toBe("timeout");
    expect(classifyAgentResult({ patch: "", exitStatus: "submitted" })).toBe("no_patch");
    expect(classifyAgentResult({ patch: "diff --git a/x b/x\n+y\n", exitStatus: "submitted (exit_format)" })).toBeNull();
  });
});
