export { changedLines, patchSize } from "./changed-lines.js";
export type { ChangedLine, ChangedLines, ChangedLinesOptions, DiffParseMode, PatchFile, PatchSizeOptions } from "./changed-lines.js";
export { patchRecall, DEFAULT_RECALL_THRESHOLD } from "./recall.js";
export type { PatchRecall, PatchRecallOptions, RecallVerdict } from "./recall.js";
