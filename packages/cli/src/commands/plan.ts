import { existsSync } from "node:fs";
import path from "node:path";
import { expandSweep, flatten, loadExperiment, StoreBusyError, withStore, type PlannedRun } from "@sera/core";
import { generationParamsSchema, repositoriesOf } from "@sera/generation";
import { formatTable } from "../table.js";
import { defineCommand } from "../command.js";
import { setOption } from "../options.js";
import { budgetOption, dollars, parseBudgetUsd } from "../budget-option.js";

/** Parameters that differ between runs of the same stage: what a reader of the plan cares about. */
export function varyingParams(runs: PlannedRun[]): Map<string, string> {
  const byStage = new Map<string, PlannedRun[]>();
  for (const run of runs) byStage.set(run.stage, [...(byStage.get(run.stage) ?? []), run]);
  const out = new Map<string, string>();
  for (const stageRuns of byStage.values()) {
    const flat = stageRuns.map((run) => flatten(run.params));
    const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((key) => new Set(flat.map((f) => JSON.stringify(f[key]))).size > 1);
    stageRuns.forEach((run, i) =>
      out.set(run.id, keys.map((key) => `${key}=${typeof flat[i][key] === "string" ? flat[i][key] : JSON.stringify(flat[i][key])}`).join(" ")),
    );
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

/** Teacher tokens per instance, averaged over earlier generation instances in the store (same teacher model when any). */
interface TokenProfile {
  instances: number;
  input: number;
  cached: number;
  output: number;
}

async function tokenProfiles(storeFile: string): Promise<Map<string, TokenProfile>> {
  const profiles = new Map<string, TokenProfile>();
  if (!existsSync(storeFile)) return profiles;
  try {
    await withStore(storeFile, { readOnly: true, waitMs: 5000 }, async (store) => {
      const tables = await store.connection.runAndReadAll("SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'model_calls'");
      if (Number(tables.getRowObjects()[0].n) === 0) return;
      // One row per model plus '' for all models together.
      const reader = await store.connection.runAndReadAll(`
        WITH per_instance AS (
          SELECT run_id, instance_id, any_value(model) AS model, sum(input_tokens) AS input, sum(cached_input_tokens) AS cached, sum(output_tokens) AS output
          FROM model_calls GROUP BY run_id, instance_id
        )
        SELECT coalesce(model, '') AS model, count(*)::INTEGER AS instances, avg(input) AS input, avg(cached) AS cached, avg(output) AS output
        FROM per_instance GROUP BY GROUPING SETS ((model), ())`);
      for (const row of reader.getRowObjects()) {
        profiles.set(String(row.model), { instances: Number(row.instances), input: Number(row.input), cached: Number(row.cached), output: Number(row.output) });
      }
    });
  } catch (error) {
    if (!(error instanceof StoreBusyError)) throw error;
  }
  return profiles;
}

type Prices = { inputPerMTok?: number; cachedInputPerMTok?: number; outputPerMTok?: number };

/**
 * What a generation run is expected to cost the teacher: up to functionsPerRepo × commits ×
 * instancesPerFunction instances per repository (the inventory may find fewer) at the average
 * tokens per instance of earlier runs, priced with the run's teacher.prices, and never above its
 * budget.usdPerStage.
 */
export function expectedTeacherCost(params: Record<string, unknown>, profiles: Map<string, TokenProfile>): ExpectedCost {
  const teacher = (params.teacher ?? {}) as { model?: string; prices?: Prices };
  if (!teacher.prices) return { text: "" };
  const profile = profiles.get(teacher.model ?? "") ?? profiles.get("");
  if (!profile) return { text: "no earlier instances to profile" };
  const instances = plannedInstances(params);
  const { inputPerMTok = 0, cachedInputPerMTok = 0, outputPerMTok = 0 } = teacher.prices;
  const perInstance = (Math.max(0, profile.input - profile.cached) * inputPerMTok + profile.cached * cachedInputPerMTok + profile.output * outputPerMTok) / 1e6;
  const cap = (params.budget as { usdPerStage?: number } | undefined)?.usdPerStage;
  const expected = instances * perInstance;
  const capped = cap !== undefined && cap < expected ? `, capped at $${cap.toFixed(2)}` : "";
  return {
    text: `up to $${expected.toFixed(2)} (${instances} × $${perInstance.toFixed(4)}, profile of ${profile.instances} earlier instances${capped})`,
    usd: cap !== undefined ? Math.min(cap, expected) : expected,
  };
}

/** The most instances a generation run's params can sample: per repository, its budget per commit times its commits. */
function plannedInstances(params: Record<string, unknown>): number {
  const parsed = generationParamsSchema.safeParse(params);
  if (!parsed.success) return Number(params.functionsPerRepo ?? 5000) * Number(params.instancesPerFunction ?? 1);
  const perFunction = parsed.data.instancesPerFunction;
  return repositoriesOf(parsed.data).reduce((sum, repository) => {
    const commits = Array.isArray(repository.commits) ? repository.commits.length : repository.commits.count;
    return sum + repository.functionsPerRepo * commits * perFunction;
  }, 0);
}

/** A run's expected cost as shown, and in dollars when it can be priced. */
interface ExpectedCost {
  text: string;
  usd?: number;
}

export type BudgetOutlook = "starts" | "stops part-way" | "not started";

/**
 * What `sera run --budget-usd` would do to each run, by the expected costs: the runs taken one after
 * another in plan order, as with concurrency 1 (runs started together may pass the cap by what
 * they spend at once). A run whose cost is unknown counts $0; a finished run is not run again.
 */
export function budgetOutlook(runs: readonly { id: string; finished: boolean; expectedUsd?: number }[], capUsd: number): Map<string, BudgetOutlook> {
  const outlook = new Map<string, BudgetOutlook>();
  let spent = 0;
  for (const run of runs) {
    if (run.finished) continue;
    if (spent >= capUsd) {
      outlook.set(run.id, "not started");
      continue;
    }
    spent += run.expectedUsd ?? 0;
    // A generation run learns what is left and stops starting instances there.
    outlook.set(run.id, spent > capUsd ? "stops part-way" : "starts");
  }
  return outlook;
}

export async function planCommand(args: { experiment: string; set?: string[]; json?: boolean; budgetUsd?: number }): Promise<number> {
  const loaded = loadExperiment(args.experiment, { overrides: args.set });
  const plan = expandSweep(loaded);
  const statuses = await knownStatuses(
    path.resolve(loaded.config.store),
    plan.runs.map((r) => r.id),
  );
  const varying = varyingParams(plan.runs);
  const profiles = await tokenProfiles(path.resolve(loaded.config.store));
  const costs = new Map(plan.runs.filter((run) => run.kind === "sera-generate").map((run) => [run.id, expectedTeacherCost(run.params, profiles)]));
  const anyCost = [...costs.values()].some((cost) => cost.text !== "");
  const outlook =
    args.budgetUsd === undefined
      ? undefined
      : budgetOutlook(
          plan.runs.map((run) => ({ id: run.id, finished: statuses.get(run.id) === "succeeded", expectedUsd: costs.get(run.id)?.usd })),
          args.budgetUsd,
        );
  const rows = plan.runs.map((run) => ({
    id: run.id,
    stage: run.stage,
    seed: run.seed ?? "",
    params: varying.get(run.id) ?? "",
    needs: Object.values(run.upstream).join(" "),
    status: statuses.get(run.id) ?? "new",
    ...(anyCost ? { "expected teacher cost": costs.get(run.id)?.text ?? "" } : {}),
    ...(outlook ? { "--budget-usd": outlook.get(run.id) ?? "" } : {}),
  }));
  if (args.json) {
    process.stdout.write(
      JSON.stringify(
        plan.runs.map((run, i) => ({
          ...run,
          status: rows[i].status,
          ...(costs.get(run.id)?.text ? { expectedTeacherCost: costs.get(run.id)!.text } : {}),
          ...(outlook?.has(run.id) ? { underBudget: outlook.get(run.id) } : {}),
        })),
        null,
        2,
      ) + "\n",
    );
    return 0;
  }
  const stages = new Set(plan.runs.map((r) => r.stage)).size;
  process.stdout.write(formatTable(rows, { maxWidth: 80 }) + "\n");
  process.stdout.write(
    `\n${plan.runs.length} runs across ${stages} stage${stages === 1 ? "" : "s"} from ${plan.cells} sweep cell${plan.cells === 1 ? "" : "s"}` +
      ` (${plan.axes.length} ${plan.axes.length === 1 ? "axis" : "axes"} × ${plan.experiment.sweep.seeds.length} seed${plan.experiment.sweep.seeds.length === 1 ? "" : "s"}); nothing was run.\n`,
  );
  if (outlook && args.budgetUsd !== undefined) process.stdout.write(outlookLine(outlook, args.budgetUsd));
  return 0;
}

function outlookLine(outlook: Map<string, BudgetOutlook>, capUsd: number): string {
  const count = (kind: BudgetOutlook) => [...outlook.values()].filter((value) => value === kind).length;
  const unstarted = count("not started");
  const partWay = count("stops part-way");
  return (
    `--budget-usd ${dollars(capUsd)}: by the expected costs (one run after another, in plan order) ` +
    `${unstarted} run${unstarted === 1 ? "" : "s"} would not start` +
    (partWay > 0 ? ` and ${partWay} would stop part-way` : "") +
    (unstarted + partWay === 0 ? "; the cap covers the sweep" : "") +
    "\n"
  );
}

export const planCli = defineCommand(
  "plan <experiment>",
  "expand the sweep and list its runs (runs nothing)",
  (y) => y.positional("experiment", { type: "string", demandOption: true }).options(setOption).option("json", { type: "boolean" }).options(budgetOption),
  (a) => planCommand({ experiment: a.experiment, set: a.set, json: a.json, budgetUsd: parseBudgetUsd(a.budgetUsd) }),
);
