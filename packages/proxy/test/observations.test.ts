import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, FileEditor, prepareSource, type EditorArguments, type Sandbox } from "@sera/rollout";
import { EditHistory, formatObservation, PathMap, translateToolCall, type CallContext } from "../src/index.js";

/**
 * Claude Code's tool results (the texts Claude Code 2.1.197 sends, captured from the real client)
 * become exactly the observation generation's str_replace_editor gives for the same operation on
 * the same file: the training data's strings. The editor runs for real in a sandbox copy of the
 * same repository; the proxy side works on a second checkout, as Claude Code would.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), "sera-proxy-obs-"));
const original = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n";
let sandbox: Sandbox;
let editor: FileEditor;
let workdir: string;
let paths: PathMap;

function checkout(dir: string): void {
  fs.mkdirSync(path.join(dir, "pkg"), { recursive: true });
  fs.writeFileSync(path.join(dir, "calc.py"), original);
  fs.writeFileSync(path.join(dir, "pkg", "util.py"), "x = 1\n");
  fs.writeFileSync(path.join(dir, "pkg", ".hidden"), "");
}

beforeAll(async () => {
  const repo = path.join(root, "repo");
  checkout(repo);
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t.invalid", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "calc");
  const source = await prepareSource(repo, "HEAD", path.join(root, "cache"));
  sandbox = await createSandbox({ source, root: path.join(root, "sandboxes"), isolation: "none" });
  editor = new FileEditor(sandbox);
  workdir = path.join(root, "claude-workdir");
  checkout(workdir);
  paths = new PathMap(workdir);
});
afterAll(async () => {
  await sandbox?.destroy();
  fs.rmSync(root, { recursive: true, force: true });
});

function contextFor(args: EditorArguments): CallContext {
  const translated = translateToolCall({ id: "c1", name: "str_replace_editor", argumentsText: JSON.stringify(args) }, paths, new EditHistory());
  if (translated.kind !== "client") throw new Error(`expected a client call, got ${translated.observation}`);
  return translated.context;
}

const real = (file: string) => path.join(workdir, file);

describe("Claude Code results as the editor's observations", () => {
  it("Read of a file (N<TAB>line numbering) → the editor's numbered view with its header", () => {
    const args: EditorArguments = { command: "view", path: "/testbed/calc.py" };
    const claude = "1\tdef add(a, b):\n2\t    return a - b\n3\t\n4\t\n5\tdef sub(a, b):\n6\t    return a - b\n7\t";
    expect(formatObservation(contextFor(args), { text: claude, isError: false }, paths)).toBe(editor.run(args));
  });

  it("Read with offset and limit, in the arrow numbering of other versions, with a system reminder → a view_range view", () => {
    const args: EditorArguments = { command: "view", path: "/testbed/calc.py", view_range: [2, 3] };
    const claude =
      "     2\u2192    return a - b\n     3\u2192\n\n<system-reminder>\nWhenever you read a file, consider whether it looks malicious.\n</system-reminder>\n";
    expect(formatObservation(contextFor(args), { text: claude, isError: false }, paths)).toBe(editor.run(args));
  });

  it("a directory view goes through Bash find and comes back as the editor's two-level listing", () => {
    const args: EditorArguments = { command: "view", path: "/testbed" };
    const context = contextFor(args);
    expect(context.kind).toBe("view-directory");
    const find = `${workdir}/pkg/\n${workdir}/calc.py\n${workdir}/pkg/util.py\n`;
    expect(formatObservation(context, { text: find, isError: false }, paths)).toBe(editor.run(args));
  });

  it("a missing file", () => {
    const args: EditorArguments = { command: "view", path: "/testbed/nope.py" };
    const claude = `File does not exist. Note: your current working directory is ${workdir}.`;
    expect(formatObservation(contextFor(args), { text: claude, isError: true }, paths)).toBe(editor.run(args));
  });

  it("Edit: no match and several matches → the editor's 'No change made' texts with line numbers", () => {
    const missing: EditorArguments = { command: "str_replace", path: "/testbed/calc.py", old_str: "return a * b", new_str: "x" };
    const notFound = "<tool_use_error>String to replace not found in file.\nString: return a * b</tool_use_error>";
    expect(formatObservation(contextFor(missing), { text: notFound, isError: true }, paths)).toBe(editor.run(missing));
    const twice: EditorArguments = { command: "str_replace", path: "/testbed/calc.py", old_str: "return a - b", new_str: "return a + b" };
    const found2 =
      "<tool_use_error>Found 2 matches of the string to replace, but replace_all is false. To replace all occurrences, set replace_all to true. " +
      "To replace only one occurrence, please provide more context to uniquely identify the instance.\nString: return a - b</tool_use_error>";
    expect(formatObservation(contextFor(twice), { text: found2, isError: true }, paths)).toBe(editor.run(twice));
  });

  it("Edit success → 'Edited …' with the snippet re-read from disk, the same lines the editor shows", () => {
    const args: EditorArguments = {
      command: "str_replace",
      path: "/testbed/calc.py",
      old_str: "def add(a, b):\n    return a - b",
      new_str: "def add(a, b):\n    # sum\n    return a + b",
    };
    const context = contextFor(args); // translated before Claude Code edits the file
    fs.writeFileSync(real("calc.py"), original.replace(args.old_str as string, args.new_str as string));
    const claude = `The file ${real("calc.py")} has been updated successfully. (file state is current in your context \u2014 no need to Read it back)`;
    expect(formatObservation(context, { text: claude, isError: false }, paths)).toBe(editor.run(args));
  });

  it("insert (an Edit of a unique window) and undo_edit (an Edit back) → the editor's texts", () => {
    const history = new EditHistory();
    const insert: EditorArguments = { command: "insert", path: "/testbed/pkg/util.py", insert_line: 1, new_str: "y = 2" };
    const translated = translateToolCall({ id: "i1", name: "str_replace_editor", argumentsText: JSON.stringify(insert) }, paths, history);
    if (translated.kind !== "client") throw new Error("insert should go to Claude Code");
    const edit = translated.toolUses[1];
    expect(edit).toMatchObject({ name: "Edit", input: { file_path: real("pkg/util.py"), old_string: "x = 1\n", new_string: "x = 1\ny = 2\n" } });
    fs.writeFileSync(real("pkg/util.py"), "x = 1\ny = 2\n");
    const done = `The file ${real("pkg/util.py")} has been updated successfully.`;
    expect(formatObservation(translated.context, { text: done, isError: false }, paths)).toBe(editor.run(insert));
    history.confirm(edit.id);

    const undo: EditorArguments = { command: "undo_edit", path: "/testbed/pkg/util.py" };
    const back = translateToolCall({ id: "u1", name: "str_replace_editor", argumentsText: JSON.stringify(undo) }, paths, history);
    if (back.kind !== "client") throw new Error("undo should go to Claude Code");
    expect(back.toolUses[1]).toMatchObject({ name: "Edit", input: { old_string: "y = 2\n", new_string: "" } });
    fs.writeFileSync(real("pkg/util.py"), "x = 1\n");
    expect(formatObservation(back.context, { text: done, isError: false }, paths)).toBe(editor.run(undo));
  });

  it("Write → 'Created …'; Write over an unread existing file → the editor's refusal to overwrite", () => {
    const create: EditorArguments = { command: "create", path: "/testbed/new.py", file_text: "print(1)\nprint(2)\n" };
    const context = contextFor(create);
    fs.writeFileSync(real("new.py"), create.file_text as string);
    const created = `File created successfully at: ${real("new.py")} (file state is current in your context \u2014 no need to Read it back)`;
    expect(formatObservation(context, { text: created, isError: false }, paths)).toBe(editor.run(create));
    const again: EditorArguments = { command: "create", path: "/testbed/pkg/util.py", file_text: "z\n" };
    const unread = "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>";
    expect(formatObservation(contextFor(again), { text: unread, isError: true }, paths)).toBe(editor.run(again));
  });

  it("Bash: Claude Code's exit-code line and empty-output note become generation's bash observation, paths as /testbed", () => {
    const context: CallContext = { kind: "bash" };
    expect(formatObservation(context, { text: `Exit code 2\ngrep: ${workdir}/x.py: No such file or directory`, isError: true }, paths)).toBe(
      "grep: /testbed/x.py: No such file or directory",
    );
    expect(formatObservation(context, { text: "(Bash completed with no output)", isError: false }, paths)).toBe("(The command finished and printed nothing.)");
    expect(formatObservation(context, { text: "Exit code 1", isError: true }, paths)).toBe("(The command finished and printed nothing.)");
  });
});
