import type { ReportConfig } from "@sera/core";
import { pairInstanceOutcomes, pairedClusterBootstrap, type ClusteredBootstrapResult, type InstanceOutcome } from "../stats/clustered-bootstrap.js";
import { levelLabel, sameLevel, type Level } from "./compare-section.js";
import type { Row } from "./queries.js";

export interface RepositoryRate {
  condition: string;
  repository: string;
  instances: number;
  evaluations: number;
  resolveRate: number;
}

/** Condition against the reference, paired by instance and resampled by repository. */
export interface InstanceContrast {
  label: string;
  reference: string;
  bootstrap: ClusteredBootstrapResult;
  onlyInCondition: number;
  onlyInReference: number;
  /** The interval for the difference contains 0. */
  withinNoise: boolean;
}

export interface InstanceSection {
  by: string | null;
  conditions: string[];
  reference: string | null;
  repositories: RepositoryRate[];
  contrasts: InstanceContrast[];
  problems: string[];
}

const BOOTSTRAP_SEED = 20_260_128;

export function analyseInstances(config: NonNullable<ReportConfig["instances"]>, repositoryRows: readonly Row[], meanRows: readonly Row[]): InstanceSection {
  const problems: string[] = [];
  const repositories = repositoryRows.map((row) => ({
    condition: levelLabel((row.level ?? null) as Level),
    repository: String(row.repository),
    instances: Number(row.instances),
    evaluations: Number(row.evaluations),
    resolveRate: Number(row.resolve_rate),
  }));
  const outcomes = new Map<string, { level: Level; outcomes: InstanceOutcome[] }>();
  let multiRepository = 0;
  for (const row of meanRows) {
    const level = (row.level ?? null) as Level;
    const label = levelLabel(level);
    if (Number(row.repositories) > 1) multiRepository++;
    const entry = outcomes.get(label) ?? { level, outcomes: [] };
    entry.outcomes.push({ instanceId: String(row.instance_id), repo: String(row.repository), resolved: Number(row.resolved) });
    outcomes.set(label, entry);
  }
  if (multiRepository > 0) problems.push(`${multiRepository} instance(s) appear under more than one repository; the alphabetically first name is used.`);
  const conditions = [...outcomes.keys()];
  const section: InstanceSection = { by: config.by ?? null, conditions, reference: null, repositories, contrasts: [], problems };
  if (conditions.length < 2) return section;
  const wanted = config.reference;
  const referenceLabel = wanted === undefined ? conditions[0] : conditions.find((label) => sameLevel(outcomes.get(label)?.level ?? null, wanted));
  if (referenceLabel === undefined) {
    problems.push(`the reference ${config.by} = ${String(wanted)} has no instance rows yet.`);
    return section;
  }
  section.reference = referenceLabel;
  const reference = outcomes.get(referenceLabel)?.outcomes ?? [];
  for (const label of conditions) {
    if (label === referenceLabel) continue;
    let pairing: ReturnType<typeof pairInstanceOutcomes>;
    try {
      pairing = pairInstanceOutcomes(outcomes.get(label)?.outcomes ?? [], reference);
    } catch (error) {
      problems.push(`${label}: ${(error as Error).message}`);
      continue;
    }
    if (pairing.pairs.length === 0) {
      problems.push(`${label}: no instance in common with ${referenceLabel}.`);
      continue;
    }
    const bootstrap = pairedClusterBootstrap(pairing.pairs, { seed: BOOTSTRAP_SEED, replicates: 2000 });
    section.contrasts.push({
      label,
      reference: referenceLabel,
      bootstrap,
      onlyInCondition: pairing.onlyInFirst.length,
      onlyInReference: pairing.onlyInSecond.length,
      withinNoise: bootstrap.lower <= 0 && bootstrap.upper >= 0,
    });
  }
  return section;
}
