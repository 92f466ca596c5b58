import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Store } from "@sera/core";
import type { ReportModel } from "./model.js";
import { sqlIdentifier, sqlString } from "./sql.js";

/**
 * What sera computes from the query results (fitted curves, equal-performance costs, contrasts,
 * the seed plan) saved as Parquet next to the query results, so a notebook or another tool can
 * read the report's numbers without re-running the analysis.
 */
export function derivedTables(model: ReportModel): Map<string, Record<string, unknown>[]> {
  const tables = new Map<string, Record<string, unknown>[]>();
  for (const fit of model.fits) {
    tables.set(
      `fit_${fit.name}_curve`,
      fit.curve.map((point) => ({ x: point.x, estimate: point.estimate, lower: point.lower, upper: point.upper, extrapolated: point.extrapolated })),
    );
    tables.set(
      `fit_${fit.name}_equal_performance`,
      fit.comparisons.map((comparison) => ({
        baseline: comparison.baseline.label,
        score: comparison.baseline.score,
        baseline_usd: comparison.result.baselineUsd,
        our_usd: comparison.result.ourUsd,
        our_usd_lower: comparison.result.ourUsdInterval?.lower ?? null,
        our_usd_upper: comparison.result.ourUsdInterval?.upper ?? null,
        ratio: comparison.result.ratio,
        ratio_lower: comparison.result.ratioInterval?.lower ?? null,
        ratio_upper: comparison.result.ratioInterval?.upper ?? null,
        published_usd: comparison.publishedUsd,
        published_ratio: comparison.publishedRatio,
      })),
    );
  }
  for (const compare of model.compares) {
    tables.set(
      `compare_${compare.name}_contrasts`,
      compare.contrasts.map((contrast) => ({
        condition: contrast.label,
        reference: contrast.reference,
        delta: contrast.delta,
        noise_sd: contrast.noiseSd,
        snr: contrast.snr,
        verdict: contrast.verdict,
        within_noise: contrast.withinNoise,
        welch_t: contrast.welch?.t ?? null,
        welch_df: contrast.welch?.df ?? null,
        welch_p: contrast.welch?.p ?? null,
      })),
    );
  }
  if (model.instances) {
    tables.set(
      "instances_contrasts",
      model.instances.contrasts.map((contrast) => ({
        condition: contrast.label,
        reference: contrast.reference,
        difference_pp: contrast.bootstrap.difference,
        lower: contrast.bootstrap.lower,
        upper: contrast.bootstrap.upper,
        repositories: contrast.bootstrap.repositories,
        instances: contrast.bootstrap.instances,
      })),
    );
  }
  if (model.seeds) {
    tables.set(
      "seeds_plan",
      model.seeds.rows.map((row) => ({
        effect_pp: row.effect,
        sd: model.seeds?.sd,
        snr_rule: row.snrRule,
        snr_rule_seeds: row.snrRuleSeeds,
        test_seeds: row.testSeeds,
        published_seeds: row.published,
      })),
    );
  }
  for (const [name, rows] of tables) if (rows.length === 0) tables.delete(name);
  return tables;
}

/** Writes each table through DuckDB (JSON → Parquet); infinities become nulls, as JSON has none. */
export async function writeDerivedTables(
  connection: Store["connection"],
  dataDir: string,
  tables: ReadonlyMap<string, Record<string, unknown>[]>,
): Promise<void> {
  for (const [name, rows] of tables) {
    const scratch = path.join(dataDir, `.${name}.json`);
    writeFileSync(
      scratch,
      JSON.stringify(rows, (_, value) => (typeof value === "number" && !Number.isFinite(value) ? null : value)),
    );
    try {
      const table = sqlIdentifier(`derived_${name}`);
      await connection.run(`CREATE OR REPLACE TEMP TABLE ${table} AS SELECT * FROM read_json_auto(${sqlString(scratch)})`);
      await connection.run(`COPY ${table} TO ${sqlString(path.join(dataDir, `${name}.parquet`))} (FORMAT parquet)`);
      await connection.run(`DROP TABLE ${table}`);
    } finally {
      rmSync(scratch, { force: true });
    }
  }
}
