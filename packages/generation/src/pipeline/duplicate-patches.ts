import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { InstanceState } from "./instance.js";

/**
 * Rollout-1 patches already accepted in this run, so an instance whose accepted patch repeats an
 * earlier one skips the PR and rollout 2: their trajectories would add the same change to the
 * dataset twice, and rollout 2 is the expensive half of an instance. The same function sampled at
 * two commits where its file did not change is the usual source.
 *
 * "Earlier" is the first instance to pass its self-check with the patch. A resumed run first
 * registers what its instances' saved states already accepted, so a kill never lets a duplicate
 * through or turns the original into one.
 */
export class AcceptedPatches {
  private readonly owners = new Map<string, string>();

  /** The instance that accepted this patch first, or null after registering `instanceId` as its owner. */
  claim(instanceId: string, patch: string): string | null {
    const key = createHash("sha256").update(patch).digest("hex");
    const owner = this.owners.get(key);
    if (owner !== undefined && owner !== instanceId) return owner;
    this.owners.set(key, instanceId);
    return null;
  }

  /** Register the patch a saved state accepted (the self-check said yes and the instance went on). */
  registerSaved(instanceId: string, dir: string, state: InstanceState | null): void {
    if (state === null || !["pr", "rollout2", "verify", "done"].includes(state.step)) return;
    const accepted = state.rollouts.filter((r) => r.phase === "r1").at(-1);
    if (accepted?.selfCheck !== true) return;
    const file = path.join(dir, accepted.patchFile);
    if (existsSync(file)) this.claim(instanceId, readFileSync(file, "utf8"));
  }
}
