import type { FunctionTool } from "@sera/core";

/** One entry of the OpenAI chat-completions `tools` array. */
export type FunctionToolDefinition = FunctionTool;

export const BASH_TOOL: FunctionToolDefinition = {
  type: "function",
  function: {
    name: "bash",
    description:
      "Run a bash command in the repository's environment (working directory /testbed). Calls share one bash session: " +
      "`cd`, exported variables and background processes carry over to the next call. A call that runs past its time limit " +
      "ends the session, and the next call starts a fresh shell in /testbed. " +
      "There is no network access and no interactive input. Long output is shortened in the middle.",
    parameters: {
      type: "object",
      properties: {
        command: {
          type: "string",
          description: 'The bash command line to run, e.g. `python reproduce.py` or `grep -rn "def parse" src/`.',
        },
      },
      required: ["command"],
    },
  },
};

export const STR_REPLACE_EDITOR_TOOL: FunctionToolDefinition = {
  type: "function",
  function: {
    name: "str_replace_editor",
    description:
      "Look at and change files in the repository. Paths must be absolute and inside /testbed.\n" +
      "* `view`: a file is shown with line numbers (optionally only `view_range`); a directory lists its non-hidden entries two levels deep.\n" +
      "* `create`: writes a new file with `file_text`; it refuses to overwrite an existing file.\n" +
      "* `str_replace`: replaces `old_str` with `new_str`. `old_str` must match the file exactly, whitespace included, and occur exactly once.\n" +
      "* `insert`: puts `new_str` after line `insert_line` (0 inserts at the top).\n" +
      "* `undo_edit`: reverts the most recent edit this tool made to `path`.\n" +
      "Edits answer with the changed lines and a few lines around them.",
    parameters: {
      type: "object",
      properties: {
        command: {
          type: "string",
          enum: ["view", "create", "str_replace", "insert", "undo_edit"],
          description: "Which operation to perform.",
        },
        path: {
          type: "string",
          description: "Absolute path of the file or directory, e.g. /testbed/src/module.py.",
        },
        file_text: {
          type: "string",
          description: "For `create`: the complete content of the new file.",
        },
        old_str: {
          type: "string",
          description: "For `str_replace`: the exact text to find; it has to occur exactly once in the file.",
        },
        new_str: {
          type: "string",
          description: "For `str_replace`: the replacement text (leave it out to delete `old_str`). For `insert`: the text to insert.",
        },
        insert_line: {
          type: "integer",
          description: "For `insert`: the line number after which `new_str` goes; 0 means before the first line.",
        },
        view_range: {
          type: "array",
          items: { type: "integer" },
          description: "For `view` of a file: [first, last] line numbers, 1-based and inclusive; last = -1 reads to the end.",
        },
      },
      required: ["command", "path"],
    },
  },
};

export const SUBMIT_TOOL: FunctionToolDefinition = {
  type: "function",
  function: {
    name: "submit",
    description:
      "Finish the task with the current state of /testbed as the result. The first call shows your changes for a last check; " + "call it again to confirm.",
    parameters: { type: "object", properties: {}, required: [] },
  },
};

export const toolDefinitions: readonly FunctionToolDefinition[] = [BASH_TOOL, STR_REPLACE_EDITOR_TOOL, SUBMIT_TOOL];
