import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { launchChromium, openReport } from "./support/browser.js";
import { sera, seraAsync, succeededOnDisk, tempProject, waitFor } from "./support/sera.js";

/**
 * A user's own sweep: command-stage runs that print a resolve rate and a cost line and leave one
 * evaluation row per instance in their output directory. The report reads those rows with its
 * own SQL (report.instances.sql), works while the sweep is still running, and draws every chart
 * kind, which headless Chromium then renders.
 */

// Deterministic outcomes: tuned resolves more, bigger training sets resolve more; one run waits for a gate file.
const evaluate = `
import { existsSync, renameSync, writeFileSync } from "node:fs";
const [samples, condition, seed, outDir] = process.argv.slice(2);
if (condition === "tuned" && seed === "2" && samples === "400") {
  while (!existsSync("release")) await new Promise((resolve) => setTimeout(resolve, 50));
}
const rows = [];
for (let i = 0; i < 30; i++) {
  const chance = 0.2 + 0.05 * Math.log2(Number(samples) / 100) + (condition === "tuned" ? 0.15 : 0) + (i % 3) * 0.1;
  const draw = ((i * 7919 + Number(seed) * 104729 + Number(samples)) % 1000) / 1000;
  rows.push({ instance_id: "repo" + (i % 3) + "__task-" + i, repository: ["django/django", "sympy/sympy", "pallets/flask"][i % 3], resolved: draw < chance });
}
writeFileSync(outDir + "/instances.tmp", rows.map((row) => JSON.stringify(row)).join("\\n") + "\\n");
renameSync(outDir + "/instances.tmp", outDir + "/instances.jsonl");
const rate = (100 * rows.filter((row) => row.resolved).length) / rows.length;
console.log(JSON.stringify({ resolve_rate: rate, cost: { kind: "gpu_hours", quantity: Number(samples) / 100, unit: "H100-hour", unit_price: 2 } }));
`;

const experiment = `
name: evals
backend: { kind: local, concurrency: 2 }
stages:
  evaluate:
    kind: command
    params:
      run: node evaluate.mjs {{samples}} {{condition}} {{seed}} {{out_dir}}
      samples: 100
      condition: base
sweep:
  grid:
    stages.evaluate.params.samples: [100, 200, 400]
    stages.evaluate.params.condition: [base, tuned]
  seeds: 2
report:
  title: Evaluation sweep
  fits:
    - { name: samples, stage: evaluate, x: samples, where: { condition: tuned }, model: log-linear, bootstrap: { replicates: 200 } }
    - { name: cost, stage: evaluate, x: cost, where: { condition: tuned }, model: log-linear, bootstrap: { replicates: 200 }, compareTo: [{ baseline: big }] }
  baselines:
    - { id: big, label: Bigger model, score: 50, usd: 5000 }
  compare:
    - { name: condition, stage: evaluate, by: condition, reference: base, where: { samples: 400 } }
  instances:
    sql: >-
      SELECT regexp_extract(filename, 'runs/([^/]+)/out/', 1) AS run_id, instance_id, repository, resolved
      FROM read_json('.sera/experiments/evals/runs/*/out/instances.jsonl', filename = true)
    by: condition
    reference: base
`;

describe("sera report on a user's sweep, during and after the run", () => {
  it("reports partial results while the sweep runs, then the full report renders in Chromium", async () => {
    const cwd = tempProject({ "evals.yaml": experiment, "evaluate.mjs": evaluate });
    const running = seraAsync(["run", "evals.yaml"], cwd);
    // A failed expectation must not leave the sweep (and its gated job) running after the test.
    onTestFinished(async () => {
      writeFileSync(path.join(cwd, "release"), "");
      if (running.child.exitCode === null) running.child.kill("SIGTERM");
      await running.done;
    });
    // 11 of 12 runs can finish; the gated one keeps the sweep open.
    await waitFor(() => succeededOnDisk(cwd, "evals") >= 11, 60_000, "eleven finished runs", running.child);
    const partial = sera(["report", "evals.yaml", "--json"], cwd);
    expect(partial.code, partial.stderr).toBe(0);
    expect(JSON.parse(partial.stdout).runs.unfinished).toBeGreaterThanOrEqual(1);
    expect(readFileSync(path.join(cwd, "reports/evals/report.md"), "utf8")).toContain("> **Warning:** Partial results:");
    expect(running.child.exitCode).toBeNull();

    writeFileSync(path.join(cwd, "release"), "");
    const finished = await running.done;
    expect(finished.code, finished.stderr).toBe(0);
    const full = sera(["report", "evals.yaml", "--json"], cwd);
    expect(full.code, full.stderr).toBe(0);
    expect(JSON.parse(full.stdout).runs).toEqual({ total: 12, succeeded: 12, unfinished: 0, failed: 0 });
    const model = JSON.parse(readFileSync(path.join(cwd, "reports/evals/report.json"), "utf8"));
    expect(model.instances.repositories).toHaveLength(6);
    expect(model.instances.contrasts[0].bootstrap.instances).toBe(30);
    expect(model.compares[0].conditions.map((condition: { label: string; n: number }) => [condition.label, condition.n])).toEqual([
      ["base", 2],
      ["tuned", 2],
    ]);
    expect(readdirSync(path.join(cwd, "reports/evals/data"))).toContain("instances.parquet");

    const browser = await launchChromium();
    try {
      const page = await openReport(browser, path.join(cwd, "reports/evals/index.html"), path.join(cwd, "evals.png"));
      expect(Object.keys(page.charts).sort()).toEqual(["ablation-condition", "cost-cost", "repositories", "scaling-cost", "scaling-samples"]);
      for (const [id, chart] of Object.entries(page.charts)) {
        expect(chart.rendered, id).toBe(true);
        expect(chart.marks, id).toBeGreaterThanOrEqual(1);
        expect(chart.items, id).toBeGreaterThanOrEqual(4);
      }
      expect(page.errors).toEqual([]);
      expect(page.networkRequests).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("a misspelt parameter in report: fails with one line naming the file and field", () => {
    const cwd = tempProject({ "evals.yaml": experiment.replace("by: condition, reference: base", "by: conditon, reference: base"), "evaluate.mjs": evaluate });
    writeFileSync(path.join(cwd, "release"), "");
    expect(sera(["run", "evals.yaml"], cwd).code).toBe(0);
    const result = sera(["report", "evals.yaml"], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('sera: evals.yaml: report.compare[0].by: "conditon" is not a swept parameter in the store (swept: condition, samples)');
    const schema = sera(["report", "evals.yaml", "--set", "report.noise.sd=-1"], cwd);
    expect(schema.code).toBe(2);
    expect(schema.stderr.trim().split("\n")).toHaveLength(1);
    expect(schema.stderr).toContain("report.noise.sd");
  });
});
