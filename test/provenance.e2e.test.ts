import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { queryJson, sera, tempProject } from "./support/sera.js";

/**
 * Stand-in data is said to be stand-in wherever a user meets it: `sera quickstart` (the scripted
 * stand-in model, not an LLM, over loopback HTTP) fills the tables with rows marked
 * provenance = 'stand-in' because the server says what it is, and `sera status` and `sera report`
 * open with a banner. An experiment with no stand-in rows gets no banner.
 */

const BANNER = /^STAND-IN DATA: rows made by sera's stand-ins \(the scripted model server, the CPU stand-in trainer\), not by real models: /m;

describe("provenance through the CLI", () => {
  it("marks a quickstart's rows stand-in and shows the banner in sera status and sera report, and not for real-only data", () => {
    const cwd = tempProject({
      "plain.yaml": [
        "name: plain",
        "store: .sera/sera.duckdb",
        "stages:",
        "  score:",
        "    kind: command",
        "    params:",
        `      run: "echo '{\\"score\\": 1}'"`,
      ].join("\n"),
    });
    const quickstart = sera(["quickstart", "--functions", "2"], cwd);
    expect(quickstart.code).toBe(0);

    for (const table of ["instances", "rollouts", "verifications", "model_calls"]) {
      const rows = queryJson(cwd, `SELECT provenance, count(*)::INTEGER AS n FROM ${table} GROUP BY provenance`);
      expect([table, rows.map((r) => r.provenance)]).toEqual([table, ["stand-in"]]);
    }
    const metrics = queryJson(
      cwd,
      "SELECT DISTINCT provenance FROM run_metrics m JOIN runs r ON r.id = m.run_id WHERE r.experiment = 'quickstart' AND m.name = 'verified_yield'",
    );
    expect(metrics).toEqual([{ provenance: "stand-in" }]);

    const status = sera(["status", "--store", ".sera/sera.duckdb"], cwd);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(BANNER);
    // Each table with stand-in rows is named with its count (all of them, here).
    expect(status.stdout).toMatch(/: cost_ledger \d+, instances 2, model_calls \d+, rollouts \d+, run_metrics \d+, verifications 2\. /);

    const report = sera(["report", ".sera/quickstart/quickstart.yaml", "--out", "reports/quickstart", "--no-png"], cwd);
    expect(report.stderr).toBe("");
    expect(report.code).toBe(0);
    // The terminal summary quotes the report's figures, so the banner opens it too.
    expect(report.stdout).toMatch(/^STAND-IN DATA: /);
    const markdown = readFileSync(path.join(cwd, "reports/quickstart/report.md"), "utf8");
    // The banner comes right after the title, before anything else the report shows.
    const [title, , banner] = markdown.split("\n");
    expect(title).toMatch(/^# /);
    expect(banner).toMatch(/^> \*\*Warning:\*\* STAND-IN DATA: /);
    expect(markdown.split("STAND-IN DATA").length).toBe(2);
    expect(readFileSync(path.join(cwd, "reports/quickstart/index.html"), "utf8")).toContain("STAND-IN DATA");

    // Real-only data: a command stage's metrics say nothing of stand-ins, and get no banner.
    const plain = sera(["run", "plain.yaml"], cwd);
    expect(plain.code).toBe(0);
    const plainStatus = sera(["status", "plain.yaml"], cwd);
    expect(plainStatus.code).toBe(0);
    expect(plainStatus.stdout).not.toMatch(/STAND-IN/);
    const plainReport = sera(["report", "plain.yaml", "--out", "reports/plain", "--no-png"], cwd);
    expect(plainReport.stdout).not.toMatch(/STAND-IN/);
    expect(plainReport.code).toBe(0);
    expect(readFileSync(path.join(cwd, "reports/plain/report.md"), "utf8")).not.toMatch(/STAND-IN/);
  }, 300_000);
});
