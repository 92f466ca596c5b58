#!/usr/bin/env node
import { RetryableStageError, type TypeScriptStage } from "./in-process.js";
import { stageHandler } from "./registry.js";
import { exitWhenFlushed } from "../executor/exit.js";
import { budgetLeftEnv } from "../executor/attempt-job.js";
import { z } from "zod";

/** SERA_UPSTREAM as writeAttemptJob writes it: upstream stage → that run (JobContext.upstream). */
const upstreamRunsSchema = z.record(z.string(), z.object({ runId: z.string(), kind: z.string(), params: z.unknown(), outDir: z.string() }).strict());

// `node stage-main.js <module URL> <kind>`: run one TypeScript stage inside a worker's job. The
// module is a file URL (see defineTypeScriptStage), so nothing here resolves a package by name.
const [module, kind] = process.argv.slice(2);
const controller = new AbortController();
process.on("SIGTERM", () => controller.abort());
process.on("SIGINT", () => controller.abort());

async function main(): Promise<void> {
  await import(module);
  const handler = stageHandler(kind) as TypeScriptStage<unknown> | undefined;
  if (!handler?.execute) throw new Error(`module ${module} registers no TypeScript stage named ${kind}`);
  const env = process.env;
  const budgetUsdLeft = env[budgetLeftEnv] ? Number(env[budgetLeftEnv]) : undefined;
  await handler.execute({
    experiment: env.SERA_EXPERIMENT ?? "",
    runId: env.SERA_RUN_ID ?? "",
    stage: env.SERA_STAGE ?? "",
    params: handler.params.parse(JSON.parse(env.SERA_STAGE_PARAMS ?? "{}")),
    seed: env.SERA_SEED ? Number(env.SERA_SEED) : null,
    attempt: Number(env.SERA_ATTEMPT ?? "1"),
    outDir: env.SERA_OUT_DIR ?? process.cwd(),
    runDir: env.SERA_RUN_DIR ?? process.cwd(),
    upstream: upstreamRunsSchema.parse(JSON.parse(env.SERA_UPSTREAM ?? "{}")),
    emit: (record) => process.stdout.write(JSON.stringify(record) + "\n"),
    signal: controller.signal,
    ...(budgetUsdLeft !== undefined && Number.isFinite(budgetUsdLeft) ? { budgetUsdLeft } : {}),
  });
}

// Records are JSON lines on a pipe to the worker; exiting before it has read them would lose them.
main().then(
  () => exitWhenFlushed(controller.signal.aborted ? 130 : 0),
  (error: unknown) => {
    process.stderr.write(`${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    exitWhenFlushed(error instanceof RetryableStageError ? 75 : 1);
  },
);
