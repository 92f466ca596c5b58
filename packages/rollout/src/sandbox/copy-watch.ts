import fs from "node:fs";
import { copyLimitHit, formatKiB, treeUsageBytes, type LimitHit, type ResolvedLimits } from "./limits.js";

/**
 * The cap on how far a sandbox may grow its writable copy of the repository, for every kind of
 * sandbox whose /testbed is a host directory (bubblewrap's and a container's bind mount). No
 * filesystem quota is needed: the copy is measured (`du`) every quarter second while a command
 * runs, and the command is killed once the copy has grown past its cap (or past where it stood, if
 * an earlier command left it over the cap, so deleting files still works).
 *
 * Two cheaper checks keep a command's cost near the shell's own millisecond:
 * - After a command, the copy is measured again only if its filesystem as a whole grew by the
 *   copy's remaining headroom (one statfs call). Otherwise the command cannot have passed the cap,
 *   unless something else freed space meanwhile; the idle watch below catches that case.
 * - Between commands (the agent's model call), the shell keeps running what the agent left in the
 *   background. Once a second the filesystem is asked (statfs), and the copy is measured when it
 *   may have passed the cap, and at least every 30 s regardless, in case space freed elsewhere hid
 *   its growth (less often for big trees: at most 2% of a core per sandbox). Past the cap, the
 *   shell is stopped with everything it started, and the next command's observation says why. A
 *   `du` every second instead would cost a core's worth of `du` at 64 concurrent rollouts.
 */

const COMMAND_INTERVAL_MS = 250;
const IDLE_INTERVAL_MS = 1_000;
const IDLE_FULL_MEASURE_MS = 30_000;
/** An idle measurement may take at most this share of a core: big trees are measured less often. */
const IDLE_CPU_SHARE = 0.02;
const baseSizes = new Map<string, number>();

export interface CommandWatch {
  /** Aborts when the copy passes its ceiling: the caller kills the command on it. */
  signal: AbortSignal;
  stop(): void;
  killed(): boolean;
  /** The limit hit by this command, or by what ran in the background since the last one. */
  verdict(): Promise<LimitHit | undefined>;
}

export class CopyGrowthWatch {
  private readonly hostPath: string;
  private readonly baseBytes: number;
  private readonly limits: ResolvedLimits;
  /** The copy's size at the last measurement, and its filesystem's used bytes just before it. */
  private lastUsageBytes: number;
  private filesystemUsedAtMeasure: number;
  private lastMeasureMs = 0;
  private lastMeasureAt = performance.now();
  private measuring: Promise<number> | undefined;
  private idle: { stopCommands: () => Promise<void>; timer?: NodeJS.Timeout; ceiling: number } | undefined;
  private idleHit: LimitHit | undefined;
  /** The idle watch stopping the shell: the next command waits for it, so it never lands in a dying shell. */
  private stopping: Promise<void> | undefined;
  private commandsRunning = 0;
  private closed = false;

  private constructor(hostPath: string, baseBytes: number, limits: ResolvedLimits) {
    this.hostPath = hostPath;
    this.baseBytes = baseBytes;
    this.limits = limits;
    this.lastUsageBytes = baseBytes;
    this.filesystemUsedAtMeasure = filesystemUsedBytes(hostPath);
  }

  /**
   * Measures the copy as it is now (right after it was made) to start a watch from. Copies of one
   * tree on one filesystem occupy the same blocks, so with a `sameAs` key (the tree's digest and
   * where copies go) the first copy's size serves the rest and saves a `du` per sandbox.
   */
  static async start(hostPath: string, limits: ResolvedLimits, sameAs?: string): Promise<CopyGrowthWatch> {
    const known = sameAs === undefined ? undefined : baseSizes.get(sameAs);
    const baseBytes = known ?? (await treeUsageBytes(hostPath));
    if (sameAs !== undefined) baseSizes.set(sameAs, baseBytes);
    return new CopyGrowthWatch(hostPath, baseBytes, limits);
  }

  /** Watch the copy between commands too; past the cap, `stopCommands` ends what the shell left running. */
  watchBetweenCommands(stopCommands: () => Promise<void>): void {
    this.idle = { stopCommands, ceiling: this.ceiling() };
    this.scheduleIdle();
  }

  /** Watches the copy for the length of one command (once the idle watch has finished stopping a shell). */
  async command(): Promise<CommandWatch> {
    this.commandsRunning += 1;
    this.pauseIdle();
    await this.stopping;
    const controller = new AbortController();
    const ceiling = this.ceiling();
    const earlier = this.idleHit;
    this.idleHit = undefined;
    let hit: LimitHit | undefined;
    let checking: Promise<void> | undefined;
    const check = (): Promise<void> =>
      this.measure().then(
        (used) => {
          if (used > ceiling) hit ??= copyLimitHit(used, this.baseBytes, this.limits);
        },
        () => undefined, // A copy that cannot be measured this time is measured on the next tick.
      );
    const timer = setInterval(() => {
      if (checking !== undefined || controller.signal.aborted) return;
      checking = check().then(() => {
        checking = undefined;
        if (hit !== undefined) controller.abort();
      });
    }, COMMAND_INTERVAL_MS);
    return {
      signal: controller.signal,
      stop: () => clearInterval(timer),
      killed: () => controller.signal.aborted,
      verdict: async () => {
        await checking;
        // After a hit the copy is measured again all the same: what the command wrote until it died
        // sets the next command's ceiling, so deleting those files is never taken for growth.
        if (hit !== undefined || this.mayHavePassed(ceiling)) await check();
        this.commandsRunning -= 1;
        this.resumeIdle();
        return hit ?? earlier;
      },
    };
  }

  close(): void {
    this.closed = true;
    this.pauseIdle();
  }

  private ceiling(): number {
    return Math.max(this.baseBytes + this.limits.copyGrowthKiB * 1024, this.lastUsageBytes);
  }

  /** Whether the copy may have passed `ceiling` since it was last measured: its filesystem grew by at least the headroom. */
  private mayHavePassed(ceiling: number): boolean {
    try {
      return filesystemUsedBytes(this.hostPath) - this.filesystemUsedAtMeasure >= ceiling - this.lastUsageBytes;
    } catch {
      return true;
    }
  }

  /** One `du` at a time, shared by whoever asks while it runs. */
  private measure(): Promise<number> {
    this.measuring ??= (async () => {
      try {
        const filesystemUsed = filesystemUsedBytes(this.hostPath);
        const started = performance.now();
        const used = await treeUsageBytes(this.hostPath);
        this.lastMeasureAt = performance.now();
        this.lastMeasureMs = this.lastMeasureAt - started;
        this.lastUsageBytes = used;
        this.filesystemUsedAtMeasure = filesystemUsed;
        return used;
      } finally {
        this.measuring = undefined;
      }
    })();
    return this.measuring;
  }

  private pauseIdle(): void {
    if (this.idle?.timer !== undefined) clearTimeout(this.idle.timer);
    if (this.idle !== undefined) this.idle.timer = undefined;
  }

  private resumeIdle(): void {
    if (this.idle === undefined || this.commandsRunning > 0) return;
    this.idle.ceiling = this.ceiling();
    this.scheduleIdle();
  }

  private scheduleIdle(): void {
    const idle = this.idle;
    if (idle === undefined || this.closed || this.commandsRunning > 0) return;
    this.pauseIdle();
    idle.timer = setTimeout(() => {
      idle.timer = undefined;
      const due = performance.now() - this.lastMeasureAt >= Math.max(IDLE_FULL_MEASURE_MS, this.lastMeasureMs / IDLE_CPU_SHARE);
      if (!due && !this.mayHavePassed(idle.ceiling)) {
        this.scheduleIdle();
        return;
      }
      void this.measure().then(
        async (used) => {
          // A command that began meanwhile has its own watch (and ceiling); it reschedules this one.
          if (this.closed || idle.timer !== undefined || this.commandsRunning > 0) return;
          if (used > idle.ceiling) {
            this.idleHit = {
              kind: "copy_size",
              message:
                `between commands, what the shell left running grew the repository copy to ${formatKiB((used - this.baseBytes) / 1024)} more than ` +
                `the checkout, past its cap of ${formatKiB(this.limits.copyGrowthKiB)}: it was stopped with the shell, and this command ran in a fresh one in /testbed. ` +
                "Delete the large files it wrote (e.g. with rm) before going on.",
            };
            this.stopping = idle.stopCommands().catch(() => undefined);
            await this.stopping;
            this.stopping = undefined;
            idle.ceiling = this.ceiling();
          }
          this.scheduleIdle();
        },
        () => this.scheduleIdle(),
      );
    }, IDLE_INTERVAL_MS);
    idle.timer.unref();
  }
}

/** Bytes in use on the filesystem that holds `target`: one statfs call. */
function filesystemUsedBytes(target: string): number {
  const stats = fs.statfsSync(target);
  return (stats.blocks - stats.bfree) * stats.bsize;
}
