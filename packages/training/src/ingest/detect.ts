import { readFileSync } from "node:fs";
import path from "node:path";
import type { Provenance, Trajectory } from "@sera/core";
import type { OpenAiTool } from "../dataset/format/tools.js";
import { parseMiniSweAgentTraj } from "./mini-swe-agent.js";
import { parsePredictions, type Prediction } from "@sera/core";
import { parseSftLine } from "./sft-jsonl.js";
import { parseSweAgentTraj } from "./swe-agent.js";

/**
 * Recognise a foreign file by its shape, not its name, and parse it whole. Names only decide which
 * files in a directory are looked at; what a file holds decides how it is read.
 *
 * - SWE-agent `.traj`: an object with a `history` list.
 * - mini-swe-agent `.traj.json`: an object whose `trajectory_format` starts with mini-swe-agent.
 * - predictions: a `.pred` object, `preds.json` keyed by instance id, a list, or JSONL of
 *   `{instance_id, model_patch}`.
 * - SFT JSONL (SERA, SWE-smith): one object with a `messages` list per line.
 */

export type ForeignFormat = "swe-agent" | "mini-swe-agent" | "predictions" | "sft-jsonl";

export interface ForeignTrajectory {
  trajectory: Trajectory;
  /** 1-based line for JSONL sources. */
  line: number | null;
  model: string | null;
  /** Whether a real model or one of sera's stand-ins produced it, as the file says (foreignProvenance); null when it does not say. */
  provenance: Provenance | null;
  /** The tool list stored with the sample (SFT `tool_json`). */
  tools: OpenAiTool[] | undefined;
}

export interface ParsedForeignFile {
  file: string;
  format: ForeignFormat;
  trajectories: ForeignTrajectory[];
  predictions: Prediction[];
}

/** A file that cannot be read as any known format; `line` for JSONL. The message is one line. */
export class ForeignInputError extends Error {
  constructor(file: string, problem: string, line?: number) {
    super(`${file}${line !== undefined ? ` line ${line}` : ""}: ${problem.split("\n")[0]}`);
    this.name = "ForeignInputError";
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
const isPrediction = (value: unknown): boolean => isObject(value) && "instance_id" in value && "model_patch" in value;
const isSftSample = (value: unknown): boolean => isObject(value) && Array.isArray(value.messages);

function shapeOfDocument(document: unknown): ForeignFormat | null {
  if (Array.isArray(document)) {
    if (document.length > 0 && document.every(isPrediction)) return "predictions";
    if (document.length > 0 && document.every(isSftSample)) return "sft-jsonl";
    return null;
  }
  if (!isObject(document)) return null;
  if (typeof document.trajectory_format === "string" && document.trajectory_format.startsWith("mini-swe-agent")) return "mini-swe-agent";
  if (Array.isArray(document.history)) return "swe-agent";
  if (isPrediction(document)) return "predictions";
  if (isSftSample(document)) return "sft-jsonl";
  const values = Object.values(document);
  if (values.length > 0 && values.every(isPrediction)) return "predictions";
  return null;
}

function modelOfSweAgent(document: Record<string, unknown>): string | null {
  let config = document.replay_config;
  if (typeof config === "string") {
    try {
      config = JSON.parse(config);
    } catch {
      return null;
    }
  }
  const name = isObject(config) && isObject(config.agent) && isObject(config.agent.model) ? config.agent.model.name : undefined;
  return typeof name === "string" ? name : null;
}

function modelOfMini(document: Record<string, unknown>): string | null {
  const info = document.info;
  const model = isObject(info) && isObject(info.config) && isObject(info.config.model) ? info.config.model.model_name : undefined;
  return typeof model === "string" ? model : null;
}

/**
 * A foreign trajectory's provenance, from the file alone (sera cannot ask the server that made it):
 * a `provenance` / `sera_provenance` of "real" or "stand-in" at the top of the record or under
 * `info` (what sera's own exports and proxy recordings write) is taken as it is; otherwise a
 * record that names the model that produced it (SWE-agent's `config.agent.model.name`,
 * mini-swe-agent's `info.config.model.model_name`) is 'real'; a record that says neither is null
 * (unknown), never assumed real.
 */
export function foreignProvenance(record: unknown, model: string | null): Provenance | null {
  const stated = (value: unknown): Provenance | null => (value === "real" || value === "stand-in" ? value : null);
  if (isObject(record)) {
    const info = isObject(record.info) ? record.info : {};
    for (const value of [record.provenance, record.sera_provenance, info.provenance, info.sera_provenance]) {
      const provenance = stated(value);
      if (provenance) return provenance;
    }
  }
  return model !== null && model.trim() !== "" ? "real" : null;
}

/** SWE-agent keeps the instance id only in the file name (`<id>.traj`). */
const sweAgentInstanceId = (file: string) => path.basename(file).replace(/\.traj(\.json)?$/, "");

function parseDocument(file: string, text: string, document: unknown, format: ForeignFormat): ParsedForeignFile {
  const parsed: ParsedForeignFile = { file, format, trajectories: [], predictions: [] };
  try {
    if (format === "swe-agent") {
      const trajectory = parseSweAgentTraj(document, sweAgentInstanceId(file));
      const model = modelOfSweAgent(document as Record<string, unknown>);
      parsed.trajectories.push({ trajectory, line: null, model, provenance: foreignProvenance(document, model), tools: undefined });
    } else if (format === "mini-swe-agent") {
      const trajectory = parseMiniSweAgentTraj(document, path.basename(file).replace(/\.traj\.json$/, ""));
      const model = modelOfMini(document as Record<string, unknown>);
      parsed.trajectories.push({ trajectory, line: null, model, provenance: foreignProvenance(document, model), tools: undefined });
    } else if (format === "predictions") {
      parsed.predictions = parsePredictions(text, "predictions");
    } else {
      const samples = Array.isArray(document) ? document : [document];
      samples.forEach((sample, index) => {
        const { trajectory, tools } = parseSftLine(JSON.stringify(sample), `${path.basename(file)}-${index + 1}`);
        parsed.trajectories.push({ trajectory, line: Array.isArray(document) ? null : 1, model: null, provenance: foreignProvenance(sample, null), tools });
      });
    }
  } catch (error) {
    throw new ForeignInputError(file, `not a valid ${format} file: ${(error as Error).message}`);
  }
  return parsed;
}

/** JSONL: every line must parse, and the first line decides between SFT samples and predictions. */
function parseJsonLines(file: string, text: string): ParsedForeignFile | null {
  const rows: { line: number; value: unknown }[] = [];
  text.split("\n").forEach((raw, index) => {
    if (raw.trim() === "") return;
    try {
      rows.push({ line: index + 1, value: JSON.parse(raw) });
    } catch (error) {
      throw new ForeignInputError(file, `malformed JSON (${(error as Error).message})`, index + 1);
    }
  });
  if (rows.length === 0) return null;
  const format = isSftSample(rows[0].value) ? "sft-jsonl" : isPrediction(rows[0].value) ? "predictions" : null;
  if (format === null) return null;
  const parsed: ParsedForeignFile = { file, format, trajectories: [], predictions: [] };
  for (const { line, value } of rows) {
    if (format === "sft-jsonl") {
      if (!isSftSample(value)) throw new ForeignInputError(file, "expected an SFT sample with a messages list", line);
      try {
        const { trajectory, tools } = parseSftLine(JSON.stringify(value), `${path.basename(file)}-${line}`);
        parsed.trajectories.push({ trajectory, line, model: null, provenance: foreignProvenance(value, null), tools });
      } catch (error) {
        throw new ForeignInputError(file, (error as Error).message, line);
      }
    } else {
      if (!isPrediction(value)) throw new ForeignInputError(file, "expected a prediction with instance_id and model_patch", line);
    }
  }
  if (format === "predictions") {
    try {
      parsed.predictions = parsePredictions(text, "predictions");
    } catch (error) {
      throw new ForeignInputError(file, (error as Error).message);
    }
  }
  return parsed;
}

/**
 * Parse one file. Returns null for a well-formed file of no known shape (a harness report next to
 * the trajectories); throws ForeignInputError for malformed JSON or a known shape with bad fields.
 */
export function parseForeignFile(file: string): ParsedForeignFile | null {
  const text = readFileSync(file, "utf8");
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    if (lines.length > 1) return parseJsonLines(file, text);
    throw new ForeignInputError(file, `malformed JSON (${(error as Error).message})`);
  }
  const format = shapeOfDocument(document);
  return format === null ? null : parseDocument(file, text, document, format);
}
