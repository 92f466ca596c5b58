import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * How much of what the store holds came from sera's stand-ins (the scripted model server, the CPU
 * stand-in trainer) rather than from real models and trainers. Every table that records this has a
 * `provenance` column ('real' | 'stand-in', set from what the server or trainer said about itself)
 * or, for checkpoints, a `stand_in` flag; tables are found by those columns, so a package's tables
 * count as soon as they declare one. `sera status` and reports print `standInBanner` above what
 * they show, so stand-in numbers are never read as results.
 */

export interface StandInCount {
  table: string;
  standIn: number;
  rows: number;
}

/** Stand-in rows per table, over all runs or one experiment's; tables without any are left out. */
export async function standInCounts(connection: DuckDBConnection, experiment?: string): Promise<StandInCount[]> {
  const reader = await connection.runAndReadAll(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c
     WHERE c.table_schema = 'main' AND c.column_name IN ('provenance', 'stand_in')
       AND EXISTS (SELECT 1 FROM information_schema.columns r WHERE r.table_schema = 'main' AND r.table_name = c.table_name AND r.column_name = 'run_id')
     ORDER BY c.table_name`,
  );
  const counts: StandInCount[] = [];
  for (const row of reader.getRowObjectsJson()) {
    const table = String(row.table_name);
    const marked = row.column_name === "stand_in" ? `"stand_in"` : `"provenance" = 'stand-in'`;
    const scope = experiment === undefined ? "" : "WHERE run_id IN (SELECT id FROM runs WHERE experiment = $experiment)";
    const counted = await connection.runAndReadAll(
      `SELECT count(*) FILTER (WHERE ${marked})::INTEGER AS stand_in, count(*)::INTEGER AS total FROM "${table}" ${scope}`,
      experiment === undefined ? undefined : { experiment },
    );
    const [{ stand_in: standIn, total }] = counted.getRowObjectsJson() as { stand_in: number; total: number }[];
    if (standIn > 0) counts.push({ table, standIn, rows: total });
  }
  return counts;
}

/** One line naming the stand-in rows, or null when there are none. */
export function standInBanner(counts: readonly StandInCount[]): string | null {
  if (counts.length === 0) return null;
  const parts = counts.map((c) => `${c.table} ${c.standIn}${c.standIn === c.rows ? "" : ` of ${c.rows}`}`);
  return (
    `STAND-IN DATA: rows made by sera's stand-ins (the scripted model server, the CPU stand-in trainer), not by real models: ${parts.join(", ")}. ` +
    `They test the pipeline, not a model; filter on provenance = 'real' (checkpoints: NOT stand_in) for results.`
  );
}
