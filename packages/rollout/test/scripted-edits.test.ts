import { describe, expect, it } from "vitest";
import { fileGrepCommand, pickDefinition, planEdit, targetNameFromGrep } from "../src/scripted/code-edits.js";
import { locateTask } from "../src/scripted/conversation.js";

describe("scripted stand-in edit planning", () => {
  it("inserts after a multi-line signature and a multi-line docstring", () => {
    const view = [
      "    async def fetch(",
      "        self,",
      "        url: str,",
      "        retries: int = 3,",
      "    ) -> bytes:",
      '        """Download url.',
      "",
      "        Retries on failure.",
      '        """',
      "        data = await self._get(url)",
      "        return data",
    ].join("\n");
    const plan = planEdit(view, 20, { file: "net/client.py", qualifiedName: "Client.fetch" }, 0)!;
    expect(plan.oldStr.split("\n")).toHaveLength(9);
    expect(plan.insertedText).toBe("        if url is None:\n            raise ValueError(\"fetch() was called without a value for 'url'\")");
    expect(plan.newStr).toBe(`${plan.oldStr}\n${plan.insertedText}`);
    expect(plan.insertAfterLine).toBe(28);
  });

  it("gives every variant a different edit, with or without parameters", () => {
    for (const view of ["def run(job):\n    job.start()", "def run():\n    start()"]) {
      const edits = [0, 1, 2].map((variant) => planEdit(view, 1, { file: "m.py", qualifiedName: "run" }, variant)!.insertedText);
      expect(new Set(edits).size).toBe(3);
    }
  });

  it("refuses one-line functions and views that cut the docstring off", () => {
    const target = { file: "m.py", qualifiedName: "f" };
    expect(planEdit("def f(x): return x\n\ndef g():\n    pass", 1, target, 1)).toBeUndefined();
    expect(planEdit('def f(x):\n    """Starts here\n    and goes on', 1, target, 1)).toBeUndefined();
  });

  it("uses the file's own indentation in brace languages (tabs in Go)", () => {
    const view = "func (s *Store) Get(key string) (string, error) {\n\tv, ok := s.items[key]\n\treturn v, ok\n}";
    const plan = planEdit(view, 40, { file: "store/store.go", qualifiedName: "Store.Get" }, 2)!;
    expect(plan.oldStr).toBe("func (s *Store) Get(key string) (string, error) {");
    expect(plan.insertedText).toMatch(/^\t\/\/ Get: /);
    expect(plan.insertAfterLine).toBe(40);
  });

  it("strips cat -n numbering from editor views", () => {
    const view = "    12\tdef load(path):\n    13\t    return open(path).read()";
    const plan = planEdit(view, 12, { file: "io.py", qualifiedName: "load" }, 1)!;
    expect(plan.oldStr).toBe("def load(path):");
    expect(plan.insertedText.startsWith("    # ")).toBe(true);
  });

  it("picks the method of the named class over a same-named function", () => {
    const output = ["3:def area(values):", "10:class Box:", "14:    def area(self, scale):"].join("\n");
    expect(pickDefinition(output, { file: "s.py", qualifiedName: "Box.area" })).toEqual({ file: "s.py", line: 14 });
    expect(pickDefinition(output, { file: "s.py", qualifiedName: "area" })).toEqual({ file: "s.py", line: 3 });
    const repoWide = "/testbed/pkg/b.py:7:class Box:\n/testbed/pkg/b.py:9:    def area(self):";
    expect(pickDefinition(repoWide, { file: "pkg/a.py", qualifiedName: "Box.area" })).toEqual({ file: "pkg/b.py", line: 9 });
  });

  it("skips call sites when looking for a JavaScript definition", () => {
    const output = ["4:  const out = render(tree);", "12:export function render(node, options) {", "30:    return render(child);"].join("\n");
    expect(pickDefinition(output, { file: "view.js", qualifiedName: "render" })).toEqual({ file: "view.js", line: 12 });
  });

  it("reads the target back out of its own grep command and PR wording", () => {
    expect(targetNameFromGrep(fileGrepCommand({ file: "a/b.py", qualifiedName: "Parser.parse_header" }))).toBe("Parser.parse_header");
    expect(targetNameFromGrep(fileGrepCommand({ file: "a/b.ts", qualifiedName: "render" }))).toBe("render");
    expect(locateTask("It happens in `src/x.py` (function `Loader.read`).")).toEqual({
      file: "src/x.py",
      qualifiedName: "Loader.read",
      fromScriptedPr: true,
    });
    expect(locateTask("blah\nSuspected location: /testbed/src/x.py (function read)")).toEqual({
      file: "src/x.py",
      qualifiedName: "read",
      fromScriptedPr: false,
    });
  });
});
