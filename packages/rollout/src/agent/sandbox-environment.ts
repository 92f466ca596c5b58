import type { Sandbox } from "../sandbox/sandbox.js";
import { createToolbox } from "../tools/toolbox.js";
import type { Environment } from "./loop.js";

/** Agent limits that shape the tools (the rest shape the loop). */
export interface ToolLimits {
  commandTimeoutSeconds: number;
  outputChars: number;
}

/** The agent's environment for one rollout: the three tools bound to a sandbox, and its diff as the patch. */
export function sandboxEnvironment(sandbox: Sandbox, limits: ToolLimits): Environment {
  const toolbox = createToolbox(sandbox, {
    bashTimeoutMs: limits.commandTimeoutSeconds * 1000,
    bashMaxOutputChars: limits.outputChars,
    editorMaxOutputChars: limits.outputChars,
  });
  return {
    tools: toolbox.definitions.map((tool) => ({ name: tool.function.name, description: tool.function.description, parameters: tool.function.parameters })),
    run: (call) => toolbox.run(call),
    patch: () => sandbox.diff(),
  };
}
