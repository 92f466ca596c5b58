import { checkCommand, editVariantCount, fileGrepCommand, pickDefinition, planEdit, readCommand, repoGrepCommand, type FunctionTarget } from "./code-edits.js";
import { directedFixOf, directedFixReply } from "./directed-fix.js";
import { between, locateTask, pastActions, type PastAction, type WireMessage } from "./conversation.js";
import { indexOf, unitOf } from "./hashing.js";

/** What the stand-in says in one turn; the wire layer adds ids, usage and any injected fault. */
export interface ScriptedReply {
  reasoning: string;
  content: string;
  toolCall?: { name: string; arguments: Record<string, unknown> };
}

export interface PolicySettings {
  seed: string;
  /** Chance (hashed per function) that rollout 2 makes a different edit from rollout 1. */
  divergenceRate: number;
  /** Run first in every rollout whose target was located (the repository's tests, say); off when unset. */
  testCommand?: string;
}

const bash = (command: string, reasoning: string): ScriptedReply => ({
  reasoning,
  content: "",
  toolCall: { name: "bash", arguments: { command } },
});

const submit = (reasoning: string): ScriptedReply => ({ reasoning, content: "", toolCall: { name: "submit", arguments: {} } });

const commandOf = (action: PastAction) => (typeof action.args?.command === "string" ? action.args.command : "");
const isFileGrep = (a: PastAction) => a.name === "bash" && commandOf(a).startsWith("grep -nE");
const isRepoGrep = (a: PastAction) => a.name === "bash" && commandOf(a).startsWith("grep -rnE");
const isRead = (a: PastAction) => a.name === "bash" && commandOf(a).startsWith("sed -n");
const isEdit = (a: PastAction) => a.name === "str_replace_editor" && (commandOf(a) === "str_replace" || commandOf(a) === "insert");

function editSucceeded(observation: string): boolean {
  if (/^\s*(Edited |The file \S+ has been edited)/.test(observation)) return true;
  return !/^\s*Error:|no change made|no replacement|does not appear|did not appear|appears \d+ times|multiple occurrences|does not exist|no such file/i.test(
    observation,
  );
}

/** The edit shape for a function: fixed per seed and function, shifted in a diverging rollout 2. */
function editVariant(settings: PolicySettings, file: string, qualifiedName: string, fromScriptedPr: boolean): number {
  const base = indexOf(editVariantCount, settings.seed, "edit", file, qualifiedName);
  const diverge = fromScriptedPr && unitOf(settings.seed, "diverge", file, qualifiedName) < settings.divergenceRate;
  return diverge ? (base + 1) % editVariantCount : base;
}

/**
 * Next agent action, decided only from the conversation: locate the definition, read it, edit
 * the start of its body, check, submit, and submit again after the review message.
 */
export function rolloutReply(messages: readonly WireMessage[], settings: PolicySettings): ScriptedReply {
  const firstUser = messages.find((m) => m.role === "user")?.content ?? "";
  const problem = between(firstUser, "<pr_description>", "</pr_description>") ?? firstUser;
  const task = locateTask(problem);
  const actions = pastActions(messages).filter((action) => action.args !== undefined);

  const directed = directedFixOf(problem);
  if (directed) return directedFixReply(directed, actions);
  if (actions.some((action) => action.name === "submit")) {
    return submit("The review lists only the intended change and no stray scripts, so I am submitting again to finish.");
  }
  if (!task) {
    return actions.length === 0
      ? bash("ls /testbed", "The description names no file or function. A look at the repository layout comes first.")
      : submit("Nothing in the description points at a specific place to change, so I will not guess an edit. Submitting as is.");
  }
  const { qualifiedName } = task;
  const { testCommand } = settings;
  if (testCommand !== undefined && !actions.some((action) => action.name === "bash" && commandOf(action) === testCommand)) {
    return bash(testCommand, `Before touching ${qualifiedName} I run the tests to see how the code behaves now.`);
  }

  let location: { file: string; line: number } | undefined;
  for (const action of actions) {
    if (isFileGrep(action) || isRepoGrep(action)) location = pickDefinition(action.observation, task) ?? location;
  }

  const edits = actions.filter(isEdit);
  const lastEdit = edits[edits.length - 1];
  if (lastEdit && editSucceeded(lastEdit.observation)) {
    const checked = actions.slice(actions.lastIndexOf(lastEdit) + 1).some((action) => action.name === "bash");
    if (checked) return submit(`The change to ${qualifiedName} is small and stays inside the function. Submitting it.`);
    const file = typeof lastEdit.args?.path === "string" ? lastEdit.args.path.replace(/^\/testbed\//, "") : task.file;
    return bash(checkCommand(file), "The edit went in. Checking that the file still parses and looking at the resulting diff.");
  }
  if (edits.length >= 2) {
    return submit("Both ways of applying the edit failed, and forcing it further could damage the file. Submitting without it.");
  }

  const read = actions.filter(isRead).pop();
  if (read && location) {
    const target: FunctionTarget = { file: location.file, qualifiedName };
    const plan = planEdit(read.observation, location.line, target, editVariant(settings, location.file, qualifiedName, task.fromScriptedPr));
    if (!plan) {
      return submit(`The part of ${qualifiedName} I can see does not leave a safe place for a small change. Submitting without an edit.`);
    }
    const path = `/testbed/${location.file}`;
    if (edits.length === 0) {
      return {
        reasoning: `Looking at the start of ${qualifiedName}: ${plan.rationale}. I will add that right after the signature, keeping the rest of the body untouched.`,
        content: "",
        toolCall: { name: "str_replace_editor", arguments: { command: "str_replace", path, old_str: plan.oldStr, new_str: plan.newStr } },
      };
    }
    return {
      reasoning: `The replacement did not apply because the old text did not match exactly. Inserting the same lines after line ${plan.insertAfterLine} instead.`,
      content: "",
      toolCall: {
        name: "str_replace_editor",
        arguments: { command: "insert", path, insert_line: plan.insertAfterLine, new_str: plan.insertedText },
      },
    };
  }
  if (location) {
    return bash(
      readCommand(location.file, location.line),
      `${qualifiedName} starts at line ${location.line} of ${location.file}. Reading the next forty lines to see its signature and how the body begins.`,
    );
  }
  if (!actions.some(isFileGrep)) {
    return bash(
      fileGrepCommand(task),
      `The report points at \`${qualifiedName}\` in \`${task.file}\`. Before changing anything I need the line where it is defined.`,
    );
  }
  if (!actions.some(isRepoGrep)) {
    return bash(repoGrepCommand(task), `No definition of ${qualifiedName} in ${task.file}. Searching the whole checkout instead.`);
  }
  return submit(`I could not find where ${qualifiedName} is defined, so there is nothing to change. Submitting without an edit.`);
}
