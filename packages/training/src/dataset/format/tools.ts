import type { FunctionTool, Trajectory } from "@sera/core";

/** One entry of an OpenAI `tools` list, as stored in a sample's `tool_json`. */
export type OpenAiTool = FunctionTool;

function tool(name: string, description: string, properties: Record<string, Record<string, unknown>>, required: string[]): OpenAiTool {
  return { type: "function", function: { name, description, parameters: { type: "object", properties, required } } };
}

const bashTool = tool(
  "bash",
  "Execute a shell command inside the task environment and get back what it printed.",
  { command: { type: "string", description: "The command line to run." } },
  ["command"],
);

const editorTool = tool(
  "str_replace_editor",
  [
    "Inspect and change files. `view` prints a file with line numbers (or lists a directory),",
    "`create` writes a new file, `str_replace` swaps one exact, unique occurrence of old_str for new_str,",
    "`insert` adds new_str after line insert_line, and `undo_edit` reverts the latest edit of a file.",
    "Paths are absolute.",
  ].join(" "),
  {
    command: {
      type: "string",
      enum: ["view", "create", "str_replace", "insert", "undo_edit"],
      description: "Which operation to perform.",
    },
    path: { type: "string", description: "Absolute path of the file or directory, e.g. /testbed/pkg/module.py." },
    file_text: { type: "string", description: "Content of the new file (create)." },
    old_str: { type: "string", description: "Exact text to replace; it must occur once (str_replace)." },
    new_str: { type: "string", description: "Replacement text (str_replace) or text to add (insert)." },
    insert_line: { type: "integer", description: "Line number after which new_str goes (insert)." },
    view_range: {
      type: "array",
      items: { type: "integer" },
      description: "Optional [first, last] line numbers to show; -1 as last means end of file (view).",
    },
  },
  ["command", "path"],
);

const submitTool = tool("submit", "Finish the task and hand in the current changes to the repository.", {}, []);

/** The three tools of SERA's SWE-agent harness. */
export const sweAgentTools: readonly OpenAiTool[] = [bashTool, editorTool, submitTool];
/** mini-swe-agent exposes only a shell. */
export const miniSweAgentTools: readonly OpenAiTool[] = [bashTool];

/**
 * The tool list for a trajectory when the caller gives none: catalogue entries for every tool the
 * trajectory calls, in catalogue order, then unknown tools in first-use order with a signature
 * inferred from the argument names they were called with. Generation should pass its own tool
 * list instead, so that tools that were offered but never called are listed too.
 */
export function inferTools(trajectory: Trajectory): OpenAiTool[] {
  const used = new Map<string, Set<string>>();
  for (const message of trajectory.messages) {
    for (const call of message.toolCalls ?? []) {
      const keys = used.get(call.name) ?? new Set<string>();
      if (typeof call.arguments === "object") Object.keys(call.arguments).forEach((key) => keys.add(key));
      used.set(call.name, keys);
    }
  }
  const known = sweAgentTools.filter((entry) => used.has(entry.function.name));
  const unknown = [...used.entries()]
    .filter(([name]) => !sweAgentTools.some((entry) => entry.function.name === name))
    .map(([name, keys]) => tool(name, "", Object.fromEntries([...keys].map((key) => [key, { type: "string" }])), []));
  return [...known, ...unknown];
}
