import type { DuckDBConnection } from "@duckdb/node-api";
import type { z } from "zod";

/**
 * A stage kind is a registered handler: it validates its params, and turns one planned run into
 * a job — a command line any backend (local process, Slurm batch script, Ray job) can execute.
 * Keeping the job a plain command is what lets the same experiment move between backends.
 */

export interface JobRequest {
  /** Program and arguments. Stages that want a shell say so explicitly (["bash", "-c", …]). */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Files the run must leave in its output directory (relative to it); missing ones fail the run. */
  outputs: string[];
}

export interface JobContext<P> {
  experiment: string;
  runId: string;
  stage: string;
  params: P;
  seed: number | null;
  attempt: number;
  /** This run's output directory (stable across attempts). */
  outDir: string;
  runDir: string;
  /** Upstream stage name → that run: what it is (kind, params) and where its outputs are. */
  upstream: Record<string, UpstreamRun>;
}

/**
 * An upstream run as a downstream stage sees it. Stages take the upstream's kind and params from
 * here rather than reading the spine's run.json by path, so the journal's layout stays core's own.
 */
export interface UpstreamRun {
  runId: string;
  /** The stage kind that made it (`sera-generate`, `sera-dataset`, …). */
  kind: string;
  /** Its validated params, as planned. */
  params: unknown;
  outDir: string;
}

export interface StageHandler<P = Record<string, unknown>> {
  kind: string;
  /** Bump when the meaning of a run's output changes, so old results are not reused. */
  version: number;
  summary: string;
  params: z.ZodType<P>;
  /**
   * The part of the params that determines the run's output, hashed into the run id. Operational
   * settings (endpoint URLs, concurrency, API-key variable names) belong outside it, so moving a
   * job to another server does not orphan finished runs. Defaults to all params.
   */
  identity?(params: P): unknown;
  /** Cross-field checks the schema cannot express; returns a problem or null. */
  check?(params: P, context: { stage: string; upstreamStages: string[] }): { path: string; problem: string } | null;
  job(context: JobContext<P>): JobRequest;
  /**
   * Project a succeeded run's own records (under outDir) into the stage's tables. Called on every
   * ingest of the run, so it must be idempotent (keyed inserts).
   */
  ingest?(
    connection: DuckDBConnection,
    run: { plan: { id: string; experiment: string; stage: string; params: unknown; seed: number | null }; outDir: string; attemptDir: string },
  ): Promise<void>;
}

const handlers = new Map<string, StageHandler<unknown>>();

export function registerStage<P>(handler: StageHandler<P>): void {
  handlers.set(handler.kind, handler as StageHandler<unknown>);
}

export function stageHandler(kind: string): StageHandler<unknown> | undefined {
  return handlers.get(kind);
}

export function stageKinds(): string[] {
  return [...handlers.keys()].sort();
}
