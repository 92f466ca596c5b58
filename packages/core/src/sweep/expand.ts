import { ConfigError } from "../config/errors.js";
import { canonicalJson, sha256Hex } from "../config/canonical.js";
import { deepClone, getPath, isPlainObject, setPath, splitPath } from "../config/dotted.js";
import { experimentSchema, type Experiment, type LoadedExperiment } from "../config/experiment.js";
import { originOf, validate } from "../config/load.js";
import { stageHandler, stageKinds } from "../stages/registry.js";

/**
 * Sweep expansion: the grid's cartesian product × seeds gives cells; each cell resolves every
 * stage's params, and a run id is the hash of what determines the run's output. Cells that agree
 * on everything a run depends on share that run, so an unswept upstream stage runs once.
 */

/** Bump to invalidate every run id (e.g. when the id recipe itself changes). */
export const RUN_ID_SALT = "sera-run-v1";

export interface PlannedRun {
  id: string;
  experiment: string;
  stage: string;
  kind: string;
  params: Record<string, unknown>;
  seed: number | null;
  /** Upstream stage name → run id. */
  upstream: Record<string, string>;
  /** Promoted column name → swept value, for the axes this run depends on. */
  sweep: Record<string, unknown>;
}

export interface SweepAxis {
  path: string;
  stage: string;
  /** Column in the runs table holding this axis's value (p_<name>). */
  column: string;
  values: unknown[];
}

export interface Plan {
  experiment: Experiment;
  axes: SweepAxis[];
  cells: number;
  /** Runs in dependency order, each exactly once. */
  runs: PlannedRun[];
}

export function stageOrder(experiment: Experiment, file: string): string[] {
  const stages = experiment.stages;
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new ConfigError(file, `stages.${name}.needs`, `dependency cycle: ${[...trail, name].join(" → ")}`);
    state.set(name, "visiting");
    stages[name].needs.forEach((upstream, i) => {
      if (!stages[upstream]) {
        throw new ConfigError(file, `stages.${name}.needs.${i}`, `unknown stage ${JSON.stringify(upstream)} (stages: ${Object.keys(stages).join(", ")})`);
      }
      visit(upstream, [...trail, name]);
    });
    state.set(name, "done");
    order.push(name);
  };
  for (const name of Object.keys(stages)) visit(name, []);
  return order;
}

function ancestors(experiment: Experiment, stage: string, into = new Set<string>()): Set<string> {
  for (const upstream of experiment.stages[stage].needs) {
    if (!into.has(upstream)) {
      into.add(upstream);
      ancestors(experiment, upstream, into);
    }
  }
  return into;
}

function sweepAxes(loaded: LoadedExperiment, file: string): SweepAxis[] {
  const entries = Object.entries(loaded.config.sweep.grid);
  const lastSegments = entries.map(([p]) => splitPath(p).at(-1) ?? p);
  return entries.map(([axisPath, values], i) => {
    const where = originOf(loaded.origins, `sweep.grid.${axisPath}`, file);
    const keys = splitPath(axisPath);
    if (keys[0] !== "stages" || keys.length < 4 || keys[2] !== "params") {
      throw new ConfigError(where, `sweep.grid.${axisPath}`, "only stage parameters can be swept: use stages.<stage>.params.<name>");
    }
    if (!isPlainObject(getPath(loaded.raw, keys.slice(0, -1)))) {
      throw new ConfigError(where, `sweep.grid.${axisPath}`, `no such parameter: ${keys.slice(0, -1).join(".")} does not exist in the experiment`);
    }
    const last = lastSegments[i];
    const clash = lastSegments.filter((s) => s === last).length > 1;
    const name = (clash ? `${keys[1]}_${keys.slice(3).join("_")}` : last).toLowerCase().replace(/[^a-z0-9_]+/g, "_");
    return { path: axisPath, stage: keys[1], column: `p_${name}`, values };
  });
}

function* cartesian(axes: SweepAxis[]): Generator<unknown[]> {
  if (axes.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = axes;
  for (const value of first.values) for (const tail of cartesian(rest)) yield [value, ...tail];
}

export function expandSweep(loaded: LoadedExperiment): Plan {
  const file = loaded.file;
  const display = originOf(loaded.origins, "name", file);
  const base = loaded.config;
  const order = stageOrder(base, display);
  const axes = sweepAxes(loaded, display);
  const runs = new Map<string, PlannedRun>();
  let cells = 0;
  for (const combination of cartesian(axes)) {
    const tree = deepClone(loaded.raw);
    combination.forEach((value, i) => setPath(tree, axes[i].path, value));
    const cell = validate(experimentSchema, tree, display, loaded.origins);
    for (const seed of cell.sweep.seeds) {
      cells++;
      const idsByStage: Record<string, string> = {};
      for (const stage of order) {
        const run = planRun(cell, stage, seed, idsByStage, axes, combination, loaded, display);
        idsByStage[stage] = run.id;
        if (!runs.has(run.id)) runs.set(run.id, run);
      }
    }
  }
  return { experiment: base, axes, cells, runs: [...runs.values()] };
}

function planRun(
  cell: Experiment,
  stage: string,
  seed: number,
  idsByStage: Record<string, string>,
  axes: SweepAxis[],
  combination: unknown[],
  loaded: LoadedExperiment,
  display: string,
): PlannedRun {
  const config = cell.stages[stage];
  const handler = stageHandler(config.kind);
  if (!handler) {
    const where = originOf(loaded.origins, `stages.${stage}.kind`, display);
    throw new ConfigError(where, `stages.${stage}.kind`, `unknown stage kind ${JSON.stringify(config.kind)} (known: ${stageKinds().join(", ")})`);
  }
  const prefix = `stages.${stage}.params`;
  const params = validate(handler.params, config.params, display, loaded.origins, prefix) as Record<string, unknown>;
  const problem = handler.check?.(params, { stage, upstreamStages: config.needs });
  if (problem) throw new ConfigError(originOf(loaded.origins, `${prefix}.${problem.path}`, display), `${prefix}.${problem.path}`, problem.problem);
  const upstream = Object.fromEntries(config.needs.map((name) => [name, idsByStage[name]]).sort(([a], [b]) => (a < b ? -1 : 1)));
  const runSeed = config.seeded ? seed : null;
  const identity = {
    salt: RUN_ID_SALT,
    experiment: cell.name,
    stage,
    kind: handler.kind,
    version: handler.version,
    params: handler.identity ? handler.identity(params) : params,
    seed: runSeed,
    upstream,
  };
  const relevant = new Set([stage, ...ancestors(cell, stage)]);
  const sweep: Record<string, unknown> = {};
  axes.forEach((axis, i) => {
    if (relevant.has(axis.stage)) sweep[axis.column] = combination[i];
  });
  return {
    id: sha256Hex(canonicalJson(identity)).slice(0, 16),
    experiment: cell.name,
    stage,
    kind: handler.kind,
    params,
    seed: runSeed,
    upstream,
    sweep,
  };
}
