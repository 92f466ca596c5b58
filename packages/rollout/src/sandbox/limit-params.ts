import { z } from "zod";
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from "./limits.js";

const MIB_IN_KIB = 1024;
const defaultMiB = (kib: number) => Math.floor(kib / MIB_IN_KIB);

/**
 * The `sandboxLimits` params of every stage that runs the agent (`sera-generate`, `sera-eval`), in
 * the units people think in. Each limit is on by default; see ARCHITECTURE.md (Generation → sandbox)
 * for which layer enforces which and how to choose them. Like concurrency, they protect the machine
 * rather than decide the data, so stages keep them out of the run id.
 */
export const sandboxLimitsSchema = z
  .object({
    /** Address space of each process (ulimit -v). Programs that reserve much virtual memory (JVMs, some Go tools) need more. */
    memoryMiB: z.number().int().min(64).default(defaultMiB(DEFAULT_SANDBOX_LIMITS.addressSpaceKiB)),
    /** Processes and threads of one sandbox at a time (ulimit -u). */
    processes: z.number().int().min(16).default(DEFAULT_SANDBOX_LIMITS.processes),
    /** Largest file a command may write (ulimit -f). */
    fileSizeMiB: z.number().int().min(1).default(defaultMiB(DEFAULT_SANDBOX_LIMITS.fileSizeKiB)),
    /** Size of the private /tmp, and separately of $HOME (memory-backed). */
    tmpMiB: z.number().int().min(1).default(defaultMiB(DEFAULT_SANDBOX_LIMITS.tmpKiB)),
    /** How far commands may grow the repository copy beyond the checkout. */
    copyGrowthMiB: z.number().int().min(1).default(defaultMiB(DEFAULT_SANDBOX_LIMITS.copyGrowthKiB)),
  })
  .strict();
export type SandboxLimitParams = z.infer<typeof sandboxLimitsSchema>;

/** Defaults of the whole block, for `.default(...)` where a stage's schema embeds it. */
export const DEFAULT_SANDBOX_LIMIT_PARAMS: SandboxLimitParams = sandboxLimitsSchema.parse({});

export function sandboxLimitsFromParams(params: SandboxLimitParams): SandboxLimits {
  return {
    addressSpaceKiB: params.memoryMiB * MIB_IN_KIB,
    processes: params.processes,
    fileSizeKiB: params.fileSizeMiB * MIB_IN_KIB,
    tmpKiB: params.tmpMiB * MIB_IN_KIB,
    copyGrowthKiB: params.copyGrowthMiB * MIB_IN_KIB,
  };
}
