import { UsageError } from "../errors.js";
import { formatTable } from "../table.js";
import { queryRows, readStore, resolveStore } from "../store.js";
import { defineCommand } from "../command.js";
import { storeOptions } from "../options.js";

/** Everything recorded about one run: row, parameters, event history, metrics, artefacts, costs. */
export async function runsShowCommand(args: { id: string; experiment?: string; store?: string; json?: boolean }): Promise<number> {
  const { file } = resolveStore(args);
  return readStore(file, async (store) => {
    const matches = await queryRows(store, "SELECT * FROM runs WHERE id LIKE ? ORDER BY id", [`${args.id}%`]);
    if (matches.length === 0) throw new UsageError(`${args.id}: no run with this id (or id prefix) in ${file}`);
    if (matches.length > 1) throw new UsageError(`${args.id}: ambiguous id prefix; it matches ${matches.map((m) => m.id).join(", ")}`);
    const run = matches[0];
    const id = String(run.id);
    const events = await queryRows(store, "SELECT seq, happened_at, attempt, event, detail FROM run_events WHERE run_id = ? ORDER BY seq", [id]);
    const metrics = await queryRows(
      store,
      `SELECT name, count(*)::INTEGER AS points, arg_max(value, line) AS last, min(value) AS min, max(value) AS max
       FROM run_metrics WHERE run_id = ? GROUP BY name ORDER BY name`,
      [id],
    );
    const artifacts = await queryRows(store, "SELECT path, kind, bytes::BIGINT AS bytes, sha256 FROM artifacts WHERE run_id = ? ORDER BY path", [id]);
    const costs = await queryRows(
      store,
      "SELECT kind, sum(quantity) AS quantity, any_value(unit) AS unit, sum(usd) AS usd FROM cost_ledger WHERE run_id = ? GROUP BY kind ORDER BY kind",
      [id],
    );
    if (args.json) {
      process.stdout.write(JSON.stringify({ run, events, metrics, artifacts, costs }, null, 2) + "\n");
      return 0;
    }
    const { params, stdout_tail, stderr_tail, ...fields } = run;
    const out: string[] = [];
    for (const [key, value] of Object.entries(fields))
      if (value !== null) out.push(`${key.padEnd(14)} ${typeof value === "object" ? JSON.stringify(value) : String(value)}`);
    out.push("", "params:", JSON.stringify(typeof params === "string" ? JSON.parse(params) : params, null, 2));
    out.push("", "events:", formatTable(events, { maxWidth: 70 }));
    if (metrics.length) out.push("", "metrics:", formatTable(metrics));
    if (artifacts.length) out.push("", "artifacts:", formatTable(artifacts));
    if (costs.length) out.push("", "costs:", formatTable(costs));
    if (stderr_tail) out.push("", "stderr (tail):", String(stderr_tail).trimEnd());
    if (stdout_tail) out.push("", "stdout (tail):", String(stdout_tail).trimEnd());
    process.stdout.write(out.join("\n") + "\n");
    return 0;
  });
}

export const runsShowCli = defineCommand(
  "show <id>",
  "everything recorded about one run (an id prefix is enough)",
  (y) => y.positional("id", { type: "string", demandOption: true }).options(storeOptions).option("json", { type: "boolean" }),
  (a) => runsShowCommand({ id: a.id, store: a.store, experiment: a.experiment, json: a.json }),
);
