import type { DatasetCard } from "@sera/training";
import { UsageError } from "../errors.js";
import { formatTable } from "../table.js";
import { queryRows, readStore, resolveStore } from "../store.js";
import { defineCommand } from "../command.js";
import { storeOptions } from "../options.js";

/** `sera dataset stats <run id>`: the dataset card's figures, read from the store. */

const figure = (value: number | null): string => (value === null ? "–" : Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1));

function bar(count: number, peak: number): string {
  return "█".repeat(Math.round((count / Math.max(1, peak)) * 30));
}

function binRows(bins: DatasetCard["tokens"]["keptHistogram"]): Record<string, unknown>[] {
  const peak = Math.max(0, ...bins.map((bin) => bin.count));
  return bins.map((bin) => ({
    range: bin.to === null ? `≥ ${bin.from}` : bin.to === bin.from ? `= ${bin.from}` : `${bin.from} – ${bin.to}`,
    samples: bin.count,
    "": bar(bin.count, peak),
  }));
}

export async function printDatasetStats(storeFile: string, id: string, json: boolean): Promise<void> {
  const card = await readStore(storeFile, async (store) => {
    const hasTable = (await queryRows(store, "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'datasets'"))[0].n === 1;
    const matches = hasTable ? await queryRows(store, "SELECT run_id, card FROM datasets WHERE run_id LIKE ? ORDER BY run_id", [`${id}%`]) : [];
    if (matches.length === 0) throw new UsageError(`${id}: no dataset run with this id (or id prefix) in ${storeFile}`);
    if (matches.length > 1) throw new UsageError(`${id}: ambiguous id prefix; it matches ${matches.map((m) => m.run_id).join(", ")}`);
    const raw = matches[0].card;
    return (typeof raw === "string" ? JSON.parse(raw) : raw) as DatasetCard;
  });
  if (json) {
    process.stdout.write(JSON.stringify(card, null, 2) + "\n");
    return;
  }
  const counts = [
    ...Object.entries(card.counts.considered).map(([phase, n]) => ({ what: `rollouts considered (${phase})`, samples: n })),
    { what: "candidates after selection and record filters", samples: card.counts.candidates },
    { what: "fitted to the token budget", samples: card.counts.fitted },
    { what: "in the dataset", samples: card.counts.samples },
    ...Object.entries(card.counts.samplesByPhase).map(([phase, n]) => ({ what: `  of them ${phase}`, samples: n })),
    { what: "truncated", samples: card.truncation.truncated },
    ...card.counts.subsets.map((subset) => ({ what: `nested subset ${subset.size}`, samples: subset.samples })),
  ];
  const sources = card.lineage.sources.map((source) => ({
    source: source.runId,
    kind: source.kind,
    repos: source.repos.join(", "),
    commits: source.commits.map((c) => c.slice(0, 10)).join(", "),
    teacher: source.teacher ?? "",
    rollouts: source.rollouts,
  }));
  const ratio = card.truncation.ratio;
  const out = [
    `dataset ${card.runId} (${card.experiment}/${card.stage}): ${card.format}, budget ${card.tokens.budget} tokens, ratio floor ${card.truncation.ratioFloor}${card.truncation.topN !== null ? `, top ${card.truncation.topN}` : ""}`,
    "",
    formatTable(counts),
    "",
    "drops:",
    card.drops.length ? formatTable(card.drops) : "(none)",
    "",
    `tokens kept per sample: mean ${figure(card.tokens.kept.mean)}, median ${figure(card.tokens.kept.p50)}, max ${figure(card.tokens.kept.max)}`,
    formatTable(binRows(card.tokens.keptHistogram)),
    "",
    `truncation ratio of fitted samples: mean ${figure(ratio.mean)}, p10 ${figure(ratio.p10)}, median ${figure(ratio.p50)}`,
    formatTable(binRows(card.truncation.ratioHistogram)),
    "",
    "sources:",
    formatTable(sources),
    "",
    "files:",
    formatTable(card.files.map((file) => ({ path: file.path, rows: file.rows, bytes: file.bytes }))),
    "",
    `export: ${card.outputMB.toFixed(2)} MB in ${card.exportSeconds.toFixed(2)} s (render, Qwen3 token counts, truncation)`,
  ];
  process.stdout.write(out.join("\n") + "\n");
}

export async function datasetStatsCommand(args: { id: string; store?: string; experiment?: string; json?: boolean }): Promise<number> {
  const { file } = resolveStore(args);
  await printDatasetStats(file, args.id, Boolean(args.json));
  return 0;
}

export const datasetStatsCli = defineCommand(
  "stats <id>",
  "a dataset's card: counts, drops per filter, token and truncation-ratio histograms, lineage, files",
  (y) => y.positional("id", { type: "string", demandOption: true }).options(storeOptions).option("json", { type: "boolean" }),
  (a) => datasetStatsCommand({ id: a.id, store: a.store, experiment: a.experiment, json: a.json }),
);
