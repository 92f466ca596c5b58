import { ConfigError } from "@sera/core";
import type { CompareSection } from "./compare-section.js";
import type { FitSection } from "./fit-section.js";
import type { Row } from "./queries.js";
import type { SeedSection } from "./seed-section.js";
import { settledVariants } from "./sensitivity.js";

/**
 * Figures a report computes, by name, for the experiment file's `notes:`. A note writes
 * `{{fit.vllm.reach.skyrl.usd}}` (or `{{…:1}}` for one decimal) where it states a computed
 * figure, so the prose always says what this build of the report computed; an unknown name
 * fails the build instead of printing a stale or invented number.
 */

export interface NoteFigure {
  value: number;
  kind: "usd" | "number";
  /** Decimals when the placeholder names none: what the report's own tables print. */
  digits: number;
}

export interface NoteFigureSources {
  fits: readonly FitSection[];
  compares: readonly CompareSection[];
  seeds: SeedSection | null;
  costByFit: readonly Row[];
}

function put(figures: Map<string, NoteFigure>, name: string, value: number | null | undefined, kind: NoteFigure["kind"], digits: number): void {
  if (typeof value === "number" && Number.isFinite(value)) figures.set(name, { value, kind, digits });
}

function fitFigures(figures: Map<string, NoteFigure>, fit: FitSection): void {
  const prefix = `fit.${fit.name}`;
  const xKind = fit.isCost ? "usd" : "number";
  if (fit.fit) {
    for (const [parameter, value] of Object.entries(fit.fit.params)) put(figures, `${prefix}.${parameter}`, value as number, "number", 4);
    put(figures, `${prefix}.rSquared`, fit.fit.rSquared, "number", 3);
    put(figures, `${prefix}.mae`, fit.fit.mae, "number", 2);
  }
  for (const comparison of fit.comparisons) {
    const reach = `${prefix}.reach.${comparison.baseline.id}`;
    put(figures, `${reach}.${xKind === "usd" ? "usd" : "x"}`, comparison.result.ourUsd, xKind, 0);
    put(figures, `${reach}.lower`, comparison.result.ourUsdInterval?.lower, xKind, 0);
    put(figures, `${reach}.upper`, comparison.result.ourUsdInterval?.upper, xKind, 0);
    put(figures, `${reach}.ratio`, comparison.result.ratio, "number", 1);
    put(figures, `${reach}.ratioLower`, comparison.result.ratioInterval?.lower, "number", 1);
    put(figures, `${reach}.ratioUpper`, comparison.result.ratioInterval?.upper, "number", 1);
    put(figures, `${reach}.ratioOfPublished`, comparison.ratioOfPublishedUsd, "number", 1);
  }
  // The same range the sensitivity section prints: refits that converged with an identified curve.
  const settled = settledVariants(fit.sensitivity);
  fit.comparisons.forEach((comparison, i) => {
    const xs = settled.flatMap((variant) => (typeof variant.reads[i]?.x === "number" ? [variant.reads[i].x as number] : []));
    const ratios = settled.flatMap((variant) => (typeof variant.reads[i]?.ratio === "number" ? [variant.reads[i].ratio as number] : []));
    const sensitivity = `${prefix}.sensitivity.${comparison.baseline.id}`;
    if (xs.length >= 2) {
      put(figures, `${sensitivity}.min`, Math.min(...xs), xKind, 0);
      put(figures, `${sensitivity}.max`, Math.max(...xs), xKind, 0);
    }
    if (ratios.length >= 2) {
      put(figures, `${sensitivity}.ratioMin`, Math.min(...ratios), "number", 1);
      put(figures, `${sensitivity}.ratioMax`, Math.max(...ratios), "number", 1);
    }
  });
}

function compareFigures(figures: Map<string, NoteFigure>, compare: CompareSection): void {
  for (const condition of compare.conditions) {
    put(figures, `compare.${compare.name}.${condition.label}.mean`, condition.mean, "number", 2);
    put(figures, `compare.${compare.name}.${condition.label}.sd`, condition.sd, "number", 2);
  }
  for (const contrast of compare.contrasts) {
    const prefix = `compare.${compare.name}.${contrast.label}`;
    put(figures, `${prefix}.delta`, contrast.delta, "number", 2);
    put(figures, `${prefix}.noiseSd`, contrast.noiseSd, "number", 2);
    put(figures, `${prefix}.snr`, contrast.snr, "number", 2);
    put(figures, `${prefix}.p`, contrast.welch?.p, "number", 3);
  }
}

/** Every figure a note may name, from the computed sections. */
export function noteFigures(sources: NoteFigureSources): Map<string, NoteFigure> {
  const figures = new Map<string, NoteFigure>();
  for (const fit of sources.fits) fitFigures(figures, fit);
  for (const compare of sources.compares) compareFigures(figures, compare);
  if (sources.seeds) {
    put(figures, "seeds.sd", sources.seeds.sd, "number", 2);
    put(figures, "seeds.detectableAtThree", sources.seeds.detectableAtThree, "number", 2);
  }
  for (const row of sources.costByFit) put(figures, `cost.${String(row.fit)}.usd`, typeof row.usd === "number" ? row.usd : null, "usd", 2);
  return figures;
}

function formatFigure(figure: NoteFigure, digits: number): string {
  const text = figure.value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return figure.kind === "usd" ? `$${text}` : text;
}

/** The few known names that share the most characters at the start and end with a misspelt one (the likeliest meant). */
function nearestNames(name: string, known: readonly string[]): string[] {
  const shared = (key: string) => {
    let start = 0;
    while (start < key.length && start < name.length && key[start] === name[start]) start += 1;
    let end = 0;
    while (end < key.length - start && end < name.length - start && key[key.length - 1 - end] === name[name.length - 1 - end]) end += 1;
    return start + end;
  };
  return [...known].sort((x, y) => shared(y) - shared(x) || x.localeCompare(y)).slice(0, 4);
}

const PLACEHOLDER = /\{\{\s*([^{}:\s]+)\s*(?::\s*(\d+)\s*)?\}\}/g;

/**
 * A note with every `{{name}}` / `{{name:digits}}` replaced by the computed figure. Throws a
 * ConfigError naming the note and the placeholder when no figure has that name.
 */
export function fillNote(note: string, figures: ReadonlyMap<string, NoteFigure>, where: { file: string; path: string }): string {
  return note.replace(PLACEHOLDER, (_whole, name: string, digits: string | undefined) => {
    const figure = figures.get(name);
    if (!figure) {
      const near = nearestNames(name, [...figures.keys()]);
      throw new ConfigError(
        where.file,
        where.path,
        `unknown figure {{${name}}}${near.length > 0 ? ` (this report has e.g. ${near.join(", ")})` : ""}; see README "Notes that quote computed figures"`,
      );
    }
    return formatFigure(figure, digits === undefined ? figure.digits : Number(digits));
  });
}

/** Fills every note; a `{{` left over (an unclosed or malformed placeholder) fails like an unknown name. */
export function fillNotes(notes: readonly string[], figures: ReadonlyMap<string, NoteFigure>, file: string): string[] {
  return notes.map((note, i) => {
    const where = { file, path: `report.notes[${i}]` };
    const filled = fillNote(note, figures, where);
    const stray = /\{\{[^}]*\}?\}?/.exec(filled);
    if (stray) throw new ConfigError(file, where.path, `malformed placeholder ${stray[0]}: write {{name}} or {{name:digits}}`);
    return filled;
  });
}
