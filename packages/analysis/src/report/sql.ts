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
 * One row per succeeded run for a fit: x is a swept parameter or the run's ledger dollars; `cell`
 * (the run's params without the seed) groups the seeds of one sweep cell.
 */
export function fitPointsSql(filter: RunFilter, metric: string, x: string): string {
  const xExpression = x === "cost" ? "s.usd" : `r.${sqlIdentifier(sweptColumn(x))}`;
  return `WITH metric AS (
  ${latestMetric(metric)}
), spend AS (
  ${runSpend}
)
SELECT r.id AS run_id, r.stage, r.seed, CAST(r.params AS VARCHAR) AS cell, CAST(${xExpression} AS DOUBLE) AS x, m.y
FROM runs r
JOIN metric m ON m.run_id = r.id
LEFT JOIN spend s ON s.run_id = r.id
WHERE ${runConditions(filter).join("\n  AND ")}
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
