import { targetNameFromGrep } from "./code-edits.js";
import { between, locateTask, scriptedPrLocation, type WireMessage } from "./conversation.js";
import { indexOf, unitOf } from "./hashing.js";
import type { ScriptedReply } from "./rollout-policy.js";

function userText(messages: readonly WireMessage[]): string {
  return messages
    .filter((m) => m.role === "user")
    .map((m) => m.content)
    .join("\n");
}

/** Yes, or no at `rejectRate` (hashed from the seed and the request, so it is reproducible). */
export function selfCheckReply(messages: readonly WireMessage[], seed: string, rejectRate: number): ScriptedReply {
  const text = userText(messages);
  const reject = unitOf(seed, "self-check", text) < rejectRate;
  const edited = editedPlace(between(text, "<trajectory>", "</trajectory>") ?? "");
  const where = edited?.file ? ` in ${edited.file}` : "";
  return reject
    ? {
        reasoning: `I compared the final change${where} with the task. It does not clearly address what the task describes.`,
        content: "The change is not convincing as a fix for the described problem.\n<output>no</output>",
      }
    : {
        reasoning: `I compared the final change${where} with the task. It touches the named function and nothing unrelated.`,
        content: "The final change is focused and matches the task.\n<output>yes</output>",
      };
}

interface EditedPlace {
  file?: string;
  qualifiedName?: string;
}

function actionsOf(trajectoryText: string): { name?: string; arguments?: Record<string, unknown> }[] {
  try {
    const steps: unknown = JSON.parse(trajectoryText.trim());
    if (!Array.isArray(steps)) return [];
    return steps.map((step) => {
      const action = (step as { action?: unknown })?.action;
      if (typeof action === "string") {
        try {
          return JSON.parse(action) as { name?: string; arguments?: Record<string, unknown> };
        } catch {
          return {};
        }
      }
      return (action ?? {}) as { name?: string; arguments?: Record<string, unknown> };
    });
  } catch {
    return [];
  }
}

/**
 * File and function the trajectory changed: the file from the last edit action; the function
 * from the first `grep` (the stand-in's own search names owner and function), else from the
 * definition line inside the edit's old text.
 */
function editedPlace(trajectoryText: string): EditedPlace | undefined {
  const actions = actionsOf(trajectoryText);
  const edit = actions.filter((a) => a.name === "str_replace_editor" && (a.arguments?.command === "str_replace" || a.arguments?.command === "insert")).pop();
  const file = typeof edit?.arguments?.path === "string" ? edit.arguments.path.replace(/^\/testbed\//, "") : undefined;
  const grep = actions.map((a) => (typeof a.arguments?.command === "string" ? a.arguments.command : "")).find((c) => c.startsWith("grep -nE"));
  let qualifiedName: string | undefined;
  if (grep) qualifiedName = targetNameFromGrep(grep);
  if (!qualifiedName && typeof edit?.arguments?.old_str === "string") {
    qualifiedName = /\b(?:def|function|func|fn)\s+(\w+)/.exec(edit.arguments.old_str)?.[1];
  }
  return file || qualifiedName ? { file, qualifiedName } : undefined;
}

const openings = [
  (fn: string) => `I've been hitting something odd with \`${fn}\` and can't tell whether it's expected.`,
  (fn: string) => `Not sure if this is a bug or me holding it wrong, but \`${fn}\` behaves strangely for me.`,
  (fn: string) => `Ran into this while upgrading; \`${fn}\` doesn't do what the docs suggest.`,
];
const symptoms = [
  "When one of the arguments is missing (None / not set), it doesn't complain up front. It carries on and the failure surfaces much later, far from the call, with an error that says nothing about the missing value.",
  "With an empty or half-initialised input the call returns without any warning, and only later does something downstream break in a confusing way. I'd expect it to tell me right away that the input is not usable.",
  "Passing something that hasn't been set up yet gives a traceback from deep inside the library instead of a clear message at the call site, which took me a while to track down.",
];

/** A short issue in the stand-in's words: a symptom, where it shows up, never the fix. */
export function prWritingReply(messages: readonly WireMessage[], seed: string): ScriptedReply {
  const text = userText(messages);
  const trajectory = between(text, "<trajectory>", "</trajectory>") ?? "";
  const place = editedPlace(trajectory);
  // Never search the demonstration: its text belongs to another project.
  const stated = locateTask(between(text, "<original_task>", "</original_task>") ?? trajectory);
  const file = place?.file ?? stated?.file;
  const qualifiedName =
    stated && (!place?.qualifiedName || stated.qualifiedName.endsWith(place.qualifiedName))
      ? stated.qualifiedName
      : (place?.qualifiedName ?? stated?.qualifiedName);
  const fn = qualifiedName ?? "this function";
  const pick = (n: number, label: string) => indexOf(n, seed, "pr", label, file ?? "", fn);
  const lines = [
    openings[pick(openings.length, "opening")](fn),
    "",
    symptoms[pick(symptoms.length, "symptom")],
    "",
    file && qualifiedName
      ? `As far as I can tell it happens in ${scriptedPrLocation(file, qualifiedName)}.`
      : "I couldn't narrow down where exactly it goes wrong.",
    "",
    "Expected: a clear error (or correct handling) at the point of the call.",
    "Actual: it goes on silently and breaks somewhere else.",
  ];
  return {
    reasoning: `The trajectory changed ${fn}${file ? ` in ${file}` : ""}. The issue should describe what a user would notice there, without hinting at the change itself.`,
    content: `<output>\n${lines.join("\n")}\n</output>`,
  };
}

export function otherReply(): ScriptedReply {
  return {
    reasoning: "This request is outside the scripted episode, so a brief courteous answer is all I can give.",
    content: "Thanks for the message. I am the scripted stand-in model, so I can only play the fixed SERA generation steps; I have nothing useful to add here.",
  };
}
