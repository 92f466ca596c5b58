import { AsyncLocalStorage } from "node:async_hooks";
import { anthropicChatModel } from "../model/anthropicChat.js";
import { endpointPool } from "../model/endpointPool.js";
import { openAIChatModel } from "../model/openaiChat.js";
import type { ChatModel, ModelCallRecord, NamedChatModel } from "../model/types.js";
import type { TeacherConfig } from "./params.js";

/**
 * The teacher: one model behind one or more endpoints. HTTP attempts are recorded through the
 * clients' `onCall` hook; which instance and rollout a call belongs to travels in async context,
 * so a shared endpoint pool still attributes every call exactly.
 */

export interface CallOwner {
  instanceId: string;
  /** "r1", "self_check", "pr", "r2". */
  phase: string;
  attempt: number;
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
    return openAIChatModel({ ...common, baseURL: endpoint, name: endpoint });
  });
  return endpointPool(clients, {
    maxConcurrentPerEndpoint: config.concurrencyPerEndpoint,
    maxRetries: several ? config.maxRetries : 0,
    name: config.model,
  });
}
