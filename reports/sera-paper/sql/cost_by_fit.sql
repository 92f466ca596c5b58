-- Recorded dollars per cost fit
WITH RECURSIVE walk(fit, run_id) AS (
  SELECT fit, run_id FROM (
  SELECT 'vllm' AS fit, r.id AS run_id FROM runs r WHERE r.experiment = 'sera-paper' AND r.status = 'succeeded' AND r.stage = 'scaling' AND r."p_pricing" = 'vllm'
  UNION ALL
  SELECT 'zai' AS fit, r.id AS run_id FROM runs r WHERE r.experiment = 'sera-paper' AND r.status = 'succeeded' AND r.stage = 'scaling' AND r."p_pricing" = 'zai'
  ) fit_runs
  UNION
  SELECT w.fit, u.upstream_id
  FROM walk w JOIN runs p ON p.id = w.run_id, unnest(json_extract_string(p.upstream, '$.*')) AS u(upstream_id)
)
SELECT w.fit, count(DISTINCT w.run_id)::INTEGER AS runs, sum(c.usd ORDER BY c.id) AS usd
FROM walk w JOIN cost_ledger c ON c.run_id = w.run_id
GROUP BY w.fit ORDER BY w.fit;
