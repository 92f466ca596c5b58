import { describe, expect, it } from "vitest";
import {
  PAPER_SCALING_POINTS,
  PAPER_TABLE15_PRINTED,
  PAPER_TRUNCATION_RATIO_SEEDS,
  PAPER_USD_PER_TRAJECTORY,
  checkTable11Costs,
  paperCostLines,
  paperTableParamsSchema,
  publishedRun,
  reproduceTable15,
} from "../src/index.js";

const dollars = (lines: ReturnType<typeof paperCostLines>) => lines.reduce((sum, line) => sum + line.quantity * line.unit_price, 0);

describe("paper-table runs (the published seeds replayed as runs)", () => {
  it("every Table 11 seed comes back as its run's resolve rate", () => {
    for (const point of PAPER_SCALING_POINTS) {
      point.seeds.forEach((value, i) => {
        expect(publishedRun({ table: "scaling", samples: point.samples, pricing: "vllm" }, i + 1).metrics).toEqual({ resolve_rate: value });
      });
    }
    expect(publishedRun({ table: "truncation-ratio", ratio: 0.95 }, 3).metrics.resolve_rate).toBe(40.8);
    expect(Object.keys(PAPER_TRUNCATION_RATIO_SEEDS)).toEqual(["1", "0.95", "0.92"]);
  });

  it("a seed the paper did not print is an error, not a made-up value", () => {
    expect(() => publishedRun({ table: "scaling", samples: 400, pricing: "zai" }, 4)).toThrow(/seeds 1 to 3; seed 4/);
    expect(() => publishedRun({ table: "truncation-ratio", ratio: 1 }, null)).toThrow(/seed null/);
  });

  it("cost lines add up to samples × the per-trajectory total, so Table 11's cost column follows to the dollar", () => {
    for (const point of PAPER_SCALING_POINTS) {
      const vllm = dollars(paperCostLines(point.samples, "vllm"));
      const zai = dollars(paperCostLines(point.samples, "zai"));
      expect(vllm).toBeCloseTo(point.samples * PAPER_USD_PER_TRAJECTORY.vllm, 9);
      expect(zai).toBeCloseTo(point.samples * PAPER_USD_PER_TRAJECTORY.zai, 9);
      expect(Math.round(vllm)).toBe(point.printedUsdVllm);
      expect(Math.round(zai)).toBe(point.printedUsdZai);
    }
    // 16,000 z.ai trajectories at the unrounded token cost ($0.091772) would print $1,468, not $1,469.
    expect(Math.round(16_000 * (0.035772 + 0.056))).toBe(1468);
  });

  it("vLLM spend is GPU time: 0.06535 H100-h inference and 0.028 H100-h training per trajectory at $2", () => {
    const [inference, training] = paperCostLines(1000, "vllm");
    expect(inference).toMatchObject({ kind: "teacher_gpu_hours", unit: "H100-hour", unit_price: 2 });
    expect(inference.quantity).toBeCloseTo(65.35, 10);
    expect(training).toMatchObject({ kind: "training_gpu_hours", quantity: 28, unit_price: 2 });
  });

  it("params: only Table 11's sample counts and the printed ratios are accepted", () => {
    expect(paperTableParamsSchema.safeParse({ table: "scaling", samples: 400, pricing: "vllm" }).success).toBe(true);
    const wrongSamples = paperTableParamsSchema.safeParse({ table: "scaling", samples: 500, pricing: "vllm" });
    expect(wrongSamples.success).toBe(false);
    expect(wrongSamples.error?.issues[0].message).toMatch(/400, 750, 1500, 3000, 4200, 7400, 16000/);
    expect(paperTableParamsSchema.safeParse({ table: "scaling", samples: 400, pricing: "aws" }).success).toBe(false);
    expect(paperTableParamsSchema.safeParse({ table: "truncation-ratio", ratio: 0.86 }).success).toBe(false);
    expect(paperTableParamsSchema.safeParse({ table: "scaling", samples: 400, pricing: "vllm", extra: 1 }).success).toBe(false);
  });
});

describe("Table 15 from Table 14's prices and the token profile", () => {
  it("reproduces every printed cell to the cent-hundredth", () => {
    const table = reproduceTable15();
    expect(table.map((row) => row.row)).toEqual(["Cached input", "New input", "Output", "Issue creation", "Inference subtotal", "Training", "Total"]);
    for (const row of table) for (const cell of row.cells) expect(cell.matches, `${row.row}: ${cell.computed} vs ${cell.printed}`).toBe(true);
    const totals = table.at(-1)?.cells.map((cell) => cell.computed);
    expect(totals).toEqual([
      PAPER_TABLE15_PRINTED.sweSmithSonnet37.totalUsd,
      PAPER_TABLE15_PRINTED.seraGlm45AirZai.totalUsd,
      PAPER_TABLE15_PRINTED.seraGlm46Zai.totalUsd,
      PAPER_TABLE15_PRINTED.seraVllm.totalUsd,
    ]);
  });

  it("a ledger that is a dollar off fails the Table 11 check", () => {
    const rows = checkTable11Costs(
      [
        { samples: 400, usd: 74.68 },
        { samples: 750, usd: 141.2 },
        { samples: 999, usd: 1 },
      ],
      "vllm",
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ printedUsd: 75, matches: true });
    expect(rows[0].perTrajectoryUsd).toBeCloseTo(0.1867, 12);
    expect(rows[1]).toMatchObject({ printedUsd: 140, matches: false });
  });
});
