export { changedLines, patchSize, patchStatistics } from "./changed-lines.js";
export type { ChangedLine, ChangedLines, ChangedLinesOptions, DiffParseMode, PatchFile, PatchSizeOptions, PatchStatistics } from "./changed-lines.js";
export { patchRecall, DEFAULT_RECALL_THRESHOLD } from "./recall.js";
export type { PatchRecall, PatchRecallOptions, RecallVerdict } from "./recall.js";
