-- Points of the fit "Resolve rate against total cost, self-hosted vLLM pricing"
WITH RECURSIVE metric AS (
  SELECT run_id, arg_max(value, attempt::BIGINT * 1000000000 + line) AS y
  FROM run_metrics WHERE name = 'resolve_rate' GROUP BY run_id
), spend AS (
  SELECT run_id, sum(usd ORDER BY id) AS usd FROM cost_ledger GROUP BY run_id
), walk(point_id, run_id) AS (
  SELECT id, id FROM (SELECT r.id FROM runs r WHERE r.experiment = 'sera-paper'
  AND r.status = 'succeeded'
  AND r.stage = 'scaling'
  AND r."p_pricing" = 'vllm') points
  UNION
  SELECT w.point_id, u.upstream_id
  FROM walk w JOIN runs p ON p.id = w.run_id, unnest(json_extract_string(p.upstream, '$.*')) AS u(upstream_id)
), drawn AS (
  SELECT w.point_id, min(TRY_CAST(json_extract_string(t.params, '$.samples') AS INTEGER)) AS n
  FROM walk w JOIN runs t ON t.id = w.run_id WHERE t.kind = 'sera-train' GROUP BY w.point_id
), share AS (
  SELECT w.point_id, s.source_run_id AS run_id,
    count(*) FILTER (WHERE d.n IS NULL OR list_contains(s.subsets, d.n)) / count(*) AS share
  FROM walk w JOIN runs ds ON ds.id = w.run_id AND ds.kind = 'sera-dataset'
  JOIN samples s ON s.run_id = ds.id
  LEFT JOIN drawn d ON d.point_id = w.point_id
  GROUP BY w.point_id, s.source_run_id
), lineage_spend AS (
  SELECT w.point_id AS run_id, CASE WHEN count(sp.usd) = 0 THEN NULL ELSE sum(coalesce(sp.usd, 0) * coalesce(sh.share, 1) ORDER BY w.run_id) END AS usd
  FROM walk w LEFT JOIN spend sp ON sp.run_id = w.run_id
  LEFT JOIN share sh ON sh.point_id = w.point_id AND sh.run_id = w.run_id
  GROUP BY w.point_id
)
SELECT r.id AS run_id, r.stage, r.seed, CAST(r.params AS VARCHAR) AS cell, CAST(s.usd AS DOUBLE) AS x, m.y
FROM runs r
JOIN metric m ON m.run_id = r.id
LEFT JOIN lineage_spend s ON s.run_id = r.id
WHERE r.experiment = 'sera-paper'
  AND r.status = 'succeeded'
  AND r.stage = 'scaling'
  AND r."p_pricing" = 'vllm'
ORDER BY x, cell, r.seed, r.id;
