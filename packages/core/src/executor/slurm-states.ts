import { accountingRows, queueStates } from "./slurm-cli.js";

/**
 * One view of sera's Slurm jobs for the whole coordinator: a single squeue call (all watched
 * ids) answers every poll within the refresh interval, so a sweep of hundreds of jobs costs one
 * controller query per interval rather than one per job and tick. Jobs slurmctld has already
 * forgotten (finished more than MinJobAge ago) are looked up in the accounting database.
 */
export class SlurmJobStates {
  private readonly intervalMs: number;
  private readonly watched = new Set<string>();
  private states = new Map<string, string>();
  private askedAbout = new Set<string>();
  private fetchedAt = 0;
  private reachable = true;
  private refreshing: Promise<void> | null = null;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  watch(id: string): void {
    this.watched.add(id);
  }

  forget(id: string): void {
    this.watched.delete(id);
  }

  /**
   * The job's Slurm state; "UNKNOWN" when neither slurmctld nor accounting has it; null when the
   * controller could not be asked (an outage is not a verdict on the job).
   */
  async stateOf(id: string): Promise<string | null> {
    this.watch(id);
    if (!this.askedAbout.has(id) || Date.now() - this.fetchedAt >= this.intervalMs) await this.refresh();
    if (!this.reachable) return null;
    return this.states.get(id) ?? "UNKNOWN";
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.fetch().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async fetch(): Promise<void> {
    const ids = [...this.watched];
    const queued = await queueStates(ids);
    this.fetchedAt = Date.now();
    if (queued === null) {
      this.reachable = false;
      return;
    }
    const missing = ids.filter((id) => !queued.has(id));
    if (missing.length > 0) {
      for (const row of (await accountingRows(missing)) ?? []) if (missing.includes(row.jobId)) queued.set(row.jobId, row.state);
    }
    this.states = queued;
    this.askedAbout = new Set(ids);
    this.reachable = true;
  }
}
