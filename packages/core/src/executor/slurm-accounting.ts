import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CostLine } from "../contract/run-records.js";
import { attemptFiles } from "./journal.js";
import type { ClusterPrices } from "./slurm-config.js";
import { accountingRows, parseSlurmDuration, parseTres, scontrolJob, terminalSlurmStates, type TresAllocation } from "./slurm-cli.js";

/**
 * What a cluster says an attempt consumed, turned into cost-ledger lines. The backend writes them
 * to the attempt's accounting.jsonl (replacing the file, so repeating it is harmless) and ingest
 * loads them keyed by run, attempt and kind.
 */

export interface JobAccounting {
  jobId: string;
  state: string;
  elapsedSeconds: number;
  allocation: TresAllocation;
  /** Where the figures came from, e.g. "slurm sacct job 12". */
  source: string;
}

/**
 * Final accounting of a finished job: from the accounting database (sacct: ElapsedRaw and
 * AllocTRES) when the cluster has one, else from slurmctld's memory of the job (scontrol: RunTime
 * and TRES), which lasts MinJobAge after the end. Null when neither knows a finished job.
 */
export async function slurmJobAccounting(jobId: string): Promise<JobAccounting | null> {
  const rows = await accountingRows([jobId]);
  const row = rows?.filter((r) => r.jobId === jobId).at(-1);
  if (row && terminalSlurmStates.has(row.state)) {
    return { jobId, state: row.state, elapsedSeconds: row.elapsedSeconds, allocation: parseTres(row.allocTres), source: `slurm sacct job ${jobId}` };
  }
  const fields = await scontrolJob(jobId);
  if (fields && terminalSlurmStates.has(fields.JobState)) {
    return {
      jobId,
      state: fields.JobState,
      elapsedSeconds: parseSlurmDuration(fields.RunTime ?? "") ?? 0,
      allocation: parseTres(fields.AllocTRES ?? fields.TRES ?? ""),
      source: `slurm scontrol job ${jobId}`,
    };
  }
  return null;
}

/** GPU-hours and CPU-hours of an allocation held for `elapsedSeconds`. Both lines are always written, zero or not. */
export function allocationCostLines(
  elapsedSeconds: number,
  allocation: Pick<TresAllocation, "cpus" | "gpus">,
  prices: ClusterPrices,
  source: string,
): CostLine[] {
  const hours = elapsedSeconds / 3600;
  return [
    { kind: "gpu_hours", quantity: allocation.gpus * hours, unit: "gpu_hours", unit_price: prices.gpuHour ?? null, usd: null, source },
    { kind: "cpu_hours", quantity: allocation.cpus * hours, unit: "cpu_hours", unit_price: prices.cpuHour ?? null, usd: null, source },
  ];
}

export function writeAccounting(attemptDir: string, lines: CostLine[]): void {
  const file = path.join(attemptDir, attemptFiles.accounting);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
  renameSync(temporary, file);
}
