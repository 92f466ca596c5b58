export { bwrapAvailable, SANDBOX_WORKDIR } from "./bwrap-command.js";
export { hardenedGitEnv } from "./git-run.js";
export { createSyntheticRepo, measureSandboxCycle, type SandboxCycleOptions, type SandboxCycleReport, type TimingSummary } from "./cycle-benchmark.js";
export { DEFAULT_SANDBOX_LIMITS, type LimitHit, type LimitKind } from "./limits.js";
export { elideMiddle, HeadTailCapture } from "./output-capture.js";
export { patchWithoutBinaryFiles } from "./patch-filter.js";
export { SandboxPathError } from "./path-mapping.js";
export { CACHE_DIR_ENV, defaultCacheRoot, defaultSandboxRoot, ensurePrivateDir, PrivateDirError, SANDBOX_DIR_ENV } from "./private-dir.js";
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
export { sweepStaleSandboxes } from "./sandbox-owner.js";
export { prepareSource, SANDBOX_GIT_IDENTITY, type PreparedSource } from "./source.js";
export { copyTree, treeManifest } from "./tree-copy.js";
