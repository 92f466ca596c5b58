/**
 * The vLLM command that serves a trained student the way SERA's evaluations did
 * (training-recipe.md, "Serving and evaluation"): hermes tool-call parsing with automatic tool
 * choice — without it vLLM answers `tool_choice: "auto"` with a 400 — and a context window equal
 * to the evaluation's context length (32,768, or 65,536 for the 64K evaluations; the model is
 * trained at 32K only). The reference script also passes --enforce-eager.
 */

export interface VllmServeOptions {
  checkpoint: string;
  servedName: string;
  host: string;
  port: number;
  maxModelLen: number;
  tensorParallel: number;
  enforceEager: boolean;
  seed: number | null;
  extraArgs: string[];
}

export function vllmServeArgv(options: VllmServeOptions): string[] {
  const argv = [
    "vllm",
    "serve",
    options.checkpoint,
    "--served-model-name",
    options.servedName,
    "--host",
    options.host,
    "--port",
    String(options.port),
    "--enable-auto-tool-choice",
    "--tool-call-parser",
    "hermes",
    "--max-model-len",
    String(options.maxModelLen),
    "--tensor-parallel-size",
    String(options.tensorParallel),
    "--dtype",
    "bfloat16",
  ];
  if (options.enforceEager) argv.push("--enforce-eager");
  if (options.seed !== null) argv.push("--seed", String(options.seed));
  return [...argv, ...options.extraArgs];
}
