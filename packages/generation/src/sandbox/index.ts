export { bwrapAvailable, SANDBOX_WORKDIR } from "./bwrapCommand.js";
export { createSyntheticRepo, measureSandboxCycle, type SandboxCycleOptions, type SandboxCycleReport, type TimingSummary } from "./cycleBenchmark.js";
export { DEFAULT_SANDBOX_LIMITS, type LimitHit, type LimitKind } from "./limits.js";
export { elideMiddle, HeadTailCapture } from "./outputCapture.js";
export { patchWithoutBinaryFiles } from "./patchFilter.js";
export { SandboxPathError } from "./pathMapping.js";
export { CACHE_DIR_ENV, defaultCacheRoot, defaultSandboxRoot, ensurePrivateDir, PrivateDirError, SANDBOX_DIR_ENV } from "./privateDir.js";
export {
  createSandbox,
  type CreateSandboxOptions,
  type ExecOptions,
  type ExecResult,
  type Isolation,
  type Sandbox,
  type SandboxLimits,
  type SandboxTemplate,
} from "./sandbox.js";
export { sweepStaleSandboxes } from "./sandboxOwner.js";
export { prepareSource, SANDBOX_GIT_IDENTITY, type PreparedSource } from "./source.js";
