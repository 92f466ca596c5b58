export { inventory } from "./inventory.js";
export { detectCodeFolder, codeFolderName, matchesSeraTestRule, type CodeFolderChoice, type CodeFolderSource } from "./code-folder.js";
export { selectCommits, type WindowedCommitSelection, type ExplicitCommitSelection } from "./commits.js";
export {
  SOURCE_LANGUAGES,
  DEFAULT_SKIP_GLOBS,
  DEFAULT_MAX_FOLDER_DEPTH,
  DEFAULT_MAX_FILE_BYTES,
  type SourceLanguage,
  type FunctionKind,
  type FunctionEntry,
  type InventoryOptions,
  type InventoryResult,
  type InventorySkips,
} from "./types.js";
