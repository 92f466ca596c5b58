import { z } from "zod";

/**
 * The `environment:` params shared by `sera-generate` and `sera-eval`: where the agent's commands
 * run. Every kind shows the repository at /testbed (as SERA and SWE-bench do), so a trajectory
 * reads the same whichever kind produced it.
 *   host      the bubblewrap sandbox over the host's /usr, nothing installed for the repository
 *   prepared  `setup` commands run once per (repository, commit, setup) with network in a build
 *             sandbox; the result is cached and every rollout's sandbox (no network) starts from it
 *   container one container per rollout from an image (a name template, or a Containerfile built
 *             locally), no network, memory and process limits, one long-lived shell
 */

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const common = {
  /** Extra environment variables for every command (setup and rollouts). */
  env: z.record(z.string().regex(variableName, "an environment variable name"), z.string()).default({}),
  /** Directories put in front of PATH, e.g. /testbed/.venv/bin or /testbed/node_modules/.bin. */
  path: z.array(z.string().regex(/^\/[^:]*$/, "an absolute directory without ':'")).default([]),
};

export const hostEnvironmentSchema = z.object({ kind: z.literal("host"), ...common }).strict();

export const preparedEnvironmentSchema = z
  .object({
    kind: z.literal("prepared"),
    /** Shell commands run in order, each in a fresh bash in /testbed, with network; the first failure stops setup. */
    setup: z.array(z.string().min(1)).min(1),
    /** Time limit of the whole setup. */
    setupTimeoutSeconds: z.number().positive().default(1800),
    /**
     * What becomes of top-level directories setup creates (`.venv`, `node_modules`): `mount` binds
     * them read-only into every rollout (nothing copied); `copy` copies them into each rollout's
     * writable copy (for builds that rewrite their outputs).
     */
    outputs: z.enum(["mount", "copy"]).default("mount"),
    ...common,
  })
  .strict();

export const containerEnvironmentSchema = z
  .object({
    kind: z.literal("container"),
    runtime: z.enum(["podman", "docker"]).default("podman"),
    /**
     * An image name; `{instance_id}` (SWE-bench's spelling: `__` → `_1776_`, lower case), `{repo}` and
     * `{commit}` are filled in per rollout, e.g. `swebench/sweb.eval.x86_64.{instance_id}`. It must be
     * present locally (`podman pull` it first).
     */
    image: z.string().min(1).optional(),
    /** … or a Containerfile, built once (with network) and tagged by its content; its folder is the context. */
    build: z.string().min(1).optional(),
    /**
     * Where /testbed comes from: `repository` (left out) — sera's checkout of the rollout's commit,
     * mounted over whatever the image has there; `image` — the image's own /testbed (SWE-bench's
     * evaluation images build extensions and editable installs in it), taken out once per image and
     * copied per rollout; its HEAD must be the rollout's commit.
     */
    testbed: z.enum(["repository", "image"]).optional(),
    ...common,
  })
  .strict()
  .refine((value) => (value.image === undefined) !== (value.build === undefined), { message: "give exactly one of image and build" });

export const environmentSchema = z.discriminatedUnion("kind", [hostEnvironmentSchema, preparedEnvironmentSchema, containerEnvironmentSchema]);
export type ContainerEnvironmentConfig = z.infer<typeof containerEnvironmentSchema>;
export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type PreparedEnvironmentConfig = z.infer<typeof preparedEnvironmentSchema>;

export const DEFAULT_ENVIRONMENT: EnvironmentConfig = { kind: "host", env: {}, path: [] };

/** The params field with its default, for a stage schema to embed. */
export const environmentParam = environmentSchema.default(DEFAULT_ENVIRONMENT);

/**
 * The environment as it enters a run id: left out when it is the plain default, so runs planned
 * before environments existed keep their ids; otherwise it decides what the agent can run.
 */
export function environmentIdentity(environment: EnvironmentConfig): EnvironmentConfig | undefined {
  const plain = environment.kind === "host" && Object.keys(environment.env).length === 0 && environment.path.length === 0;
  return plain ? undefined : environment;
}
