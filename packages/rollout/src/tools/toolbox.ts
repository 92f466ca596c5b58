import { z } from "zod";
import type { Sandbox } from "../sandbox/sandbox.js";
import { runBashTool } from "./bash-tool.js";
import { editorArgumentsSchema, FileEditor } from "./file-editor.js";
import { SubmitStep } from "./submit-tool.js";
import { toolDefinitions, type FunctionToolDefinition } from "./tool-definitions.js";
import { observation, type ToolCallRequest, type ToolResult } from "./tool-result.js";

export interface ToolboxOptions {
  /** Per bash command; default 300 s. */
  bashTimeoutMs?: number;
  /** Cap on bash output characters; default 16,000. */
  bashMaxOutputChars?: number;
  /** Cap on editor output characters; default 16,000. */
  editorMaxOutputChars?: number;
  /** Show the review before accepting submit; default true. */
  reviewBeforeSubmit?: boolean;
}

export interface Toolbox {
  readonly definitions: readonly FunctionToolDefinition[];
  run(call: ToolCallRequest): Promise<ToolResult>;
}

const bashArgumentsSchema = z.object({
  command: z.string({ error: (issue) => (issue.input === undefined ? "missing; give the command line to run" : "must be a string") }),
});

/**
 * The agent's tools bound to one sandbox. `run` never throws: unknown tools,
 * unparsable arguments and failures inside a tool all come back as
 * observations explaining what went wrong, so the model can correct itself.
 */
export function createToolbox(sandbox: Sandbox, options: ToolboxOptions = {}): Toolbox {
  const editor = new FileEditor(sandbox, { maxOutputChars: options.editorMaxOutputChars });
  const submit = new SubmitStep(sandbox, { reviewFirst: options.reviewBeforeSubmit ?? true });
  const toolNames = toolDefinitions.map((tool) => tool.function.name).join(", ");

  const dispatch = async (call: ToolCallRequest): Promise<ToolResult> => {
    const parsed = parseArguments(call);
    if (typeof parsed === "string") return observation(parsed);
    switch (call.name) {
      case "bash": {
        const args = bashArgumentsSchema.safeParse(parsed);
        if (!args.success) return observation(describeIssues("bash", args.error));
        if (args.data.command.trim() === "") return observation("Error: the bash command is empty; pass the command line to run.");
        return runBashTool(sandbox, args.data.command, { timeoutMs: options.bashTimeoutMs, maxOutputChars: options.bashMaxOutputChars });
      }
      case "str_replace_editor": {
        const args = editorArgumentsSchema.safeParse(parsed);
        if (!args.success) return observation(describeIssues("str_replace_editor", args.error));
        return observation(editor.run(args.data));
      }
      case "submit":
        return submit.run();
      default:
        return observation(`Error: there is no tool called '${call.name}'. The available tools are: ${toolNames}.`);
    }
  };

  return {
    definitions: toolDefinitions,
    async run(call) {
      try {
        return await dispatch(call);
      } catch (error) {
        const message = (error as Error).message.replaceAll(sandbox.hostPath, sandbox.workdir);
        return observation(`Error while running ${call.name}: ${message}`);
      }
    },
  };
}

/** The call's arguments as an object, or the error text to show the model. */
function parseArguments(call: ToolCallRequest): Record<string, unknown> | string {
  let value: unknown = call.arguments;
  if (typeof value === "string") {
    if (value.trim() === "") return {};
    try {
      value = JSON.parse(value);
    } catch (error) {
      return `Error: the arguments for ${call.name} are not valid JSON (${(error as Error).message}). ` + `Send a JSON object, for example {"command": "ls"}.`;
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return `Error: the arguments for ${call.name} must be a JSON object with named parameters.`;
  }
  return value as Record<string, unknown>;
}

function describeIssues(toolName: string, error: z.ZodError): string {
  const problems = error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join(".") : "arguments";
    return `- ${where}: ${issue.message}`;
  });
  return `Error: the arguments for ${toolName} are not usable:\n${problems.join("\n")}`;
}
