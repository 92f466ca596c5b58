import { z } from "zod";
import { seededOrder } from "./subsets.js";

/**
 * Mixes of a dataset, as the paper's specialisation runs compose them: per-phase quotas, each with
 * filters of its own (`t2: {n: 3000, minRecall: 0.5}` + `t1: {n: 5000, maxPatchLines: 40}`), and
 * optionally a ratio α of repository-specific to general sources inside every quota. Counts are
 * exact and the draw is seeded: one random order per (seed, sample id), so the same seed and the
 * same eligible samples always give the same mix, whatever order they arrive in. A quota that
 * cannot be filled is an error naming it; nothing is silently short.
 */

const quotaSchema = z
  .object({
    /** Samples this quota takes, exactly. */
    n: z.number().int().min(0),
    /** Only instances whose verification recall (P2 against P1) is at least this. */
    minRecall: z.number().min(0).max(1).optional(),
    /** Only samples whose own patch changes at most this many lines. */
    maxPatchLines: z.number().int().min(0).optional(),
  })
  .strict();

export const mixSchema = z
  .object({
    /** `t1`: accepted rollout-1 trajectories, `t2`: verified rollout-2 ones; `all`: either (no per-phase quotas then). */
    quotas: z
      .object({ t1: quotaSchema.optional(), t2: quotaSchema.optional(), all: quotaSchema.optional() })
      .strict()
      .refine((quotas) => quotas.t1 !== undefined || quotas.t2 !== undefined || quotas.all !== undefined, { message: "name at least one of t1, t2, all" })
      .refine((quotas) => quotas.all === undefined || (quotas.t1 === undefined && quotas.t2 === undefined), {
        message: "all cannot be combined with t1 or t2",
      }),
    /** α mixing: the share of every quota drawn from the repository-specific sources; the rest from the others (general data). */
    sources: z
      .object({
        /** Sources that count as repository-specific: stage names in `needs`, or run ids (of `from`). */
        specific: z.array(z.string().min(1)).min(1),
        alpha: z.number().min(0).max(1),
      })
      .strict()
      .optional(),
    /** Seed of the draw; default the run's seed. */
    seed: z.number().int().nullable().default(null),
  })
  .strict();
export type MixParams = z.infer<typeof mixSchema>;

export type QuotaName = "t1" | "t2" | "all";
export type MixSource = "specific" | "general";

/** What the mix needs to know of a sample. */
export interface MixCandidate {
  sampleId: string;
  phase: string;
  sourceRunId: string;
  /** The instance's verification recall, null when there is none. */
  recall: number | null;
  patchLines: number;
}

export interface MixDraw<T> {
  item: T;
  quota: QuotaName;
  source: MixSource | null;
}

export interface MixPart {
  quota: QuotaName;
  source: MixSource | null;
  wanted: number;
  eligible: number;
}

export interface MixResult<T> {
  drawn: MixDraw<T>[];
  /** Samples no quota took, with why. */
  left: { item: T; reason: "no-mix-quota" | "beyond-mix-quota" }[];
  parts: MixPart[];
}

const phaseOfQuota: Record<QuotaName, string | null> = { t1: "r1", t2: "r2", all: null };

/**
 * Draws the mix from `items` (in any order; the result keeps their order). `specificRunIds` are the
 * run ids `sources.specific` names, resolved by the caller.
 */
export function drawMix<T>(
  items: readonly T[],
  mix: MixParams,
  seed: number,
  specificRunIds: ReadonlySet<string>,
  describe: (item: T) => MixCandidate,
): MixResult<T> {
  const chosen = new Map<T, MixDraw<T>>();
  const parts: MixPart[] = [];
  const covered = new Set<T>();
  for (const quota of ["t2", "t1", "all"] as const) {
    const spec = mix.quotas[quota];
    if (spec === undefined) continue;
    const phase = phaseOfQuota[quota];
    const inPhase = items.filter((item) => phase === null || describe(item).phase === phase);
    for (const item of inPhase) covered.add(item);
    const eligible = inPhase.filter((item) => {
      const sample = describe(item);
      if (spec.minRecall !== undefined && (sample.recall === null || sample.recall < spec.minRecall)) return false;
      return spec.maxPatchLines === undefined || sample.patchLines <= spec.maxPatchLines;
    });
    const groups: { source: MixSource | null; wanted: number; pool: T[] }[] =
      mix.sources === undefined
        ? [{ source: null, wanted: spec.n, pool: eligible }]
        : [
            {
              source: "specific",
              wanted: Math.round(mix.sources.alpha * spec.n),
              pool: eligible.filter((item) => specificRunIds.has(describe(item).sourceRunId)),
            },
            { source: "general", wanted: 0, pool: eligible.filter((item) => !specificRunIds.has(describe(item).sourceRunId)) },
          ];
    if (groups.length === 2) groups[1].wanted = spec.n - groups[0].wanted;
    for (const group of groups) {
      parts.push({ quota, source: group.source, wanted: group.wanted, eligible: group.pool.length });
      if (group.pool.length < group.wanted) throw new Error(shortfall(quota, spec, group, mix));
      for (const item of seededOrder(group.pool, `${seed}\u0000${quota}\u0000${group.source ?? "any"}`, (entry) => describe(entry).sampleId).slice(
        0,
        group.wanted,
      )) {
        chosen.set(item, { item, quota, source: group.source });
      }
    }
  }
  const drawn: MixDraw<T>[] = [];
  const left: MixResult<T>["left"] = [];
  for (const item of items) {
    const draw = chosen.get(item);
    if (draw !== undefined) drawn.push(draw);
    else left.push({ item, reason: covered.has(item) ? "beyond-mix-quota" : "no-mix-quota" });
  }
  return { drawn, left, parts };
}

function shortfall(
  quota: QuotaName,
  spec: z.infer<typeof quotaSchema>,
  group: { source: MixSource | null; wanted: number; pool: unknown[] },
  mix: MixParams,
): string {
  const filters = [
    spec.minRecall === undefined ? null : `minRecall ${spec.minRecall}`,
    spec.maxPatchLines === undefined ? null : `maxPatchLines ${spec.maxPatchLines}`,
  ].filter((filter) => filter !== null);
  const from =
    group.source === null
      ? ""
      : ` from the ${group.source === "specific" ? "repository-specific" : "general"} sources (alpha ${mix.sources?.alpha} of ${spec.n})`;
  return (
    `params.mix.quotas.${quota}: ${group.wanted} samples wanted${from}, ${group.pool.length} eligible after selection, filters and the ratio floor` +
    (filters.length > 0 ? ` and this quota's ${filters.join(", ")}` : "")
  );
}
