import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readJson, type StageExecution } from "@sera/core";
import { fillPlaceholders, seraInvocation, shellQuote } from "@sera/core";
import { probeEndpoint, type Provenance } from "@sera/rollout";
import { freePort, startModelServer, type ServedModel } from "../serve/server-process.js";
import { vllmServeArgv } from "../serve/vllm.js";
import type { EvalParams } from "./params.js";

/**
 * Which model an evaluation serves and how: the upstream training run's post-processed model (its
 * train.json) or an explicit checkpoint, served by vLLM with the evaluation's context length — or
 * by a `serve.command` stand-in, or not at all when `serve.endpoint` names a running server. The
 * real vLLM command is always written to serve.sh, so a stand-in run still shows what a GPU run
 * would start.
 */

/** The marker sera's CPU stand-in trainer leaves in every checkpoint it writes. */
export const STAND_IN_CHECKPOINT_MARKER = "STAND-IN.md";

export function resolveCheckpoint(run: StageExecution<EvalParams>): string {
  const { model, tasks } = run.params;
  if (model.checkpoint) {
    const local = path.resolve(model.checkpoint);
    return existsSync(local) ? local : model.checkpoint;
  }
  const stages = model.trainStage ? [model.trainStage] : Object.keys(run.upstream).filter((stage) => stage !== tasks.fromGeneration);
  for (const stage of stages) {
    const summary = readJson<{ model?: string }>(path.join(run.upstream[stage].outDir, "train.json"));
    if (summary?.model) return summary.model;
  }
  throw new Error(`no upstream training run left a train.json (looked in: ${stages.join(", ") || "none"}); set model.checkpoint`);
}

export interface Serving {
  baseURL: string;
  /** The command that runs (null for an external endpoint). */
  command: string | null;
  /** What the server's model list says it is (sera's stand-ins say so; anything else is real). */
  provenance: Provenance;
  stop(): Promise<void>;
  startedAt: number;
}

export async function serveModel(run: StageExecution<EvalParams>, checkpoint: string): Promise<Serving> {
  const { serve, contextLength, model } = run.params;
  if (serve.endpoint) {
    const baseURL = serve.endpoint.replace(/\/+$/, "");
    return { baseURL, command: null, provenance: await servedProvenance(baseURL), stop: async () => {}, startedAt: Date.now() };
  }
  const port = await freePort(serve.host);
  const real = vllmServeArgv({
    checkpoint,
    servedName: model.name,
    host: serve.host,
    port,
    maxModelLen: contextLength,
    tensorParallel: serve.tensorParallel,
    enforceEager: serve.enforceEager,
    seed: run.seed,
    extraArgs: serve.extraArgs,
  });
  const realCommand = real.map(shellQuote).join(" ");
  writeFileSync(
    path.join(run.outDir, "serve.sh"),
    `#!/bin/bash\n# vLLM serving the student for sera-eval (context length ${contextLength}); written by sera.\nexec ${realCommand}\n`,
    { mode: 0o755 },
  );
  const command = serve.command
    ? fillPlaceholders(
        serve.command,
        {
          port: String(port),
          host: serve.host,
          checkpoint,
          model: model.name,
          max_model_len: String(contextLength),
          seed: String(run.seed ?? 0),
          sera: seraInvocation(),
          node: process.execPath,
        },
        "serve.command",
      )
    : `exec ${realCommand}`;
  if (serve.command) process.stderr.write(`sera-eval: serve.command replaces vLLM (serve.sh holds the real command)\n`);
  const startedAt = Date.now();
  const server: ServedModel = await startModelServer({
    shellCommand: command,
    host: serve.host,
    port,
    logFile: path.join(run.outDir, "server.log"),
    startupTimeoutSeconds: serve.startupTimeoutSeconds,
    signal: run.signal,
  });
  // Asked of the server, not read from how it was started: a vLLM wrapper given as serve.command is
  // real, a scripted stand-in behind serve.endpoint is not.
  return { baseURL: server.baseURL, command, provenance: await servedProvenance(server.baseURL), stop: () => server.stop(), startedAt };
}

async function servedProvenance(baseURL: string): Promise<Provenance> {
  const probe = await probeEndpoint({ baseURL, protocol: "openai", timeoutMs: 10_000 });
  return probe.provenance ?? "real";
}
