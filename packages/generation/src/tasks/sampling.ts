import { BUG_PROMPT_TEMPLATES } from "./bug-prompts.js";
import { createSeededRandom, hashParts } from "./seeded-random.js";
import { isTestPath } from "./test-paths.js";

/** One function of a repository inventory; the inventory's own entries fit this shape. */
export interface SampledFunction {
  file: string;
  qualifiedName: string;
  kind: string;
  startLine: number;
  endLine: number;
  language: string;
}

export interface SampleTasksOptions {
  functions: readonly SampledFunction[];
  seed: string | number;
  /** Repository name, e.g. `org/name`; part of the ids. */
  repo: string;
  /** Full commit SHA (40 or 64 hex digits) the functions were listed at. */
  commit: string;
  /** How many functions to take after shuffling. Default 5,000. */
  functionsPerRepo?: number;
  /** Copies per function; copies differ only in prompt and demonstration. Default 1. */
  instancesPerFunction?: number;
  /** Leave out test code by path convention. Default true. */
  skipTests?: boolean;
  /** Number of bug-prompt templates to draw from. Default: the built-in library (51). */
  templateCount?: number;
  /**
   * Ids of the demonstration pool the run will look demonstrations up in (`loadDemonstrationPool`).
   * Required: a silent default to the built-in ids once made every instance of a user pool fall
   * back to the same first entry.
   */
  demonstrationIds: readonly string[];
}

export interface SampledTask {
  /** `<repo>_<sha5>_<hash12>`: readable prefix plus a hash of (seed, repo, commit, file, function, start line, replica). */
  id: string;
  repo: string;
  commit: string;
  seed: string;
  replica: number;
  function: SampledFunction;
  /** Prompt template for the first attempt; see `attemptPromptIndex` for retries. */
  promptIndex: number;
  /** Distinct template indices for successive attempts (the first equals `promptIndex`). */
  promptOrder: number[];
  demonstrationId: string;
}

export const DEFAULT_FUNCTIONS_PER_REPO = 5000;
/** Attempts of rollout 1 per instance, each with a different prompt. */
export const MAX_PROMPT_ATTEMPTS = 3;

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** `org/name` → `org__name`, other unusual characters → `-`, so ids are safe as file names. */
function readableRepo(repo: string): string {
  return repo.replace(/\//g, "__").replace(/[^A-Za-z0-9._-]/g, "-");
}

function compareFunctions(a: SampledFunction, b: SampledFunction): number {
  const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return byText(a.file, b.file) || byText(a.qualifiedName, b.qualifiedName) || a.startLine - b.startLine || a.endLine - b.endLine;
}

/**
 * Turns a function inventory into rollout instances, reproducibly: the inventory is put into a
 * canonical order, shuffled with a generator seeded by (seed, repo, commit), filtered of test
 * code, cut to `functionsPerRepo` and replicated. Each instance's prompt order and
 * demonstration come from its own generator keyed by its id, so they do not depend on which
 * other functions were sampled.
 */
export function sampleTasks(options: SampleTasksOptions): SampledTask[] {
  const seed = String(options.seed);
  const commit = options.commit.toLowerCase();
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) throw new Error(`commit must be a full 40- or 64-digit SHA, got "${options.commit}"`);
  const functionsPerRepo = positiveInteger("functionsPerRepo", options.functionsPerRepo ?? DEFAULT_FUNCTIONS_PER_REPO);
  const replicas = positiveInteger("instancesPerFunction", options.instancesPerFunction ?? 1);
  const templateCount = positiveInteger("templateCount", options.templateCount ?? BUG_PROMPT_TEMPLATES.length);
  const demonstrationIds = options.demonstrationIds;
  if (demonstrationIds.length === 0) throw new Error("the demonstration pool is empty");

  const canonical = [...options.functions].sort(compareFunctions);
  const unique = canonical.filter((fn, i) => i === 0 || compareFunctions(fn, canonical[i - 1]) !== 0);
  const shuffled = createSeededRandom("sera/sample-functions", seed, options.repo, commit).shuffle(unique);
  const chosen = (options.skipTests === false ? shuffled : shuffled.filter((fn) => !isTestPath(fn.file))).slice(0, functionsPerRepo);

  const prefix = `${readableRepo(options.repo)}_${commit.slice(0, 5)}`;
  const tasks: SampledTask[] = [];
  const ids = new Set<string>();
  for (const fn of chosen) {
    for (let replica = 0; replica < replicas; replica++) {
      const digest = hashParts([seed, options.repo, commit, fn.file, fn.qualifiedName, String(fn.startLine), String(replica)]);
      const id = `${prefix}_${digest.toString("hex").slice(0, 12)}`;
      if (ids.has(id)) throw new Error(`instance id collision on ${id}; change the seed`);
      ids.add(id);
      const random = createSeededRandom("sera/instance-choices", seed, id);
      const allTemplates = Array.from({ length: templateCount }, (_, i) => i);
      const promptOrder = random.shuffle(allTemplates).slice(0, Math.min(MAX_PROMPT_ATTEMPTS, templateCount));
      const demonstrationId = demonstrationIds[random.nextInt(demonstrationIds.length)];
      tasks.push({ id, repo: options.repo, commit, seed, replica, function: fn, promptIndex: promptOrder[0], promptOrder, demonstrationId });
    }
  }
  return tasks;
}

/** Template index for rollout-1 attempt `attempt` (0-based); cycles if attempts exceed the stored order. */
export function attemptPromptIndex(task: Pick<SampledTask, "promptOrder">, attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  return task.promptOrder[attempt % task.promptOrder.length];
}
