import { defineGroup, type SeraCommand } from "../command.js";
import { claudeCli } from "./claude.js";
import { datasetBuildCli } from "./dataset-build.js";
import { datasetStatsCli } from "./dataset-stats.js";
import { evalCli } from "./eval.js";
import { ingestCli } from "./ingest.js";
import { initCli } from "./init.js";
import { inventoryCli } from "./inventory.js";
import { modelServeCli } from "./model-serve.js";
import { planCli } from "./plan.js";
import { proxyCli } from "./proxy.js";
import { queryCli } from "./query.js";
import { quickstartCli } from "./quickstart.js";
import { reportCli } from "./report.js";
import { runCli } from "./run.js";
import { runsShowCli } from "./runs-show.js";
import { statusCli } from "./status.js";
import { trainDryRunCli, trainStandInCli } from "./train.js";
import { verifyCli } from "./verify.js";

/** Every command, in the order `sera --help` lists them; each is defined in its own module here. */
export const allCommands: readonly SeraCommand[] = [
  quickstartCli,
  initCli,
  planCli,
  runCli,
  statusCli,
  queryCli,
  reportCli,
  inventoryCli,
  verifyCli,
  defineGroup("model", "model endpoints", [modelServeCli], "name a model subcommand, e.g. sera model serve --scripted"),
  defineGroup(
    "dataset",
    "SFT datasets from generated (or ingested) trajectories",
    [datasetBuildCli, datasetStatsCli],
    "name a dataset subcommand, e.g. sera dataset build --from-run <id>",
  ),
  ingestCli,
  proxyCli,
  claudeCli,
  defineGroup("train", "training runs: preview their trainer configs and job scripts, or play the CPU stand-in trainer", [trainDryRunCli, trainStandInCli]),
  evalCli,
  defineGroup("runs", "inspect runs", [runsShowCli], "name a runs subcommand, e.g. sera runs show <id>"),
];
