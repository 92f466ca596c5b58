import type { CodeFolderChoice } from "./code-folder.js";

/** Languages the inventory can parse; each has one rules module under `languages/`. */
export const SOURCE_LANGUAGES = ["python", "typescript", "javascript", "go", "rust", "java"] as const;
export type SourceLanguage = (typeof SOURCE_LANGUAGES)[number];

export type FunctionKind = "function" | "method" | "constructor";

/** One function or method found in a repository at a commit. Lines are 1-based and inclusive. */
export interface FunctionEntry {
  /** Path relative to the repository root, with forward slashes. */
  file: string;
  /** Enclosing type/module names and the function name joined with "." in every language. */
  qualifiedName: string;
  kind: FunctionKind;
  startLine: number;
  endLine: number;
  language: SourceLanguage;
}

/** Why files (or single definitions) were left out of an inventory. */
export interface InventorySkips {
  /** Files whose extension maps to no enabled language. */
  otherLanguage: number;
  /** Files outside `codeFolder`. */
  outsideCodeFolder: number;
  /** Files matched by a skip glob (tests, vendored and generated code by default). */
  skipGlob: number;
  /** Files left out by SERA's test rule: the path contains `tests` (see `seraTestRule`). */
  seraTestRule: number;
  /** Files matched by no include glob (only when `includeGlobs` is given). */
  notIncluded: number;
  /** Files nested deeper than `maxFolderDepth`. */
  tooDeep: number;
  /** Files larger than `maxFileBytes`. */
  tooLarge: number;
  /** Files that are not valid UTF-8 text or that the parser could not handle at all. */
  parseError: number;
  /** Definitions dropped because their own syntax tree holds an error node. */
  definitionsWithSyntaxErrors: number;
  /**
   * Files parsed with syntax errors (still listed). Error recovery can swallow whole definitions
   * into an error node, so these files may miss functions.
   */
  filesWithSyntaxErrors: number;
}

export interface InventoryResult {
  /** The full SHA the inventory was read at. */
  commit: string;
  /** The folder depth counted from, and why it was chosen. */
  codeFolder: CodeFolderChoice;
  /** Sorted by file, then start line. */
  functions: FunctionEntry[];
  counts: Record<SourceLanguage, number>;
  /** Files parsed (per language counts are in `counts`). */
  filesParsed: number;
  skipped: InventorySkips;
}

export interface InventoryOptions {
  /** Languages to list; default all. */
  languages?: readonly SourceLanguage[];
  /** Globs over repository-relative paths; a match skips the file. Replaces the defaults when given. */
  skipGlobs?: readonly string[];
  /** When given, a file must match at least one of these globs. */
  includeGlobs?: readonly string[];
  /** Deepest folder level kept below the code folder; 1 = files directly in it; 0 = no limit. Default 3 (SERA). */
  maxFolderDepth?: number;
  /**
   * Folder (relative to the repository root) holding the code; "" or "." is the root. Default:
   * detected as SERA does — `<name>/`, `<name lowercased>/`, `src/<name>/`, `src/` — then sera's
   * additions (`lib/<name>/` and dash/underscore variants), else the root. See `detectCodeFolder`.
   */
  codeFolder?: string;
  /** Name the code folder is looked for by; default the repository folder's name (last part of `org/name`). */
  repoName?: string;
  /** Also skip any path containing `tests`, SERA's rule (on top of the skip globs). Default true. */
  seraTestRule?: boolean;
  /** Files above this size are skipped; default 1 MiB. */
  maxFileBytes?: number;
}

/** Tests, vendored and generated code: none of it is a useful start function for a rollout. */
export const DEFAULT_SKIP_GLOBS: readonly string[] = [
  "**/test/**",
  "**/tests/**",
  "**/test_*.py",
  "**/*_test.py",
  "**/conftest.py",
  "**/*_test.go",
  "**/*.test.ts",
  "**/*.spec.ts",
  "**/*.test.js",
  "**/vendor/**",
  "**/node_modules/**",
  "**/third_party/**",
  "**/*.pb.go",
  "**/*_pb2.py",
  "**/generated/**",
  "**/dist/**",
  "**/build/**",
  "**/*.min.js",
];

export const DEFAULT_MAX_FOLDER_DEPTH = 3;
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
