-- Runs of the comparison "Truncation ratio (3,000 T1 samples; seeds printed for three ratios)"
WITH metric AS (
  SELECT run_id, arg_max(value, attempt::BIGINT * 1000000000 + line) AS y
  FROM run_metrics WHERE name = 'resolve_rate' GROUP BY run_id
)
SELECT r.id AS run_id, r.stage, r.seed, r."p_ratio" AS level, m.y
FROM runs r
JOIN metric m ON m.run_id = r.id
WHERE r.experiment = 'sera-paper'
  AND r.status = 'succeeded'
  AND r.stage = 'truncation'
ORDER BY level, r.seed, r.id;
