-- Runs per stage and status
SELECT stage, status, count(*)::INTEGER AS runs
FROM runs WHERE experiment = 'sera-paper'
GROUP BY ALL ORDER BY stage, status;
