import { describe, expect, it } from "vitest";
import { sera, tempProject } from "./support/sera.js";

/**
 * `sera status` surfaces the files a stage found damaged (its `corrupt_files` metric): a run that
 * set files aside or rebuilt them still succeeds, so without this line nobody would look at its log.
 * Command stages report the metric the way generation does, as a JSON line on stdout.
 */
describe("sera status", () => {
  it("lists runs that reported damaged files, with the last count each reported, and no others", () => {
    const cwd = tempProject({
      "repairs.yaml": [
        "name: repairs",
        "store: .sera/sera.duckdb",
        "stages:",
        "  damaged:",
        "    kind: command",
        "    params:",
        // The later line wins: a resumed stage reports its running total again.
        `      run: "echo '{\\"corrupt_files\\": 1}'; echo '{\\"corrupt_files\\": 3}'"`,
        "  clean:",
        "    kind: command",
        "    params:",
        `      run: "echo '{\\"corrupt_files\\": 0}'"`,
        "",
      ].join("\n"),
    });
    expect(sera(["run", "repairs.yaml"], cwd).code).toBe(0);

    const text = sera(["status", "--store", ".sera/sera.duckdb"], cwd);
    expect(text.code).toBe(0);
    const section = text.stdout.slice(text.stdout.indexOf("damaged files"));
    expect(section).toMatch(/^damaged files found and repaired/);
    expect(section).toMatch(/repairs\s+damaged\s+3/);
    expect(section).not.toMatch(/\bclean\b/);

    const json = JSON.parse(sera(["status", "--store", ".sera/sera.duckdb", "--json"], cwd).stdout) as { damaged: { stage: string; corrupt_files: number }[] };
    expect(json.damaged.map(({ stage, corrupt_files }) => ({ stage, corrupt_files }))).toEqual([{ stage: "damaged", corrupt_files: 3 }]);
  });

  it("says nothing about damaged files when no run reported any", () => {
    const cwd = tempProject({
      "fine.yaml": ["name: fine", "store: .sera/sera.duckdb", "stages:", "  one:", "    kind: command", "    params:", '      run: "true"', ""].join("\n"),
    });
    expect(sera(["run", "fine.yaml"], cwd).code).toBe(0);
    const text = sera(["status", "--store", ".sera/sera.duckdb"], cwd);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain("damaged files");
  });
});
