import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { StageExecution } from "@sera/core";
import { describe, expect, it } from "vitest";
import { evalParamsSchema, type EvalParams } from "../src/index.js";
import { serveModel } from "../src/eval/serving.js";

/**
 * Whether a served model is a stand-in is asked of the server (its /v1/models answer), not read
 * from how it was started: a serve.command that starts a server which does not mark itself (as a
 * wrapper around real vLLM would) is real. The server here is a few lines of node on loopback.
 */

const plainServer = `
const http = require("node:http");
http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ object: "list", data: [{ id: "sera-student", object: "model", owned_by: "vllm" }] }));
}).listen(Number(process.argv[2]), "127.0.0.1");
`;

describe("served model provenance", () => {
  it("calls a serve.command server real when it does not say it is a stand-in", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sera-serving-provenance-"));
    const script = path.join(dir, "server.cjs");
    writeFileSync(script, plainServer);
    const outDir = path.join(dir, "out");
    mkdirSync(outDir);
    const params = evalParamsSchema.parse({
      tasks: { file: path.join(dir, "tasks.jsonl") },
      model: { checkpoint: "some/checkpoint" },
      serve: { command: `{node} ${script} {port}` },
    });
    const run: StageExecution<EvalParams> = {
      experiment: "unit",
      runId: "serving000000001",
      stage: "eval",
      params,
      seed: 1,
      attempt: 1,
      outDir,
      runDir: dir,
      upstream: {},
      emit: () => {},
      signal: new AbortController().signal,
    };
    const serving = await serveModel(run, "some/checkpoint");
    try {
      expect(serving.command).toContain(script);
      expect(serving.provenance).toBe("real");
    } finally {
      await serving.stop();
    }
  });
});
