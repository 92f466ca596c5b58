import { describe, expect, it } from "vitest";
import { AGENT_SYSTEM_PROMPT, renderInstanceTask } from "../src/index.js";

describe("renderInstanceTask", () => {
  it("places the problem in pr_description and names /testbed and the non-test rule", () => {
    const problem = "Dates are formatted in the wrong order.";
    const text = renderInstanceTask(problem);
    expect(text).toContain(`<pr_description>\n${problem}\n</pr_description>`);
    expect(text).toContain("/testbed");
    expect(text).toMatch(/non-test/);
    expect(text).toMatch(/reproduce/i);
    expect(text).toMatch(/edge cases/i);
    expect(AGENT_SYSTEM_PROMPT.split("\n")).toHaveLength(1);
  });
});
