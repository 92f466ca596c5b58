import path from "node:path";
import { detectCodeFolder, matchesSeraTestRule, type CodeFolderChoice } from "./code-folder.js";
import { compileGlobs } from "./glob.js";
import { listBlobs, readBlobs, resolveCommit, type TreeBlob } from "./git-objects.js";
import { rulesForPath } from "./languages/index.js";
import { parserFor } from "./parsers.js";
import {
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_FOLDER_DEPTH,
  DEFAULT_SKIP_GLOBS,
  SOURCE_LANGUAGES,
  type FunctionEntry,
  type InventoryOptions,
  type InventoryResult,
  type InventorySkips,
  type SourceLanguage,
} from "./types.js";
import { walkDefinitions, type LanguageRules } from "./walker.js";

interface SourceFile {
  blob: TreeBlob;
  rules: LanguageRules;
}

/**
 * Lists the functions and methods of a repository at a commit, reading files straight from git
 * objects so no checkout is needed and the working tree is left alone. Unlike the reference
 * (a call graph), functions nobody calls are kept.
 *
 * The code folder is the configured one, else detected as SERA does (`detectCodeFolder`), and
 * folder depth counts inside it. Files are filtered in this order, each counted under the first
 * reason that applies: outside the code folder, no enabled language, skip glob, SERA's test rule
 * (a path containing `tests`), include globs, folder depth, size. Globs are matched against
 * repository-relative paths.
 */
export async function inventory(repoPath: string, commit: string, options: InventoryOptions = {}): Promise<InventoryResult> {
  const settings = resolveOptions(options);
  const sha = await resolveCommit(repoPath, commit);
  const blobs = await listBlobs(repoPath, sha);
  const skipped: InventorySkips = {
    otherLanguage: 0,
    outsideCodeFolder: 0,
    skipGlob: 0,
    seraTestRule: 0,
    notIncluded: 0,
    tooDeep: 0,
    tooLarge: 0,
    parseError: 0,
    definitionsWithSyntaxErrors: 0,
    filesWithSyntaxErrors: 0,
  };

  const codeFolder: CodeFolderChoice =
    settings.codeFolder !== undefined
      ? { path: settings.codeFolder, source: "configured", reason: "set by inventory.codeFolder / --code-folder" }
      : detectCodeFolder(
          blobs.filter((blob) => rulesForPath(blob.path, settings.languages)).map((blob) => blob.path),
          options.repoName ?? path.basename(path.resolve(repoPath)),
        );
  const prefix = codeFolder.path === "" ? "" : `${codeFolder.path}/`;
  if (prefix !== "" && !blobs.some((blob) => blob.path.startsWith(prefix))) {
    throw new Error(`code folder ${codeFolder.path} does not exist at ${sha} in ${repoPath}`);
  }

  const sources: SourceFile[] = [];
  for (const blob of blobs) {
    if (!blob.path.startsWith(prefix)) {
      skipped.outsideCodeFolder++;
      continue;
    }
    const rules = rulesForPath(blob.path, settings.languages);
    if (!rules) skipped.otherLanguage++;
    else if (settings.isSkipped(blob.path)) skipped.skipGlob++;
    else if (settings.seraTestRule && matchesSeraTestRule(blob.path)) skipped.seraTestRule++;
    else if (settings.isIncluded && !settings.isIncluded(blob.path)) skipped.notIncluded++;
    else if (settings.maxFolderDepth > 0 && folderDepth(blob.path.slice(prefix.length)) > settings.maxFolderDepth) skipped.tooDeep++;
    else if (blob.size > settings.maxFileBytes) skipped.tooLarge++;
    else sources.push({ blob, rules });
  }

  const contents = await readBlobs(
    repoPath,
    sources.map((source) => source.blob),
  );
  const functions: FunctionEntry[] = [];
  const counts = Object.fromEntries(SOURCE_LANGUAGES.map((language) => [language, 0])) as Record<SourceLanguage, number>;
  let filesParsed = 0;
  for (const { blob, rules } of sources) {
    const found = await listFileDefinitions(contents.get(blob.objectSha), rules);
    if (!found) {
      skipped.parseError++;
      continue;
    }
    filesParsed++;
    skipped.definitionsWithSyntaxErrors += found.definitionsWithSyntaxErrors;
    if (found.treeHasErrors) skipped.filesWithSyntaxErrors++;
    counts[rules.language] += found.definitions.length;
    for (const definition of found.definitions) {
      functions.push({ file: blob.path, language: rules.language, ...definition });
    }
  }
  functions.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.startLine - b.startLine));
  return { commit: sha, codeFolder, functions, counts, filesParsed, skipped };
}

/** Depth 1 = a file directly in the code folder (the spec's wildcard count). */
export function folderDepth(pathInCodeFolder: string): number {
  return pathInCodeFolder.split("/").length;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Undefined when the file is not UTF-8 text or the parser fails; one bad file never stops the run. */
async function listFileDefinitions(content: Buffer | undefined, rules: LanguageRules): Promise<ReturnType<typeof walkDefinitions> | undefined> {
  if (!content) return undefined;
  let text: string;
  try {
    text = utf8.decode(content);
  } catch {
    return undefined;
  }
  const parser = await parserFor(rules.grammar);
  let tree;
  try {
    tree = parser.parse(text);
    if (!tree) return undefined;
    return walkDefinitions(tree.rootNode, rules);
  } catch {
    return undefined;
  } finally {
    // Trees live in wasm memory, which the JS garbage collector does not free.
    tree?.delete();
  }
}

interface ResolvedOptions {
  languages: ReadonlySet<SourceLanguage>;
  isSkipped: (path: string) => boolean;
  isIncluded: ((path: string) => boolean) | undefined;
  maxFolderDepth: number;
  /** Undefined: detect it. */
  codeFolder: string | undefined;
  seraTestRule: boolean;
  maxFileBytes: number;
}

function resolveOptions(options: InventoryOptions): ResolvedOptions {
  const languages = options.languages ?? SOURCE_LANGUAGES;
  for (const language of languages) {
    if (!(SOURCE_LANGUAGES as readonly string[]).includes(language)) {
      throw new Error(`unknown inventory language ${JSON.stringify(language)}; known: ${SOURCE_LANGUAGES.join(", ")}`);
    }
  }
  const maxFolderDepth = options.maxFolderDepth ?? DEFAULT_MAX_FOLDER_DEPTH;
  if (!Number.isInteger(maxFolderDepth) || maxFolderDepth < 0) {
    throw new Error(`maxFolderDepth must be a whole number ≥ 0 (0 = no limit), got ${maxFolderDepth}`);
  }
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!(maxFileBytes > 0)) throw new Error(`maxFileBytes must be positive, got ${maxFileBytes}`);
  return {
    languages: new Set(languages),
    isSkipped: compileGlobs(options.skipGlobs ?? DEFAULT_SKIP_GLOBS),
    isIncluded: options.includeGlobs ? compileGlobs(options.includeGlobs) : undefined,
    maxFolderDepth,
    codeFolder: options.codeFolder === undefined ? undefined : normalizeCodeFolder(options.codeFolder),
    seraTestRule: options.seraTestRule ?? true,
    maxFileBytes,
  };
}

function normalizeCodeFolder(folder: string): string {
  const parts = folder
    .replace(/\\/g, "/")
    .split("/")
    .filter((part) => part !== "" && part !== ".");
  if (folder.startsWith("/") || parts.includes("..")) {
    throw new Error(`codeFolder must be a path inside the repository, got ${JSON.stringify(folder)}`);
  }
  return parts.join("/");
}
