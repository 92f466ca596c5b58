-- Metrics of succeeded runs
WITH latest AS (
  SELECT run_id, name, arg_max(value, attempt::BIGINT * 1000000000 + line) AS value
  FROM run_metrics GROUP BY run_id, name
)
SELECT r.stage, l.name AS metric, count(*)::INTEGER AS runs, avg(l.value ORDER BY l.value) AS mean, stddev_samp(l.value ORDER BY l.value) AS sd,
  min(l.value) AS min, max(l.value) AS max
FROM runs r JOIN latest l ON l.run_id = r.id
WHERE r.experiment = 'sera-paper' AND r.status = 'succeeded'
GROUP BY ALL ORDER BY r.stage, metric;
