import type { Sandbox } from "../sandbox/sandbox.js";
import type { ToolResult } from "./tool-result.js";

export const DEFAULT_BASH_TIMEOUT_MS = 300_000;
/** SWE-agent's max_observation_length: an observation is cut only above 100,000 characters. */
export const DEFAULT_BASH_MAX_OUTPUT_CHARS = 100_000;

/** Shown instead of an empty observation, so the model knows the command did run. */
export const NO_OUTPUT_NOTE = "(The command finished and printed nothing.)";

export interface BashToolOptions {
  timeoutMs?: number;
  maxOutputChars?: number;
}

/** Runs one shell command in the sandbox's shell (one long-lived bash per sandbox; see PersistentShell). */
export async function runBashTool(sandbox: Sandbox, command: string, options: BashToolOptions = {}): Promise<ToolResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_BASH_TIMEOUT_MS;
  const result = await sandbox.exec(command, {
    timeoutMs,
    maxOutputChars: options.maxOutputChars ?? DEFAULT_BASH_MAX_OUTPUT_CHARS,
  });
  if (result.timedOut) {
    const seconds = Math.round(timeoutMs / 100) / 10;
    const partial = result.output === "" ? "" : `\nOutput before it was stopped:\n${result.output}`;
    const text =
      `The command was still running after ${seconds} s, so it and everything it started were killed, and the shell was restarted in /testbed. ` +
      `Avoid commands that wait for input or never end; try a smaller input, or wrap a slow step in \`timeout\`.` +
      partial +
      (result.limit === undefined ? "" : `\n${result.limit.message}`);
    return { kind: "observation", text, timedOut: true, executionMs: result.wallMs };
  }
  if (result.limit !== undefined) {
    // The limit's sentence goes last, where the model looks for why the command ended.
    const separator = result.output === "" || result.output.endsWith("\n") ? "" : "\n";
    return { kind: "observation", text: `${result.output}${separator}${result.limit.message}`, executionMs: result.wallMs };
  }
  return { kind: "observation", text: result.output === "" ? NO_OUTPUT_NOTE : result.output, executionMs: result.wallMs };
}
