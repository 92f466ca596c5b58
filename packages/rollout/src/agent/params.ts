import { z } from "zod";
import { DEFAULT_AGENT_LIMITS } from "./loop.js";

/**
 * The agent's limits, SWE-agent's with SERA's defaults: one definition for generation's rollouts and
 * evaluation's, so a student is evaluated under the limits its teacher worked under.
 */
export const agentParamsSchema = z
  .object({
    maxSteps: z.number().int().min(1).default(DEFAULT_AGENT_LIMITS.maxSteps),
    temperature: z.number().min(0).max(2).default(DEFAULT_AGENT_LIMITS.temperature),
    /** Replies without a usable tool call tolerated in a row. */
    maxFormatErrors: z.number().int().min(0).default(DEFAULT_AGENT_LIMITS.maxFormatErrors),
    /** SWE-agent's per-command timeout. */
    commandTimeoutSeconds: z.number().positive().default(300),
    /** SWE-agent's total_execution_timeout: seconds of command execution per rollout (model latency not counted). */
    executionBudgetSeconds: z.number().positive().default(1800),
    /** Wall clock of a rollout, model calls included: a safety net, not a SERA limit. */
    rolloutTimeoutSeconds: z.number().positive().default(7200),
    /** SWE-agent's max_observation_length: longer observations keep their head and tail. */
    outputChars: z.number().int().min(1000).default(100_000),
  })
  .strict()
  .default({
    maxSteps: 115,
    temperature: 0.6,
    maxFormatErrors: 3,
    commandTimeoutSeconds: 300,
    executionBudgetSeconds: 1800,
    rolloutTimeoutSeconds: 7200,
    outputChars: 100_000,
  });
export type AgentParams = z.infer<typeof agentParamsSchema>;
