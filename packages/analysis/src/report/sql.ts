/**
 * The SQL behind every table and figure of a report. Floating-point aggregates carry an ORDER BY
 * so their result does not depend on the order runs were ingested in (rebuilt reports are
 * byte-identical). Each query is plain text with its literals
 * inlined, so the files written to `sql/` run as they are (`sera query "$(cat sql/x.sql)"`).
 */

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function sqlLiteral(value: string | number | boolean): string {
  if (typeof value === "string") return sqlString(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return String(value);
}

/** A swept parameter's column in `runs` (`samples` → `p_samples`). */
export function sweptColumn(parameter: string): string {
  return parameter.startsWith("p_") ? parameter : `p_${parameter}`;
}

export interface RunFilter {
  experiment: string;
  stage?: string;
  where: Record<string, string | number | boolean>;
}

function runConditions(filter: RunFilter): string[] {
  const conditions = [`r.experiment = ${sqlString(filter.experiment)}`, "r.status = 'succeeded'"];
  if (filter.stage) conditions.push(`r.stage = ${sqlString(filter.stage)}`);
  for (const [parameter, value] of Object.entries(filter.where)) {
    conditions.push(`r.${sqlIdentifier(sweptColumn(parameter))} = ${sqlLiteral(value)}`);
  }
  return conditions;
}

/** The last value a run printed for a metric, from its latest attempt. */
function latestMetric(metric: string): string {
  return `SELECT run_id, arg_max(value, attempt::BIGINT * 1000000000 + line) AS y
  FROM run_metrics WHERE name = ${sqlString(metric)} GROUP BY run_id`;
}

/** Every run's dollars from the cost ledger, over all its attempts (a failed attempt was still paid for). */
const runSpend = `SELECT run_id, sum(usd ORDER BY id) AS usd FROM cost_ledger GROUP BY run_id`;

/**
 * What a fit with `x: cost` charges a run, as the paper's Appendix A does: the run's own ledger
 * dollars plus those of every run upstream of it. A generation run that fed a dataset is charged
 * in proportion to the samples this run used: the dataset's samples from that generation run in
 * the nested subset an upstream training run drew (its `samples: n`), over all of the dataset's
 * samples from it, so failed and filtered instances are overhead of the samples kept. Every other
 * upstream run counts in full. Without a `samples` table (no dataset stage has run), upstream runs
 * count in full.
 */
export const COST_ATTRIBUTION =
  "x = the run's own cost-ledger dollars plus every upstream run's; a generation run feeding a dataset is charged by the share of that dataset's samples from it which the run's training subset used, other upstream runs in full.";

function lineageCtes(pointRuns: string, withSamples: boolean): string {
  const share = withSamples
    ? `drawn AS (
  SELECT w.point_id, min(TRY_CAST(json_extract_string(t.params, '$.samples') AS INTEGER)) AS n
  FROM walk w JOIN runs t ON t.id = w.run_id WHERE t.kind = 'sera-train' GROUP BY w.point_id
), share AS (
  SELECT w.point_id, s.source_run_id AS run_id,
    count(*) FILTER (WHERE d.n IS NULL OR list_contains(s.subsets, d.n)) / count(*) AS share
  FROM walk w JOIN runs ds ON ds.id = w.run_id AND ds.kind = 'sera-dataset'
  JOIN samples s ON s.run_id = ds.id
  LEFT JOIN drawn d ON d.point_id = w.point_id
  GROUP BY w.point_id, s.source_run_id
)`
    : `share AS (SELECT NULL::VARCHAR AS point_id, NULL::VARCHAR AS run_id, NULL::DOUBLE AS share WHERE false)`;
  return `walk(point_id, run_id) AS (
  SELECT id, id FROM (${pointRuns}) points
  UNION
  SELECT w.point_id, u.upstream_id
  FROM walk w JOIN runs p ON p.id = w.run_id, unnest(json_extract_string(p.upstream, '$.*')) AS u(upstream_id)
), ${share}, lineage_spend AS (
  SELECT w.point_id AS run_id, CASE WHEN count(sp.usd) = 0 THEN NULL ELSE sum(coalesce(sp.usd, 0) * coalesce(sh.share, 1) ORDER BY w.run_id) END AS usd
  FROM walk w LEFT JOIN spend sp ON sp.run_id = w.run_id
  LEFT JOIN share sh ON sh.point_id = w.point_id AND sh.run_id = w.run_id
  GROUP BY w.point_id
)`;
}

/**
 * One row per succeeded run for a fit: x is a swept parameter or the run's dollars along its
 * lineage (see COST_ATTRIBUTION); `cell` (the run's params without the seed) groups the seeds of one
 * sweep cell.
 */
export function fitPointsSql(filter: RunFilter, metric: string, x: string, options: { samplesTable?: boolean } = {}): string {
  const conditions = runConditions(filter).join("\n  AND ");
  const isCost = x === "cost";
  const xExpression = isCost ? "s.usd" : `r.${sqlIdentifier(sweptColumn(x))}`;
  const lineage = isCost ? `, ${lineageCtes(`SELECT r.id FROM runs r WHERE ${conditions}`, options.samplesTable ?? false)}` : "";
  return `WITH RECURSIVE metric AS (
  ${latestMetric(metric)}
), spend AS (
  ${runSpend}
)${lineage}
SELECT r.id AS run_id, r.stage, r.seed, CAST(r.params AS VARCHAR) AS cell, CAST(${xExpression} AS DOUBLE) AS x, m.y
FROM runs r
JOIN metric m ON m.run_id = r.id
LEFT JOIN ${isCost ? "lineage_spend" : "spend"} s ON s.run_id = r.id
WHERE ${conditions}
ORDER BY x, cell, r.seed, r.id`;
}

/** One row per succeeded run for a comparison of conditions (the values of one swept parameter). */
export function conditionRunsSql(filter: RunFilter, metric: string, by: string): string {
  return `WITH metric AS (
  ${latestMetric(metric)}
)
SELECT r.id AS run_id, r.stage, r.seed, r.${sqlIdentifier(sweptColumn(by))} AS level, m.y
FROM runs r
JOIN metric m ON m.run_id = r.id
WHERE ${runConditions(filter).join("\n  AND ")}
ORDER BY level, r.seed, r.id`;
}

/** Runs per stage and status: shows how far a sweep is while it is still running. */
export function runStatusSql(experiment: string): string {
  return `SELECT stage, status, count(*)::INTEGER AS runs
FROM runs WHERE experiment = ${sqlString(experiment)}
GROUP BY ALL ORDER BY stage, status`;
}

/** Each metric's spread over the succeeded runs of each stage. */
export function metricSummarySql(experiment: string): string {
  return `WITH latest AS (
  SELECT run_id, name, arg_max(value, attempt::BIGINT * 1000000000 + line) AS value
  FROM run_metrics GROUP BY run_id, name
)
SELECT r.stage, l.name AS metric, count(*)::INTEGER AS runs, avg(l.value ORDER BY l.value) AS mean, stddev_samp(l.value ORDER BY l.value) AS sd,
  min(l.value) AS min, max(l.value) AS max
FROM runs r JOIN latest l ON l.run_id = r.id
WHERE r.experiment = ${sqlString(experiment)} AND r.status = 'succeeded'
GROUP BY ALL ORDER BY r.stage, metric`;
}

/** The cost ledger per stage and kind; quantities of different units are never added. */
export function costByKindSql(experiment: string): string {
  return `SELECT r.stage, c.kind, c.unit, sum(c.quantity ORDER BY c.id) AS quantity, sum(c.usd ORDER BY c.id) AS usd, count(DISTINCT c.run_id)::INTEGER AS runs
FROM cost_ledger c JOIN runs r ON r.id = c.run_id
WHERE r.experiment = ${sqlString(experiment)}
GROUP BY ALL ORDER BY r.stage, usd DESC NULLS LAST, c.kind`;
}

/**
 * Dollars per cost fit: the ledger lines (all attempts) of the fit's runs and of every run upstream
 * of them, each run once. Cost fits over the same work priced two ways (self-hosted GPU hours
 * against API tokens) are alternatives, so the report shows one total per fit and never their sum.
 */
export function costByFitSql(experiment: string, fits: readonly { name: string; stage?: string; where: RunFilter["where"] }[]): string {
  if (fits.length === 0) throw new RangeError("costByFitSql needs at least one cost fit");
  const anchors = fits
    .map(
      (fit) =>
        `SELECT ${sqlString(fit.name)} AS fit, r.id AS run_id FROM runs r WHERE ${runConditions({ experiment, stage: fit.stage, where: fit.where }).join(" AND ")}`,
    )
    .join("\n  UNION ALL\n  ");
  return `WITH RECURSIVE walk(fit, run_id) AS (
  SELECT fit, run_id FROM (
  ${anchors}
  ) fit_runs
  UNION
  SELECT w.fit, u.upstream_id
  FROM walk w JOIN runs p ON p.id = w.run_id, unnest(json_extract_string(p.upstream, '$.*')) AS u(upstream_id)
)
SELECT w.fit, count(DISTINCT w.run_id)::INTEGER AS runs, sum(c.usd ORDER BY c.id) AS usd
FROM walk w JOIN cost_ledger c ON c.run_id = w.run_id
GROUP BY w.fit ORDER BY w.fit`;
}

/**
 * The user's per-instance SQL joined to this experiment's runs, with the condition each run
 * belongs to. Resolved becomes a number in [0, 1] so booleans and 0/1 columns both work.
 */
export function instanceRowsSql(experiment: string, userSql: string, by: string | undefined): string {
  const level = by ? `r.${sqlIdentifier(sweptColumn(by))}` : "'all'";
  return `WITH instance_rows AS (
${userSql.trim().replace(/;\s*$/, "")}
)
SELECT i.run_id, ${level} AS level, CAST(i.instance_id AS VARCHAR) AS instance_id, CAST(i.repository AS VARCHAR) AS repository,
  CAST(i.resolved AS DOUBLE) AS resolved
FROM instance_rows i JOIN runs r ON r.id = i.run_id
WHERE r.experiment = ${sqlString(experiment)} AND r.status = 'succeeded'`;
}

/** Resolve rate per condition and repository, over the instance rows query. */
export function repositoryRatesSql(instanceSql: string): string {
  return `WITH instances AS (
${instanceSql}
)
SELECT level, repository, count(DISTINCT instance_id)::INTEGER AS instances, count(*)::INTEGER AS evaluations,
  100 * avg(resolved ORDER BY run_id, instance_id) AS resolve_rate
FROM instances
GROUP BY ALL ORDER BY repository, level`;
}

/** Per condition and instance, the resolve fraction over seeds: what the paired bootstrap pairs up. */
export function instanceMeansSql(instanceSql: string): string {
  return `WITH instances AS (
${instanceSql}
)
SELECT level, instance_id, min(repository) AS repository, count(DISTINCT repository)::INTEGER AS repositories,
  avg(resolved ORDER BY run_id) AS resolved
FROM instances
GROUP BY level, instance_id ORDER BY level, instance_id`;
}
