import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { localBackend } from "../src/executor/local.js";
import { attemptFiles, readJson, readJsonl, repairJsonl, runPaths, writeJsonAtomic, type CorruptFile, type JobFile } from "../src/executor/journal.js";
import { processStartTime } from "../src/executor/process-identity.js";
import { failureReason, parseMetricsLine, runAttempt } from "../src/executor/worker.js";
import { z } from "zod";
import { defineTable, ingestRuns, loadRecordFile, registerStage, withStore, type PlannedRun } from "../src/index.js";

/**
 * Damaged journal files are reported with their path and what sera did, never dropped in silence;
 * the local worker stops when the coordinator it must live with is gone. Real files, real DuckDB,
 * real processes.
 */

const temp = () => mkdtempSync(path.join(os.tmpdir(), "sera-corrupt-"));

function collector(): { sink: (report: CorruptFile) => void; reports: CorruptFile[] } {
  const reports: CorruptFile[] = [];
  return { sink: (report) => reports.push(report), reports };
}

describe("journal readers report damage", () => {
  it("readJson: a missing file is simply absent, a truncated one is reported with its path and the action", () => {
    const dir = temp();
    const { sink, reports } = collector();
    expect(readJson(path.join(dir, "nothing.json"), { onCorrupt: sink })).toBeUndefined();
    expect(reports).toEqual([]);
    const file = path.join(dir, "run.json");
    writeFileSync(file, '{"id": "abc", "stage": "gen');
    expect(readJson(file, { onCorrupt: sink, action: "rewrote it" })).toBeUndefined();
    expect(reports).toEqual([{ file, problem: expect.stringMatching(/^not valid JSON \(/), action: "rewrote it" }]);
  });

  it("readJsonl: a damaged complete line is reported and skipped; an unterminated last line is a record still being written", () => {
    const file = path.join(temp(), "events.jsonl");
    writeFileSync(file, '{"n":1}\n{"n":2,"ev\n{"n":3}\n{"n":4,"par');
    const { sink, reports } = collector();
    expect(readJsonl(file, { onCorrupt: sink })).toEqual([{ n: 1 }, { n: 3 }]);
    expect(reports).toEqual([{ file, problem: expect.stringMatching(/^line 2 is not valid JSON/), action: "skipped that line" }]);
    // A complete last record without its newline still counts.
    writeFileSync(file, '{"n":1}\n{"n":2}');
    expect(readJsonl(file, { onCorrupt: sink })).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("repairJsonl removes a torn tail and says so, so the next append starts a fresh line", () => {
    const file = path.join(temp(), "calls.jsonl");
    writeFileSync(file, '{"n":1}\n{"n":2,"to');
    const { sink, reports } = collector();
    repairJsonl(file, sink);
    appendFileSync(file, '{"n":3}\n');
    expect(readJsonl(file, { onCorrupt: sink })).toEqual([{ n: 1 }, { n: 3 }]);
    expect(reports).toEqual([{ file, problem: "torn last line (10 bytes without a newline)", action: "removed the torn line of this append-only log" }]);
  });
});

function plannedRun(id: string): PlannedRun {
  return { id, experiment: "corrupt", stage: "work", kind: "command", params: { run: "true" }, seed: null, upstream: {}, sweep: {} };
}

describe("ingest of a damaged journal", () => {
  it("reports a corrupt events line and still records the run; keyed cost totals are booked once across attempts", async () => {
    const dir = temp();
    const plan = plannedRun("r1");
    const paths = runPaths(dir, plan.id);
    for (const attempt of [1, 2]) mkdirSync(paths.attemptDir(attempt), { recursive: true });
    const at = new Date().toISOString();
    writeFileSync(
      paths.eventsFile,
      [
        { at, attempt: 0, event: "queued" },
        { at, attempt: 1, event: "submitted" },
        "{garbage",
        { at, attempt: 1, event: "failed", detail: { error: "exit code 75", exitCode: 75 } },
        { at, attempt: 2, event: "submitted" },
        { at, attempt: 2, event: "succeeded" },
      ]
        .map((line) => (typeof line === "string" ? line : JSON.stringify(line)))
        .join("\n") + "\n",
    );
    // Attempt 1 booked a running total, then failed; attempt 2 books the grown total under the same key.
    const costLine = (line: number, quantity: number, key?: string) =>
      JSON.stringify({
        line,
        step: null,
        values: {},
        cost: [{ kind: "teacher_output_tokens", quantity, unit: "tokens", unit_price: null, usd: null, source: "t", ...(key ? { key } : {}) }],
      }) + "\n";
    writeFileSync(path.join(paths.attemptDir(1), attemptFiles.metrics), costLine(1, 100, "teacher_output_tokens") + costLine(2, 7));
    writeFileSync(path.join(paths.attemptDir(2), attemptFiles.metrics), costLine(1, 160, "teacher_output_tokens") + costLine(2, 5));

    const { sink, reports } = collector();
    const store = path.join(dir, "store.duckdb");
    const ingest = () => withStore(store, {}, (s) => ingestRuns(s.connection, [{ plan, paths }], "local", sink));
    await ingest();
    await ingest();
    expect(reports.map((r) => [r.file, r.problem.replace(/ \(.*$/, ""), r.action])).toContainEqual(
      // reported on each read: the caller's sink decides about repeats (the coordinator counts each file once)
      [paths.eventsFile, "line 3 is not valid JSON", "skipped that event; the run's state is rebuilt from the others and its attempt directories"],
    );
    const rows = await withStore(store, { readOnly: true }, async (s) => {
      const runs = (await s.connection.runAndReadAll("SELECT status, attempt FROM runs")).getRowObjectsJson();
      const ledger = (await s.connection.runAndReadAll("SELECT id, attempt, quantity FROM cost_ledger ORDER BY id")).getRowObjectsJson();
      return { runs, ledger };
    });
    expect(rows.runs).toEqual([{ status: "succeeded", attempt: 2 }]);
    expect(rows.ledger).toEqual([
      { id: "r1:1:2:0", attempt: 1, quantity: 7 },
      { id: "r1:2:2:0", attempt: 2, quantity: 5 },
      { id: "r1:total:teacher_output_tokens", attempt: 2, quantity: 160 },
    ]);
  });
});

// A stage with its own record table, loaded the way generation, training and evaluation load theirs.
const notesTable = defineTable("corrupt_test_notes", { run_id: z.string(), note: z.string() }, { key: ["run_id", "note"] });
registerStage({
  kind: "corrupt-test-records",
  version: 1,
  summary: "test stage whose records are one JSONL file",
  params: z.object({}),
  job: () => ({ argv: ["true"], env: {}, cwd: "/", outputs: [] }),
  ingest: (connection, run) => loadRecordFile(connection, path.join(run.outDir, "records"), notesTable),
});

describe("ingest of a damaged record file", () => {
  it("keeps the rows the store already has, updates the journal's rows, and reports the records folder", async () => {
    const dir = temp();
    const plan = { ...plannedRun("r2"), kind: "corrupt-test-records" };
    const paths = runPaths(dir, plan.id);
    mkdirSync(path.join(paths.outDir, "records"), { recursive: true });
    mkdirSync(paths.attemptDir(1), { recursive: true });
    const at = new Date().toISOString();
    writeFileSync(
      paths.eventsFile,
      [
        { at, attempt: 0, event: "queued" },
        { at, attempt: 1, event: "submitted" },
        { at, attempt: 1, event: "succeeded" },
      ]
        .map((e) => JSON.stringify(e))
        .join("\n") + "\n",
    );
    const notes = path.join(paths.outDir, "records", "corrupt_test_notes.jsonl");
    writeFileSync(notes, '{"run_id":"r2","note":"first"}\n');
    const store = path.join(dir, "store.duckdb");
    const { sink, reports } = collector();
    const ingest = () => withStore(store, {}, (s) => ingestRuns(s.connection, [{ plan, paths }], "local", sink));
    await withStore(store, {}, (s) => s.connection.run(notesTable.ddl));
    await ingest();
    // The record file is damaged later (a disk filled up mid-rewrite, say) and the run's journal moves on.
    writeFileSync(notes, '{"run_id":"r2","note":"first"}\n{"run_id":"r2","no');
    appendFileSync(paths.eventsFile, JSON.stringify({ at, attempt: 1, event: "reattached" }) + "\n");
    await ingest();
    expect(reports).toEqual([
      {
        file: path.join(paths.outDir, "records"),
        problem: expect.stringMatching(/^the stage's records could not be loaded \(/),
        action: "kept the rows already in the store for this run; the journal's rows were updated",
      },
    ]);
    const rows = await withStore(store, { readOnly: true }, async (s) => ({
      notes: (await s.connection.runAndReadAll("SELECT note FROM corrupt_test_notes")).getRowObjectsJson(),
      events: (await s.connection.runAndReadAll("SELECT count(*)::INTEGER AS n FROM run_events")).getRowObjectsJson(),
    }));
    expect(rows).toEqual({ notes: [{ note: "first" }], events: [{ n: 4 }] });
  });
});

describe("local backend and worker", () => {
  it("an unreadable result.json makes the attempt lost, with the file and the action as the reason", async () => {
    const attemptDir = path.join(temp(), "attempt-1");
    mkdirSync(attemptDir, { recursive: true });
    writeFileSync(path.join(attemptDir, attemptFiles.result), '{"status": "succ');
    const backend = localBackend();
    const handle = { backend: "local", jobRef: "999999999:0", submittedAt: new Date().toISOString() };
    expect(await backend.poll(handle, attemptDir)).toBe("lost");
    expect(backend.lostReason?.(handle, attemptDir)).toMatch(/attempt-1\/result\.json: not valid JSON .*; the attempt counts as lost and is retried$/);
  });

  it("a job bound to its coordinator stops when that process is gone, and says why", async () => {
    const dir = temp();
    const coordinator = spawn("sleep", ["1"], { stdio: "ignore" });
    await new Promise((resolve) => coordinator.once("spawn", resolve));
    const attemptDir = path.join(dir, "attempt-1");
    const job: JobFile = {
      runId: "r",
      attempt: 1,
      argv: ["sleep", "30"],
      env: {},
      cwd: dir,
      outDir: path.join(dir, "out"),
      outputs: [],
      timeoutSeconds: 60,
      stopWithCoordinator: { pid: coordinator.pid!, start: processStartTime(coordinator.pid!)! },
    };
    writeJsonAtomic(path.join(attemptDir, attemptFiles.job), job);
    const started = Date.now();
    const result = await runAttempt(attemptDir);
    expect(result).toMatchObject({ status: "cancelled", error: `cancelled: its coordinator (pid ${coordinator.pid}) exited` });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(JSON.parse(readFileSync(path.join(attemptDir, attemptFiles.result), "utf8")).status).toBe("cancelled");
  });

  it("a stdout line shaped like a metrics record but unreadable is flagged, not dropped in silence", () => {
    expect(parseMetricsLine('{"loss": 0.5,}', 3)).toEqual({
      error: expect.stringMatching(/^line 3: looks like a JSON record but is not valid JSON \(.*\); kept as plain output, no metrics taken from it$/),
    });
    expect(parseMetricsLine('{"loss": 0.5, "step": 1', 4)).toBeNull(); // not closed: not shaped like a record
    expect(parseMetricsLine("{'loss': 0.5, 'epoch': 1}", 4)).toBeNull(); // a Python dict from a trainer log is output
    expect(parseMetricsLine('{"loss": 0.5}', 5)).toEqual({ line: 5, step: null, values: { loss: 0.5 }, cost: [] });
    expect(parseMetricsLine("plain output", 6)).toBeNull();
  });

  it("failureReason picks the failing line out of a stage's stack trace", () => {
    const stderr =
      "progress 1\nsera-generate: RetryableStageError: 3 of 3 instances stopped on a teacher outage\n    at runGeneration (file:///x.js:1:1)\n    at async main (file:///y.js:2:2)\n";
    expect(failureReason(stderr)).toBe("3 of 3 instances stopped on a teacher outage");
    expect(failureReason("boom\n")).toBe("boom");
    expect(failureReason("")).toBeNull();
  });
});
