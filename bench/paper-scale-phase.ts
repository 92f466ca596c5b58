import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { buildReport } from "@sera/analysis";
import { withStore, type Message } from "@sera/core";
import { generationTables, ingestGenerationRecords } from "@sera/generation";
import { datasetStage } from "@sera/training";

/**
 * One phase of the paper_scale measure, run as its own node process so that its peak RSS is its
 * own (bench/paper-scale.ts starts one per phase and size). Arguments: phase, the size's folder,
 * instances, repositories. The last stdout line is JSON: seconds of the phase's work (start-up
 * excluded) and the process's peak RSS.
 */

const [phase, dir, instancesArg, repositoriesArg] = process.argv.slice(2);
const instances = Number(instancesArg);
const repositories = Number(repositoriesArg);
const runId = "generate-paper-scale";
const experiment = "paper-scale";
const outDir = path.join(dir, "generate", "out");
const recordsDir = path.join(outDir, "records");
const storeFile = path.join(dir, "sera.duckdb");
type GenerationTable = (typeof generationTables)[number];

/** Lines for one record file, parsed by the table's own zod schema and written in 1 MiB chunks. */
class RecordFile {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  rows = 0;
  private readonly table: GenerationTable;
  constructor(table: GenerationTable) {
    this.table = table;
    this.fd = openSync(path.join(recordsDir, `${table.name}.jsonl`), "w");
  }
  add(row: Record<string, unknown>): void {
    const line = JSON.stringify(this.table.row.parse(row)) + "\n";
    this.pending.push(line);
    this.pendingChars += line.length;
    this.rows++;
    if (this.pendingChars > 1 << 20) this.flush();
  }
  flush(): void {
    writeSync(this.fd, this.pending.join(""));
    this.pending = [];
    this.pendingChars = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** A short agent conversation: task, two tool turns with reasoning, a submit. Distinct text per instance. */
function conversation(instanceId: string, file: string, fn: string, patch: string): Message[] {
  const call = (id: string, command: string) => ({ id, name: "bash", arguments: { command } });
  return [
    { role: "system", content: "You are a software engineer fixing a bug in a repository." },
    { role: "user", content: `Instance ${instanceId}: ${fn} in ${file} returns the wrong value for empty input. Fix it.` },
    { role: "assistant", content: "", reasoning: `I should read ${file} first.`, toolCalls: [call("c1", `cat ${file}`)] },
    { role: "tool", content: `def ${fn}(items):\n    return items[0]\n`, toolCallId: "c1" },
    { role: "assistant", content: "", reasoning: "Guard the empty case.", toolCalls: [call("c2", `python fix.py ${file}`)] },
    { role: "tool", content: patch, toolCallId: "c2" },
    { role: "assistant", content: "", toolCalls: [call("c3", "submit")] },
  ];
}

function writeGeneration(): Record<string, number> {
  mkdirSync(recordsDir, { recursive: true });
  const trajectoriesDir = path.join(outDir, "trajectories");
  mkdirSync(trajectoriesDir, { recursive: true });
  const files = Object.fromEntries(generationTables.map((t) => [t.name, new RecordFile(t)]));
  const started = new Date(Date.UTC(2026, 0, 1)).toISOString();
  let trajectoryFiles = 0;
  for (let i = 0; i < instances; i++) {
    const repoIndex = i % repositories;
    const repo = `org/repo-${String(repoIndex).padStart(3, "0")}`;
    const instanceId = `repo-${String(repoIndex).padStart(3, "0")}__fn_${i}`;
    const file = `src/module_${i % 37}.py`;
    const fn = `handle_${i}`;
    // Half verified, 3 in 10 unverified, 1 in 5 failed before rollout 2: the paper's run shape, roughly.
    const bucket = i % 10;
    const status = bucket < 5 ? "verified" : bucket < 8 ? "unverified" : "failed";
    const phases = status === "failed" ? (["r1"] as const) : (["r1", "r2"] as const);
    const base = { run_id: runId, instance_id: instanceId };
    const recall = status === "failed" ? null : status === "verified" ? 1 : 0.25;
    files.instances.add({
      ...base,
      repo,
      commit_sha: (i * 2654435761).toString(16).padStart(40, "0").slice(-40),
      file,
      function: fn,
      function_kind: "function",
      language: "python",
      start_line: 10 + (i % 50),
      end_line: 20 + (i % 50),
      replica: 0,
      demonstration_id: null,
      status,
      last_step: status === "failed" ? "r1" : "verify",
      r1_attempts: 1,
      failure_reason: status === "failed" ? "no_patch" : null,
      failure_detail: status === "failed" ? "rollout 1 made no change" : null,
      recall,
      provenance: "stand-in",
    });
    for (const phase of phases) {
      const patch = `--- a/${file}\n+++ b/${file}\n@@ -1,2 +1,4 @@\n def ${fn}(items):\n+    if not items:\n+        return None\n     return items[0]\n`;
      const trajectoryPath = path.join(trajectoriesDir, `${instanceId}.${phase}.json`);
      writeFileSync(
        trajectoryPath,
        JSON.stringify({ instanceId, phase, attempt: 1, messages: conversation(instanceId, file, fn, patch), exitStatus: "submitted", patch, steps: 3 }),
      );
      trajectoryFiles++;
      files.rollouts.add({
        ...base,
        phase,
        rollout_attempt: 1,
        exit_status: "submitted",
        steps: 3,
        input_tokens: 3000 + (i % 700),
        cached_input_tokens: 2000,
        output_tokens: 400 + (i % 90),
        wall_seconds: 30 + (i % 60),
        prompt_index: phase === "r1" ? i % 4 : null,
        self_check: phase === "r1" ? true : null,
        failure_reason: null,
        trajectory_path: trajectoryPath,
        provenance: "stand-in",
      });
      files.patches.add({
        ...base,
        phase,
        rollout_attempt: 1,
        patch,
        sha256: `${i}-${phase}`.padEnd(64, "0"),
        files_changed: 1,
        lines_added: 2,
        lines_removed: 0,
      });
      for (let seq = 0; seq < 3; seq++) {
        files.model_calls.add({
          ...base,
          seq: (phase === "r1" ? 0 : 3) + seq,
          phase,
          rollout_attempt: 1,
          endpoint: "http://127.0.0.1:8000/v1",
          model: "scripted",
          http_attempt: 1,
          status: "ok",
          input_tokens: 1000 + seq,
          cached_input_tokens: 600,
          output_tokens: 130 + seq,
          latency_ms: 0,
          started_at: started,
          provenance: "stand-in",
        });
      }
    }
    if (status !== "failed") {
      files.verifications.add({
        ...base,
        recall,
        matched: status === "verified" ? 2 : 0,
        target_lines: 2,
        candidate_lines: 2,
        precision: status === "verified" ? 1 : 0,
        f1: status === "verified" ? 1 : 0,
        threshold: 0.5,
        mode: "lines",
        verdict: status === "verified" ? "pass" : "fail",
        provenance: "stand-in",
      });
    }
  }
  for (const recordFile of Object.values(files)) recordFile.close();
  return { ...Object.fromEntries(Object.entries(files).map(([name, recordFile]) => [`${name}Rows`, recordFile.rows])), trajectoryFiles };
}

/** sera's ingest of the stage's record files (what the sera-generate stage's ingest runs), in one transaction as ingestRuns does. */
async function seraIngest(): Promise<Record<string, number>> {
  // Each repeat is a run's first ingest into a fresh store, as the peer's is into fresh tables.
  for (const file of [storeFile, `${storeFile}.wal`]) rmSync(file, { force: true });
  return withStore(storeFile, {}, async (store) => {
    await store.connection.run("BEGIN TRANSACTION");
    await ingestGenerationRecords(store.connection, recordsDir);
    await store.connection.run("COMMIT");
    const reader = await store.connection.runAndReadAll("SELECT count(*)::INTEGER AS n FROM model_calls");
    return { modelCallRows: Number(reader.getRowObjects()[0].n) };
  });
}

/** The peer: DuckDB's read_json of each record file into a fresh table, types inferred, no key. */
async function duckdbReadJson(): Promise<Record<string, number>> {
  const instance = await DuckDBInstance.create(path.join(dir, "peer.duckdb"));
  const connection = await instance.connect();
  for (const table of generationTables) {
    const file = path.join(recordsDir, `${table.name}.jsonl`).replace(/'/g, "''");
    await connection.run(`CREATE OR REPLACE TABLE ${table.name} AS SELECT * FROM read_json('${file}', format = 'newline_delimited')`);
  }
  const reader = await connection.runAndReadAll("SELECT count(*)::INTEGER AS n FROM model_calls");
  const rows = Number(reader.getRowObjects()[0].n);
  connection.closeSync();
  instance.closeSync();
  return { modelCallRows: rows };
}

/** The sera-dataset stage's body over the generation run's folder (its sources are record files, as in `sera run`). */
async function datasetBuild(): Promise<Record<string, number>> {
  const datasetOut = path.join(dir, "dataset", "out");
  mkdirSync(datasetOut, { recursive: true });
  const params = datasetStage.params.parse({ from: [{ runId, outDir }], workers: 2 });
  const metrics: Record<string, number> = {};
  await datasetStage.execute({
    experiment,
    runId: "dataset-paper-scale",
    stage: "dataset",
    params,
    seed: null,
    attempt: 1,
    outDir: datasetOut,
    runDir: path.dirname(datasetOut),
    upstream: {},
    signal: new AbortController().signal,
    emit: (record) => {
      for (const [name, value] of Object.entries(record)) if (typeof value === "number") metrics[name] = value;
    },
  });
  return { samples: metrics.samples ?? NaN, dropped: metrics.dropped ?? NaN };
}

/** `sera report` over the store, with a per-repository section over the generation run's instances. */
async function report(): Promise<Record<string, number>> {
  // The run's own row, as the spine's ingest writes it, so the report finds a succeeded run.
  await withStore(storeFile, {}, async (store) => {
    await store.connection.run(`INSERT OR REPLACE INTO runs (id, experiment, stage, kind, params, seed, upstream, status, attempt, failures, run_dir)
      VALUES ('${runId}', '${experiment}', 'generate', 'sera-generate', '{}', NULL, '{}', 'succeeded', 1, 0, '${path.dirname(outDir)}')`);
  });
  const experimentFile = path.join(dir, "paper-scale.yaml");
  writeFileSync(
    experimentFile,
    `name: ${experiment}
store: ${storeFile}
stages:
  generate:
    kind: command
    params: { run: "true" }
report:
  title: Paper scale
  metric: verified_fraction
  instances:
    sql: SELECT run_id, instance_id, repo AS repository, status = 'verified' AS resolved FROM instances
`,
  );
  const built = await buildReport({ experimentFile, outDir: path.join(dir, "report"), png: false });
  return { queriesSeconds: built.seconds.queries };
}

const work: Record<string, () => Promise<Record<string, number>> | Record<string, number>> = {
  write: writeGeneration,
  sera_ingest: seraIngest,
  duckdb_read_json: duckdbReadJson,
  dataset: datasetBuild,
  report,
};

const started = performance.now();
const figures = await work[phase]();
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`\n${JSON.stringify({ phase, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...figures })}\n`);
