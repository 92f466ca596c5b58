-- Cost ledger per stage and kind
SELECT r.stage, c.kind, c.unit, sum(c.quantity ORDER BY c.id) AS quantity, sum(c.usd ORDER BY c.id) AS usd, count(DISTINCT c.run_id)::INTEGER AS runs
FROM cost_ledger c JOIN runs r ON r.id = c.run_id
WHERE r.experiment = 'sera-paper'
GROUP BY ALL ORDER BY r.stage, usd DESC NULLS LAST, c.kind;
