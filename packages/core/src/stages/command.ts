import path from "node:path";
import { z } from "zod";
import type { JobContext, StageHandler } from "./registry.js";

/**
 * The generic `command` stage: run a user's command once per sweep cell. Every key of `params`
 * other than the reserved ones below is a user parameter, exposed three ways so existing scripts
 * need no changes: `{{name}}` placeholders, SERA_PARAM_<NAME> variables and SERA_PARAMS (JSON).
 */

const reserved = ["run", "env", "outputs", "cwd"] as const;

export const commandParamsSchema = z
  .object({
    /** A shell line (run with bash -c) or an argv list (run directly). */
    run: z.union([z.string().min(1), z.array(z.string()).min(1)]),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    outputs: z.array(z.string().min(1)).default([]),
    cwd: z.string().optional(),
  })
  .catchall(z.unknown());
export type CommandParams = z.infer<typeof commandParamsSchema>;

export function userParams(params: CommandParams): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([key]) => !(reserved as readonly string[]).includes(key)));
}

const placeholder = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function placeholderValues(context: JobContext<CommandParams>): Map<string, string> {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(userParams(context.params))) values.set(key, asText(value));
  values.set("seed", context.seed === null ? "" : String(context.seed));
  values.set("run_id", context.runId);
  values.set("out_dir", context.outDir);
  values.set("attempt", String(context.attempt));
  for (const [stage, upstream] of Object.entries(context.upstream)) values.set(`upstream.${stage}`, upstream.outDir);
  return values;
}

function render(template: string, values: Map<string, string>, quote: boolean): string {
  return template.replace(placeholder, (_, name: string) => {
    const value = values.get(name);
    if (value === undefined) throw new Error(`unknown placeholder {{${name}}}`);
    return quote ? shellQuote(value) : value;
  });
}

export function envName(key: string): string {
  return key.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
}

export const commandStage: StageHandler<CommandParams> = {
  kind: "command",
  version: 1,
  summary: "run a shell command per sweep cell; parameters arrive as {{placeholders}} and SERA_PARAM_* variables",
  params: commandParamsSchema,
  check(params, { upstreamStages }) {
    const known = new Set([...Object.keys(userParams(params)), "seed", "run_id", "out_dir", "attempt", ...upstreamStages.map((s) => `upstream.${s}`)]);
    const templates = typeof params.run === "string" ? [params.run] : params.run;
    for (const template of templates) {
      for (const match of template.matchAll(placeholder)) {
        if (!known.has(match[1])) {
          return { path: "run", problem: `unknown placeholder {{${match[1]}}} (known: ${[...known].sort().join(", ")})` };
        }
      }
    }
    return null;
  },
  job(context) {
    const values = placeholderValues(context);
    const { params } = context;
    const argv = typeof params.run === "string" ? ["bash", "-c", render(params.run, values, true)] : params.run.map((part) => render(part, values, false));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(userParams(params))) env[`SERA_PARAM_${envName(key)}`] = asText(value);
    env.SERA_PARAMS = JSON.stringify(userParams(params));
    for (const [stage, upstream] of Object.entries(context.upstream)) env[`SERA_UPSTREAM_${envName(stage)}_DIR`] = upstream.outDir;
    for (const [key, value] of Object.entries(params.env)) env[key] = String(value);
    return {
      argv,
      env,
      cwd: params.cwd ? path.resolve(params.cwd) : process.cwd(),
      outputs: params.outputs,
    };
  },
};
