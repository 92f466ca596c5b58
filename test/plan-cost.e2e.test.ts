import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { queryJson, sera, tempProject } from "./support/sera.js";

/**
 * `sera plan` forecasts a generation run's teacher cost from the token profile of the instances
 * already in the store (here a quickstart's, made by the scripted stand-in teacher) and the run's
 * teacher.prices, capped by its stage budget; it runs nothing.
 */
describe("sera plan expected teacher cost", () => {
  it("prices the store's average tokens per instance for each generation run, and says when there is no profile yet", () => {
    const cwd = tempProject();
    const priced = (name: string) =>
      writeFileSync(
        path.join(cwd, name),
        [
          "extends: .sera/quickstart/quickstart.yaml",
          "stages:",
          "  generate:",
          "    params:",
          "      functionsPerRepo: 40",
          "      instancesPerFunction: 2",
          "      teacher: { prices: { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 } }",
          "",
        ].join("\n"),
      );
    expect(sera(["quickstart", "--functions", "2"], cwd).code).toBe(0);
    priced("priced.yaml");

    const profile = queryJson(
      cwd,
      `SELECT count(*)::INTEGER AS n, avg(i) AS i, avg(c) AS c, avg(o) AS o FROM (
         SELECT sum(input_tokens) AS i, sum(cached_input_tokens) AS c, sum(output_tokens) AS o FROM model_calls GROUP BY run_id, instance_id)`,
    )[0] as { n: number; i: number; c: number; o: number };
    const perInstance = ((profile.i - profile.c) * 3 + profile.c * 0.3 + profile.o * 15) / 1e6;

    const plan = sera(["plan", "priced.yaml", "--json"], cwd);
    expect(plan.code, plan.stderr).toBe(0);
    const generate = (JSON.parse(plan.stdout) as { kind: string; expectedTeacherCost?: string }[]).find((run) => run.kind === "sera-generate");
    expect(generate?.expectedTeacherCost).toBe(
      `up to $${(80 * perInstance).toFixed(2)} (80 × $${perInstance.toFixed(4)}, profile of ${profile.n} earlier instances)`,
    );

    const capped = sera(["plan", "priced.yaml", "--json", "--set", "stages.generate.params.budget.usdPerStage=0.001"], cwd);
    expect(JSON.parse(capped.stdout).find((run: { kind: string }) => run.kind === "sera-generate").expectedTeacherCost).toMatch(/, capped at \$0\.00\)$/);

    const fresh = tempProject();
    writeFileSync(
      path.join(fresh, "alone.yaml"),
      [
        "name: alone",
        "store: .sera/sera.duckdb",
        "stages:",
        "  generate:",
        "    kind: sera-generate",
        "    params:",
        "      repo: .",
        "      teacher: { model: m, endpoints: ['http://127.0.0.1:9'], prices: { inputPerMTok: 1 } }",
        "",
      ].join("\n"),
    );
    const none = sera(["plan", "alone.yaml"], fresh);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain("no earlier instances to profile");
  });
});
