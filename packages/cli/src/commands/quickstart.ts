import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { loadExperiment } from "@sera/core";
import { startScriptedModelServer } from "@sera/rollout";
import { stringify } from "yaml";
import { formatTable } from "../table.js";
import { queryRows, readStore } from "../store.js";
import { runWithDisplay } from "./run.js";
import { defineCommand } from "../command.js";

/**
 * `sera quickstart`: the whole SERA generation pipeline, offline, on a small bundled Python
 * repository, with the scripted stand-in model playing the teacher (no LLM runs here). It writes
 * a normal experiment file, runs it through the spine, and summarises the tables it filled.
 * Running it again resumes: finished instances are not generated twice, also after a kill -9.
 */

const demoRepo = path.join(path.dirname(createRequire(import.meta.url).resolve("@sera/generation/package.json")), "demo-repo");

/** Copy the demo repository and commit it with a fixed identity and date, so its SHA (and every run id) is the same on any machine. */
function prepareDemoRepo(target: string): void {
  if (existsSync(path.join(target, ".git"))) return;
  cpSync(demoRepo, target, { recursive: true });
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "sera quickstart",
    GIT_AUTHOR_EMAIL: "quickstart@sera.invalid",
    GIT_COMMITTER_NAME: "sera quickstart",
    GIT_COMMITTER_EMAIL: "quickstart@sera.invalid",
    GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
    GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
  };
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args], { cwd: target, env, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "stockroom demo repository");
}

export interface QuickstartArgs {
  dir: string;
  functions: number;
  concurrency: number;
  latencyMs: number;
  seeds: number;
}

export async function quickstartCommand(args: QuickstartArgs): Promise<number> {
  const dir = path.resolve(args.dir);
  mkdirSync(dir, { recursive: true });
  const repo = path.join(dir, "stockroom");
  prepareDemoRepo(repo);
  // Some rollout-2 edits diverge and some self-checks say no, so the demo shows verification doing its job.
  const server = await startScriptedModelServer({ seed: 0, latencyMsPerTurn: args.latencyMs, divergenceRate: 0.25, rejectRate: 0.05 });
  process.stdout.write(`scripted stand-in model (not an LLM) serving on ${server.url}\n`);
  const experimentFile = path.join(dir, "quickstart.yaml");
  const relative = (p: string) => path.relative(process.cwd(), p) || ".";
  const experiment = {
    name: "quickstart",
    description: "SERA generation on the bundled stockroom repository with the scripted stand-in teacher (offline demo).",
    store: relative(path.join(dir, "..", "sera.duckdb")),
    backend: { kind: "local", concurrency: 1 },
    executor: { retries: 1, timeoutSeconds: 1800 },
    stages: {
      generate: {
        kind: "sera-generate",
        params: {
          repo: relative(repo),
          repoName: "stockroom",
          commits: { count: 1, lookbackDays: 36500 },
          functionsPerRepo: args.functions,
          teacher: { model: "scripted-stand-in", endpoints: [server.url], scriptedStandIn: true, concurrencyPerEndpoint: 64 },
          agent: { maxSteps: 30 },
          verification: { threshold: 0.5 },
          concurrency: args.concurrency,
        },
      },
    },
    sweep: { seeds: args.seeds },
  };
  writeFileSync(experimentFile, `# Written by sera quickstart; the endpoint changes every time (it is not part of run ids).\n${stringify(experiment)}`);
  try {
    const loaded = loadExperiment(experimentFile);
    // The scripted teacher lives in this process: a worker left behind by a killed quickstart would
    // only call a dead port, so workers stop with it and the next quickstart starts them afresh.
    const report = await runWithDisplay(loaded, { stopWorkersWithCoordinator: true });
    await summarise(report.store);
    process.stdout.write(
      `\nexperiment file: ${relative(experimentFile)}\nstore (DuckDB): ${relative(report.store)}\n` +
        `try: sera query --store ${relative(report.store)} "SELECT status, failure_reason, count(*) FROM instances GROUP BY ALL"\n`,
    );
    return report.exitCode;
  } finally {
    await server.close();
  }
}

async function summarise(store: string): Promise<void> {
  await readStore(store, async (s) => {
    const summary = await queryRows(
      s,
      `SELECT count(*)::INTEGER AS instances,
              count(*) FILTER (WHERE instances.status = 'verified')::INTEGER AS verified,
              count(*) FILTER (WHERE instances.status = 'unverified')::INTEGER AS unverified,
              count(*) FILTER (WHERE instances.status = 'failed')::INTEGER AS failed,
              round(avg(recall), 3) AS mean_recall
       FROM instances JOIN runs ON runs.id = instances.run_id WHERE runs.experiment = 'quickstart'`,
    );
    const rollouts = await queryRows(
      s,
      `SELECT phase, count(*)::INTEGER AS rollouts, round(avg(steps), 1) AS mean_steps,
              sum(input_tokens)::BIGINT AS input_tokens, sum(output_tokens)::BIGINT AS output_tokens
       FROM rollouts JOIN runs ON runs.id = rollouts.run_id WHERE runs.experiment = 'quickstart' GROUP BY phase ORDER BY phase`,
    );
    process.stdout.write(`\n${formatTable(summary)}\n\n${formatTable(rollouts)}\n`);
  });
}

export const quickstartCli = defineCommand(
  "quickstart",
  "run the whole SERA pipeline offline on a bundled demo repository with the scripted stand-in model",
  (y) =>
    y
      .option("dir", { type: "string", default: ".sera/quickstart", describe: "where the demo repository and experiment file go" })
      .option("functions", { type: "number", default: 12, describe: "functions to sample from the demo repository" })
      .option("concurrency", { type: "number", default: 4, describe: "instances in flight" })
      .option("latency-ms", { type: "number", default: 0, describe: "scripted model latency per turn" })
      .option("seeds", { type: "number", default: 1 }),
  (a) => quickstartCommand({ dir: a.dir, functions: a.functions, concurrency: a.concurrency, latencyMs: a.latencyMs, seeds: a.seeds }),
);
