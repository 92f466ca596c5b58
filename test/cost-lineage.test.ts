import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { withStore } from "@sera/core";
import { buildReport } from "@sera/analysis";
import { samplesTable } from "@sera/training";
import { describe, expect, it } from "vitest";

/**
 * A cost axis follows each point's lineage (the paper's Appendix A): a training run is charged its
 * own dollars plus the generation dollars behind the samples it trained on. The store holds one
 * generation run ($100, ten samples kept in the dataset) and three training runs on the nested
 * subsets of 4 and 10 samples and on all of them; the rows are written as the spine and the
 * dataset stage would write them (the dataset's own table definition).
 */
describe("report cost axis from lineage", () => {
  it("charges each training run its own dollars plus the share of the generation behind its subset", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-lineage-"));
    const storeFile = path.join(dir, "sera.duckdb");
    const experimentFile = path.join(dir, "lineage.yaml");
    writeFileSync(
      experimentFile,
      [
        "name: lineage",
        `store: ${storeFile}`,
        "stages:",
        "  train:",
        "    kind: command",
        '    params: { run: "true", samples: 4 }',
        "report:",
        "  metric: resolve_rate",
        "  fits:",
        "    - { name: cost, stage: train, x: cost }",
        "",
      ].join("\n"),
    );
    await withStore(storeFile, {}, async (store) => {
      const run = (sql: string) => store.connection.run(sql);
      await run(samplesTable.ddl);
      const runRow = (id: string, stage: string, kind: string, params: object, upstream: object) =>
        run(`INSERT INTO runs (id, experiment, stage, kind, params, seed, upstream, status, attempt, failures, backend, queued_at, started_at, finished_at, wall_seconds, exit_code, run_dir)
             VALUES ('${id}', 'lineage', '${stage}', '${kind}', '${JSON.stringify(params)}', 1, '${JSON.stringify(upstream)}', 'succeeded', 1, 0, 'local', now(), now(), now(), 1, 0, '')`);
      const spend = (runId: string, usd: number, line = 0) =>
        run(`INSERT INTO cost_ledger (id, run_id, experiment, attempt, kind, quantity, unit, unit_price, usd, source)
             VALUES ('${runId}:1:${line}:0', '${runId}', 'lineage', 1, 'api_usd', ${usd}, 'USD', 1, ${usd}, 'test')`);
      await runRow("gen", "generate", "sera-generate", {}, {});
      await spend("gen", 60);
      await spend("gen", 40, 1); // two ledger lines: the run's dollars are their sum
      await runRow("data", "dataset", "sera-dataset", {}, { generate: "gen" });
      for (let i = 0; i < 10; i++) {
        await run(
          `INSERT INTO samples (run_id, sample_id, source_run_id, instance_id, subsets) VALUES ('data', 's${i}', 'gen', 'i${i}', ${i < 4 ? "[4, 10]" : "[10]"})`,
        );
      }
      // A sample from an ingested (foreign) source costs nothing here and does not dilute the generation's share.
      await runRow("foreign", "ingest", "command", {}, {});
      await run(`INSERT INTO samples (run_id, sample_id, source_run_id, instance_id, subsets) VALUES ('data', 'f0', 'foreign', 'x0', [4, 10])`);
      await runRow("train4", "train", "sera-train", { samples: 4 }, { dataset: "data" });
      await runRow("train10", "train", "sera-train", { samples: 10 }, { dataset: "data" });
      await runRow("trainAll", "train", "sera-train", { samples: "all" }, { dataset: "data" });
      await spend("train4", 10);
      await spend("train10", 20);
      await spend("trainAll", 30);
      for (const [id, score] of [
        ["train4", 20],
        ["train10", 30],
        ["trainAll", 31],
      ] as const) {
        await run(`INSERT INTO run_metrics (run_id, attempt, line, name, value) VALUES ('${id}', 1, 1, 'resolve_rate', ${score})`);
      }
    });

    const built = await buildReport({ experimentFile, outDir: path.join(dir, "report"), store: storeFile });
    const points = built.model.fits[0].points.map(({ runId, x }) => [runId, x]);
    // train4: 10 + 100 × 4/10; train10: 20 + 100; trainAll: 30 + 100.
    expect(points).toEqual([
      ["train4", 50],
      ["train10", 120],
      ["trainAll", 130],
    ]);
    expect(readFileSync(path.join(built.outDir, "report.md"), "utf8")).toContain(
      "Cost attribution: x = the run's own cost-ledger dollars plus every upstream run's",
    );
  });
});
