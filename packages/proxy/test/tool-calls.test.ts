import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EditHistory, listingCommand, PathMap, replacementWindow, translateToolCall, workdirFromSystem, type CallTranslation } from "../src/index.js";

/** SERA tool calls → Claude Code tool uses (golden pairs), and the refusals the proxy answers itself. */

const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-proxy-calls-"));
fs.writeFileSync(path.join(workdir, "calc.py"), "def add(a, b):\n    return a - b\n");
fs.mkdirSync(path.join(workdir, "src"));
afterAll(() => fs.rmSync(workdir, { recursive: true, force: true }));
const paths = new PathMap(workdir);

const translate = (name: string, args: unknown): CallTranslation =>
  translateToolCall({ id: "call_7", name, argumentsText: typeof args === "string" ? args : JSON.stringify(args) }, paths, new EditHistory());
const uses = (t: CallTranslation) => (t.kind === "client" ? t.toolUses.map(({ id, name, input }) => ({ id, name, input })) : t.observation);

describe("SERA tool calls as Claude Code tool uses", () => {
  it("bash → Bash with /testbed pointed at the working directory", () => {
    expect(uses(translate("bash", { command: "cd /testbed && grep -rn add /testbed/src /testbed2" }))).toEqual([
      { id: "toolu_call_7", name: "Bash", input: { command: `cd ${workdir} && grep -rn add ${workdir}/src /testbed2` } },
    ]);
  });

  it("view of a file → Read; view_range → offset and limit; -1 reads to the end", () => {
    expect(uses(translate("str_replace_editor", { command: "view", path: "/testbed/calc.py" }))).toEqual([
      { id: "toolu_call_7", name: "Read", input: { file_path: `${workdir}/calc.py` } },
    ]);
    expect(uses(translate("str_replace_editor", { command: "view", path: "/testbed/calc.py", view_range: [2, 5] }))).toEqual([
      { id: "toolu_call_7", name: "Read", input: { file_path: `${workdir}/calc.py`, offset: 2, limit: 4 } },
    ]);
    expect(uses(translate("str_replace_editor", { command: "view", path: "/testbed/calc.py", view_range: "[2, -1]" }))).toEqual([
      { id: "toolu_call_7", name: "Read", input: { file_path: `${workdir}/calc.py`, offset: 2 } },
    ]);
  });

  it("view of a directory → a Bash listing two levels deep without hidden entries", () => {
    expect(uses(translate("str_replace_editor", { command: "view", path: "/testbed/src" }))).toEqual([
      { id: "toolu_call_7", name: "Bash", input: { command: listingCommand(`${workdir}/src`) } },
    ]);
    expect(listingCommand("/w/it's")).toBe(
      `find '/w/it'\\''s' -mindepth 1 -maxdepth 2 -name '.*' -prune -o \\( -type d -printf '%p/\\n' -o -printf '%p\\n' \\)`,
    );
  });

  it("create → Write", () => {
    expect(uses(translate("str_replace_editor", { command: "create", path: "/testbed/new.py", file_text: "x = 1\n" }))).toEqual([
      { id: "toolu_call_7", name: "Write", input: { file_path: `${workdir}/new.py`, content: "x = 1\n" } },
    ]);
  });

  it("str_replace → a one-line Read (Claude Code edits only files it has read) and Edit in the same reply", () => {
    expect(uses(translate("str_replace_editor", { command: "str_replace", path: "/testbed/calc.py", old_str: "a - b", new_str: "a + b" }))).toEqual([
      { id: "toolu_call_7_sera_read", name: "Read", input: { file_path: `${workdir}/calc.py`, limit: 1 } },
      { id: "toolu_call_7", name: "Edit", input: { file_path: `${workdir}/calc.py`, old_string: "a - b", new_string: "a + b" } },
    ]);
  });

  it("refusals the editor gives before touching a file are answered by the proxy", () => {
    expect(uses(translate("str_replace_editor", { command: "str_replace", path: "/testbed/calc.py", old_str: "" }))).toBe(
      "Error: str_replace needs old_str: the exact, non-empty text to replace.",
    );
    expect(uses(translate("str_replace_editor", { command: "insert", path: "/testbed/calc.py", insert_line: 9, new_str: "x" }))).toBe(
      "Error: insert_line must be between 0 and 2 (the number of lines in /testbed/calc.py); got 9.",
    );
    expect(uses(translate("str_replace_editor", { command: "undo_edit", path: "/testbed/calc.py" }))).toBe(
      "Error: There is no earlier edit of /testbed/calc.py to undo.",
    );
    expect(uses(translate("str_replace_editor", { command: "delete", path: "/testbed/calc.py" }))).toMatch(/^Error: command: must be one of view, create/);
    expect(uses(translate("bash", '{"command": "ls"'))).toMatch(/^Error: the arguments of bash are not valid JSON/);
    expect(uses(translate("find_file", { name: "x" }))).toBe("Error: there is no tool named find_file; the tools are bash, str_replace_editor and submit.");
  });
});

describe("replacement windows (insert and undo as Claude Code Edits)", () => {
  it("grows the changed lines until they occur once in the file", () => {
    const before = "a\nx\na\nx\n";
    expect(replacementWindow(before, "a\nx\na\nNEW\nx\n")).toEqual({ oldString: "x\na\nx\n", newString: "x\na\nNEW\nx\n" });
    expect(replacementWindow("one\ntwo\n", "zero\none\ntwo\n")).toEqual({ oldString: "one\n", newString: "zero\none\n" });
    expect(replacementWindow("same\n", "same\n")).toBeUndefined();
    expect(replacementWindow("", "new\n")).toBeUndefined();
  });

  it("applying the window to the file gives exactly the intended text", () => {
    const before = "def f():\n    pass\n\ndef g():\n    pass\n";
    const after = "def f():\n    pass\n\ndef g():\n    return 1\n    pass\n";
    const window = replacementWindow(before, after);
    expect(window).toBeDefined();
    expect(before.split(window!.oldString).length).toBe(2);
    expect(before.replace(window!.oldString, window!.newString)).toBe(after);
  });
});

describe("the working directory Claude Code names", () => {
  it("is read from the full system prompt and from --bare's", () => {
    expect(workdirFromSystem("# Environ\n - Primary working directory: /home/u/repo\n - Is a git repository: true")).toBe("/home/u/repo");
    expect(workdirFromSystem("You are Claude Code.\nCWD: /tmp/cap/repo\nDate: 2026-12-05")).toBe("/tmp/cap/repo");
    expect(workdirFromSystem("no directory here")).toBeUndefined();
  });

  it("maps /testbed paths both ways, whole words only", () => {
    const map = new PathMap("/home/u/repo");
    expect(map.toReal("/testbed/src/a.py")).toBe("/home/u/repo/src/a.py");
    expect(map.toReal("src/a.py")).toBe("/home/u/repo/src/a.py");
    expect(map.toShown("/home/u/repo/src/a.py")).toBe("/testbed/src/a.py");
    expect(map.textToShown("/home/u/repo/a.py and /home/u/repository")).toBe("/testbed/a.py and /home/u/repository");
  });
});
