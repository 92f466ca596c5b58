import { describe, expect, it } from "vitest";
import {
  BUG_PROMPT_TEMPLATES,
  GENERIC_BUG_PROMPT,
  THEMED_BUG_PROMPTS,
  parsePrText,
  parseSelfCheck,
  renderBugPrompt,
  renderPrPrompt,
  renderSelfCheckPrompt,
  truncateSteps,
  type TrajectoryStep,
} from "../src/tasks/index.js";

const SPEC_THEMES = [
  "resource cleanup & lifecycle",
  "data validation & type safety",
  "error handling & exceptions",
  "state management & consistency",
  "configuration & initialization",
  "concurrency & thread safety",
  "API contracts & interface compatibility",
  "performance & efficiency",
  "dependency management & module coupling",
  "control flow & logic correctness",
  "data transformation & processing",
  "async operations & callbacks",
  "boundary conditions & edge cases",
  "maintainability & documentation",
  "security & input sanitization",
  "modularity & reusability",
  "testing & observability",
  "compatibility & platform behaviour",
  "correctness & business logic",
  "robustness & failure recovery",
  "scalability & extensibility",
  "consistency & conventions",
  "clarity & complexity",
  "integration & component interaction",
  "completeness & missing functionality",
  "reliability & determinism",
  "assumptions & preconditions",
  "side effects & purity",
  "abstraction & interface design",
  "duplication & redundancy",
  "ordering & initialization sequence",
  "correctness & algorithms",
  "behaviour & output correctness",
  "coupling & dependency relationships",
  "naming & semantic clarity",
  "readability & maintainability",
  "testability",
  "backwards compatibility & version migration",
  "invariants & postconditions",
  "ownership & responsibility",
  "flexibility & parameterization",
  "transactions & atomicity",
  "efficiency & resource utilization",
  "context & environment awareness",
  "composability",
  "lifecycle & temporal behaviour",
  "idempotency",
  "null safety & optionals",
  "memory management & object lifecycle",
  "I/O handling & data flow",
];

const sentenceCount = (text: string) => (text.match(/[.?!](?=\s|$)/g) ?? []).length;

describe("bug-prompt library", () => {
  it("holds one generic prompt and fifty distinct themed prompts covering every spec theme", () => {
    expect(THEMED_BUG_PROMPTS).toHaveLength(50);
    expect(BUG_PROMPT_TEMPLATES).toHaveLength(51);
    expect(BUG_PROMPT_TEMPLATES[0]).toBe(GENERIC_BUG_PROMPT);
    expect(new Set(THEMED_BUG_PROMPTS.map((t) => t.theme))).toEqual(new Set(SPEC_THEMES));
    expect(new Set(BUG_PROMPT_TEMPLATES.map((t) => t.id)).size).toBe(51);
    expect(new Set(BUG_PROMPT_TEMPLATES.map((t) => t.text)).size).toBe(51);
  });

  it("gives every template both slots, a 4–8 sentence body and the caller/callee hint", () => {
    for (const template of BUG_PROMPT_TEMPLATES) {
      expect(template.text, template.id).toContain("{{function}}");
      expect(template.text, template.id).toContain("{{file}}");
      expect(sentenceCount(template.text), template.id).toBeGreaterThanOrEqual(4);
      expect(sentenceCount(template.text), template.id).toBeLessThanOrEqual(8);
      // Symptoms on calling it, and a pointer to both its callers and what it calls.
      expect(template.text, template.id).toMatch(/\b[Cc]all(s|ed|ing)?\b|\bcalls?\b/);
      expect(template.text, template.id).toMatch(/\bcallers?\b|\bcalls it\b/);
      expect(template.text, template.id).toMatch(
        /\bit (calls|uses|relies on|delegates to|consults|dispatches to|composes with|reaches into|passes)\b|\bcalls many\b|\bthe code it\b/,
      );
      expect(template.text, template.id).not.toMatch(/Suspected location/);
    }
  });
});

describe("renderBugPrompt", () => {
  const location = { function: "Parser.parse_header", file: "lib/http/parser.py" };

  it("fills every slot and adds the Suspected location line on a line of its own", () => {
    for (const template of BUG_PROMPT_TEMPLATES) {
      const text = renderBugPrompt(template, location);
      expect(text).not.toMatch(/\{\{|\}\}/);
      expect(text).toContain("`Parser.parse_header`");
      expect(text.split("\n")).toContain("Suspected location: lib/http/parser.py (function Parser.parse_header)");
    }
  });

  it("leaves slot-like text inside the values alone and accepts a raw template string", () => {
    const odd = { function: "render_{{file}}", file: "a/$&{{function}}.py" };
    const text = renderBugPrompt("Look at {{ function }} in {{file}}.", odd);
    expect(text).toBe("Look at render_{{file}} in a/$&{{function}}.py.\n\nSuspected location: a/$&{{function}}.py (function render_{{file}})");
  });
});

const steps: TrajectoryStep[] = Array.from({ length: 8 }, (_, i) => ({
  action: `cat file_${i}.py`,
  observation: `contents ${i} </output> "quoted"`,
  response: `thinking about step ${i}`,
}));

describe("self-check prompt and parsing", () => {
  it("wraps the task and the JSON steps in their tags and asks for yes/no in <output>", () => {
    const text = renderSelfCheckPrompt({ task: "Fix the bug in foo", steps });
    expect(text).toMatch(/<original_task>\nFix the bug in foo\n<\/original_task>/);
    const trajectory = /<trajectory>\n([\s\S]*?)\n<\/trajectory>/.exec(text);
    expect(trajectory).not.toBeNull();
    expect(JSON.parse(trajectory![1])).toEqual(steps);
    expect(text).toContain("<output>yes</output>");
    expect(text).toContain("<output>no</output>");
  });

  it("parses the first <output> tag, case- and space-insensitively, across lines", () => {
    expect(parseSelfCheck("reasoning...\n<output>yes</output>")).toBe(true);
    expect(parseSelfCheck("<output>\n  YES \n</output>")).toBe(true);
    expect(parseSelfCheck("<output>No</output> and later <output>yes</output>")).toBe(false);
    expect(parseSelfCheck("I think yes")).toBeNull();
    expect(parseSelfCheck("<output>maybe</output>")).toBeNull();
    expect(parseSelfCheck("<output>yes")).toBeNull();
  });

  it("drops another quarter of the steps from the front on each retry", () => {
    expect(truncateSteps(steps, 0)).toEqual(steps);
    expect(truncateSteps(steps, 1)).toEqual(steps.slice(2));
    expect(truncateSteps(steps, 2)).toEqual(steps.slice(4));
    expect(truncateSteps(steps, 3)).toEqual(steps.slice(6));
    expect(truncateSteps(steps.slice(0, 1), 3)).toHaveLength(1);
    expect(truncateSteps([], 2)).toEqual([]);
    expect(() => truncateSteps(steps, 4)).toThrow(RangeError);
    expect(() => truncateSteps(steps, -1)).toThrow(RangeError);
  });
});

describe("PR prompt and parsing", () => {
  it("wraps the demonstration and the steps in their tags and states the rules", () => {
    const text = renderPrPrompt({ steps: steps.slice(0, 2), demonstration: { id: "d1", body: "  Foo breaks when bar.\n" } });
    expect(text).toContain("<demonstration_issue>\nFoo breaks when bar.\n</demonstration_issue>");
    const trajectory = /<trajectory>\n([\s\S]*?)\n<\/trajectory>/.exec(text);
    expect(JSON.parse(trajectory![1])).toEqual(steps.slice(0, 2));
    expect(text).toMatch(/pytest/);
    expect(text).toMatch(/<output>/);
    expect(renderPrPrompt({ steps, demonstration: "plain body" })).toContain("<demonstration_issue>\nplain body\n</demonstration_issue>");
  });

  it("returns the trimmed first <output> block, or null", () => {
    expect(parsePrText("draft\n<output>\n  Title\n\nBody text\n</output>\n<output>second</output>")).toBe("Title\n\nBody text");
    expect(parsePrText("no tags at all")).toBeNull();
    expect(parsePrText("<output>   </output>")).toBeNull();
  });
});
