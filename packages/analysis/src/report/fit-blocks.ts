import { sensitivityChartSpec } from "../charts/sensitivity-chart.js";
import type { FitSection } from "./fit-section.js";
import { fitQueryName } from "./queries.js";
import { settledVariants } from "./sensitivity.js";
import { COST_ATTRIBUTION } from "./sql.js";
import { fixed, interval, precise, usd, type Block } from "./blocks.js";

function xText(section: FitSection, value: number | null): string {
  if (value === null) return "—";
  return section.isCost ? usd(value, value < 100 ? 2 : 0) : precise(value, 5);
}

function fitSummary(section: FitSection): Block[] {
  const fit = section.fit;
  if (!fit) return [];
  const intervals = section.bootstrap?.parameters ?? {};
  const level = section.bootstrap ? `${Math.round(section.bootstrap.level * 100)}% interval` : "interval";
  const rows: string[][] = [];
  if (fit.model === "power-law") {
    for (const name of ["a", "b", "c"] as const) {
      const fixedHere = name === "c" && fit.fixedC !== null;
      const range = intervals[name];
      rows.push([name, precise(fit.params[name], 5), fixedHere ? "fixed" : range ? interval(range.lower, range.upper, (v) => precise(v, 4)) : "—"]);
    }
  } else {
    rows.push(["α", precise(fit.params.alpha, 5), intervals.alpha ? interval(intervals.alpha.lower, intervals.alpha.upper, (v) => precise(v, 4)) : "—"]);
    rows.push(["β", precise(fit.params.beta, 5), intervals.beta ? interval(intervals.beta.lower, intervals.beta.upper, (v) => precise(v, 4)) : "—"]);
  }
  const form = fit.model === "power-law" ? "y = c − a·x^(−b)" : "y = α + β·ln x";
  const scale = section.xScale === 1 ? "" : ` (x fitted as value × ${section.xScale}${section.isCost && section.xScale === 0.001 ? ", i.e. in $K" : ""})`;
  const boot = section.bootstrap
    ? `${section.bootstrap.succeeded} of ${section.bootstrap.requested} bootstrap refits (${section.bootstrap.scheme === "seeds" ? "seeds resampled within each point" : "points resampled"})`
    : "no bootstrap";
  return [
    {
      kind: "paragraph",
      text: `${form} fitted by ${fit.model === "power-law" ? `nonlinear least squares (${fit.loss.kind === "huber" ? `Huber loss, δ = ${fit.loss.delta}` : "squared loss"})` : "least squares on ln x"} to the means of ${section.cells.length} points${scale}: **R² = ${fixed(fit.rSquared, 3)}, MAE = ${fixed(fit.mae, 2)}**, ${boot}.`,
    },
    // A cost axis is only as honest as its attribution, so the report says how dollars were charged.
    ...(section.isCost ? [{ kind: "paragraph" as const, text: `Cost attribution: ${COST_ATTRIBUTION}` }] : []),
    { kind: "table", columns: ["parameter", "estimate", level], rows, numeric: [false, true, true] },
  ];
}

function pointsTable(section: FitSection): Block {
  const fitted = new Map((section.fit?.fitted ?? []).map((value, i) => [i, value]));
  return {
    kind: "table",
    columns: [section.xLabel, "seeds", "mean", "SD", "fitted", "residual"],
    rows: section.cells.map((cell, i) => {
      const value = fitted.get(i);
      return [
        xText(section, cell.x),
        cell.seeds.map((seed) => fixed(seed, 2)).join(" / "),
        fixed(cell.mean, 2),
        fixed(cell.sd, 2),
        fixed(value, 2),
        value === undefined ? "—" : fixed(cell.mean - value, 2),
      ];
    }),
    numeric: [true, true, true, true, true, true],
  };
}

function reachBlocks(section: FitSection): Block[] {
  const blocks: Block[] = [];
  if (section.predictions.length > 0) {
    blocks.push({ kind: "paragraph", text: "Predicted by the fit:" });
    blocks.push({
      kind: "table",
      columns: [section.xLabel, `predicted ${section.metric}`, "band", "extrapolated"],
      rows: section.predictions.map((point) => [
        xText(section, point.x),
        fixed(point.estimate, 2),
        interval(point.lower, point.upper, (v) => fixed(v, 2)),
        point.extrapolated ? "yes" : "no",
      ]),
      numeric: [true, true, true, false],
    });
  }
  if (section.reach.length > 0 && !section.isCost) {
    blocks.push({ kind: "paragraph", text: `Where the curve reaches each baseline's score (${section.xLabel}):` });
    blocks.push({
      kind: "table",
      columns: ["baseline", "score", section.xLabel, "interval", "extrapolated"],
      rows: section.reach.map((reach) => [
        reach.baseline.label,
        fixed(reach.baseline.score, 1),
        xText(section, reach.x),
        interval(reach.lower, reach.upper, (v) => xText(section, v)),
        reach.extrapolated ? "yes" : "no",
      ]),
      numeric: [false, true, true, true, false],
    });
  }
  return blocks;
}

function equalPerformanceBlocks(section: FitSection): Block[] {
  if (section.comparisons.length === 0) return [];
  const blocks: Block[] = [
    {
      kind: "table",
      columns: [
        "baseline",
        "score",
        "baseline cost",
        "ours (fit)",
        "interval",
        "× cheaper (fit)",
        "interval",
        "ours (published)",
        "× (published)",
        "baseline ÷ published $",
        "published $ inside interval",
      ],
      rows: section.comparisons.map((comparison) => {
        const result = comparison.result;
        return [
          comparison.baseline.label,
          fixed(comparison.baseline.score, 1),
          usd(result.baselineUsd),
          usd(result.ourUsd),
          interval(result.ourUsdInterval?.lower, result.ourUsdInterval?.upper, (v) => usd(v)),
          fixed(result.ratio, 1),
          interval(result.ratioInterval?.lower, result.ratioInterval?.upper, (v) => fixed(v, 1)),
          usd(comparison.publishedUsd),
          comparison.publishedRatio === null ? "—" : `${comparison.publishedRatio}`,
          fixed(comparison.ratioOfPublishedUsd, 1),
          comparison.publishedInsideInterval === null ? "—" : comparison.publishedInsideInterval ? "yes" : "no",
        ];
      }),
      numeric: [false, true, true, true, true, true, true, true, true, true, false],
    },
  ];
  // A baseline's own note says more than the generic GPU-hours reminder, so it replaces it.
  const notes = section.comparisons.flatMap((comparison) =>
    comparison.result.notes
      .filter((note) => !(comparison.baseline.note && note.startsWith("the baseline counts GPU-hours")))
      .map((note) => `${comparison.baseline.label}: ${note}`),
  );
  const baselineNotes = section.comparisons.flatMap((comparison) =>
    comparison.baseline.note ? [`${comparison.baseline.label}: ${comparison.baseline.note}`] : [],
  );
  if (notes.length + baselineNotes.length > 0) blocks.push({ kind: "list", items: [...baselineNotes, ...notes] });
  const implied = section.implied;
  if (implied) {
    const [first, second] = implied.from;
    blocks.push({
      kind: "paragraph",
      text:
        `**Published versus refit.** The published figures ${usd(first.usd)} at ${first.score} and ${usd(second.usd)} at ${second.score} lie on a curve with the same c only if ` +
        `a = ${precise(implied.a, 4)} and b = ${precise(implied.b, 4)} (b between ${precise(implied.bRange[0], 4)} and ${precise(implied.bRange[1], 4)} given that the dollars are rounded), ` +
        `whereas least squares on the measured points gives b = ${precise((section.fit?.params as { b?: number }).b ?? NaN, 4)}. ` +
        `That implied curve has a squared error of ${fixed(implied.sse, 3)} on the fitted means against ${fixed(implied.optimumSse, 3)} at the optimum, so it is not the least-squares fit of these points; ` +
        `this report shows both rather than adjusting either.`,
    });
  }
  return blocks;
}

/** What a variant's fit warnings say in its table row; warnings every variant shares (c fixed, far from saturation) are left out. */
const variantNotes: Partial<Record<string, string>> = {
  "not-converged": "did not converge",
  "asymptote-not-identified": "c not identified",
  "parameter-at-bound": "a parameter at its bound",
  "too-few-points": "too few points",
};

function sensitivityBlocks(section: FitSection): Block[] {
  const variants = section.sensitivity;
  if (variants.length < 2) return [];
  const baselines = variants[0].reads.map((read) => read.baseline);
  const predicted = variants[0].predictions.map((prediction) => prediction.x);
  const columns = ["fit", "R²", "MAE", ...predicted.map((x) => `${section.metric} at ${xText(section, x)}`)];
  const numeric = [false, true, true, ...predicted.map(() => true)];
  for (const baseline of baselines) {
    columns.push(`${section.isCost ? "$" : section.xLabel} at ${baseline.label} (${fixed(baseline.score, 1)})`);
    numeric.push(true);
    if (section.isCost) {
      columns.push(`× vs ${baseline.label}`);
      numeric.push(true);
    }
  }
  columns.push("notes");
  numeric.push(false);
  const rows = variants.map((variant) => {
    const cells = [variant.configured ? `**${variant.label}**` : variant.label, fixed(variant.fit?.rSquared, 3), fixed(variant.fit?.mae, 2)];
    for (const [i] of predicted.entries()) cells.push(fixed(variant.predictions[i]?.y, 2));
    for (const [i] of baselines.entries()) {
      const read = variant.reads[i];
      cells.push(xText(section, read?.x ?? null));
      if (section.isCost) cells.push(fixed(read?.ratio, 1));
    }
    const warnings = (variant.fit?.warnings ?? []).flatMap((w) => (variantNotes[w.code] ? [variantNotes[w.code]] : []));
    cells.push(variant.error ? `not fitted: ${variant.error}` : warnings.join(", ") || "");
    return cells;
  });
  const blocks: Block[] = [
    { kind: "heading", level: 3, text: "Sensitivity to modelling choices" },
    ...(sensitivityChartSpec(section)
      ? [
          {
            kind: "chart" as const,
            id: `sensitivity-${section.name}`,
            title: `${section.title}: sensitivity to modelling choices`,
            caption:
              "Where each refit reaches each baseline's score; the shaded band is the configured fit's bootstrap interval, a dashed line the published figure where there is one.",
          },
        ]
      : []),
    {
      kind: "paragraph",
      text: "The same points refitted with one choice changed at a time; the first row is the fit above. A headline that moves more across these rows than its bootstrap interval is wide leans on the modelling choice more than on the data.",
    },
    { kind: "table", columns, rows, numeric },
  ];
  const settled = settledVariants(variants);
  const spans = baselines.flatMap((baseline, i) => {
    const xs = settled.flatMap((variant) => (typeof variant.reads[i]?.x === "number" ? [variant.reads[i].x as number] : []));
    return xs.length < 2 ? [] : [`${baseline.label}: ${xText(section, Math.min(...xs))} to ${xText(section, Math.max(...xs))}`];
  });
  for (const [i, x] of predicted.entries()) {
    const ys = settled.flatMap((variant) => (typeof variant.predictions[i]?.y === "number" ? [variant.predictions[i].y] : []));
    if (ys.length >= 2) spans.push(`${section.metric} at ${xText(section, x)}: ${fixed(Math.min(...ys), 2)} to ${fixed(Math.max(...ys), 2)}`);
  }
  if (spans.length > 0) blocks.push({ kind: "paragraph", text: `Range across the fits that converged with an identified curve: ${spans.join("; ")}.` });
  return blocks;
}

export function fitBlocks(section: FitSection): Block[] {
  const query = fitQueryName(section.name);
  const blocks: Block[] = [{ kind: "heading", level: 2, text: `Scaling: ${section.title}`, id: `fit-${section.name}` }];
  if (section.fit) {
    blocks.push({
      kind: "chart",
      id: `scaling-${section.name}`,
      title: section.title,
      caption: `Seeds as points, their means as diamonds, the fit (dashed where it extrapolates) with its bootstrap band${section.reach.length > 0 ? ", baselines as dotted lines at their scores and crosses where the curve reaches them" : ""}.`,
    });
  }
  blocks.push(...fitSummary(section), pointsTable(section), ...reachBlocks(section));
  if (section.comparisons.length > 0) {
    blocks.push({ kind: "heading", level: 3, text: "Cost at equal performance" });
    blocks.push({
      kind: "chart",
      id: `cost-${section.name}`,
      title: `${section.title}: cost at equal performance`,
      caption: "Dollars to reach each baseline's score: the baseline, ours read off the fit (with its interval) and ours as published.",
    });
    blocks.push(...equalPerformanceBlocks(section));
  }
  blocks.push(...sensitivityBlocks(section));
  if (section.problems.length > 0) {
    blocks.push(
      { kind: "paragraph", text: "Fit diagnostics:" },
      { kind: "list", items: section.problems.map((problem) => problem.charAt(0).toUpperCase() + problem.slice(1)) },
    );
  }
  blocks.push({
    kind: "paragraph",
    text: `Data: \`data/${query}.parquet\` from \`sql/${query}.sql\`; fitted curve and band: \`data/fit_${section.name}_curve.parquet\`.`,
  });
  return blocks;
}
