import { defineTypeScriptStage, registerStage } from "@sera/core";
import { paperTableParamsSchema, publishedRun, type PaperTableParams } from "./published-runs.js";

/**
 * `kind: paper-table` — replays one published seed of the SERA paper as a run: it prints the
 * score as a metric and the cost lines as ledger entries, so `experiments/sera-paper.yaml`
 * lands in runs, run_metrics and cost_ledger like any measured sweep.
 */
export const paperTableStage = defineTypeScriptStage<PaperTableParams>({
  kind: "paper-table",
  version: 1,
  summary: "replay a published seed of the SERA paper (Table 11 scaling points with costs, truncation-ratio seeds)",
  params: paperTableParamsSchema,
  module: import.meta.url,
  async execute(run) {
    const published = publishedRun(run.params, run.seed);
    run.emit(published.metrics);
    for (const line of published.cost) run.emit({ cost: line });
  },
});

registerStage(paperTableStage);
