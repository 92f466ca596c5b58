import { AsyncLocalStorage } from "node:async_hooks";
import { RetryableStageError } from "@sera/core";
import type { TeacherConfig } from "./params.js";
import {
  anthropicChatModel,
  type ChatModel,
  endpointPool,
  type EndpointProbe,
  type ModelCallRecord,
  type NamedChatModel,
  openAIChatModel,
  probeEndpoint,
  type Provenance,
} from "@sera/rollout";

/**
 * The teacher: one model behind one or more endpoints. HTTP attempts are recorded through the
 * clients' `onCall` hook; which instance and rollout a call belongs to travels in async context,
 * so a shared endpoint pool still attributes every call exactly.
 */

export interface CallOwner {
  instanceId: string;
  /** "r1", "self_check", "pr", "r2". */
  phase: string;
  /** The instance's rollout-1 attempt the call serves (not the HTTP retry: that is the record's `httpAttempt`). */
  rolloutAttempt: number;
}

export const callOwner = new AsyncLocalStorage<CallOwner>();

export type OwnedCallRecord = ModelCallRecord & Partial<CallOwner>;

export function buildTeacher(config: TeacherConfig, onCall: (record: OwnedCallRecord) => void): ChatModel {
  const several = config.endpoints.length > 1;
  const common = {
    model: config.model,
    apiKeyEnv: config.apiKeyEnv,
    timeoutMs: config.timeoutSeconds * 1000,
    // With several endpoints the pool re-dispatches failures elsewhere, so each client retries less.
    maxRetries: several ? 1 : config.maxRetries,
    onCall: (record: ModelCallRecord) => onCall({ ...record, ...callOwner.getStore() }),
  };
  const clients: NamedChatModel[] = config.endpoints.map((endpoint) => {
    if (config.protocol === "anthropic") {
      if (!config.apiKeyEnv) throw new Error("teacher.apiKeyEnv: the Anthropic protocol needs the name of the variable holding the key");
      return anthropicChatModel({ ...common, apiKeyEnv: config.apiKeyEnv, baseURL: endpoint, name: endpoint });
    }
    return openAIChatModel({ ...common, baseURL: endpoint, name: endpoint, replayReasoning: config.replayReasoning });
  });
  return endpointPool(clients, {
    maxConcurrentPerEndpoint: config.concurrencyPerEndpoint,
    maxRetries: several ? config.maxRetries : 0,
    name: config.model,
  });
}

/**
 * Checked before any instance starts, so a missing key or a teacher that is down costs one line
 * and no instance: the key variable must be set, and at least one endpoint must answer. A refused
 * key is the configuration's fault (plain error); an unreachable or failing server may come back,
 * so that one is retryable (exit 75: the coordinator's retry budget and backoff apply).
 */
export async function checkTeacher(config: TeacherConfig, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<TeacherCheck> {
  let apiKey: string | undefined;
  if (config.apiKeyEnv !== undefined) {
    apiKey = process.env[config.apiKeyEnv];
    if (apiKey === undefined || apiKey === "")
      throw new Error(`teacher.apiKeyEnv: environment variable ${config.apiKeyEnv} is not set; export it before starting the run`);
  }
  const timeoutMs = Math.min(config.timeoutSeconds * 1000, 10_000);
  const probes: EndpointProbe[] = [];
  for (const baseURL of config.endpoints) {
    let probe = await probeEndpoint({ baseURL, protocol: config.protocol, apiKey, timeoutMs });
    // A server that is still starting gets two more chances, a second apart.
    for (let retry = 1; retry <= 2 && (probe.outcome === "unreachable" || probe.outcome === "server_error"); retry++) {
      await new Promise((resolve) => setTimeout(resolve, 500 * retry));
      probe = await probeEndpoint({ baseURL, protocol: config.protocol, apiKey, timeoutMs });
    }
    probes.push(probe);
  }
  const reachable = probes.filter((p) => p.outcome === "reachable");
  const refused = probes.find((p) => p.outcome === "key_refused");
  if (refused) throw new Error(`teacher: ${refused.detail}; check the key in ${config.apiKeyEnv ?? "teacher.apiKeyEnv (none is set)"}`);
  if (reachable.length === 0) throw new RetryableStageError(`teacher unreachable before any instance started: ${probes.map((p) => p.detail).join("; ")}`);
  for (const probe of probes)
    if (probe.outcome !== "reachable") log(`warning: a teacher endpoint does not answer (the pool benches it while it fails): ${probe.detail}`);
  const provenance = new Map<string, Provenance>();
  for (const probe of reachable) if (probe.provenance !== null) provenance.set(probe.endpoint, probe.provenance);
  // A stand-in refuses model names it does not serve; saying so here costs one line instead of every instance.
  const misnamed = reachable.find((p) => p.provenance === "stand-in" && !p.models.includes(config.model));
  if (misnamed) {
    throw new Error(
      `teacher.model: ${misnamed.endpoint} is sera's scripted stand-in (it serves ${misnamed.models.join(", ") || "no model"}), not "${config.model}"; ` +
        `set teacher.model to ${misnamed.models[0] ?? "scripted-stand-in"}, or start it with sera model serve --scripted --impersonate "${config.model}" for a dry run (every row is then marked stand-in)`,
    );
  }
  if ([...provenance.values()].includes("stand-in"))
    log(`note: the teacher endpoint says it is a sera stand-in, not a model; every row of this run is marked provenance = stand-in`);
  return { provenance };
}

export interface TeacherCheck {
  /** Endpoint (as call records name it) → what its model list says it is. */
  provenance: Map<string, Provenance>;
}
