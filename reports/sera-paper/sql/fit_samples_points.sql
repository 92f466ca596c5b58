-- Points of the fit "Resolve rate against training samples"
WITH RECURSIVE metric AS (
  SELECT run_id, arg_max(value, attempt::BIGINT * 1000000000 + line) AS y
  FROM run_metrics WHERE name = 'resolve_rate' GROUP BY run_id
), spend AS (
  SELECT run_id, sum(usd ORDER BY id) AS usd FROM cost_ledger GROUP BY run_id
)
SELECT r.id AS run_id, r.stage, r.seed, CAST(r.params AS VARCHAR) AS cell, CAST(r."p_samples" AS DOUBLE) AS x, m.y
FROM runs r
JOIN metric m ON m.run_id = r.id
LEFT JOIN spend s ON s.run_id = r.id
WHERE r.experiment = 'sera-paper'
  AND r.status = 'succeeded'
  AND r.stage = 'scaling'
  AND r."p_pricing" = 'vllm'
ORDER BY x, cell, r.seed, r.id;
