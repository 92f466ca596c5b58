import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { withStore } from "@sera/core";
import { sqlString } from "./sql.js";

/**
 * A store shaped like a finished sweep — conditions × training-set sizes × seeds, each run with
 * a resolve-rate metric, cost lines and one evaluation row per benchmark instance — written
 * straight into the spine's tables with SQL. Executing a thousand real runs would measure the
 * executor, not the report; this is for timing `sera report` at scale (npm run bench) and for
 * demos. The resolve pattern is deterministic (hashes), with a real effect of condition and size.
 */
export interface SyntheticSweepOptions {
  dir: string;
  name?: string;
  conditions?: string[];
  samples?: number[];
  seeds?: number;
  instances?: number;
  repositories?: number;
}

export interface SyntheticSweep {
  experimentFile: string;
  storeFile: string;
  runs: number;
  instanceRows: number;
}

export async function writeSyntheticSweep(options: SyntheticSweepOptions): Promise<SyntheticSweep> {
  const name = options.name ?? "synthetic";
  const conditions = options.conditions ?? ["baseline", "filtered", "truncated", "mixed"];
  const samples = options.samples ?? [250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000];
  const seeds = options.seeds ?? 25;
  const instances = options.instances ?? 500;
  const repositories = options.repositories ?? 12;
  mkdirSync(options.dir, { recursive: true });
  const storeFile = path.join(options.dir, `${name}.duckdb`);
  const experimentFile = path.join(options.dir, `${name}.yaml`);
  writeFileSync(
    experimentFile,
    `name: ${name}
description: A synthetic sweep written straight into the store, for timing reports.
store: ${storeFile}
stages:
  train:
    kind: command
    params: { run: "true", samples: ${samples[0]}, condition: ${conditions[0]} }
sweep:
  grid:
    stages.train.params.samples: [${samples.join(", ")}]
    stages.train.params.condition: [${conditions.join(", ")}]
  seeds: ${seeds}
report:
  title: Synthetic sweep
  metric: resolve_rate
  baselines:
    - { id: reference, label: Reference model, score: 40, usd: 5000 }
  fits:
    - { name: samples, stage: train, x: samples, where: { condition: ${conditions[0]} }, fixedC: 70, xScale: 0.001, compareTo: [{ baseline: reference }] }
    - { name: cost, stage: train, x: cost, where: { condition: ${conditions[0]} }, fixedC: 70, compareTo: [{ baseline: reference }] }
  compare:
    - { name: conditions, stage: train, by: condition, reference: ${conditions[0]}, where: { samples: ${samples[samples.length - 1]} } }
  instances:
    sql: SELECT run_id, instance_id, repository, resolved FROM synthetic_instances
    by: condition
    reference: ${conditions[0]}
  seedPlan: {}
`,
  );
  const values = (list: readonly (string | number)[]) => list.map((value) => `(${typeof value === "number" ? value : sqlString(value)})`).join(", ");
  await withStore(storeFile, {}, async (store) => {
    const run = (sql: string) => store.connection.run(sql);
    await run(`ALTER TABLE runs ADD COLUMN IF NOT EXISTS p_samples DOUBLE`);
    await run(`ALTER TABLE runs ADD COLUMN IF NOT EXISTS p_condition VARCHAR`);
    await run(`CREATE OR REPLACE TEMP TABLE cells AS
      SELECT c.col0 AS condition, c.ordinal AS condition_index, s.col0 AS samples, seed
      FROM (SELECT col0, row_number() OVER () - 1 AS ordinal FROM (VALUES ${values(conditions)})) c
      CROSS JOIN (VALUES ${values(samples)}) s
      CROSS JOIN range(1, ${seeds + 1}) t(seed)`);
    await run(`INSERT OR REPLACE INTO runs (id, experiment, stage, kind, params, seed, upstream, status, attempt, failures, backend,
        queued_at, started_at, finished_at, wall_seconds, exit_code, run_dir, p_samples, p_condition)
      SELECT md5(condition || ':' || samples || ':' || seed)[1:16], ${sqlString(name)}, 'train', 'command',
        json_object('run', 'true', 'samples', samples, 'condition', condition), seed, '{}', 'succeeded', 1, 0, 'local',
        now(), now(), now(), 1.0, 0, '', samples, condition
      FROM cells`);
    // Resolve rate rises with ln(samples) and differs by condition; seed noise from a hash.
    await run(`INSERT OR REPLACE INTO run_metrics (run_id, attempt, line, name, value, step)
      SELECT md5(condition || ':' || samples || ':' || seed)[1:16], 1, 1, 'resolve_rate',
        least(69.0, 20 + 2.6 * ln(samples) + 1.2 * condition_index + ((hash(condition, samples, seed) % 1000) / 1000.0 - 0.5) * 3.0), NULL
      FROM cells`);
    await run(`INSERT OR REPLACE INTO cost_ledger (id, run_id, experiment, attempt, kind, quantity, unit, unit_price, usd, source)
      SELECT md5(condition || ':' || samples || ':' || seed)[1:16] || ':1:1:0', md5(condition || ':' || samples || ':' || seed)[1:16],
        ${sqlString(name)}, 1, 'gpu_hours', samples * 0.0935, 'H100-hour', 2, samples * 0.0935 * 2, 'synthetic'
      FROM cells`);
    await run(`CREATE OR REPLACE TABLE synthetic_instances AS
      SELECT md5(condition || ':' || samples || ':' || seed)[1:16] AS run_id,
        'repo' || lpad(CAST(i % ${repositories} AS VARCHAR), 2, '0') || '__task-' || i AS instance_id,
        'org/repo' || lpad(CAST(i % ${repositories} AS VARCHAR), 2, '0') AS repository,
        (hash(condition, samples, seed, i) % 1000) / 10.0 < 20 + 2.6 * ln(samples) + 1.2 * condition_index + 25 * sin(i) AS resolved
      FROM cells CROSS JOIN range(${instances}) r(i)`);
  });
  const runs = conditions.length * samples.length * seeds;
  return { experimentFile, storeFile, runs, instanceRows: runs * instances };
}
