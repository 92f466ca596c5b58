import { copyLimitHit, treeUsageBytes, type LimitHit, type ResolvedLimits } from "./limits.js";

/**
 * The cap on how far commands may grow a sandbox's writable copy of the repository, for every
 * kind of sandbox whose /testbed is a host directory (bubblewrap's and a container's bind mount).
 * No filesystem quota is needed: the copy is measured while each command runs, and the command
 * is killed once the copy has grown past its cap (or past where it stood, if an earlier command
 * left it over the cap, so deleting files still works). A last measurement after the command
 * catches writes faster than the interval.
 */

const COPY_WATCH_INTERVAL_MS = 250;
const baseSizes = new Map<string, number>();

export interface CommandWatch {
  /** Aborts when the copy passes its ceiling: the caller kills the command on it. */
  signal: AbortSignal;
  stop(): void;
  killed(): boolean;
  /** The limit hit, after a last measurement once the command has ended. */
  verdict(): Promise<LimitHit | undefined>;
}

export class CopyGrowthWatch {
  private readonly hostPath: string;
  private readonly baseBytes: number;
  private readonly limits: ResolvedLimits;
  /** The copy's size after the last command. */
  private lastUsageBytes: number;

  constructor(hostPath: string, baseBytes: number, limits: ResolvedLimits) {
    this.hostPath = hostPath;
    this.baseBytes = baseBytes;
    this.limits = limits;
    this.lastUsageBytes = baseBytes;
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

  /** Watches the copy for the length of one command. */
  command(): CommandWatch {
    const controller = new AbortController();
    const ceiling = Math.max(this.baseBytes + this.limits.copyGrowthKiB * 1024, this.lastUsageBytes);
    let hit: LimitHit | undefined;
    let measuring: Promise<void> | undefined;
    const measure = (): Promise<void> =>
      treeUsageBytes(this.hostPath).then(
        (used) => {
          this.lastUsageBytes = used;
          if (used > ceiling) hit ??= copyLimitHit(used, this.baseBytes, this.limits);
        },
        () => undefined, // A copy that cannot be measured this time is measured on the next tick.
      );
    const timer = setInterval(() => {
      if (measuring !== undefined || controller.signal.aborted) return;
      measuring = measure().then(() => {
        measuring = undefined;
        if (hit !== undefined) controller.abort();
      });
    }, COPY_WATCH_INTERVAL_MS);
    return {
      signal: controller.signal,
      stop: () => clearInterval(timer),
      killed: () => controller.signal.aborted,
      verdict: async () => {
        await measuring;
        await measure();
        return hit;
      },
    };
  }
}
