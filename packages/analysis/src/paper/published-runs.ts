import { z } from "zod";
import { roundBreakdownLikeTable, trajectoryCost } from "../cost/trajectory-cost.js";
import { PAPER_TRAINING_GPU_HOURS_PER_TRAJECTORY, PAPER_TRAJECTORY_COST_INPUTS, PAPER_USD_PER_H100_HOUR, PAPER_VLLM_INFERENCE_USD } from "./cost-fixtures.js";
import { PAPER_SCALING_POINTS } from "./scaling-points.js";

/**
 * The paper's published seed-level results, turned back into runs: one sweep cell and seed
 * gives one run that reports the published score and, for the scaling points, what producing
 * and training on that many trajectories cost under the chosen pricing. Loading them through
 * the spine means the reproduction goes through exactly the tables and report a user's own
 * sweep would.
 */

/** Truncation-ratio partitions of 3,000 T1 samples with all three seeds printed (§7 of the paper numbers). */
export const PAPER_TRUNCATION_RATIO_SEEDS: Readonly<Record<string, readonly [number, number, number]>> = {
  "1": [40.2, 41.4, 40.2],
  "0.95": [44.4, 43.8, 40.8],
  "0.92": [43.0, 40.8, 43.0],
};

const scalingSamples = PAPER_SCALING_POINTS.map((point) => point.samples);

export const paperTableParamsSchema = z.discriminatedUnion("table", [
  z
    .object({
      table: z.literal("scaling"),
      samples: z.number().refine((value) => scalingSamples.includes(value), `must be one of Table 11's sample counts: ${scalingSamples.join(", ")}`),
      /** vllm: self-hosted GLM-4.5-Air at $2/H100-h; zai: the z.ai API at Table 14 prices. */
      pricing: z.enum(["vllm", "zai"]),
    })
    .strict(),
  z
    .object({
      table: z.literal("truncation-ratio"),
      ratio: z
        .number()
        .refine(
          (value) => String(value) in PAPER_TRUNCATION_RATIO_SEEDS,
          `must be a ratio with printed seeds: ${Object.keys(PAPER_TRUNCATION_RATIO_SEEDS).join(", ")}`,
        ),
    })
    .strict(),
]);
export type PaperTableParams = z.infer<typeof paperTableParamsSchema>;

export interface PaperCostLine {
  kind: string;
  quantity: number;
  unit: string;
  unit_price: number;
  source: string;
}

export interface PublishedRun {
  metrics: Record<string, number>;
  cost: PaperCostLine[];
}

function seedValue(values: readonly number[], seed: number | null, what: string): number {
  if (seed === null || !Number.isInteger(seed) || seed < 1 || seed > values.length) {
    throw new RangeError(`${what}: the paper printed seeds 1 to ${values.length}; seed ${seed} has no published value`);
  }
  return values[seed - 1];
}

/**
 * Cost lines for `samples` trajectories. Self-hosted vLLM is GPU time; z.ai is billed tokens,
 * recorded per trajectory at Table 15's cells (each computed from Table 14's prices and the
 * token profile, then rounded to four decimals as the table prints them — the rounded cells are
 * what the paper multiplies by the sample count for Table 11's cost column).
 */
export function paperCostLines(samples: number, pricing: "vllm" | "zai"): PaperCostLine[] {
  const training: PaperCostLine = {
    kind: "training_gpu_hours",
    quantity: samples * PAPER_TRAINING_GPU_HOURS_PER_TRAJECTORY,
    unit: "H100-hour",
    unit_price: PAPER_USD_PER_H100_HOUR,
    source: "paper Table 15: 0.028 H100-h per trajectory at $2/h",
  };
  if (pricing === "vllm") {
    return [
      {
        kind: "teacher_gpu_hours",
        quantity: (samples * PAPER_VLLM_INFERENCE_USD) / PAPER_USD_PER_H100_HOUR,
        unit: "H100-hour",
        unit_price: PAPER_USD_PER_H100_HOUR,
        source: "paper Table 15: self-hosted vLLM, $0.1307 per trajectory at $2/h",
      },
      training,
    ];
  }
  const cells = roundBreakdownLikeTable(trajectoryCost(PAPER_TRAJECTORY_COST_INPUTS.seraGlm45AirZai));
  const source = "paper Tables 14-15: z.ai GLM-4.5-Air prices x token profile, rounded per cell";
  return [
    { kind: "teacher_cached_input", quantity: samples, unit: "trajectory", unit_price: cells.cachedInputUsd, source },
    { kind: "teacher_input", quantity: samples, unit: "trajectory", unit_price: cells.newInputUsd, source },
    { kind: "teacher_output", quantity: samples, unit: "trajectory", unit_price: cells.outputUsd, source },
    training,
  ];
}

/** The run a sweep cell and seed stands for. */
export function publishedRun(params: PaperTableParams, seed: number | null): PublishedRun {
  if (params.table === "scaling") {
    const point = PAPER_SCALING_POINTS.find((candidate) => candidate.samples === params.samples);
    if (!point) throw new RangeError(`no Table 11 point with ${params.samples} samples`);
    return {
      metrics: { resolve_rate: seedValue(point.seeds, seed, `Table 11, ${params.samples} samples`) },
      cost: paperCostLines(params.samples, params.pricing),
    };
  }
  const seeds = PAPER_TRUNCATION_RATIO_SEEDS[String(params.ratio)];
  if (!seeds) throw new RangeError(`no printed seeds for truncation ratio ${params.ratio}`);
  return { metrics: { resolve_rate: seedValue(seeds, seed, `truncation ratio ${params.ratio}`) }, cost: [] };
}
