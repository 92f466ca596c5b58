import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  appendRecordRows,
  fillPlaceholders,
  readJson,
  readPredictions,
  RetryableStageError,
  shellQuote,
  type Prediction,
  type StageExecution,
} from "@sera/core";
import { evalsTable, evalSummariesTable } from "../records/tables.js";
import type { EvalRunInfo } from "../eval/info.js";
import { harnessScript } from "./command.js";
import { sweBenchEvalRow, sweBenchSummaryRow, type GradingContext } from "./grade-records.js";
import type { HarnessParams } from "./params.js";
import { findReports, findRunSummary, gradeInstances, readRunSummary } from "./reports.js";

/**
 * The `swebench-harness` stage body: grade predictions with the official harness (or only write
 * its command, or import the reports of a run made elsewhere) and turn report.json files and the
 * run summary into `evals` and `eval_summaries` rows.
 */

export interface HarnessOutcome {
  mode: HarnessParams["mode"];
  graded: number;
  resolved: number;
  resolveRate: number | null;
  script: string;
}

function harnessProblem(python: string): string | null {
  const docker = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 30_000 });
  if (docker.status !== 0) return `Docker is not usable here (${(docker.stderr || docker.error?.message || "docker info failed").trim().split("\n")[0]})`;
  const module = spawnSync(python, ["-c", "import swebench.harness.run_evaluation"], { encoding: "utf8", timeout: 60_000 });
  if (module.status !== 0) return `${python} cannot import swebench (pip install swebench)`;
  return null;
}

async function runScript(command: string, cwd: string, logFile: string, signal: AbortSignal): Promise<number | null> {
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn("bash", ["-c", command], { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const forward = (chunk: Buffer) => {
    log.write(chunk);
    process.stderr.write(chunk);
  };
  child.stdout.on("data", forward);
  child.stderr.on("data", forward);
  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
  };
  signal.addEventListener("abort", stop, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode) => resolve(exitCode));
  });
  signal.removeEventListener("abort", stop);
  await new Promise((resolve) => log.end(resolve));
  return code;
}

export async function runHarness(run: StageExecution<HarnessParams>): Promise<HarnessOutcome> {
  const { params } = run;
  const upstreamStage = params.evalStage ?? Object.keys(run.upstream)[0];
  const upstream = upstreamStage ? run.upstream[upstreamStage] : undefined;
  const info = upstream ? readJson<EvalRunInfo>(path.join(upstream.outDir, "eval.json")) : undefined;
  const predictionsFile = params.predictions ? path.resolve(params.predictions) : upstream ? path.join(upstream.outDir, "predictions.jsonl") : null;
  const predictions: Prediction[] | null = predictionsFile ? readPredictions(predictionsFile) : null;
  const harnessRunId = params.harnessRunId ?? `sera-${run.runId}`;
  const harnessDir = path.join(run.outDir, "harness");
  mkdirSync(harnessDir, { recursive: true });
  const script = path.join(run.outDir, "harness.sh");

  if (params.mode !== "import") {
    if (!predictionsFile || !predictions) throw new Error("no predictions to grade");
    writeFileSync(script, harnessScript(params, predictionsFile, harnessRunId, harnessDir), { mode: 0o755 });
    run.emit({ predictions: predictions.length, empty_patches: predictions.filter((p) => !p.model_patch.trim()).length });
    if (params.mode === "render") return { mode: params.mode, graded: 0, resolved: 0, resolveRate: null, script };
    let command = `exec bash ${shellQuote(script)}`;
    if (params.command) {
      command = fillPlaceholders(
        params.command,
        { predictions: predictionsFile, run_id: harnessRunId, out_dir: run.outDir, harness_dir: harnessDir },
        "command",
      );
    } else {
      const problem = harnessProblem(params.python);
      if (problem) throw new Error(`${problem}; use mode: render to stop at predictions, or mode: import to load reports made elsewhere`);
    }
    const logFile = path.join(run.outDir, "harness.log");
    appendFileSync(logFile, `\n===== attempt ${run.attempt}: ${command}\n`);
    const code = await runScript(command, harnessDir, logFile, run.signal);
    run.signal.throwIfAborted();
    // Finished instances keep their report.json, so a rerun only grades the rest.
    if (code !== 0) throw new RetryableStageError(`the SWE-bench harness exited with ${code} (log: ${logFile})`);
  }

  const reportsRoot = params.mode === "import" ? path.resolve(params.reports!) : path.join(harnessDir, "logs", "run_evaluation", harnessRunId);
  const reports = existsSync(reportsRoot) ? findReports(reportsRoot) : [];
  if (params.mode === "import" && reports.length === 0) throw new Error(`reports: no report.json under ${reportsRoot}`);
  const graded = gradeInstances(reports, predictions, params.mode === "import" ? params.harnessRunId : harnessRunId);
  const chosenRun = graded.find((g) => g.harnessRunId)?.harnessRunId ?? harnessRunId;
  const summaryDirs = params.summary ? [] : [harnessDir, reportsRoot, ...[1, 2, 3].map((up) => path.resolve(reportsRoot, ...Array<string>(up).fill("..")))];
  const summary = params.summary
    ? { file: path.resolve(params.summary), summary: readRunSummary(path.resolve(params.summary)) }
    : findRunSummary(summaryDirs, chosenRun);

  const context: GradingContext = {
    runId: run.runId,
    evalRunId: upstream?.runId ?? null,
    seed: info?.seed ?? run.seed,
    contextLength: info?.contextLength ?? null,
    model: info?.model ?? predictions?.[0]?.model_name_or_path ?? null,
    repos: new Map(Object.entries(info?.repos ?? {})),
    provenance: info?.provenance ?? (info?.standIn ? "stand-in" : null),
  };
  const recordsDir = path.join(run.outDir, "records");
  rmSync(recordsDir, { recursive: true, force: true });
  mkdirSync(recordsDir, { recursive: true });
  const rows = graded.map((g) => sweBenchEvalRow(context, g));
  appendRecordRows(recordsDir, evalsTable, rows);
  const { row, disagreements } = sweBenchSummaryRow(context, graded, summary);
  appendRecordRows(recordsDir, evalSummariesTable, [row]);
  for (const line of disagreements) process.stderr.write(`swebench-harness: ${line}\n`);

  const resolved = graded.filter((g) => g.resolved).length;
  const resolveRate = row.resolve_rate;
  run.emit({
    instances: graded.length,
    resolved,
    unresolved: graded.filter((g) => g.status === "unresolved").length,
    empty_patches: graded.filter((g) => g.status === "empty_patch").length,
    errors: graded.filter((g) => g.status === "error").length,
    ...(resolveRate === null ? {} : { resolve_rate: resolveRate }),
  });
  return { mode: params.mode, graded: graded.length, resolved, resolveRate, script };
}
