import type { ReportConfig } from "@sera/core";
import { checkTable11Costs, reproduceTable15, type Table11CostRow, type Table15Cell } from "../paper/reproduction-tables.js";
import { analyseComparison, type CompareSection } from "./compare-section.js";
import { analyseFit, type FitSection } from "./fit-section.js";
import { analyseInstances, type InstanceSection } from "./instance-section.js";
import { compareQueryName, COST_BY_FIT_QUERY, fitQueryName, INSTANCE_QUERIES, type ReportQuery, type Row } from "./queries.js";
import { fillNotes, noteFigures } from "./note-figures.js";
import { planSeedSection, type SeedSection } from "./seed-section.js";

export interface PaperTables {
  table15: { row: string; cells: Table15Cell[] }[];
  table11: { fit: string; pricing: "vllm" | "zai"; rows: Table11CostRow[] }[];
}

/** Everything a report shows, computed from the query results; charts, Markdown and HTML read only this. */
export interface ReportModel {
  experiment: { name: string; file: string; description: string | null; store: string };
  title: string;
  metric: string;
  runs: { total: number; succeeded: number; unfinished: number; failed: number };
  /** costByFit: dollars per cost fit (alternative pricings of the same work), empty without a cost fit. */
  overview: { status: Row[]; metrics: Row[]; cost: Row[]; costByFit: Row[] };
  fits: FitSection[];
  compares: CompareSection[];
  instances: InstanceSection | null;
  seeds: SeedSection | null;
  paper: PaperTables | null;
  /** The experiment file's notes with their {{figure}} placeholders filled (note-figures.ts). */
  notes: string[];
  queries: ReportQuery[];
  /** Set when rows of this experiment came from sera's stand-ins (core's `standInBanner`); absent otherwise. */
  standInBanner?: string;
}

export interface ModelInput {
  experiment: ReportModel["experiment"];
  report: ReportConfig | undefined;
  queries: ReportQuery[];
  tables: Map<string, Row[]>;
}

/** Defaults when an experiment file has no `report:` section: the overview tables only. */
const EMPTY_REPORT: ReportConfig = {
  metric: "resolve_rate",
  fits: [],
  baselines: [],
  compare: [],
  noise: { threshold: 2 },
  paperTables: false,
  notes: [],
};

function runCounts(status: readonly Row[]): ReportModel["runs"] {
  const counts = { total: 0, succeeded: 0, unfinished: 0, failed: 0 };
  for (const row of status) {
    const runs = Number(row.runs);
    counts.total += runs;
    if (row.status === "succeeded") counts.succeeded += runs;
    else if (["queued", "submitted", "running"].includes(String(row.status))) counts.unfinished += runs;
    else counts.failed += runs;
  }
  return counts;
}

function paperTables(configs: ReportConfig["fits"], fits: readonly FitSection[]): PaperTables {
  const table11 = fits.flatMap((fit, i) => {
    const pricing = fit.isCost ? pricingOf(configs[i].where) : null;
    if (pricing === null) return [];
    const cells = fit.cells.flatMap((cell) => {
      const samples = (JSON.parse(cell.cell) as { samples?: unknown }).samples;
      return typeof samples === "number" ? [{ samples, usd: cell.x }] : [];
    });
    return [{ fit: fit.name, pricing, rows: checkTable11Costs(cells, pricing) }];
  });
  return { table15: reproduceTable15(), table11 };
}

export function buildReportModel(input: ModelInput): ReportModel {
  const report = input.report ?? EMPTY_REPORT;
  const rows = (name: string) => input.tables.get(name) ?? [];
  const fits = report.fits.map((fit) => analyseFit(fit, report, rows(fitQueryName(fit.name))));
  const compares = report.compare.map((compare) => analyseComparison(compare, report, rows(compareQueryName(compare.name))));
  const instances = report.instances ? analyseInstances(report.instances, rows(INSTANCE_QUERIES.repositories), rows(INSTANCE_QUERIES.means)) : null;
  // Several sections may read the same runs (e.g. one sweep fitted against samples and against
  // cost); each set of runs counts once towards the typical SD.
  const sdByRuns = new Map<string, number>();
  for (const group of [...fits.flatMap((fit) => fit.cells), ...compares.flatMap((compare) => compare.conditions)]) {
    if (group.sd !== null) sdByRuns.set([...group.runIds].sort().join(","), group.sd);
  }
  const conditionSds = [...sdByRuns.values()];
  const status = rows("runs_by_status");
  const seeds = planSeedSection(report, conditionSds);
  const costByFit = rows(COST_BY_FIT_QUERY);
  // Notes quote computed figures by name, so the prose cannot drift from the tables.
  const notes = fillNotes(report.notes, noteFigures({ fits, compares, seeds, costByFit }), input.experiment.file);
  return {
    experiment: input.experiment,
    title: report.title ?? `${input.experiment.name}: report`,
    metric: report.metric,
    runs: runCounts(status),
    overview: { status, metrics: rows("metrics_by_stage"), cost: rows("cost_by_kind"), costByFit },
    fits,
    compares,
    instances,
    seeds,
    paper: report.paperTables ? paperTables(report.fits, fits) : null,
    notes,
    queries: input.queries,
  };
}

function pricingOf(where: Record<string, unknown>): "vllm" | "zai" | null {
  return where.pricing === "vllm" || where.pricing === "zai" ? where.pricing : null;
}
