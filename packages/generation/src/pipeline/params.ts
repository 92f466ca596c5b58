import { z } from "zod";
import { agentParamsSchema, DEFAULT_SANDBOX_LIMIT_PARAMS, environmentIdentity, environmentParam, sandboxLimitsSchema } from "@sera/rollout";
import { commitsSchema, readRepositoryFile, reposParam, repositoriesOf } from "./repositories.js";

/**
 * Parameters of the `sera-generate` stage: where the code comes from, which teacher plays both
 * rollouts, and the SERA knobs. Operational settings (endpoint URLs, concurrency, key variable
 * names) are left out of the run id by `generationIdentity`, so moving to another server resumes.
 */

const priceSchema = z
  .object({
    /** USD per million tokens. */
    inputPerMTok: z.number().min(0).default(0),
    cachedInputPerMTok: z.number().min(0).default(0),
    outputPerMTok: z.number().min(0).default(0),
  })
  .strict();

export const teacherSchema = z
  .object({
    /** `openai` covers vLLM, SGLang and the scripted stand-in; `anthropic` the Messages API. */
    protocol: z.enum(["openai", "anthropic"]).default("openai"),
    model: z.string().min(1),
    /** One or more base URLs serving the same model; calls go to the least-loaded one. */
    endpoints: z.array(z.string().url()).min(1),
    /** Environment variable holding the API key (never the key itself). */
    apiKeyEnv: z.string().optional(),
    concurrencyPerEndpoint: z.number().int().min(1).default(32),
    timeoutSeconds: z.number().positive().default(600),
    maxRetries: z.number().int().min(0).default(4),
    /**
     * Send the teacher's earlier reasoning back to it as `reasoning_content` when its server has a
     * reasoning parser. Off (SERA's set-up serves GLM-4.5-Air without a parser, so the thinking
     * stays in content and goes back with it; with a parser, most templates drop earlier thinking).
     */
    replayReasoning: z.boolean().default(false),
    /** Token prices for API teachers … */
    prices: priceSchema.optional(),
    /** … or the cost of self-hosted serving: GPUs × hours × USD per GPU-hour. */
    selfHosted: z
      .object({ gpus: z.number().int().min(1), usdPerGpuHour: z.number().min(0) })
      .strict()
      .optional(),
    /**
     * The offline demo's teacher: lets it run without bubblewrap (with a warning). It decides nothing
     * about provenance: rows are marked stand-in from what the server says about itself.
     */
    scriptedStandIn: z.boolean().default(false),
  })
  .strict();
export type TeacherConfig = z.infer<typeof teacherSchema>;

export const generationParamsSchema = z
  .object({
    /** A local git repository (clone private repos first; nothing is fetched) … */
    repo: z.string().min(1).optional(),
    /** Name used in instance ids and tables; defaults to the repository folder's name. */
    repoName: z.string().optional(),
    /** … or several: `[{path, name, commits, functionsPerRepo}]`, or a YAML / JSON / JSONL file of them. */
    repos: reposParam.optional(),
    /** Explicit commits, or `count` commits spread over the last `lookbackDays` of `ref` (SERA: 5 over 365 days); per repository. */
    commits: commitsSchema.default({ count: 5, lookbackDays: 365, ref: "HEAD" }),
    inventory: z
      .object({
        languages: z.array(z.enum(["python", "typescript", "javascript", "go", "rust", "java"])).optional(),
        skipGlobs: z.array(z.string()).optional(),
        includeGlobs: z.array(z.string()).optional(),
        /** Folder depth counted inside the code folder (SERA: 3); 0 = no limit. */
        maxFolderDepth: z.number().int().min(0).default(3),
        /** Unset: detected as SERA does (`<name>/`, `src/<name>/`, `src/`, then ours, else the root); "." = the root. */
        codeFolder: z.string().optional(),
        /** SERA's test rule on top of the skip globs: leave out any path containing `tests`. */
        seraTestRule: z.boolean().default(true),
      })
      .strict()
      .default({ maxFolderDepth: 3, seraTestRule: true }),
    functionsPerRepo: z.number().int().min(1).default(5000),
    instancesPerFunction: z.number().int().min(1).default(1),
    /**
     * The user's own issues to imitate in synthetic PRs (JSONL, `gh issue list --json
     * number,title,body` output or GitHub REST issues), optionally only those of `repo` (SERA's
     * `pipeline_repo`); the built-in pool otherwise.
     */
    demonstrations: z.union([z.string().min(1), z.object({ file: z.string().min(1), repo: z.string().min(1).optional() }).strict()]).optional(),
    teacher: teacherSchema,
    agent: agentParamsSchema,
    /** Rollout-1 attempts per instance, each with a fresh prompt, until the self-check says yes. */
    rollout1Attempts: z.number().int().min(1).max(3).default(3),
    /** An instance whose accepted rollout-1 patch repeats an earlier instance's skips the PR and rollout 2 (failure `duplicate_patch`). */
    skipDuplicatePatches: z.boolean().default(true),
    verification: z
      .object({
        /** Line recall of P2 against P1 needed to pass: 1 hard, 0 < t < 1 soft, 0 any non-empty P2. */
        threshold: z.number().min(0).max(1).default(0.5),
        /** `legacy` reproduces the reference's prefix filter for comparisons with its numbers. */
        mode: z.enum(["header-aware", "legacy"]).default("header-aware"),
      })
      .strict()
      .default({ threshold: 0.5, mode: "header-aware" }),
    /** bubblewrap isolation; `none` only when asked for explicitly. */
    sandbox: z.enum(["bwrap", "none"]).default("bwrap"),
    /** Where the agent's commands run: `host` (default), or `prepared` with the repository's dependencies installed by `setup`. */
    environment: environmentParam,
    /** Memory, processes, file size, /tmp and copy size of each rollout's sandbox; on by default. */
    sandboxLimits: sandboxLimitsSchema.default(DEFAULT_SANDBOX_LIMIT_PARAMS),
    /** Instances in flight at once (bounded further by the teacher's endpoint limits). */
    concurrency: z.number().int().min(1).default(16),
    /**
     * Teacher dollars (tokens × teacher.prices): an instance over `usdPerInstance` ends as exit_cost
     * (failure `cost_limit`); at `usdPerStage` no further instance starts, and a rerun with a higher
     * limit continues them. Not part of the run's id, like concurrency.
     */
    budget: z.object({ usdPerInstance: z.number().positive().optional(), usdPerStage: z.number().positive().optional() }).strict().optional(),
  })
  .strict()
  .superRefine((params, context) => {
    if ((params.repo === undefined) === (params.repos === undefined)) {
      context.addIssue({ code: "custom", path: ["repo"], message: "give exactly one of repo (a repository) and repos (several)" });
    }
    if (params.repoName !== undefined && params.repo === undefined) {
      context.addIssue({ code: "custom", path: ["repoName"], message: "repoName names the one repo; with repos, give each entry a name" });
    }
    if (params.budget && !params.teacher.prices) {
      context.addIssue({ code: "custom", path: ["budget"], message: "a budget needs teacher.prices (USD per million tokens) to price the teacher's tokens" });
    }
  });
export type GenerationParams = z.infer<typeof generationParamsSchema>;

/** What decides the generated data: everything except where and how fast the teacher is reached, and the machine's safety limits. */
export function generationIdentity(params: GenerationParams): unknown {
  const { teacher, concurrency, sandboxLimits, environment, budget, ...rest } = params;
  const { endpoints, apiKeyEnv, concurrencyPerEndpoint, timeoutSeconds, maxRetries, prices, selfHosted, ...teacherIdentity } = teacher;
  const environmentPart = environmentIdentity(environment);
  // A repository file enters the id by what it lists, so editing it makes another run.
  const repos = typeof rest.repos === "string" ? { file: rest.repos, entries: readRepositoryFile(rest.repos).entries } : rest.repos;
  return {
    ...rest,
    ...(repos === undefined ? {} : { repos }),
    teacher: teacherIdentity,
    ...(environmentPart === undefined ? {} : { environment: environmentPart }),
  };
}

/** The plan-time check: the repository list reads and names each repository once. */
export function checkGenerationParams(params: GenerationParams): { path: string; problem: string } | null {
  try {
    repositoriesOf(params);
    return null;
  } catch (error) {
    return { path: params.repos === undefined ? "repo" : "repos", problem: (error as Error).message };
  }
}
