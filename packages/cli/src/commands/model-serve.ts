import { startScriptedModelServer } from "@sera/rollout";
import { UsageError } from "../errors.js";
import { defineCommand } from "../command.js";

/** `sera model serve --scripted`: the scripted stand-in teacher as a standalone server. */
export async function modelServeCommand(args: {
  scripted?: boolean;
  port: number;
  host: string;
  seed: number;
  latencyMs: number;
  fault5xx: number;
  faultTimeout: number;
  faultMalformed: number;
  faultHangingStream: number;
  rejectRate: number;
  divergenceRate: number;
  testCommand?: string;
  impersonate?: string;
  thinkingInContent?: boolean;
}): Promise<number> {
  if (!args.scripted) throw new UsageError("model serve: only --scripted is available (a deterministic stand-in; serve real models with vLLM or SGLang)");
  const server = await startScriptedModelServer({
    port: args.port,
    host: args.host,
    seed: args.seed,
    latencyMsPerTurn: args.latencyMs,
    rejectRate: args.rejectRate,
    divergenceRate: args.divergenceRate,
    testCommand: args.testCommand,
    impersonate: args.impersonate,
    thinkingInContent: args.thinkingInContent,
    faults: {
      http5xxRate: args.fault5xx,
      timeoutRate: args.faultTimeout,
      malformedToolCallRate: args.faultMalformed,
      hangingStreamRate: args.faultHangingStream,
    },
  });
  const posing = args.impersonate ? ` impersonating ${args.impersonate} (its data is still marked stand-in)` : "";
  process.stdout.write(
    `scripted stand-in model (deterministic, not an LLM)${posing} listening on ${server.url}\nuse it as teacher.endpoints: [${server.url}] with model: ${server.model}; Ctrl-C stops it\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  const stats = server.stats();
  await server.close();
  process.stdout.write(`served ${stats.completed} requests (${stats.faults.http5xx} injected 5xx, ${stats.faults.timeout} timeouts)\n`);
  return 0;
}

export const modelServeCli = defineCommand(
  "serve",
  "serve the scripted stand-in model (OpenAI-compatible, deterministic; for tests and offline demos)",
  (y) =>
    y
      .option("scripted", { type: "boolean", describe: "required: the stand-in is the only built-in server" })
      .option("port", { type: "number", default: 8000 })
      .option("host", { type: "string", default: "127.0.0.1" })
      .option("seed", { type: "number", default: 0 })
      .option("latency-ms", { type: "number", default: 0 })
      .option("fault-5xx", { type: "number", default: 0 })
      .option("fault-timeout", { type: "number", default: 0 })
      .option("fault-malformed", { type: "number", default: 0 })
      .option("fault-hanging-stream", { type: "number", default: 0 })
      .option("reject-rate", { type: "number", default: 0.02 })
      .option("divergence-rate", { type: "number", default: 0 })
      .option("test-command", {
        type: "string",
        describe: "run this shell command first in every located rollout, as a teacher reproducing the bug would (e.g. the repository's tests)",
      })
      .option("impersonate", {
        type: "string",
        describe: "also answer to this model name (e.g. the teacher an experiment names, for a dry run); every row it feeds is still marked stand-in",
      })
      .option("thinking-in-content", {
        type: "boolean",
        default: false,
        describe: "answer like a server without a reasoning parser (SERA's GLM-4.5-Air set-up): thinking as <think>…</think> in content",
      }),
  (a) =>
    modelServeCommand({
      scripted: a.scripted,
      port: a.port,
      host: a.host,
      seed: a.seed,
      latencyMs: a.latencyMs,
      fault5xx: a.fault5xx,
      faultTimeout: a.faultTimeout,
      faultMalformed: a.faultMalformed,
      faultHangingStream: a.faultHangingStream,
      rejectRate: a.rejectRate,
      divergenceRate: a.divergenceRate,
      testCommand: a.testCommand,
      impersonate: a.impersonate,
      thinkingInContent: a.thinkingInContent,
    }),
);
