import { startScriptedModelServer } from "@sera/generation";
import { UsageError } from "../errors.js";

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
