import { z } from "zod";

/**
 * The one in-memory shape of an agent trajectory, shared by generation (which writes it),
 * datasets (which export it) and ingest (which maps SWE-agent / mini-swe-agent files onto it).
 * It follows the OpenAI chat shape because that is what every teacher endpoint speaks.
 */
export const toolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Parsed arguments when the model sent valid JSON; the raw string otherwise (kept for format-error analysis). */
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()]),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

export const messageSchema = z.object({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: z.string(),
  /** The model's thinking (reasoning_content / thinking blocks), kept apart from content. */
  reasoning: z.string().optional(),
  toolCalls: z.array(toolCallSchema).optional(),
  /** For role "tool": the call this message answers. */
  toolCallId: z.string().optional(),
});
export type Message = z.infer<typeof messageSchema>;

export const trajectorySchema = z.object({
  instanceId: z.string(),
  messages: z.array(messageSchema),
  /** "submitted", or "submitted (<reason>)" after an autosubmit, or a failure reason. */
  exitStatus: z.string(),
  /** Unified diff of the working tree against the base commit ("" when nothing changed). */
  patch: z.string(),
  steps: z.number().int().nonnegative(),
  source: z.string().default("sera"),
});
export type Trajectory = z.infer<typeof trajectorySchema>;

/** One entry of an OpenAI chat-completions `tools` list (what agents are offered, and what SFT samples store as `tool_json`). */
export interface FunctionTool {
  type: "function";
  function: {
    name: string;
    description: string;
    parameters: {
      type: "object";
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
  };
}

/**
 * A `FunctionTool` as a file holds it; keys beyond these (`strict`, `additionalProperties`) are kept.
 * A description, properties or `required` list that another producer left out (all optional in
 * OpenAI's format and JSON Schema) reads as empty.
 */
export const functionToolSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string(),
    description: z.string().default(""),
    parameters: z.looseObject({
      type: z.literal("object"),
      properties: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
      required: z.array(z.string()).default([]),
    }),
  }),
});

/**
 * A trajectory file as its readers may rely on it. Two writers produce these files: a rollout
 * (`runRollout`, which adds its labels, usage and failure) and `sera ingest` (a foreign trajectory
 * mapped onto sera's shape). Only `messages` is certain; a file from a rollout still running has no
 * exit status or patch yet, and other keys are kept as they are.
 */
export const trajectoryFileSchema = z.looseObject({
  instanceId: z.string().optional(),
  messages: z.array(messageSchema),
  exitStatus: z.string().optional(),
  patch: z.string().optional(),
  steps: z.number().int().nonnegative().optional(),
  source: z.string().optional(),
  /** The tools the model was offered, in OpenAI function format. */
  tools: z.array(functionToolSchema).optional(),
});
export type TrajectoryFile = z.infer<typeof trajectoryFileSchema>;
