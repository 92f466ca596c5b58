import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { RetryableStageError, type StageExecution } from "@sera/core";
import { afterAll, describe, expect, it } from "vitest";
import { committedDemo } from "./support/committed-demo.js";
import { generationParamsSchema, type GenerationParams } from "../src/pipeline/params.js";
import { runGeneration } from "../src/pipeline/run.js";
import { checkTeacher } from "../src/pipeline/teacher.js";
import { startScriptedModelServer } from "@sera/rollout";

/**
 * The generation stage body run in-process on a committed copy of the demo repository, with the
 * scripted stand-in model (not an LLM) over loopback HTTP: damaged instance files are reported,
 * counted and repaired by re-running; a teacher outage pauses instances instead of failing them.
 */

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sera-durability-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function execution(params: GenerationParams, outDir: string): { run: StageExecution<GenerationParams>; emitted: Record<string, unknown>[] } {
  const emitted: Record<string, unknown>[] = [];
  const run: StageExecution<GenerationParams> = {
    experiment: "durability",
    runId: "durability-run",
    stage: "generate",
    params,
    seed: 1,
    attempt: 1,
    outDir,
    runDir: path.dirname(outDir),
    upstream: {},
    emit: (record) => emitted.push(record),
    signal: new AbortController().signal,
  };
  return { run, emitted };
}

function paramsFor(repo: string, commit: string, endpoint: string, functions: number): GenerationParams {
  return generationParamsSchema.parse({
    repo,
    repoName: "stockroom",
    commits: [commit],
    functionsPerRepo: functions,
    teacher: { model: "scripted-stand-in", endpoints: [endpoint], scriptedStandIn: true, timeoutSeconds: 5, maxRetries: 1 },
    agent: { maxSteps: 30 },
    concurrency: 2,
  });
}

const lastWith = (emitted: Record<string, unknown>[], key: string) => emitted.filter((e) => key in e).at(-1);
const readLines = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");

describe("generation durability", () => {
  it("a truncated state.json is moved aside, reported and counted, and its instance runs again; a damaged call line is skipped without renumbering", async () => {
    const { repo, commit } = committedDemo(scratch);
    const server = await startScriptedModelServer({ seed: 0, rejectRate: 0 });
    try {
      const outDir = path.join(fs.mkdtempSync(path.join(scratch, "run-")), "out");
      const params = paramsFor(repo, commit, server.url, 2);
      const first = execution(params, outDir);
      const summary = await runGeneration(first.run);
      expect(summary.instances).toBe(2);
      const instancesDir = path.join(outDir, "instances");
      const [damaged, other] = fs.readdirSync(instancesDir).sort();
      const stateFile = path.join(instancesDir, damaged, "state.json");
      const text = fs.readFileSync(stateFile, "utf8");
      fs.writeFileSync(stateFile, text.slice(0, Math.floor(text.length / 2)));
      const otherCalls = path.join(instancesDir, other, "calls.jsonl");
      const calls = readLines(otherCalls);
      fs.writeFileSync(otherCalls, [calls[0], "{not json", ...calls.slice(1)].join("\n") + "\n");

      const second = execution(params, outDir);
      const again = await runGeneration(second.run);
      expect(again.corruptFiles).toEqual([
        { file: stateFile, problem: expect.stringMatching(/^not valid JSON/), action: "moved it to state.json.corrupt and re-ran the instance from rollout 1" },
        { file: otherCalls, problem: expect.stringMatching(/^line 2 is not valid JSON/), action: "skipped that call; its tokens are not booked" },
      ]);
      expect(lastWith(second.emitted, "corrupt_files")).toMatchObject({ corrupt_files: 2, instances: 2 });
      expect(fs.existsSync(`${stateFile}.corrupt`)).toBe(true);
      expect(JSON.parse(fs.readFileSync(stateFile, "utf8")).step).toMatch(/^(done|failed)$/);
      // The metrics and the record files agree.
      const records = readLines(path.join(outDir, "records", "instances.jsonl")).map((l) => JSON.parse(l));
      expect(records).toHaveLength(2);
      expect(records.filter((r) => r.status === "verified")).toHaveLength(again.verified);
      // Call rows keep their line numbers: the damaged line 2 is missing, line 3 is still seq 2.
      const callRows = readLines(path.join(outDir, "records", "model_calls.jsonl"))
        .map((l) => JSON.parse(l))
        .filter((r) => r.instance_id === other);
      expect(callRows.map((r) => r.seq)).toEqual([0, ...calls.slice(1).map((_, i) => i + 2)]);
      // Tokens: one keyed total per kind, over every call on disk (both runs' calls of the re-run instance), nothing twice.
      const booked = lastWith(second.emitted, "cost")!.cost as { kind: string; quantity: number; key: string }[];
      const allRows = readLines(path.join(outDir, "records", "model_calls.jsonl")).map((l) => JSON.parse(l));
      expect(booked.find((c) => c.kind === "teacher_output_tokens")).toMatchObject({
        key: "teacher_output_tokens",
        quantity: allRows.reduce((sum, r) => sum + r.output_tokens, 0),
      });
    } finally {
      await server.close();
    }
  }, 120_000);

  it("a teacher answering 5xx pauses every instance at its step and fails the stage as retryable; the records say so", async () => {
    const { repo, commit } = committedDemo(scratch);
    const server = await startScriptedModelServer({ seed: 0, faults: { http5xxRate: 1 } });
    try {
      const outDir = path.join(fs.mkdtempSync(path.join(scratch, "run-")), "out");
      const { run, emitted } = execution(paramsFor(repo, commit, server.url, 2), outDir);
      const failure = await runGeneration(run).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(RetryableStageError);
      expect((failure as Error).message).toMatch(
        /^2 of 2 instances stopped on a teacher outage and stay resumable \(rerun to continue them\): rollout 1 attempt 1: server_error/,
      );
      for (const id of fs.readdirSync(path.join(outDir, "instances"))) {
        const state = JSON.parse(fs.readFileSync(path.join(outDir, "instances", id, "state.json"), "utf8"));
        expect(state).toMatchObject({ step: "rollout1", attempt: 1, failure: { reason: "model_error", transient: true } });
      }
      expect(lastWith(emitted, "paused")).toMatchObject({ instances: 2, failed: 2, paused: 2, corrupt_files: 0 });
      const records = readLines(path.join(outDir, "records", "instances.jsonl")).map((l) => JSON.parse(l));
      for (const record of records) expect(record.failure_detail).toMatch(/^teacher outage, resumable: /);
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe("the teacher start check", () => {
  const base = generationParamsSchema.parse({ repo: ".", teacher: { model: "m", endpoints: ["http://127.0.0.1:9/v1"], timeoutSeconds: 2 } }).teacher;

  it("names an unset key variable before anything is sent", async () => {
    await expect(checkTeacher({ ...base, apiKeyEnv: "SERA_DURABILITY_UNSET_KEY" })).rejects.toThrow(
      /^teacher\.apiKeyEnv: environment variable SERA_DURABILITY_UNSET_KEY is not set; export it before starting the run$/,
    );
  });

  it("calls a closed port retryable, and a refused key a configuration error", async () => {
    const down = await checkTeacher(base).catch((error: unknown) => error);
    expect(down).toBeInstanceOf(RetryableStageError);
    expect((down as Error).message).toMatch(/^teacher unreachable before any instance started: http:\/\/127\.0\.0\.1:9\/v1 cannot be reached: .*ECONNREFUSED/);

    const refusing = http.createServer((_req, res) => res.writeHead(401).end('{"error":"bad key"}'));
    await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
    process.env.SERA_DURABILITY_KEY = "sk-not-a-real-key-123456";
    try {
      const endpoint = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1`;
      const refused = await checkTeacher({ ...base, endpoints: [endpoint], apiKeyEnv: "SERA_DURABILITY_KEY" }).catch((error: unknown) => error);
      expect(refused).not.toBeInstanceOf(RetryableStageError);
      expect((refused as Error).message).toBe(`teacher: ${endpoint} refused the API key (HTTP 401); check the key in SERA_DURABILITY_KEY`);
    } finally {
      delete process.env.SERA_DURABILITY_KEY;
      refusing.close();
    }
  });
});
