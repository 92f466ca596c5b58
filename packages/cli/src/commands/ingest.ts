import path from "node:path";
import { StoreBusyError, withStore } from "@sera/core";
import { collectForeign, ForeignInputError, loadForeignBatch, writeForeignBatch } from "@sera/training";
import { UsageError } from "../errors.js";
import { resolveStore } from "../store.js";
import { defineCommand } from "../command.js";
import { storeOptions } from "../options.js";

/**
 * `sera ingest <path>`: trajectories made elsewhere (SWE-agent, mini-swe-agent, predictions, SFT
 * JSONL) into the same tables as generated ones. Every file is parsed before anything is written,
 * so bad input records nothing. This process is the store's only writer while it ingests; if a
 * coordinator keeps the store busy past the wait, it gives up with one line.
 */

export async function ingestCommand(args: { path: string; store?: string; experiment?: string; waitSeconds?: number; json?: boolean }): Promise<number> {
  let batch;
  try {
    batch = collectForeign(args.path);
  } catch (error) {
    if (error instanceof ForeignInputError) throw new UsageError(error.message);
    throw error;
  }
  const { file } = resolveStore(args);
  const summary = writeForeignBatch(batch, path.join(path.dirname(file), "ingested"));
  const waitMs = (args.waitSeconds ?? 60) * 1000;
  try {
    await withStore(file, { waitMs }, (store) => loadForeignBatch(store.connection, summary.id, summary.dir));
  } catch (error) {
    if (error instanceof StoreBusyError)
      throw new UsageError(
        `${file}: another process (a running experiment's coordinator?) kept the store busy for ${Math.round(waitMs / 1000)} s; nothing was ingested, try again when it is idle`,
      );
    throw error;
  }
  if (args.json) {
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    return 0;
  }
  const relative = (p: string) => path.relative(process.cwd(), p) || ".";
  process.stdout.write(
    `ingested ${summary.trajectories} trajectories (${summary.messages} messages) and ${summary.predictions} predictions from ${summary.files} files ` +
      `[${summary.formats.join(", ")}] as ${summary.id}\n` +
      (summary.skipped.length
        ? `skipped ${summary.skipped.length} files of no known shape: ${summary.skipped.slice(0, 5).join(", ")}${summary.skipped.length > 5 ? ", …" : ""}\n`
        : "") +
      `store: ${relative(file)}  copies: ${relative(summary.dir)}\n` +
      `try: sera query --store ${relative(file)} "SELECT instance_id, exit_status, steps FROM rollouts WHERE run_id = '${summary.id}'"\n` +
      `     sera dataset build --from-run ${summary.id} --store ${relative(file)}\n`,
  );
  return 0;
}

export const ingestCli = defineCommand(
  "ingest <path>",
  "record foreign trajectories (SWE-agent .traj/.pred/preds.json, mini-swe-agent .traj.json, SFT JSONL; a file or a directory) in the store",
  (y) =>
    y
      .positional("path", { type: "string", demandOption: true })
      .options(storeOptions)
      .option("wait", { type: "number", default: 60, describe: "seconds to wait while a coordinator holds the store" })
      .option("json", { type: "boolean" }),
  (a) => ingestCommand({ path: a.path, store: a.store, experiment: a.experiment, waitSeconds: a.wait, json: a.json }),
);
