import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { StageExecution } from "@sera/core";
import { afterAll, describe, expect, it } from "vitest";
import { committedDemo } from "./support/committed-demo.js";
import { generationParamsSchema, type GenerationParams } from "../src/pipeline/params.js";
import { runGeneration } from "../src/pipeline/run.js";
import { startScriptedModelServer, type ScriptedModelServer } from "@sera/rollout";

/**
 * What the generation stage's records say about each model call: which HTTP try of a call a row
 * is (not which rollout attempt it served), and whether a real model or sera's stand-in answered,
 * as the server itself says. Run in-process on a committed copy of the demo repository, over
 * loopback HTTP, with the scripted stand-in model (not an LLM) behind every answer.
 */

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sera-call-provenance-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function execution(params: GenerationParams): { run: StageExecution<GenerationParams>; emitted: Record<string, unknown>[] } {
  const outDir = path.join(fs.mkdtempSync(path.join(scratch, "run-")), "out");
  const emitted: Record<string, unknown>[] = [];
  const run: StageExecution<GenerationParams> = {
    experiment: "provenance",
    runId: "provenance-run",
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

function paramsFor(endpoint: string, model: string, teacher: Record<string, unknown> = {}): GenerationParams {
  const { repo, commit } = committedDemo(scratch);
  return generationParamsSchema.parse({
    repo,
    repoName: "stockroom",
    commits: [commit],
    functionsPerRepo: 2,
    teacher: { model, endpoints: [endpoint], timeoutSeconds: 5, maxRetries: 1, prices: { inputPerMTok: 1, outputPerMTok: 2 }, ...teacher },
    agent: { maxSteps: 30 },
    sandbox: "none",
    concurrency: 2,
  });
}

const rows = (run: StageExecution<GenerationParams>, table: string): Record<string, unknown>[] =>
  fs
    .readFileSync(path.join(run.outDir, "records", `${table}.jsonl`), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const costLines = (emitted: Record<string, unknown>[]) => emitted.filter((e) => "cost" in e).flatMap((e) => e.cost as Record<string, unknown>[]);

/**
 * A tiny OpenAI-compatible server that says nothing about itself, the way vLLM or a provider does:
 * it lists its own model and relays completions to the scripted policy, dropping the stand-in's
 * marker. Whatever answers behind it, sera can only go by what the server says.
 */
async function unmarkedServer(model: string, upstream: ScriptedModelServer): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const send = (status: number, text: string) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(text);
      };
      if (req.method === "GET" && req.url === "/v1/models")
        return send(200, JSON.stringify({ object: "list", data: [{ id: model, object: "model", owned_by: "acme" }] }));
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      fetch(`${upstream.url}/chat/completions`, { method: "POST", body: JSON.stringify({ ...body, model: upstream.model }) })
        .then(async (answer) => send(answer.status, (await answer.text()).replaceAll(upstream.model, model)))
        .catch((error: unknown) => send(502, JSON.stringify({ error: String(error) })));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("model call records", () => {
  it("a fault run books each HTTP retry of a call as http_attempt 2, 3, … while rollout_attempt stays the rollout's", async () => {
    const server = await startScriptedModelServer({ seed: 0, rejectRate: 0, faults: { http5xxRate: 0.3 } });
    try {
      const { run } = execution(paramsFor(server.url, "scripted-stand-in", { maxRetries: 6 }));
      await runGeneration(run);
      const calls = rows(run, "model_calls");
      expect(server.stats().faults.http5xx).toBeGreaterThan(3);
      const failed = calls.filter((c) => c.status === "server_error");
      expect(failed.length).toBe(server.stats().faults.http5xx);
      // Every failed try is followed, in its instance's log, by the next try of the same call.
      for (const miss of failed) {
        const next = calls.find((c) => c.instance_id === miss.instance_id && c.seq === Number(miss.seq) + 1);
        expect(next).toMatchObject({ phase: miss.phase, rollout_attempt: miss.rollout_attempt, http_attempt: Number(miss.http_attempt) + 1 });
      }
      expect(Math.max(...calls.map((c) => Number(c.http_attempt)))).toBeGreaterThan(1);
      expect(calls.filter((c) => Number(c.http_attempt) > 1)).toHaveLength(failed.length);
      const rollouts = rows(run, "rollouts");
      for (const call of calls.filter((c) => c.phase === "r1")) {
        expect(rollouts.some((r) => r.instance_id === call.instance_id && r.phase === "r1" && r.rollout_attempt === call.rollout_attempt)).toBe(true);
      }
    } finally {
      await server.close();
    }
  }, 180_000);

  it("every row the scripted stand-in fed says stand-in, and its tokens carry no price", async () => {
    const server = await startScriptedModelServer({ seed: 0, rejectRate: 0 });
    try {
      const { run, emitted } = execution(paramsFor(server.url, "scripted-stand-in"));
      await runGeneration(run);
      for (const table of ["instances", "rollouts", "verifications", "model_calls"]) {
        const provenance = new Set(rows(run, table).map((r) => r.provenance));
        expect([table, [...provenance]]).toEqual([table, ["stand-in"]]);
      }
      const costs = costLines(emitted);
      expect(costs.length).toBeGreaterThan(0);
      for (const cost of costs) expect(cost).toMatchObject({ unit_price: null, source: "stand-in (answering as scripted-stand-in)" });
    } finally {
      await server.close();
    }
  }, 120_000);

  it("a server that does not say it is a stand-in is booked as real, under the model it serves", async () => {
    const scripted = await startScriptedModelServer({ seed: 0, rejectRate: 0 });
    const relay = await unmarkedServer("acme-coder", scripted);
    try {
      const { run, emitted } = execution(paramsFor(relay.url, "acme-coder"));
      await runGeneration(run);
      for (const table of ["instances", "rollouts", "verifications", "model_calls"]) {
        const provenance = new Set(rows(run, table).map((r) => r.provenance));
        expect([table, [...provenance]]).toEqual([table, ["real"]]);
      }
      expect(new Set(rows(run, "model_calls").map((r) => r.model))).toEqual(new Set(["acme-coder"]));
      expect(costLines(emitted).find((c) => c.kind === "teacher_output_tokens")).toMatchObject({ unit_price: 2 / 1e6, source: "acme-coder" });
    } finally {
      await relay.close();
      await scripted.close();
    }
  }, 120_000);

  it("a run naming a real teacher against the stand-in stops with one line; told to impersonate it, every row still says stand-in", async () => {
    const server = await startScriptedModelServer({ seed: 0, rejectRate: 0 });
    try {
      const { run } = execution(paramsFor(server.url, "zai-org/GLM-4.5-Air"));
      await expect(runGeneration(run)).rejects.toThrow(
        `teacher.model: ${server.url} is sera's scripted stand-in (it serves scripted-stand-in), not "zai-org/GLM-4.5-Air"; set teacher.model to scripted-stand-in, or start it with sera model serve --scripted --impersonate "zai-org/GLM-4.5-Air" for a dry run (every row is then marked stand-in)`,
      );
      expect(fs.existsSync(path.join(run.outDir, "records"))).toBe(false);
    } finally {
      await server.close();
    }
    const posing = await startScriptedModelServer({ seed: 0, rejectRate: 0, impersonate: "zai-org/GLM-4.5-Air" });
    try {
      const { run, emitted } = execution(paramsFor(posing.url, "zai-org/GLM-4.5-Air", { selfHosted: { gpus: 4, usdPerGpuHour: 2 } }));
      await runGeneration(run);
      const calls = rows(run, "model_calls");
      expect(new Set(calls.map((c) => `${c.model} ${c.provenance}`))).toEqual(new Set(["zai-org/GLM-4.5-Air stand-in"]));
      for (const table of ["instances", "rollouts", "verifications"]) expect(new Set(rows(run, table).map((r) => r.provenance))).toEqual(new Set(["stand-in"]));
      const costs = costLines(emitted);
      expect(costs.find((c) => c.kind === "gpu_hours")).toMatchObject({ unit_price: null, source: "stand-in (answering as zai-org/GLM-4.5-Air)" });
      expect(costs.every((c) => c.unit_price === null)).toBe(true);
    } finally {
      await posing.close();
    }
  }, 120_000);
});
