import type { Block } from "./blocks.js";
import { fitBlocks } from "./fit-blocks.js";
import type { ReportModel } from "./model.js";
import { compareBlocks, costSummaryText, instanceBlocks, paperBlocks, rowsTable, seedBlocks } from "./section-blocks.js";

function headerBlocks(model: ReportModel): Block[] {
  const { runs, experiment } = model;
  const blocks: Block[] = [{ kind: "heading", level: 1, text: model.title }];
  // First, before any figure: stand-in numbers must not be read as a model's results.
  if (model.standInBanner) blocks.push({ kind: "callout", tone: "warning", text: model.standInBanner });
  if (experiment.description) blocks.push({ kind: "paragraph", text: experiment.description });
  blocks.push({
    kind: "paragraph",
    text: `Experiment \`${experiment.name}\` (\`${experiment.file}\`), store \`${experiment.store}\`: ${runs.total} run(s), ${runs.succeeded} succeeded, ${runs.unfinished} unfinished, ${runs.failed} failed or skipped. Only succeeded runs enter the tables and figures; y is the metric \`${model.metric}\` unless a section names another.`,
  });
  if (runs.total === 0) {
    blocks.push({ kind: "callout", tone: "warning", text: "The store has no runs of this experiment yet: run it with `sera run` first." });
  } else if (runs.unfinished > 0) {
    blocks.push({
      kind: "callout",
      tone: "warning",
      text: `Partial results: ${runs.unfinished} run(s) were still queued or running when this report was made. Run \`sera report\` again when the sweep finishes.`,
    });
  }
  return blocks;
}

function overviewBlocks(model: ReportModel): Block[] {
  return [
    { kind: "heading", level: 2, text: "Runs, metrics and cost", id: "overview" },
    { kind: "paragraph", text: "Runs per stage and status (`sql/runs_by_status.sql`):" },
    rowsTable(model.overview.status),
    { kind: "paragraph", text: "Metrics of succeeded runs, last value of the latest attempt (`sql/metrics_by_stage.sql`):" },
    rowsTable(model.overview.metrics),
    {
      kind: "paragraph",
      text: `Cost ledger per stage and kind, all attempts (\`sql/cost_by_kind.sql\`). ${costSummaryText(model.overview.cost, model.overview.costByFit, model.fits)}`,
    },
    rowsTable(model.overview.cost),
  ];
}

function queryBlocks(model: ReportModel): Block[] {
  return [
    { kind: "heading", level: 2, text: "Queries", id: "queries" },
    {
      kind: "paragraph",
      text: 'Every table and figure comes from these queries against the run store; each file runs as it is (`sera query "$(cat sql/<name>.sql)" --store <store>`), and its result is saved as Parquet. Fits, intervals and tests are computed by sera from those rows and saved beside them.',
    },
    {
      kind: "table",
      columns: ["query", "what", "SQL", "data"],
      rows: model.queries.map((query) => [query.name, query.title, `\`sql/${query.name}.sql\``, `\`data/${query.name}.parquet\``]),
    },
  ];
}

/** The whole report, in reading order. */
export function reportBlocks(model: ReportModel): Block[] {
  const blocks: Block[] = headerBlocks(model);
  if (model.notes.length > 0) {
    blocks.push({ kind: "heading", level: 2, text: "Notes", id: "notes" });
    for (const note of model.notes) blocks.push({ kind: "paragraph", text: note });
  }
  for (const fit of model.fits) blocks.push(...fitBlocks(fit));
  for (const compare of model.compares) blocks.push(...compareBlocks(compare));
  if (model.instances) blocks.push(...instanceBlocks(model.instances));
  if (model.seeds) blocks.push(...seedBlocks(model.seeds));
  if (model.paper) blocks.push(...paperBlocks(model.paper));
  blocks.push(...overviewBlocks(model), ...queryBlocks(model));
  return blocks;
}
