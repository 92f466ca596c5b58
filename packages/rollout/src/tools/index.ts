export { DEFAULT_BASH_MAX_OUTPUT_CHARS, DEFAULT_BASH_TIMEOUT_MS, NO_OUTPUT_NOTE, runBashTool, type BashToolOptions } from "./bash-tool.js";
export {
  alreadyExistsMessage,
  ambiguousMatchMessage,
  createdMessage,
  directoryViewHeader,
  editedMessage,
  lineNumberAt,
  notVerbatimMessage,
  numberLines,
  occurrenceOffsets,
  splitLines,
  textAfterInsert,
  undoneMessage,
  viewHeader,
} from "./editor-text.js";
export { DEFAULT_EDITOR_MAX_OUTPUT_CHARS, editorArgumentsSchema, FileEditor, type EditorArguments } from "./file-editor.js";
export { reviewMessage, SubmitStep } from "./submit-tool.js";
export { BASH_TOOL, STR_REPLACE_EDITOR_TOOL, SUBMIT_TOOL, toolDefinitions, type FunctionToolDefinition } from "./tool-definitions.js";
export { createToolbox, type Toolbox, type ToolboxOptions } from "./toolbox.js";
export type { ToolCallRequest, ToolResult } from "./tool-result.js";
