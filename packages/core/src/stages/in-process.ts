import path from "node:path";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import type { JobContext, StageHandler } from "./registry.js";

/**
 * Stages written in TypeScript (generation, dataset building, …) still run as ordinary jobs, so
 * every backend can execute them: the job is `node stage-main.js <module> <kind>`, which imports
 * the module that registers the stage and calls its `execute`. Parameters travel as JSON in the
 * environment; progress and metrics are JSON lines on stdout like any other command.
 */

/** What a TypeScript stage's `execute` receives: the job context plus ways to report and stop. */
export interface StageExecution<P> extends JobContext<P> {
  /** Print a JSON line that the spine records as metrics (numbers) and cost lines (`cost`). */
  emit(record: Record<string, unknown>): void;
  signal: AbortSignal;
}

/** Throw this from `execute` for a failure worth retrying (the worker exits with 75). */
export class RetryableStageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RetryableStageError";
  }
}

export interface TypeScriptStageSpec<P> {
  kind: string;
  version: number;
  summary: string;
  params: z.ZodType<P>;
  /** Import specifier of the module whose import registers this stage (e.g. "@sera/generation"). */
  module: string;
  identity?(params: P): unknown;
  check?: StageHandler<P>["check"];
  ingest?: StageHandler<P>["ingest"];
  execute(run: StageExecution<P>): Promise<void>;
}

const stageMain = path.join(path.dirname(fileURLToPath(import.meta.url)), "stage-main.js");

export interface TypeScriptStage<P> extends StageHandler<P> {
  execute(run: StageExecution<P>): Promise<void>;
}

export function defineTypeScriptStage<P>(spec: TypeScriptStageSpec<P>): TypeScriptStage<P> {
  return {
    kind: spec.kind,
    version: spec.version,
    summary: spec.summary,
    params: spec.params,
    identity: spec.identity,
    check: spec.check,
    ingest: spec.ingest,
    execute: spec.execute,
    job(context) {
      return {
        argv: [process.execPath, stageMain, spec.module, spec.kind],
        env: {
          SERA_STAGE_PARAMS: JSON.stringify(context.params),
          SERA_UPSTREAM: JSON.stringify(context.upstream),
        },
        cwd: process.cwd(),
        outputs: [],
      };
    },
  };
}
