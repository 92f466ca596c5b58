import { existsSync } from "node:fs";
import path from "node:path";
import { expandSweep, flatten, loadExperiment, StoreBusyError, withStore, type PlannedRun } from "@sera/core";
import { formatTable } from "../table.js";

/** Parameters that differ between runs of the same stage: what a reader of the plan cares about. */
export function varyingParams(runs: PlannedRun[]): Map<string, string> {
  const byStage = new Map<string, PlannedRun[]>();
  for (const run of runs) byStage.set(run.stage, [...(byStage.get(run.stage) ?? []), run]);
  const out = new Map<string, string>();
  for (const stageRuns of byStage.values()) {
    const flat = stageRuns.map((run) => flatten(run.params));
    const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter(
      (key) => new Set(flat.map((f) => JSON.stringify(f[key]))).size > 1,
    );
    stageRuns.forEach((run, i) => out.set(run.id, keys.map((key) => `${key}=${typeof flat[i][key] === "string" ? flat[i][key] : JSON.stringify(flat[i][key])}`).join(" ")));
  }
  return out;
}

async function knownStatuses(storeFile: string, ids: string[]): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  if (!existsSync(storeFile)) return statuses;
  try {
    await withStore(storeFile, { readOnly: true, waitMs: 5000 }, async (store) => {
      const reader = await store.connection.runAndReadAll("SELECT id, status FROM runs");
      const wanted = new Set(ids);
      for (const row of reader.getRowObjectsJson()) if (wanted.has(String(row.id))) statuses.set(String(row.id), String(row.status));
    });
  } catch (error) {
    if (!(error instanceof StoreBusyError)) throw error;
  }
  return statuses;
}

export async function planCommand(args: { experiment: string; set?: string[]; json?: boolean }): Promise<number> {
  const loaded = loadExperiment(args.experiment, { overrides: args.set });
  const plan = expandSweep(loaded);
  const statuses = await knownStatuses(path.resolve(loaded.config.store), plan.runs.map((r) => r.id));
  const varying = varyingParams(plan.runs);
  const rows = plan.runs.map((run) => ({
    id: run.id,
    stage: run.stage,
    seed: run.seed ?? "",
    params: varying.get(run.id) ?? "",
    needs: Object.values(run.upstream).join(" "),
    status: statuses.get(run.id) ?? "new",
  }));
  if (args.json) {
    process.stdout.write(JSON.stringify(plan.runs.map((run, i) => ({ ...run, status: rows[i].status })), null, 2) + "\n");
    return 0;
  }
  const stages = new Set(plan.runs.map((r) => r.stage)).size;
  process.stdout.write(formatTable(rows, { maxWidth: 80 }) + "\n");
  process.stdout.write(
    `\n${plan.runs.length} runs across ${stages} stage${stages === 1 ? "" : "s"} from ${plan.cells} sweep cell${plan.cells === 1 ? "" : "s"}` +
      ` (${plan.axes.length} ${plan.axes.length === 1 ? "axis" : "axes"} × ${plan.experiment.sweep.seeds.length} seed${plan.experiment.sweep.seeds.length === 1 ? "" : "s"}); nothing was run.\n`,
  );
  return 0;
}
