import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { z } from "zod";
import type { JobContext, StageHandler } from "./registry.js";

/**
 * Stages written in TypeScript (generation, dataset building, …) still run as ordinary jobs, so
 * every backend can execute them: the job is `node stage-main.js <module URL> <kind>`, which imports
 * the module that registers the stage and calls its `execute`. Parameters travel as JSON in the
 * environment; progress and metrics are JSON lines on stdout like any other command. The module is
 * named by its own location, never by package name: core sits below the stage packages and cannot
 * resolve them (that worked only while npm hoisted every workspace next to it).
 */

/** What a TypeScript stage's `execute` receives: the job context plus ways to report and stop. */
export interface StageExecution<P> extends JobContext<P> {
  /** Print a JSON line that the spine records as metrics (numbers) and cost lines (`cost`). */
  emit(record: Record<string, unknown>): void;
  signal: AbortSignal;
  /**
   * Under `sera run --budget-usd`: the dollars left of the invocation's cap when this attempt was
   * started. A stage that spends as it goes stops starting work once this attempt has spent it.
   */
  budgetUsdLeft?: number;
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
  /** Where the module whose import registers this stage lives: pass that module's `import.meta.url` (a file URL or absolute path). */
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

/** The registering module as a file URL; a package name or relative path is refused, since stage-main could resolve it only by luck. */
export function stageModuleUrl(module: string, kind: string): string {
  if (module.startsWith("file:")) return module;
  if (path.isAbsolute(module)) return pathToFileURL(module).href;
  throw new Error(`stage ${kind}: module must be the registering module's own location (its import.meta.url), not "${module}"`);
}

export function defineTypeScriptStage<P>(spec: TypeScriptStageSpec<P>): TypeScriptStage<P> {
  const moduleUrl = stageModuleUrl(spec.module, spec.kind);
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
        argv: [process.execPath, stageMain, moduleUrl, spec.kind],
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
