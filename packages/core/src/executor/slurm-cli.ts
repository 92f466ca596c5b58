import { execFile } from "node:child_process";

/**
 * Slurm's command-line tools (sbatch, squeue, sacct, scontrol, scancel) and parsers for their
 * machine-readable output. Parsers are pure and tolerant: unknown fields are kept, blank and
 * malformed lines skipped, because sites differ in Slurm versions and plugins.
 */

export interface ToolOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export class SlurmCommandError extends Error {
  readonly output: ToolOutput;
  constructor(command: string, output: ToolOutput) {
    const detail = (output.stderr.trim() || output.stdout.trim() || `exit code ${output.code}`).split("\n").at(-1)!;
    super(`${command}: ${detail}`);
    this.name = "SlurmCommandError";
    this.output = output;
  }
}

export function runTool(program: string, args: string[], timeoutMs = 30_000): Promise<ToolOutput> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 127;
      resolve({ code, stdout, stderr: error && typeof error.code === "string" ? `${stderr}${error.message}` : stderr });
    });
  });
}

/** Errors worth another try: the controller is restarting, busy or briefly unreachable. */
const transient =
  /socket timed out|unable to contact slurm controller|temporarily unavailable|slurm temporarily unable|zero bytes were transmitted|connection refused|communication connection failure/i;

export function isTransientSlurmError(output: ToolOutput): boolean {
  return transient.test(output.stderr);
}

/** `sbatch --parsable` prints `<id>` or `<id>;<cluster>`, possibly after warning lines. */
export function parseSbatchId(stdout: string): string | null {
  const line = stdout.trim().split("\n").at(-1)?.trim() ?? "";
  const id = line.split(";")[0];
  return /^\d+$/.test(id) ? id : null;
}

export async function sbatch(args: string[], attempts = 4): Promise<string> {
  let output: ToolOutput = { code: 1, stdout: "", stderr: "" };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    output = await runTool("sbatch", ["--parsable", ...args]);
    if (output.code === 0) {
      const id = parseSbatchId(output.stdout);
      if (id) return id;
      throw new SlurmCommandError("sbatch", { ...output, stderr: `unexpected output ${JSON.stringify(output.stdout.trim())}` });
    }
    if (!isTransientSlurmError(output)) break;
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
  }
  throw new SlurmCommandError("sbatch", output);
}

/** `squeue -h --array -t all -o '%i|%T'` lines → job id (`<array id>_<task>` for array tasks) → state. */
export function parseSqueue(stdout: string): Map<string, string> {
  const states = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const [id, state] = line.trim().split("|");
    if (id && state && /^[A-Z_]+$/.test(state)) states.set(id, state);
  }
  return states;
}

/**
 * States of the given jobs as slurmctld knows them, including jobs that finished within the last
 * MinJobAge (300 s by default). Null when the controller could not be asked.
 */
export async function queueStates(ids: string[]): Promise<Map<string, string> | null> {
  if (ids.length === 0) return new Map();
  const output = await runTool("squeue", ["-h", "--array", "-t", "all", "-o", "%i|%T", "-j", ids.join(",")]);
  // squeue fails outright when none of the ids is known any more; that is an answer, not an outage.
  if (output.code !== 0) return /invalid job id/i.test(output.stderr) ? new Map() : null;
  return parseSqueue(output.stdout);
}

export interface SacctRow {
  jobId: string;
  /** First word only: sacct writes "CANCELLED by 0". */
  state: string;
  exitCode: string;
  elapsedSeconds: number;
  allocTres: string;
  submit: string;
}

export const sacctFields = ["JobID", "State", "ExitCode", "ElapsedRaw", "AllocTRES", "Submit"] as const;

/** `sacct --parsable2 --noheader --format=<sacctFields>` → one row per line (allocations and steps). */
export function parseSacct(stdout: string): SacctRow[] {
  const rows: SacctRow[] = [];
  for (const line of stdout.split("\n")) {
    const cells = line.split("|");
    if (cells.length < sacctFields.length || !cells[0]) continue;
    const [jobId, state, exitCode, elapsed, allocTres, submit] = cells;
    rows.push({
      jobId,
      state: state.split(" ")[0],
      exitCode,
      elapsedSeconds: /^\d+$/.test(elapsed) ? Number(elapsed) : 0,
      allocTres,
      submit,
    });
  }
  return rows;
}

/** Allocation rows (no steps) for the given jobs from the accounting database; null if sacct is unavailable. */
export async function accountingRows(ids: string[]): Promise<SacctRow[] | null> {
  if (ids.length === 0) return [];
  const output = await runTool("sacct", ["--parsable2", "--noheader", "--allocations", `--format=${sacctFields.join(",")}`, "-j", ids.join(",")]);
  if (output.code !== 0 || /accounting storage is disabled/i.test(output.stderr)) return null;
  return parseSacct(output.stdout).filter((row) => !row.jobId.includes("."));
}

/** `scontrol show job -o <id>`: one line of Key=Value pairs; values never contain spaces except Command/paths. */
export function parseScontrolJob(stdout: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of stdout.trim().matchAll(/(?:^|\s)([A-Za-z][A-Za-z0-9_/:]*)=(\S*)/g)) fields[match[1]] = match[2];
  return fields;
}

export async function scontrolJob(id: string): Promise<Record<string, string> | null> {
  const output = await runTool("scontrol", ["show", "job", "-o", id]);
  if (output.code !== 0) return null;
  const fields = parseScontrolJob(output.stdout);
  // An array task is shown under its own job id, with ArrayJobId and ArrayTaskId naming it as `<array>_<task>`.
  const arrayRef = fields.ArrayJobId && fields.ArrayTaskId ? `${fields.ArrayJobId}_${fields.ArrayTaskId}` : null;
  return fields.JobId === id || arrayRef === id ? fields : null;
}

export async function scancel(id: string): Promise<void> {
  const output = await runTool("scancel", [id]);
  // A job that already ended cannot be cancelled; that is the outcome we wanted anyway.
  if (output.code !== 0 && !/already completing or completed|invalid job id/i.test(output.stderr)) throw new SlurmCommandError("scancel", output);
}

/** Slurm durations: [D-]HH:MM:SS, MM:SS, or seconds. */
export function parseSlurmDuration(text: string): number | null {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text.trim());
  if (!match) return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
  const [, days, hours, minutes, seconds] = match;
  return Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds);
}

export interface TresAllocation {
  cpus: number;
  gpus: number;
  nodes: number;
  memoryMb: number;
}

const memoryUnits: Record<string, number> = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024, P: 1024 ** 3 };

/**
 * A TRES list such as `billing=8,cpu=8,gres/gpu=2,gres/gpu:a100=2,mem=64G,node=1`. GPUs come from
 * the untyped `gres/gpu` count when present, else from the sum of typed ones.
 */
export function parseTres(text: string): TresAllocation {
  const allocation: TresAllocation = { cpus: 0, gpus: 0, nodes: 0, memoryMb: 0 };
  let untypedGpus: number | null = null;
  let typedGpus = 0;
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === "mem") {
      const match = /^(\d+(?:\.\d+)?)([KMGTP]?)$/.exec(value);
      if (match) allocation.memoryMb = Number(match[1]) * (match[2] ? memoryUnits[match[2]] : 1);
      continue;
    }
    const count = Number(value);
    if (!Number.isFinite(count)) continue;
    if (name === "cpu") allocation.cpus = count;
    else if (name === "node") allocation.nodes = count;
    else if (name === "gres/gpu") untypedGpus = count;
    else if (name.startsWith("gres/gpu:")) typedGpus += count;
  }
  allocation.gpus = untypedGpus ?? typedGpus;
  return allocation;
}

/** Slurm job states after which the job will not run again. */
export const terminalSlurmStates = new Set([
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "DEADLINE",
  "FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PREEMPTED",
  "REVOKED",
  "SPECIAL_EXIT",
  "TIMEOUT",
]);

/** States in which the job holds (or held) its allocation and its worker may be running. */
export const runningSlurmStates = new Set(["RUNNING", "COMPLETING", "SIGNALING", "STAGE_OUT", "SUSPENDED", "STOPPED", "RESIZING"]);

/** The job died for reasons outside the run (the cluster took it away): retry it as a lost attempt. */
export const lostSlurmStates = new Set(["PREEMPTED", "NODE_FAIL", "BOOT_FAIL", "REVOKED"]);
