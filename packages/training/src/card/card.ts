import type { DatasetParams } from "../build/params.js";
import type { FilterStep } from "../build/select.js";
import type { Bin, Distribution } from "./distribution.js";
import type { MixPart } from "../dataset/mix.js";
import type { SegmentCheck } from "../dataset/format/chatml-layout.js";

/**
 * The dataset card: what a dataset holds, what was removed and why, and where every sample came
 * from. Written as card.json (what `sera dataset stats` and the datasets table read) and as
 * README.md beside the shards, so the output folder can be published as it is.
 */

export interface SourceLineage {
  runId: string;
  outDir: string;
  /** generation or ingest. */
  kind: string;
  experiment: string | null;
  repos: string[];
  commits: string[];
  teacher: string | null;
  rollouts: number;
}

export interface CardFile {
  /** Relative to the run's output directory. */
  path: string;
  /** "all" or "subset-<size>". */
  subset: string;
  format: "jsonl" | "parquet";
  rows: number;
  bytes: number;
  sha256: string;
}

export interface DatasetCard {
  runId: string;
  experiment: string;
  stage: string;
  format: DatasetParams["format"];
  counts: {
    /** Rollouts of the selected phases, before any rule. */
    considered: Record<string, number>;
    /** Left after selection and the record filters; these were read and rendered. */
    candidates: number;
    /** Rendered and fitted to the budget, before the ratio floor. */
    fitted: number;
    samples: number;
    dropped: number;
    samplesByPhase: Record<string, number>;
    subsets: { size: number; samples: number }[];
    /** With `mix`: each quota's part (per source group under α), what it wanted and how many were eligible. */
    mix?: MixPart[];
  };
  drops: { step: FilterStep; reason: string; count: number }[];
  tokens: { budget: number; kept: Distribution; original: Distribution; keptHistogram: Bin[]; originalHistogram: Bin[] };
  /** The student chat template the texts and token counts follow, and how its layout was checked. */
  chatTemplate: SegmentCheck;
  truncation: { truncated: number; ratioFloor: number; topN: number | null; ratio: Distribution; ratioHistogram: Bin[] };
  lineage: { seraVersion: string; sources: SourceLineage[]; subsetSeed: number | null; params: DatasetParams };
  files: CardFile[];
  exportSeconds: number;
  outputMB: number;
}

/** The mix's parts: what each quota (and source group under α) took, drawn with the run's seed from what was eligible. */
function mixSection(card: DatasetCard): string[] {
  const parts = card.counts.mix;
  if (parts === undefined) return [];
  const sources = card.lineage.params.mix?.sources;
  return [
    "",
    "## Mix",
    "",
    sources === undefined
      ? "Per-phase quotas, each drawn exactly (seeded) from the samples past the ratio floor that pass its own filters."
      : `Per-quota draws with α = ${sources.alpha} from the repository-specific sources (${sources.specific.join(", ")}) and the rest from the others, exact and seeded.`,
    "",
    "| quota | source | drawn | eligible |",
    "|---|---|---:|---:|",
    ...parts.map((part) => `| ${part.quota} | ${part.source ?? "any"} | ${part.wanted} | ${part.eligible} |`),
  ];
}

function binLabel(bin: Bin): string {
  if (bin.to === null) return `≥ ${bin.from}`;
  if (bin.to === bin.from) return `= ${bin.from}`;
  return `${bin.from} – ${bin.to}`;
}

function barChart(bins: readonly Bin[]): string {
  const peak = Math.max(1, ...bins.map((bin) => bin.count));
  const width = Math.max(...bins.map((bin) => binLabel(bin).length));
  return bins.map((bin) => `${binLabel(bin).padEnd(width)} ${String(bin.count).padStart(6)} ${"█".repeat(Math.round((bin.count / peak) * 30))}`).join("\n");
}

const figure = (value: number | null): string => (value === null ? "–" : Number.isInteger(value) ? String(value) : value.toFixed(3));

function distributionRow(name: string, d: Distribution): string {
  return `| ${name} | ${d.count} | ${figure(d.min)} | ${figure(d.p10)} | ${figure(d.p50)} | ${figure(d.mean)} | ${figure(d.p90)} | ${figure(d.max)} |`;
}

export function renderCardMarkdown(card: DatasetCard): string {
  const subsets = card.counts.subsets;
  const configs = [
    { name: "all", files: card.files.filter((file) => file.subset === "all" && file.format === "parquet") },
    ...subsets.map((subset) => ({
      name: `subset-${subset.size}`,
      files: card.files.filter((file) => file.subset === `subset-${subset.size}` && file.format === "parquet"),
    })),
  ];
  const frontMatter = [
    "---",
    "configs:",
    ...configs.flatMap((config) => [`  - config_name: ${config.name}`, "    data_files:", ...config.files.map((file) => `      - ${file.path}`)]),
    "tags: [sera, swe-agent, sft]",
    "---",
  ];
  const lines = [
    ...frontMatter,
    "",
    `# SFT dataset ${card.runId}`,
    "",
    `Built by sera ${card.lineage.seraVersion} (stage \`${card.stage}\` of experiment \`${card.experiment}\`), format **${card.format}**,`,
    `token budget ${card.tokens.budget} (Qwen3 tokens of the text the student's chat template renders), truncation-ratio floor ${card.truncation.ratioFloor}${card.truncation.topN !== null ? `, at most ${card.truncation.topN} samples` : ""}.`,
    "",
    `Chat template: \`${card.chatTemplate.configPath}\` (${card.chatTemplate.mode === "qwen3-layout" ? `Qwen3 layout, checked against the template on ${card.chatTemplate.checkedSamples} samples` : `rendered by the template for every sample; it differs from Qwen3's layout from sample ${card.chatTemplate.firstMismatch}`}); \`rendered-preview.txt\` shows one sample as the trainer will see it.`,
    "",
    "## Counts",
    "",
    "| | samples |",
    "|---|---:|",
    ...Object.entries(card.counts.considered).map(([phase, count]) => `| rollouts considered (${phase}) | ${count} |`),
    `| candidates after selection and record filters | ${card.counts.candidates} |`,
    `| rendered and fitted to the budget | ${card.counts.fitted} |`,
    `| **in the dataset** | **${card.counts.samples}** |`,
    ...Object.entries(card.counts.samplesByPhase).map(([phase, count]) => `| … of them ${phase} | ${count} |`),
    `| truncated to the budget | ${card.truncation.truncated} |`,
    ...subsets.map((subset) => `| nested subset ${subset.size} | ${subset.samples} |`),
    ...mixSection(card),
    "",
    "## Drops",
    "",
    card.drops.length === 0
      ? "Nothing was dropped."
      : ["| step | reason | rollouts |", "|---|---|---:|", ...card.drops.map((drop) => `| ${drop.step} | ${drop.reason} | ${drop.count} |`)].join("\n"),
    "",
    "## Tokens and truncation",
    "",
    "| | n | min | p10 | median | mean | p90 | max |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    distributionRow("tokens kept per sample", card.tokens.kept),
    distributionRow("tokens before truncation", card.tokens.original),
    distributionRow("truncation ratio (fitted samples)", card.truncation.ratio),
    "",
    "Tokens kept per sample:",
    "",
    "```",
    barChart(card.tokens.keptHistogram),
    "```",
    "",
    "Tokens before truncation:",
    "",
    "```",
    barChart(card.tokens.originalHistogram),
    "```",
    "",
    "Truncation ratio (kept messages / all messages) of the fitted samples:",
    "",
    "```",
    barChart(card.truncation.ratioHistogram),
    "```",
    "",
    "## Files",
    "",
    "| file | rows | bytes | sha256 |",
    "|---|---:|---:|---|",
    ...card.files.map((file) => `| ${file.path} | ${file.rows} | ${file.bytes} | \`${file.sha256.slice(0, 16)}\` |`),
    "",
    "Each JSONL line holds `messages` (role, content" +
      (card.lineage.params.train ? ", train" : "") +
      ")" +
      (card.lineage.params.toolJson ? ", `instance_id` and `tool_json`" : " and `instance_id`") +
      ".",
    "For axolotl: `type: chat_template`, `chat_template: chatml`, `field_messages: messages`" +
      (card.lineage.params.train ? ", `message_field_training: train`" : "") +
      ".",
    "",
    "## Lineage",
    "",
    "| source run | kind | experiment | repositories | commits | teacher | rollouts |",
    "|---|---|---|---|---|---|---:|",
    ...card.lineage.sources.map(
      (source) =>
        `| ${source.runId} | ${source.kind} | ${source.experiment ?? "–"} | ${source.repos.join(", ") || "–"} | ${source.commits.map((c) => c.slice(0, 12)).join(", ") || "–"} | ${source.teacher ?? "–"} | ${source.rollouts} |`,
    ),
    "",
    card.lineage.subsetSeed !== null
      ? card.lineage.params.subsets.order === "truncation-ratio"
        ? `Nested subsets are the top N by truncation ratio (the paper's scaling sets); equal ratios are ordered by a hash seeded with ${card.lineage.subsetSeed}.`
        : `Nested subsets are prefixes of one random order seeded with ${card.lineage.subsetSeed}.`
      : "",
    "",
    "Parameters:",
    "",
    "```json",
    JSON.stringify(card.lineage.params, null, 2),
    "```",
    "",
  ];
  return lines.join("\n");
}
