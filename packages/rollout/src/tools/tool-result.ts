/**
 * What running one tool call produces:
 * - `observation`: text to hand back to the model (with how long the command ran, for the execution budget);
 * - `review`: the first submit, asking the agent to check its work before finishing;
 * - `submitted`: the episode is over; `patch` is the final diff.
 */
export type ToolResult =
  { kind: "observation"; text: string; timedOut?: boolean; executionMs?: number } | { kind: "review"; text: string } | { kind: "submitted"; patch: string };

/** A tool call as a model emits it; `arguments` may still be a JSON string. */
export interface ToolCallRequest {
  name: string;
  arguments: Record<string, unknown> | string;
}

export function observation(text: string): ToolResult {
  return { kind: "observation", text };
}
