import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ownerIsAlive, processStartTicks } from "../sandbox/sandbox-owner.js";
import { runProcess, type ProcessRunOutcome } from "../sandbox/process-run.js";

/**
 * The container runtime's command line (podman, or docker: the subcommands used here take the same
 * flags in both). Every container sera starts carries `sera.run=<run id>`, so the stage's next
 * attempt can find and remove what a killed one left behind.
 */

export type ContainerRuntime = "podman" | "docker";

export const RUN_LABEL = "sera.run";
/** `<host>/<pid>/<start ticks>` of the sera process that started the container. */
export const OWNER_LABEL = "sera.owner";

/** This process, as OWNER_LABEL records it. */
export function ownerLabelValue(): string {
  return `${os.hostname()}/${process.pid}/${processStartTicks(process.pid) ?? "unknown"}`;
}

export class ContainerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerError";
  }
}

export async function runtimeCommand(runtime: ContainerRuntime, args: readonly string[], timeoutMs = 120_000): Promise<ProcessRunOutcome> {
  try {
    return await runProcess({ argv: [runtime, ...args], env: runtimeEnv(), timeoutMs, maxOutputChars: 64_000, mergeStderr: false });
  } catch (error) {
    throw new ContainerError(
      `${runtime} could not be started (${(error as Error).message}); install it (apt-get install ${runtime === "podman" ? "podman runc" : "docker.io"})`,
    );
  }
}

/** Output of a runtime command that must succeed; otherwise one line naming the subcommand and its error. */
export async function runtimeOutput(runtime: ContainerRuntime, args: readonly string[], timeoutMs?: number): Promise<string> {
  const outcome = await runtimeCommand(runtime, args, timeoutMs);
  if (outcome.exitCode !== 0 || outcome.timedOut) {
    const why = outcome.timedOut ? "timed out" : outcome.stderr.trim().split("\n").at(-1) || `exit ${outcome.exitCode}`;
    throw new ContainerError(`${runtime} ${args[0]} failed: ${why}`);
  }
  return outcome.stdout;
}

/** The runtime reads its own config (CONTAINERS_CONF, registries); nothing else of sera's environment reaches it. */
export function runtimeEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  for (const name of ["HOME", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "CONTAINERS_REGISTRIES_CONF", "DOCKER_HOST", "XDG_RUNTIME_DIR", "TMPDIR"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Removes every container labelled with this run id (those a killed attempt left); returns how many. */
export async function removeRunContainers(runtime: ContainerRuntime, runId: string): Promise<number> {
  const listed = await runtimeOutput(runtime, ["ps", "-a", "-q", "--filter", `label=${RUN_LABEL}=${runId}`]);
  const ids = listed
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  if (ids.length > 0) await runtimeOutput(runtime, forceRemoveArgs(runtime, ids));
  return ids.length;
}

/**
 * Removes containers whose sera process is gone (on this host), whatever their run: a run that is
 * never started again would otherwise keep its killed attempt's containers for ever. Returns how many.
 */
export async function removeOwnerlessContainers(runtime: ContainerRuntime): Promise<number> {
  // `ps --format` sees labels as a map in podman and as a string with a Label method in docker.
  const ownerField = runtime === "podman" ? `{{index .Labels "${OWNER_LABEL}"}}` : `{{.Label "${OWNER_LABEL}"}}`;
  const listed = await runtimeOutput(runtime, ["ps", "-a", "--filter", `label=${OWNER_LABEL}`, "--format", `{{.ID}} ${ownerField}`]);
  const dead: string[] = [];
  for (const line of listed.split("\n")) {
    const [id, owner] = line.trim().split(" ");
    const [host, pid, ticks] = (owner ?? "").split("/");
    if (id === undefined || id === "" || host !== os.hostname() || !/^\d+$/.test(pid ?? "")) continue;
    const alive = ownerIsAlive({ pid: Number(pid), hostname: host, startedAt: "", processStartTicks: ticks === "unknown" ? null : ticks });
    if (!alive) dead.push(id);
  }
  if (dead.length > 0) await runtimeOutput(runtime, forceRemoveArgs(runtime, dead));
  return dead.length;
}

/** `rm -f` that kills at once: podman would first wait 10 s for a `sleep` that ignores SIGTERM; docker's `rm -f` already kills. */
export function forceRemoveArgs(runtime: ContainerRuntime, ids: readonly string[]): string[] {
  return runtime === "podman" ? ["rm", "-f", "--time", "0", ...ids] : ["rm", "-f", ...ids];
}

export async function imageExists(runtime: ContainerRuntime, image: string): Promise<boolean> {
  const outcome = await runtimeCommand(runtime, ["image", "inspect", "--format", "{{.Id}}", image]);
  return outcome.exitCode === 0;
}

const builds = new Map<string, Promise<string>>();

/**
 * Builds a Containerfile once per content, runtime and process, tagged by its hash
 * (`localhost/sera-env:<hash>`), with the file's folder as the context. The build keeps the
 * network (installing the repository's dependencies is its point); rollouts never get it.
 */
export function buildImage(runtime: ContainerRuntime, containerfile: string, logDir: string): Promise<string> {
  const absolute = path.resolve(containerfile);
  let text: Buffer;
  try {
    text = fs.readFileSync(absolute);
  } catch (error) {
    return Promise.reject(new ContainerError(`environment.build: cannot read ${absolute} (${(error as NodeJS.ErrnoException).code})`));
  }
  const tag = `localhost/sera-env:${crypto.createHash("sha256").update(absolute).update("\0").update(text).digest("hex").slice(0, 16)}`;
  const key = `${runtime} ${tag}`;
  let pending = builds.get(key);
  if (pending === undefined) {
    pending = (async () => {
      if (await imageExists(runtime, tag)) return tag;
      const outcome = await runtimeCommand(runtime, ["build", "-f", absolute, "-t", tag, path.dirname(absolute)], 3_600_000);
      fs.mkdirSync(logDir, { recursive: true });
      const logPath = path.join(logDir, `${tag.split(":")[1]}.build.log`);
      fs.writeFileSync(logPath, `${outcome.stdout}${outcome.stderr}`);
      if (outcome.exitCode !== 0)
        throw new ContainerError(`environment build failed: ${runtime} build -f ${absolute} exited ${outcome.exitCode} (log: ${logPath})`);
      return tag;
    })();
    builds.set(key, pending);
  }
  return pending;
}

/**
 * The image name for one rollout: `{instance_id}` (SWE-bench's, with `__` written `_1776_` as its
 * image names do), `{repo}` and `{commit}` filled in; other braces are left as they are.
 */
export function imageName(template: string, values: { instanceId?: string; repo?: string; commit: string }): string {
  return template
    .replaceAll("{instance_id}", (values.instanceId ?? "").replaceAll("__", "_1776_").toLowerCase())
    .replaceAll("{repo}", values.repo ?? "")
    .replaceAll("{commit}", values.commit);
}
