import { inventory, SOURCE_LANGUAGES, type SourceLanguage } from "@sera/generation";
import { UsageError } from "../errors.js";
import { formatTable } from "../table.js";
import { defineCommand } from "../command.js";

/** `sera inventory <repo>`: the functions SERA would sample from, per language, with a sample. */
export async function inventoryCommand(args: {
  repo: string;
  commit: string;
  json?: boolean;
  languages?: string[];
  maxDepth: number;
  codeFolder?: string;
  sample: number;
}): Promise<number> {
  const languages = args.languages?.map((l) => {
    if (!(SOURCE_LANGUAGES as readonly string[]).includes(l))
      throw new UsageError(`--languages: unknown language ${JSON.stringify(l)} (known: ${SOURCE_LANGUAGES.join(", ")})`);
    return l as SourceLanguage;
  });
  let result;
  try {
    result = await inventory(args.repo, args.commit, { languages, maxFolderDepth: args.maxDepth, codeFolder: args.codeFolder });
  } catch (error) {
    const message = (error as Error).message.split("\n")[0];
    // Messages about the repository itself already name it; others get it as a prefix.
    throw new UsageError(message.includes(args.repo) ? message : `${args.repo}: ${message}`);
  }
  if (args.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    return 0;
  }
  const counts = Object.entries(result.counts)
    .filter(([, n]) => n > 0)
    .map(([language, functions]) => ({ language, functions }));
  process.stdout.write(`${args.repo} @ ${result.commit.slice(0, 12)}: ${result.functions.length} functions in ${result.filesParsed} files\n`);
  const folder = result.codeFolder.path === "" ? "(repository root)" : `${result.codeFolder.path}/`;
  process.stdout.write(
    `code folder: ${folder} — ${result.codeFolder.source}: ${result.codeFolder.reason}; depth ≤ ${args.maxDepth || "unlimited"} counted inside it\n\n${formatTable(counts)}\n`,
  );
  const skipped = Object.entries(result.skipped)
    .filter(([, n]) => n > 0)
    .map(([reason, files]) => `${reason} ${files}`);
  if (skipped.length) process.stdout.write(`\nskipped: ${skipped.join(", ")}\n`);
  const step = Math.max(1, Math.floor(result.functions.length / Math.max(args.sample, 1)));
  const sample = result.functions.filter((_, i) => i % step === 0).slice(0, args.sample);
  if (sample.length) {
    process.stdout.write(
      `\nsample:\n${formatTable(sample.map((f) => ({ file: f.file, function: f.qualifiedName, kind: f.kind, lines: `${f.startLine}-${f.endLine}` })))}\n`,
    );
  }
  return 0;
}

export const inventoryCli = defineCommand(
  "inventory <repo>",
  "list the functions and methods SERA can sample from a repository (tree-sitter; read from git)",
  (y) =>
    y
      .positional("repo", { type: "string", demandOption: true })
      .option("commit", { type: "string", default: "HEAD" })
      .option("languages", { type: "string", array: true })
      .option("max-depth", { type: "number", default: 3, describe: "folder depth below the code folder; 0 = no limit" })
      .option("code-folder", { type: "string" })
      .option("sample", { type: "number", default: 10 })
      .option("json", { type: "boolean" }),
  (a) =>
    inventoryCommand({
      repo: a.repo,
      commit: a.commit,
      languages: a.languages,
      maxDepth: a.maxDepth,
      codeFolder: a.codeFolder,
      sample: a.sample,
      json: a.json,
    }),
);
