import path from "node:path";
import { SessionRecorder, startProxy, type ProxyServer } from "@sera/proxy";
import type { ForeignSummary } from "@sera/training";
import { UsageError } from "../errors.js";
import { resolveStore } from "../store.js";
import { defineCommand } from "../command.js";
import { storeOptions } from "../options.js";

export interface ProxyArgs {
  endpoint: string;
  model?: string;
  port: number;
  host: string;
  workdir?: string;
  record?: boolean;
  store?: string;
  experiment?: string;
  /** Name of the environment variable that holds the model server's API key (the key itself is never printed). */
  apiKeyEnv?: string;
  quiet?: boolean;
}

/** The served model's name: --model, else the only (first) model the endpoint lists. */
export async function servedModelName(endpoint: string, model: string | undefined): Promise<string> {
  if (model) return model;
  const url = `${endpoint.replace(/\/+$/, "")}/models`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    const id = body.data?.[0]?.id;
    if (typeof id === "string") return id;
  } catch {
    // fall through to the usage error
  }
  throw new UsageError(`--endpoint ${endpoint}: ${url} did not list a model; start the server first or pass --model <served name>`);
}

function checkEndpoint(endpoint: string): void {
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint ${endpoint}: not a URL; give the OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UsageError(`--endpoint ${endpoint}: must be http:// or https://`);
}

/** Starts the proxy (and its session recorder with --record) as `sera proxy` and `sera claude` both do. */
export async function launchProxy(args: ProxyArgs, log: (line: string) => void): Promise<{ proxy: ProxyServer; model: string; recorder?: SessionRecorder }> {
  checkEndpoint(args.endpoint);
  const model = await servedModelName(args.endpoint, args.model);
  let recorder: SessionRecorder | undefined;
  if (args.record) {
    const { file } = resolveStore(args);
    recorder = new SessionRecorder(path.join(path.dirname(file), "claude-code-sessions"), file);
  }
  const apiKey = args.apiKeyEnv ? process.env[args.apiKeyEnv] : undefined;
  if (args.apiKeyEnv && !apiKey) throw new UsageError(`--api-key-env ${args.apiKeyEnv}: that environment variable is not set`);
  const proxy = await startProxy({
    endpoint: args.endpoint,
    apiKey,
    model,
    workdir: path.resolve(args.workdir ?? process.cwd()),
    port: args.port,
    host: args.host,
    recorder,
    log,
  });
  return { proxy, model, recorder };
}

/** `sera proxy`: serve the Anthropic Messages API for Claude Code in front of a SERA model until interrupted. */
export async function proxyCommand(args: ProxyArgs): Promise<number> {
  const log = (line: string) => {
    if (!args.quiet) process.stderr.write(`sera proxy: ${line}\n`);
  };
  const { proxy, model, recorder } = await launchProxy(args, log);
  process.stdout.write(
    `sera proxy listening on ${proxy.url} (model ${model} at ${args.endpoint})\n` +
      `use it from Claude Code:\n  ANTHROPIC_BASE_URL=${proxy.url} ANTHROPIC_API_KEY=unused ANTHROPIC_MODEL=${model} ` +
      `DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 claude\n` +
      (recorder ? `sessions are recorded under ${recorder.dir} and ingested into ${recorder.storeFile} when the proxy stops\n` : ""),
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  const stats = proxy.stats();
  const ingested = await proxy.close();
  process.stdout.write(`served ${stats.turns} turns (${stats.errors} errors)\n${ingestedLines(ingested)}`);
  return 0;
}

/** One line per recorded session that went into the store. */
export function ingestedLines(ingested: readonly ForeignSummary[]): string {
  return ingested.map((summary) => `recorded session ingested as ${summary.id} (${summary.trajectories} trajectory, ${summary.messages} messages)\n`).join("");
}

export const proxyCli = defineCommand(
  "proxy",
  "serve the Anthropic Messages API for Claude Code in front of a SERA model on an OpenAI-compatible server (vLLM, SGLang)",
  (y) =>
    y
      .option("endpoint", { type: "string", demandOption: true, describe: "the model server's OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1" })
      .option("model", { type: "string", describe: "served model name (default: the one the endpoint lists)" })
      .option("port", { type: "number", default: 8082 })
      .option("host", { type: "string", default: "127.0.0.1" })
      .option("workdir", { type: "string", describe: "the repository /testbed stands for when Claude Code does not say (default: here)" })
      .option("record", { type: "boolean", describe: "keep each session as a trajectory and ingest it into the store when the proxy stops" })
      .option("api-key-env", { type: "string", describe: "environment variable holding the model server's API key" })
      .option("quiet", { type: "boolean" })
      .options(storeOptions),
  (a) =>
    proxyCommand({
      endpoint: a.endpoint,
      model: a.model,
      port: a.port,
      host: a.host,
      workdir: a.workdir,
      record: a.record,
      store: a.store,
      experiment: a.experiment,
      apiKeyEnv: a.apiKeyEnv,
      quiet: a.quiet,
    }),
);
