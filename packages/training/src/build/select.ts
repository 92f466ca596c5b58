import { createHash } from "node:crypto";
import { countChangedLines, normalizePatch } from "../dataset/filters.js";
import type { DatasetParams } from "./params.js";
import { rolloutsMatching } from "./predicate.js";
import { rolloutKey, type InstanceRecord, type RolloutRecord, type SourceRecords } from "./source.js";

/**
 * Which rollouts may become samples, before anything is read from a trajectory file: the method's
 * selection (T1 the self-check accepted, T2 that passed verification, submitted only), then the
 * optional filters that need only the records. Each rollout that falls out is written down once,
 * with the first rule that removed it.
 */

/** The step of the dataset build that dropped a rollout, in the order the steps run. */
export type FilterStep = "selection" | "filter" | "render" | "budget" | "ratio" | "mix";

export interface DropRow {
  source_run_id: string;
  instance_id: string;
  phase: string;
  rollout_attempt: number;
  filter_step: FilterStep;
  reason: string;
}

export interface Candidate {
  sampleId: string;
  source: SourceRecords;
  rollout: RolloutRecord;
  patch: string;
  instance: InstanceRecord | undefined;
}

export class DropLedger {
  readonly rows: DropRow[] = [];

  add(candidate: Pick<Candidate, "source" | "rollout">, step: FilterStep, reason: string): void {
    const { rollout } = candidate;
    this.rows.push({
      source_run_id: candidate.source.runId,
      instance_id: rollout.instance_id,
      phase: rollout.phase,
      rollout_attempt: rollout.rollout_attempt,
      filter_step: step,
      reason,
    });
  }

  /** Drops per (step, reason), in the order the steps run. */
  counts(): { step: FilterStep; reason: string; count: number }[] {
    const order: FilterStep[] = ["selection", "filter", "render", "budget", "ratio", "mix"];
    const tally = new Map<string, { step: FilterStep; reason: string; count: number }>();
    for (const row of this.rows) {
      const key = `${row.filter_step}\u0000${row.reason}`;
      const entry = tally.get(key) ?? { step: row.filter_step, reason: row.reason, count: 0 };
      entry.count++;
      tally.set(key, entry);
    }
    return [...tally.values()].sort((a, b) => order.indexOf(a.step) - order.indexOf(b.step) || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  }
}

export const sampleIdOf = (sourceRunId: string, rollout: Pick<RolloutRecord, "instance_id" | "phase" | "rollout_attempt">): string =>
  `${sourceRunId}/${rollout.instance_id}/${rollout.phase}-${rollout.rollout_attempt}`;

function passesVerification(source: SourceRecords, rollout: RolloutRecord, patch: string, threshold: number | null): boolean {
  const verification = source.verifications.get(rollout.instance_id);
  if (!verification) return false;
  if (threshold === null) return verification.verdict === "pass";
  // An empty target has no recall, and an empty P2 never passes, not even at threshold 0.
  return verification.recall !== null && verification.recall >= threshold && patch.trim() !== "";
}

/** Why the method's selection rejects a rollout, or null when it is a candidate; undefined when its phase is not asked for. */
function selectionProblem(source: SourceRecords, rollout: RolloutRecord, patch: string, params: DatasetParams): string | null | undefined {
  if (rollout.phase === "r1") {
    if (params.trajectories === "t2") return undefined;
    if (rollout.self_check !== true) return "t1-self-check-not-yes";
  } else if (rollout.phase === "r2") {
    if (params.trajectories === "t1") return undefined;
    if (!passesVerification(source, rollout, patch, params.verificationThreshold)) return "t2-not-verified";
  }
  if (params.enforceSubmit && (rollout.exit_status ?? "").trim().toLowerCase() !== "submitted") return "not-submitted";
  return null;
}

export interface Selection {
  candidates: Candidate[];
  /** Rollouts of the selected phases, per phase, before any rule. */
  considered: Record<string, number>;
}

export async function selectCandidates(sources: readonly SourceRecords[], params: DatasetParams, ledger: DropLedger): Promise<Selection> {
  const considered: Record<string, number> = {};
  let candidates: Candidate[] = [];
  for (const source of sources) {
    const ordered = [...source.rollouts].sort((a, b) =>
      a.instance_id !== b.instance_id
        ? a.instance_id < b.instance_id
          ? -1
          : 1
        : a.phase !== b.phase
          ? a.phase < b.phase
            ? -1
            : 1
          : a.rollout_attempt - b.rollout_attempt,
    );
    for (const rollout of ordered) {
      const patch = source.patches.get(rolloutKey(rollout.instance_id, rollout.phase, rollout.rollout_attempt)) ?? "";
      const problem = selectionProblem(source, rollout, patch, params);
      if (problem === undefined) continue;
      considered[rollout.phase] = (considered[rollout.phase] ?? 0) + 1;
      const candidate: Candidate = { sampleId: sampleIdOf(source.runId, rollout), source, rollout, patch, instance: source.instances.get(rollout.instance_id) };
      if (problem !== null) ledger.add(candidate, "selection", problem);
      else candidates.push(candidate);
    }
  }
  if (params.where !== null) {
    const matching = await rolloutsMatching(sources, params.where);
    candidates = candidates.filter((candidate) => {
      const { rollout } = candidate;
      const keep = matching.has(`${rollout.run_id}\u0000${rolloutKey(rollout.instance_id, rollout.phase, rollout.rollout_attempt)}`);
      if (!keep) ledger.add(candidate, "filter", "sql-predicate");
      return keep;
    });
  }
  const { patchLines, dedupePatches } = params.filters;
  if (patchLines.enabled) {
    candidates = candidates.filter((candidate) => {
      const keep = countChangedLines(candidate.patch) <= patchLines.max;
      if (!keep) ledger.add(candidate, "filter", "patch-too-large");
      return keep;
    });
  }
  if (dedupePatches.enabled) {
    // Per phase: a T2 that reproduces its own T1's patch is verification succeeding, not a duplicate.
    const seen = new Set<string>();
    candidates = candidates.filter((candidate) => {
      if (candidate.patch.trim() === "") return true;
      const key = `${candidate.rollout.phase}\u0000${createHash("sha256").update(normalizePatch(candidate.patch)).digest("hex")}`;
      if (seen.has(key)) {
        ledger.add(candidate, "filter", "duplicate-patch");
        return false;
      }
      seen.add(key);
      return true;
    });
  }
  return { candidates, considered };
}
