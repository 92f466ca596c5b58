import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { shellQuote } from "@sera/core";
import { freePort, startModelServer, vllmServeArgv } from "@sera/evaluation";
import { UsageError } from "../errors.js";
import { readStore, queryRows, resolveStore } from "../store.js";
import { ingestedLines, launchProxy } from "./proxy.js";
import { defineCommand } from "../command.js";
import { storeOptions } from "../options.js";

export interface ClaudeArgs {
  endpoint?: string;
  checkpoint?: string;
  launch?: boolean;
  model?: string;
  port: number;
  record?: boolean;
  store?: string;
  experiment?: string;
  apiKeyEnv?: string;
  vllmPort: number;
  maxModelLen: number;
  tensorParallel: number;
  /** The Claude Code executable: --claude-bin, else `claude` on PATH. */
  claudeBin?: string;
  claudeArgs: string[];
}

/** The servable final model of a training run (an id prefix is enough), from the store's checkpoints table. */
async function finalModelOf(args: ClaudeArgs, runId: string): Promise<{ path: string; standIn: boolean }> {
  const { file } = resolveStore(args);
  const rows = await readStore(file, (store) =>
    queryRows(store, "SELECT run_id, path, stand_in FROM checkpoints WHERE run_id LIKE ? AND is_final ORDER BY run_id", [`${runId}%`]),
  );
  const runs = [...new Set(rows.map((row) => String(row.run_id)))];
  if (runs.length === 0)
    throw new UsageError(
      `--checkpoint ${runId}: no training run with a final model in ${file}; see sera query "SELECT run_id, path FROM checkpoints WHERE is_final"`,
    );
  if (runs.length > 1)
    throw new UsageError(`--checkpoint ${runId}: the prefix matches ${runs.length} training runs (${runs.slice(0, 3).join(", ")}…); give more of the id`);
  return { path: String(rows[0].path), standIn: rows[0].stand_in === true };
}

function environmentFor(baseUrl: string, model: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANTHROPIC_BASE_URL: baseUrl,
    // Claude Code insists on a key; the proxy ignores it.
    ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY ?? "sera-proxy",
    ANTHROPIC_MODEL: model,
    ANTHROPIC_SMALL_FAST_MODEL: model,
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  };
}

/**
 * `sera claude`: Claude Code on a SERA model. Starts `sera proxy` in this process in front of
 * --endpoint (or, with --checkpoint, of the vLLM server for that training run's final model: the
 * command is printed, and started here with --launch), runs `claude` pointed at the proxy, and
 * exits with Claude Code's status. With --record the session is ingested when Claude Code exits.
 */
export async function claudeCommand(args: ClaudeArgs): Promise<number> {
  if (!args.endpoint && !args.checkpoint) throw new UsageError("sera claude: give --endpoint <OpenAI-compatible URL> or --checkpoint <train run id>");
  if (args.endpoint && args.checkpoint) throw new UsageError("sera claude: --endpoint and --checkpoint exclude each other");
  let endpoint = args.endpoint ?? "";
  let model = args.model;
  let stopServer: (() => Promise<void>) | undefined;
  if (args.checkpoint) {
    const final = await finalModelOf(args, args.checkpoint);
    if (final.standIn) process.stderr.write(`sera claude: ${final.path} is a CPU stand-in checkpoint (not a model); vLLM cannot serve it\n`);
    model ??= "sera";
    const port = args.launch ? await freePort() : args.vllmPort;
    const argv = vllmServeArgv({
      checkpoint: final.path,
      servedName: model,
      host: "127.0.0.1",
      port,
      maxModelLen: args.maxModelLen,
      tensorParallel: args.tensorParallel,
      enforceEager: false,
      seed: null,
      extraArgs: [],
    });
    const command = argv.map(shellQuote).join(" ");
    endpoint = `http://127.0.0.1:${port}/v1`;
    if (!args.launch) {
      process.stdout.write(`serve the checkpoint with:\n  ${command}\nsera claude talks to ${endpoint}; add --launch to start it here\n`);
    } else {
      process.stderr.write(`sera claude: starting ${command}\n`);
      const abort = new AbortController();
      const served = await startModelServer({
        shellCommand: command,
        host: "127.0.0.1",
        port,
        logFile: path.join(os.tmpdir(), `sera-claude-vllm-${port}.log`),
        startupTimeoutSeconds: 1800,
        signal: abort.signal,
      });
      stopServer = () => served.stop();
    }
  }
  const claude = args.claudeBin ?? "claude";
  if (args.claudeBin && !existsSync(args.claudeBin)) throw new UsageError(`--claude-bin ${args.claudeBin}: no such file`);
  try {
    const { proxy, model: served } = await launchProxy({ ...args, endpoint, model, host: "127.0.0.1", quiet: true }, () => {});
    const status = await new Promise<number>((resolve, reject) => {
      const child = spawn(claude, args.claudeArgs, { stdio: "inherit", env: { ...environmentFor(proxy.url, served) } });
      child.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          error.code === "ENOENT"
            ? new UsageError(`${claude}: Claude Code is not installed here (npm i -g @anthropic-ai/claude-code, or pass --claude-bin)`)
            : error,
        ),
      );
      child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
    }).finally(async () => {
      const ingested = await proxy.close();
      process.stderr.write(ingestedLines(ingested));
    });
    return status;
  } finally {
    await stopServer?.();
  }
}

export const claudeCli = defineCommand(
  "claude",
  "run Claude Code on a SERA model through sera proxy: sera claude --endpoint URL [-- claude args]",
  (y) =>
    y
      .option("endpoint", { type: "string", describe: "the model server's OpenAI-compatible base URL" })
      .option("checkpoint", {
        type: "string",
        describe: "a sera-train run id (prefix): print (or --launch) the vLLM command for its final model and use it",
      })
      .option("launch", { type: "boolean", describe: "with --checkpoint: start vLLM here and stop it when Claude Code exits" })
      .option("model", { type: "string", describe: "served model name (default: the endpoint's, or sera)" })
      .option("port", { type: "number", default: 0, describe: "proxy port (default: a free one)" })
      .option("record", { type: "boolean", describe: "ingest the session into the store when Claude Code exits" })
      .option("api-key-env", { type: "string" })
      .option("vllm-port", { type: "number", default: 8000 })
      .option("max-model-len", { type: "number", default: 32768 })
      .option("tensor-parallel", { type: "number", default: 1 })
      .option("claude-bin", { type: "string", describe: "the Claude Code executable (default: claude on PATH)" })
      .options(storeOptions),
  (a) =>
    claudeCommand({
      endpoint: a.endpoint,
      checkpoint: a.checkpoint,
      launch: a.launch,
      model: a.model,
      port: a.port,
      record: a.record,
      store: a.store,
      experiment: a.experiment,
      apiKeyEnv: a.apiKeyEnv,
      vllmPort: a.vllmPort,
      maxModelLen: a.maxModelLen,
      tensorParallel: a.tensorParallel,
      claudeBin: a.claudeBin,
      claudeArgs: a._.slice(1).map(String),
    }),
);
