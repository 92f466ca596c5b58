import type { PastAction } from "./conversation.js";
import type { ScriptedReply } from "./rollout-policy.js";

/**
 * A task that spells out its own fix: "Replace `old` with `new` in `path`". The scripted stand-in
 * then works the way a SERA model does through its editor tool: find the text with bash, view the
 * file, str_replace the old text, submit. It exists so that clients which only translate
 * str_replace_editor (the Claude Code proxy) can be driven end to end without a real model.
 */
export interface DirectedFix {
  /** Path relative to the repository root. */
  file: string;
  oldText: string;
  newText: string;
}

const directive = /Replace `([^`]+)` with `([^`]*)` in `([^`\s]+)`/;

export function directedFixOf(problem: string): DirectedFix | undefined {
  const match = directive.exec(problem);
  if (!match) return undefined;
  return { oldText: match[1], newText: match[2], file: match[3].replace(/^\/testbed\//, "").replace(/^\.\//, "") };
}

const editorCall = (reasoning: string, args: Record<string, unknown>): ScriptedReply => ({
  reasoning,
  content: "",
  toolCall: { name: "str_replace_editor", arguments: args },
});

const shellQuoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The next step of a directed fix, decided from the actions so far. */
export function directedFixReply(fix: DirectedFix, actions: readonly PastAction[]): ScriptedReply {
  const path = `/testbed/${fix.file}`;
  const did = (name: string, command: string) => actions.some((a) => a.name === name && a.args?.command === command);
  const searched = actions.some((a) => a.name === "bash");
  if (!searched) {
    return {
      reasoning: `The task names the exact text to change in ${fix.file}. First I confirm where it occurs.`,
      content: "",
      toolCall: { name: "bash", arguments: { command: `grep -n -F ${shellQuoted(fix.oldText)} ${path}` } },
    };
  }
  if (!did("str_replace_editor", "view")) {
    return editorCall(`Viewing ${fix.file} to see the line in context before editing it.`, { command: "view", path });
  }
  const edit = actions.filter((a) => a.name === "str_replace_editor" && a.args?.command === "str_replace").pop();
  if (!edit) {
    return editorCall(`Replacing the faulty text in ${fix.file} as the task describes.`, {
      command: "str_replace",
      path,
      old_str: fix.oldText,
      new_str: fix.newText,
    });
  }
  const edited = /^\s*Edited /.test(edit.observation);
  return {
    reasoning: edited
      ? `The replacement in ${fix.file} went in; the change is exactly what the task asked for. Submitting.`
      : `The replacement in ${fix.file} did not apply, and guessing another edit could damage the file. Submitting as is.`,
    content: "",
    toolCall: { name: "submit", arguments: {} },
  };
}
