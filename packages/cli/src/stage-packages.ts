import { stageHandler, type Experiment } from "@sera/core";

/**
 * The stage packages, imported on demand. Importing one registers its stage kinds with their jobs
 * and ingest hooks (the tables are core's, whatever is loaded). `sera run` imports only the
 * packages its experiment names (a sweep of plain commands imports none), because every invocation
 * of a sweep pays for what it loads; every other command imports them all. The kinds listed here
 * only choose what to import: a kind not listed, or not registered by its package, makes every
 * package load, so a stale entry costs start-up time and never a wrong "unknown stage kind".
 */
const stagePackages: ReadonlyArray<{ kinds: readonly string[]; load: () => Promise<unknown> }> = [
  { kinds: ["sera-generate"], load: () => import("@sera/generation") },
  { kinds: ["sera-dataset", "sera-train"], load: () => import("@sera/training") },
  { kinds: ["sera-eval", "swebench-harness"], load: () => import("@sera/evaluation") },
  { kinds: ["paper-table"], load: () => import("@sera/analysis") },
];

export async function loadAllStagePackages(): Promise<void> {
  await Promise.all(stagePackages.map((entry) => entry.load()));
}

/** Import the packages that register `kinds`; all of them if any kind is still unknown after that. */
export async function loadStagePackagesFor(kinds: Iterable<string>): Promise<void> {
  const wanted = new Set(kinds);
  await Promise.all(stagePackages.filter((entry) => entry.kinds.some((kind) => wanted.has(kind))).map((entry) => entry.load()));
  if ([...wanted].some((kind) => stageHandler(kind) === undefined)) await loadAllStagePackages();
}

/** Every stage kind the experiment can plan: each stage's `kind`, and the values of sweep axes over one. */
export function stageKindsOf(experiment: Experiment): Set<string> {
  const kinds = new Set(Object.values(experiment.stages).map((stage) => stage.kind));
  for (const [axis, values] of Object.entries(experiment.sweep.grid)) {
    if (/^stages\.[^.]+\.kind$/.test(axis)) for (const value of values) if (typeof value === "string") kinds.add(value);
  }
  return kinds;
}
