import type { Provenance } from "./types.js";

/**
 * How a server says it is one of sera's stand-ins: every HTTP answer of the scripted model server
 * (model list, completions, errors) carries this header with the value `stand-in`, and its model
 * list entries carry the same word in `sera_provenance`. Provenance is read from what the server
 * says about itself, never from how a run was configured or started, so a stand-in that a config
 * calls "GLM-4.5-Air" is still booked as a stand-in, and a real server is never mislabelled
 * because of a flag. A server that does not say it is a stand-in is real: real servers (vLLM,
 * SGLang, OpenAI, Anthropic) know nothing of this header.
 */
export const PROVENANCE_HEADER = "x-sera-provenance";

export const STAND_IN: Provenance = "stand-in";

export function provenanceOfHeader(value: string | undefined): Provenance {
  return value?.trim().toLowerCase() === STAND_IN ? "stand-in" : "real";
}

/** Provenance from a `GET /v1/models` answer: its header, or any listed model marking itself. */
export function provenanceOfModelList(header: string | undefined, body: unknown): Provenance {
  if (provenanceOfHeader(header) === "stand-in") return "stand-in";
  const data = (body as { data?: unknown } | null)?.data;
  if (Array.isArray(data) && data.some((entry) => (entry as { sera_provenance?: unknown } | null)?.sera_provenance === STAND_IN)) return "stand-in";
  return "real";
}

/** A run's rows are stand-in as soon as any of the answers behind them came from a stand-in. */
export function combineProvenance(values: Iterable<Provenance | null | undefined>): Provenance | null {
  let seen: Provenance | null = null;
  for (const value of values) {
    if (value === "stand-in") return "stand-in";
    if (value === "real") seen = "real";
  }
  return seen;
}
