import { standInBanner, standInCounts } from "@sera/core";
import { formatTable } from "../table.js";
import { queryRows, readStore, resolveStore } from "../store.js";
import { defineCommand } from "../command.js";
import { setOption, storeOptions } from "../options.js";

/** Counts per stage and status, in progress included, plus the most recent problems. */
export async function statusCommand(args: { experiment?: string; store?: string; set?: string[]; json?: boolean }): Promise<number> {
  const { file, experiment } = resolveStore(args);
  return readStore(file, async (store) => {
    const filter = experiment ? "WHERE experiment = ?" : "";
    const values = experiment ? [experiment] : [];
    const counts = await queryRows(
      store,
      `SELECT experiment, stage, status, count(*)::INTEGER AS runs, round(sum(coalesce(wall_seconds, 0)), 1) AS wall_seconds
       FROM runs ${filter} GROUP BY ALL ORDER BY experiment, stage, status`,
      values,
    );
    const problems = await queryRows(
      store,
      `SELECT id, experiment, stage, status, attempt, error FROM runs
       ${filter ? filter + " AND" : "WHERE"} status IN ('failed', 'timeout', 'lost', 'skipped', 'interrupted')
       ORDER BY finished_at DESC NULLS LAST LIMIT 10`,
      values,
    );
    // Files a stage found damaged and set aside or rebuilt (the run's last reported count; details on its stderr log).
    const damaged = await queryRows(
      store,
      `SELECT r.id, r.experiment, r.stage, max_by(m.value, (m.attempt, m.line))::INTEGER AS corrupt_files
       FROM run_metrics m JOIN runs r ON r.id = m.run_id
       WHERE m.name = 'corrupt_files' ${filter ? "AND r.experiment = ?" : ""}
       GROUP BY ALL HAVING max_by(m.value, (m.attempt, m.line)) > 0 ORDER BY r.experiment, r.stage, r.id`,
      values,
    );
    const standIn = await standInCounts(store.connection, experiment);
    const banner = standInBanner(standIn);
    if (args.json) {
      process.stdout.write(JSON.stringify({ store: file, counts, problems, damaged, standIn, ...(banner ? { banner } : {}) }, null, 2) + "\n");
      return 0;
    }
    process.stdout.write(`store: ${file}\n${banner ? `${banner}\n` : ""}\n${formatTable(counts)}\n`);
    if (problems.length > 0) process.stdout.write(`\nneeds attention:\n${formatTable(problems, { maxWidth: 70 })}\n`);
    if (damaged.length > 0) process.stdout.write(`\ndamaged files found and repaired (paths in each run's stderr log):\n${formatTable(damaged)}\n`);
    return 0;
  });
}

export const statusCli = defineCommand(
  "status [experiment]",
  "runs per stage and status, also while a run is in progress",
  (y) => y.positional("experiment", { type: "string" }).option("store", storeOptions.store).options(setOption).option("json", { type: "boolean" }),
  (a) => statusCommand({ experiment: a.experiment, store: a.store, set: a.set, json: a.json }),
);
