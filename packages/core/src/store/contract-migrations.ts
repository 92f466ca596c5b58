import { checkpointsTable, datasetDropsTable, datasetTables, foreignTables, foreignTrajectoriesTable, samplesTable } from "../contract/training-records.js";
import { evaluationTables } from "../contract/evaluation-records.js";
import { generationTables, instancesTable, modelCallsTable, patchesTable, rolloutsTable, verificationsTable } from "../contract/generation-records.js";
import { coreTables } from "../contract/run-records.js";
import { renameColumnIfPresent, type Migration } from "./migration.js";

/**
 * The schema steps of every table in the data contract, numbered per component. Every writable
 * open of a store applies them all, whichever stage packages the command loaded, so a store has
 * the same tables whether its first run was a plain command or a generation sweep. Component
 * names and versions are recorded in stores and never change.
 */

export const coreMigrations: Migration[] = [
  {
    component: "core",
    version: 1,
    name: "spine tables",
    sql: coreTables.map((table) => table.ddl),
  },
  // Stores made before: their metrics' provenance is unknown (null).
  { component: "core", version: 2, name: "run_metrics.provenance", sql: ["ALTER TABLE run_metrics ADD COLUMN IF NOT EXISTS provenance VARCHAR"] },
  // Stores made before: their cost lines' provenance is unknown (null).
  { component: "core", version: 3, name: "cost_ledger.provenance", sql: ["ALTER TABLE cost_ledger ADD COLUMN IF NOT EXISTS provenance VARCHAR"] },
];

export const generationMigrations: Migration[] = [
  { component: "generation", version: 1, name: "generation records", sql: generationTables.map((t) => t.ddl) },
  {
    component: "generation",
    version: 2,
    name: "model_calls.rollout_attempt; provenance columns",
    // Stores made before: their model_calls.attempt held the rollout attempt; their provenance is unknown (null).
    sql: [instancesTable, rolloutsTable, modelCallsTable, verificationsTable].map((t) => `ALTER TABLE ${t.name} ADD COLUMN IF NOT EXISTS provenance VARCHAR`),
    apply: (connection) => renameColumnIfPresent(connection, modelCallsTable.name, "attempt", "rollout_attempt"),
  },
  {
    component: "generation",
    version: 3,
    name: "rollouts and patches: attempt → rollout_attempt",
    sql: [],
    apply: async (connection) => {
      for (const t of [rolloutsTable, patchesTable]) await renameColumnIfPresent(connection, t.name, "attempt", "rollout_attempt");
    },
  },
];

export const trainingMigrations: Migration[] = [
  { component: "training", version: 1, name: "datasets and foreign trajectories", sql: [...datasetTables, ...foreignTables].map((table) => table.ddl) },
  {
    component: "training",
    version: 2,
    name: "attempt → rollout_attempt; dataset_drops.stage → filter_step",
    sql: [],
    apply: async (connection) => {
      for (const table of [samplesTable, datasetDropsTable, foreignTrajectoriesTable])
        await renameColumnIfPresent(connection, table.name, "attempt", "rollout_attempt");
      await renameColumnIfPresent(connection, datasetDropsTable.name, "stage", "filter_step");
    },
  },
  {
    component: "training",
    version: 3,
    name: "samples.mix_quota, samples.mix_source",
    sql: ["ALTER TABLE samples ADD COLUMN IF NOT EXISTS mix_quota VARCHAR", "ALTER TABLE samples ADD COLUMN IF NOT EXISTS mix_source VARCHAR"],
  },
];

export const trainingRunMigrations: Migration[] = [{ component: "training-runs", version: 1, name: "checkpoints", sql: [checkpointsTable.ddl] }];

export const evaluationMigrations: Migration[] = [
  { component: "evaluation", version: 1, name: "evaluation records", sql: evaluationTables.map((t) => t.ddl) },
  // Stores made before provenance was kept: their rows' provenance is unknown (null).
  {
    component: "evaluation",
    version: 2,
    name: "provenance columns",
    sql: evaluationTables.map((t) => `ALTER TABLE ${t.name} ADD COLUMN IF NOT EXISTS provenance VARCHAR`),
  },
];

export const contractMigrations: readonly Migration[] = [
  ...coreMigrations,
  ...generationMigrations,
  ...trainingMigrations,
  ...trainingRunMigrations,
  ...evaluationMigrations,
];
