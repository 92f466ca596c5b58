import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, withStore } from "@sera/core";
import { beforeAll, describe, expect, it } from "vitest";
import { buildReport, NoRunsError, writeSyntheticSweep, type BuiltReport, type SyntheticSweep } from "../src/index.js";

let dir: string;
let sweep: SyntheticSweep;
let built: BuiltReport;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sera-report-"));
  sweep = await writeSyntheticSweep({ dir, conditions: ["plain", "filtered"], samples: [500, 1000, 2000, 4000], seeds: 3, instances: 24, repositories: 3 });
  built = await buildReport({ experimentFile: sweep.experimentFile, outDir: path.join(dir, "out") });
}, 60_000);

const read = (file: string) => readFileSync(path.join(built.outDir, file), "utf8");

async function countRows(sql: string): Promise<number> {
  return withStore(sweep.storeFile, { readOnly: true }, async (store) => {
    const reader = await store.connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM (${sql})`);
    return Number(reader.getRowObjectsJson()[0].n);
  });
}

describe("buildReport over a store shaped like a finished sweep", () => {
  it("writes HTML, Markdown, JSON, SQL, Parquet and every chart as SVG, PNG and Vega-Lite", () => {
    const top = readdirSync(built.outDir).sort();
    expect(top).toEqual(["charts", "data", "index.html", "report.json", "report.md", "sql"]);
    const charts = readdirSync(path.join(built.outDir, "charts")).sort();
    for (const id of ["scaling-samples", "scaling-cost", "cost-cost", "ablation-conditions", "repositories"]) {
      expect(charts).toEqual(expect.arrayContaining([`${id}.svg`, `${id}.png`, `${id}.vl.json`]));
      expect(read("report.md")).toContain(`![`);
      expect(read("report.md")).toContain(`(charts/${id}.svg)`);
    }
    expect(built.model.runs).toEqual({ total: 24, succeeded: 24, unfinished: 0, failed: 0 });
  });

  it("each SQL file runs as it is against the store and its Parquet holds the same rows", async () => {
    const sqlFiles = readdirSync(path.join(built.outDir, "sql"));
    expect(sqlFiles.length).toBe(built.model.queries.length);
    for (const file of sqlFiles) {
      const name = file.replace(/\.sql$/, "");
      const sql = read(`sql/${file}`)
        .replace(/^--.*\n/, "")
        .replace(/;\s*$/, "");
      const parquet = path.join(built.outDir, "data", `${name}.parquet`);
      expect(existsSync(parquet), parquet).toBe(true);
      expect(await countRows(`SELECT * FROM '${parquet}'`), name).toBe(await countRows(sql));
    }
    // 24 runs × 24 instances, and the per-condition means pair 24 instances per condition.
    expect(await countRows(`SELECT * FROM '${path.join(built.outDir, "data/instances.parquet")}'`)).toBe(576);
    expect(await countRows(`SELECT * FROM '${path.join(built.outDir, "data/instances_per_condition.parquet")}'`)).toBe(48);
  });

  it("index.html is self-contained: the vega runtime and specs inline, nothing fetched", () => {
    const html = read("index.html");
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/);
    expect(html).toContain('id="spec-scaling-samples"');
    expect(html).toContain('data-chart="repositories"');
    expect(html.length).toBeGreaterThan(400_000); // the vega runtime (about 0.5 MB) is in the file
  });

  it("the instances section pairs the conditions and the report flags the within-noise ones", () => {
    const instances = built.model.instances;
    expect(instances?.reference).toBe("plain");
    expect(instances?.contrasts.map((contrast) => contrast.label)).toEqual(["filtered"]);
    expect(instances?.repositories).toHaveLength(6);
    const markdown = read("report.md");
    expect(markdown).toContain("## Per repository");
    expect(markdown).toContain("## Seeds needed");
  });

  it("is deterministic: building again gives byte-identical documents", async () => {
    const again = await buildReport({ experimentFile: sweep.experimentFile, outDir: path.join(dir, "again") });
    for (const file of ["report.md", "report.json", "index.html", "charts/scaling-samples.svg", "sql/instances.sql"]) {
      expect(readFileSync(path.join(again.outDir, file), "utf8"), file).toBe(read(file));
    }
  });

  it("a bad report section fails with one line naming the field, and the previous report stays", async () => {
    const broken = path.join(dir, "broken.yaml");
    writeFileSync(broken, readFileSync(sweep.experimentFile, "utf8").replace("x: samples,", "x: sample_count,"));
    const out = path.join(dir, "out");
    const error = await buildReport({ experimentFile: broken, outDir: out }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /broken\.yaml: report\.fits\[0\]\.x: "sample_count" is not a swept parameter in the store \(swept: condition, samples\)$/,
    );
    expect((error as Error).message).not.toContain("\n");
    expect(existsSync(path.join(out, "index.html"))).toBe(true);
    expect(readdirSync(dir).filter((name) => name.includes(".building-"))).toEqual([]);
  });

  it("instance SQL that fails names report.instances.sql", async () => {
    const broken = path.join(dir, "broken-sql.yaml");
    writeFileSync(broken, readFileSync(sweep.experimentFile, "utf8").replace("FROM synthetic_instances", "FROM no_such_table"));
    await expect(buildReport({ experimentFile: broken, outDir: path.join(dir, "x") })).rejects.toThrow(
      /report\.instances\.sql: the query failed: Catalog Error: Table with name no_such_table does not exist/,
    );
  });

  it("without a report: section the report still has the overview tables and no figures", async () => {
    const plain = path.join(dir, "plain.yaml");
    writeFileSync(plain, readFileSync(sweep.experimentFile, "utf8").replace(/\nreport:[\s\S]*$/, "\n"));
    const overview = await buildReport({ experimentFile: plain, outDir: path.join(dir, "plain") });
    expect(overview.model.fits).toEqual([]);
    expect(readdirSync(path.join(overview.outDir, "charts"))).toEqual([]);
    const markdown = readFileSync(path.join(overview.outDir, "report.md"), "utf8");
    expect(markdown).toContain("## Runs, metrics and cost");
    expect(markdown).toContain("| train | resolve_rate | 24 |");
    expect(readdirSync(path.join(overview.outDir, "sql")).sort()).toEqual(["cost_by_kind.sql", "metrics_by_stage.sql", "runs_by_status.sql"]);
  });

  it("an experiment with no runs in the store writes nothing", async () => {
    const out = path.join(dir, "none");
    await expect(buildReport({ experimentFile: sweep.experimentFile, outDir: out, set: ["name=other"] })).rejects.toBeInstanceOf(NoRunsError);
    expect(existsSync(out)).toBe(false);
  });
});
