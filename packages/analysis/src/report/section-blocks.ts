import { significanceMark } from "../charts/ablation-chart.js";
import { TABLE15_COLUMNS, type Table15Cell } from "../paper/reproduction-tables.js";
import type { CompareSection } from "./compare-section.js";
import type { InstanceSection } from "./instance-section.js";
import type { PaperTables } from "./model.js";
import { compareQueryName, INSTANCE_QUERIES, type Row } from "./queries.js";
import type { SeedSection } from "./seed-section.js";
import { fixed, pValue, precise, usd, type Block } from "./blocks.js";

export function compareBlocks(section: CompareSection): Block[] {
  const query = compareQueryName(section.name);
  const blocks: Block[] = [{ kind: "heading", level: 2, text: `Comparison: ${section.title}`, id: `compare-${section.name}` }];
  if (section.conditions.length > 0) {
    blocks.push({
      kind: "chart",
      id: `ablation-${section.name}`,
      title: section.title,
      caption: "Every seed, the mean ± 1 SD per condition, the reference's noise band, and Δ / SNR / verdict against the reference.",
    });
  }
  blocks.push({
    kind: "table",
    columns: [section.by, "n", "mean", "SD", "seeds"],
    rows: section.conditions.map((condition) => [
      condition.label + (condition.label === section.reference ? " (reference)" : ""),
      String(condition.n),
      fixed(condition.mean, 2),
      fixed(condition.sd, 2),
      condition.values.map((value) => fixed(value, 2)).join(" / "),
    ]),
    numeric: [false, true, true, true, true],
  });
  if (section.contrasts.length > 0) {
    blocks.push({
      kind: "table",
      columns: ["condition", "Δ vs reference", "SD used", "SNR", "verdict", "within noise", "Welch t", "df", "p"],
      rows: section.contrasts.map((contrast) => [
        contrast.label,
        fixed(contrast.delta, 2),
        contrast.noiseSd === null ? "—" : `${fixed(contrast.noiseSd, 2)} (${contrast.noiseSource})`,
        fixed(contrast.snr, 2),
        significanceMark(contrast),
        contrast.withinNoise === null ? "—" : contrast.withinNoise ? "**yes**" : "no",
        fixed(contrast.welch?.t, 2),
        fixed(contrast.welch?.df, 1),
        pValue(contrast.welch?.p),
      ]),
      numeric: [false, true, true, true, false, false, true, true, true],
    });
    const flagged = section.contrasts.filter((contrast) => contrast.withinNoise);
    if (flagged.length > 0) {
      blocks.push({
        kind: "callout",
        tone: "warning",
        text: `Within noise (SNR ≤ ${section.threshold}): ${flagged.map((contrast) => `${section.by} = ${contrast.label} (Δ ${fixed(contrast.delta, 2)})`).join(", ")}. Treat these differences as preliminary; more seeds are needed to tell them apart.`,
      });
    }
  }
  const omnibus: string[] = [];
  if (section.anova)
    omnibus.push(
      `one-way ANOVA F(${section.anova.dfBetween}, ${section.anova.dfWithin}) = ${fixed(section.anova.f, 2)}, p = ${pValue(section.anova.p)}, η² = ${fixed(section.anova.etaSquared, 2)}`,
    );
  if (section.kruskal)
    omnibus.push(
      `Kruskal–Wallis H(${section.kruskal.df}) = ${fixed(section.kruskal.h, 2)}, p = ${pValue(section.kruskal.p)}, ε² = ${fixed(section.kruskal.epsilonSquared, 2)}`,
    );
  if (omnibus.length > 0) blocks.push({ kind: "paragraph", text: `Across all conditions: ${omnibus.join("; ")}.` });
  if (section.problems.length > 0) blocks.push({ kind: "callout", tone: "note", text: section.problems.join(" ") });
  blocks.push({ kind: "paragraph", text: `Data: \`data/${query}.parquet\` from \`sql/${query}.sql\`.` });
  return blocks;
}

export function instanceBlocks(section: InstanceSection): Block[] {
  const blocks: Block[] = [{ kind: "heading", level: 2, text: "Per repository", id: "repositories" }];
  if (section.repositories.length > 0)
    blocks.push({
      kind: "chart",
      id: "repositories",
      title: "Resolve rate per repository",
      caption: "Share of instances resolved per repository (averaged over seeds), one bar per condition.",
    });
  if (section.contrasts.length > 0) {
    blocks.push({
      kind: "paragraph",
      text: "Paired per-instance comparison against the reference: each instance's resolve fraction (over seeds) is paired across conditions and the difference is bootstrapped by resampling whole repositories, since instances of one repository are not independent.",
    });
    blocks.push({
      kind: "table",
      columns: ["condition", "rate", "reference rate", "Δ (pp)", "95% interval", "repositories", "instances", "unpaired", "within noise"],
      rows: section.contrasts.map((contrast) => [
        contrast.label,
        fixed(contrast.bootstrap.firstRate, 1),
        fixed(contrast.bootstrap.secondRate, 1),
        fixed(contrast.bootstrap.difference, 2),
        `[${fixed(contrast.bootstrap.lower, 2)}, ${fixed(contrast.bootstrap.upper, 2)}]`,
        String(contrast.bootstrap.repositories),
        String(contrast.bootstrap.instances),
        String(contrast.onlyInCondition + contrast.onlyInReference),
        contrast.withinNoise ? "**yes** (interval contains 0)" : "no",
      ]),
      numeric: [false, true, true, true, true, true, true, true, false],
    });
  }
  if (section.problems.length > 0) blocks.push({ kind: "callout", tone: "note", text: section.problems.join(" ") });
  blocks.push({
    kind: "paragraph",
    text: `Data: \`data/${INSTANCE_QUERIES.rows}.parquet\`, \`data/${INSTANCE_QUERIES.repositories}.parquet\` and \`data/${INSTANCE_QUERIES.means}.parquet\`, each from the SQL file of the same name.`,
  });
  return blocks;
}

export function seedBlocks(section: SeedSection): Block[] {
  const published = section.rows.some((row) => row.published !== null);
  const blocks: Block[] = [
    { kind: "heading", level: 2, text: "Seeds needed", id: "seeds" },
    {
      kind: "paragraph",
      text: `σ = ${fixed(section.sd, 2)} pp (${section.sdSource}). The SNR rule asks for SNR ≥ 2: n ≈ (2σ/δ)². The test column is a two-sided comparison at α = 0.05 with 80% power, seeds per condition. With 3 seeds per condition the smallest effect that test detects is ${fixed(section.detectableAtThree, 2)} pp.`,
    },
    {
      kind: "table",
      columns: ["effect δ (pp)", "(2σ/δ)²", "seeds (SNR rule)", "seeds (test)", ...(published ? ["published", "published verdict at n = 3"] : [])],
      rows: section.rows.map((row) => [
        fixed(row.effect, 1),
        fixed(row.snrRule, 1),
        String(row.snrRuleSeeds),
        String(row.testSeeds),
        ...(published ? [row.published === null ? "—" : `~${row.published}`, row.publishedVerdictAtThree ?? "—"] : []),
      ]),
      numeric: [true, true, true, true, ...(published ? [true, false] : [])],
    },
  ];
  if (section.publishedImpliedSd !== null) {
    blocks.push({
      kind: "paragraph",
      text: `The published counts state σ = 1.2 but follow the same rule only with σ ≈ ${fixed(section.publishedImpliedSd, 2)} (15 seeds at 1 pp), rounded up with a floor of 2; the computed columns use the σ above.`,
    });
  }
  return blocks;
}

function table15Cell(cell: Table15Cell): string {
  if (cell.computed === null && cell.printed === null) return "—";
  if (cell.input) return `${cell.computed === null ? "—" : cell.computed.toFixed(4)} (input)`;
  return `${cell.computed === null ? "—" : cell.computed.toFixed(4)}${cell.matches ? " ✓" : ` (printed ${cell.printed === null ? "—" : cell.printed.toFixed(4)})`}`;
}

export function paperBlocks(paper: PaperTables): Block[] {
  const blocks: Block[] = [
    { kind: "heading", level: 2, text: "Paper tables reproduced", id: "paper" },
    { kind: "heading", level: 3, text: "Table 15: cost per trajectory from Table 14's prices and the token profile" },
    {
      kind: "paragraph",
      text: "Each cell is tokens × price, rounded to four decimals as the table prints it; subtotals add the rounded cells. Token profile: 748,881 cached input, 24,327 new input and 7,673 output tokens per trajectory; training 0.028 H100-h at $2. ✓ marks a computed cell equal to the printed one. Cells marked (input) are figures the paper gives and the computation takes as they are — the self-hosted vLLM inference price per trajectory and SWE-smith's issue-creation step — so they reproduce nothing; the totals that include them check only the addition.",
    },
    {
      kind: "table",
      columns: ["component", ...TABLE15_COLUMNS.map((column) => column.label)],
      rows: paper.table15.map((row) => [row.row, ...row.cells.map((cell) => table15Cell(cell))]),
      numeric: [false, true, true, true, true],
    },
  ];
  for (const table of paper.table11) {
    blocks.push({
      kind: "heading",
      level: 3,
      text: `Table 11 cost column (${table.pricing === "vllm" ? "vLLM" : "z.ai"}), from the cost ledger of fit "${table.fit}"`,
    });
    blocks.push({
      kind: "paragraph",
      text:
        table.pricing === "vllm"
          ? "The ledger charges each trajectory Table 15's printed vLLM inference price ($0.1307, an input) plus the computed training cost, so a ✓ here checks Table 11's multiplication by the sample count, not the vLLM price."
          : "The ledger charges each trajectory Table 15's z.ai cells, computed from Table 14's prices and the token profile, plus the computed training cost; a ✓ means the ledger dollars round to the printed figure.",
    });
    blocks.push({
      kind: "table",
      columns: ["samples", "ledger $", "$ per trajectory", "printed", "matches"],
      rows: table.rows.map((row) => [
        row.samples.toLocaleString("en-US"),
        usd(row.ledgerUsd, 2),
        `$${row.perTrajectoryUsd.toFixed(4)}`,
        usd(row.printedUsd),
        row.matches ? "✓" : "✗",
      ]),
      numeric: [true, true, true, true, false],
    });
  }
  return blocks;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-US") : precise(value, 5);
  return String(value);
}

export function rowsTable(rows: readonly Row[]): Block {
  const columns = rows.length > 0 ? Object.keys(rows[0]) : ["(no rows yet)"];
  return {
    kind: "table",
    columns,
    rows: rows.map((row) => columns.map((column) => cell(row[column]))),
    numeric: columns.map((column) => rows.length > 0 && typeof rows[0][column] === "number"),
  };
}

/**
 * The overview's cost sentence. With cost fits, one total per fit: fits over the same runs priced
 * two ways are alternatives, and their sum is no one's cost. Without one, the experiment's ledger total.
 */
export function costSummaryText(cost: readonly Row[], costByFit: readonly Row[], fits: readonly { name: string; title: string }[]): string {
  if (costByFit.length === 0) {
    const total = cost.reduce((sum, row) => sum + (typeof row.usd === "number" ? row.usd : 0), 0);
    return `Total recorded cost: ${usd(total, 2)}.`;
  }
  const totals = costByFit.map((row) => {
    const fit = fits.find((candidate) => candidate.name === row.fit);
    return `${fit ? `"${fit.title}"` : String(row.fit)}: ${usd(typeof row.usd === "number" ? row.usd : 0, 2)} (${String(row.runs)} runs)`;
  });
  return `Recorded cost per cost fit, each over its runs and everything upstream of them (\`sql/cost_by_fit.sql\`): ${totals.join("; ")}. These price the same work in different ways, so they are alternatives and are not added together; the table below lists every ledger line of the experiment.`;
}
