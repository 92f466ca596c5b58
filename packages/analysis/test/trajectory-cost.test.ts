import { describe, expect, it } from "vitest";
import {
  PAPER_BASELINES,
  PAPER_SCALING_POINTS,
  PAPER_TOKEN_PROFILE,
  PAPER_TRAJECTORY_COST_INPUTS,
  PAPER_USD_PER_H100_HOUR,
  PAPER_USD_PER_TRAJECTORY,
  PAPER_VLLM_GPU_HOURS_AS_PRINTED,
  PAPER_VLLM_INFERENCE_USD,
  datasetCostUsd,
  roundBreakdownLikeTable,
  trajectoryCost,
  type TrajectoryCostBreakdown,
} from "../src/index.js";
import { expectClose } from "./reference-values.js";

const costs = {
  sweSmith: trajectoryCost(PAPER_TRAJECTORY_COST_INPUTS.sweSmithSonnet37),
  air: trajectoryCost(PAPER_TRAJECTORY_COST_INPUTS.seraGlm45AirZai),
  glm46: trajectoryCost(PAPER_TRAJECTORY_COST_INPUTS.seraGlm46Zai),
  vllm: trajectoryCost(PAPER_TRAJECTORY_COST_INPUTS.seraVllm),
};

function cells(breakdown: TrajectoryCostBreakdown): string[] {
  const table = roundBreakdownLikeTable(breakdown);
  return [table.cachedInputUsd, table.newInputUsd, table.outputUsd, table.extraUsd, table.inferenceUsd, table.trainingUsd, table.totalUsd].map((value) =>
    value.toFixed(4),
  );
}

describe("per-trajectory cost model (Table 15)", () => {
  it("token arithmetic by hand for Sonnet 3.7", () => {
    // 748,881 × $0.30/M = $0.2246643; 24,327 × $3/M = $0.072981; 7,673 × $15/M = $0.115095.
    expectClose(costs.sweSmith.cachedInputUsd, 0.2246643, 1e-12);
    expectClose(costs.sweSmith.newInputUsd, 0.072981, 1e-12);
    expectClose(costs.sweSmith.outputUsd, 0.115095, 1e-12);
    // Training 0.028 H100-h × $2.
    expectClose(costs.sweSmith.trainingUsd, 0.056, 1e-12);
  });

  it("reproduces every cell of Table 15 to four decimals with table-style rounding", () => {
    expect(cells(costs.sweSmith)).toEqual(["0.2247", "0.0730", "0.1151", "0.0540", "0.4668", "0.0560", "0.5228"]);
    expect(cells(costs.air)).toEqual(["0.0225", "0.0049", "0.0084", "0.0000", "0.0358", "0.0560", "0.0918"]);
    expect(cells(costs.glm46)).toEqual(["0.0824", "0.0146", "0.0169", "0.0000", "0.1139", "0.0560", "0.1699"]);
    expect(roundBreakdownLikeTable(costs.vllm).inferenceUsd.toFixed(4)).toBe("0.1307");
    expect(roundBreakdownLikeTable(costs.vllm).totalUsd.toFixed(4)).toBe("0.1867");
  });

  it("unrounded totals agree to the cent; the 4th decimal of SWE-smith needs rounded cells", () => {
    expect([costs.sweSmith, costs.air, costs.glm46, costs.vllm].map((c) => c.totalUsd.toFixed(2))).toEqual(["0.52", "0.09", "0.17", "0.19"]);
    // Summing unrounded components gives 0.52274, which prints as 0.5227, not the table's 0.5228.
    expect(costs.sweSmith.totalUsd.toFixed(4)).toBe("0.5227");
    expect(costs.air.totalUsd.toFixed(4)).toBe("0.0918");
    expect(costs.glm46.totalUsd.toFixed(4)).toBe("0.1699");
  });

  it("self-hosted vLLM: the printed $0.1307 is not 0.065 GPU-h × $2", () => {
    const asPrinted = trajectoryCost({
      inference: { kind: "self-hosted", gpuHours: PAPER_VLLM_GPU_HOURS_AS_PRINTED, usdPerGpuHour: PAPER_USD_PER_H100_HOUR },
      training: { usd: 0.056 },
    });
    expectClose(asPrinted.inferenceUsd, 0.13, 1e-12);
    const implied = trajectoryCost({
      inference: { kind: "self-hosted", gpuHours: 0.06535, usdPerGpuHour: 2 },
      training: { usd: 0.056 },
    });
    expectClose(implied.inferenceUsd, PAPER_VLLM_INFERENCE_USD, 1e-12);
  });

  it("shares of billed tokens: cached 95.9%, new input 3.1%, output 1.0%", () => {
    const total = PAPER_TOKEN_PROFILE.cachedInputTokens + PAPER_TOKEN_PROFILE.inputTokens + PAPER_TOKEN_PROFILE.outputTokens;
    expect(
      [PAPER_TOKEN_PROFILE.cachedInputTokens, PAPER_TOKEN_PROFILE.inputTokens, PAPER_TOKEN_PROFILE.outputTokens].map((n) => ((100 * n) / total).toFixed(1)),
    ).toEqual(["95.9", "3.1", "1.0"]);
  });

  it("derived ratios: 5.7×, 2.0×, 3.1×, 1.1×, 3.2× inference and 1.85× total", () => {
    const t = PAPER_USD_PER_TRAJECTORY;
    expect((t.sweSmith / t.zai).toFixed(1)).toBe("5.7");
    expect((t.vllm / t.zai).toFixed(1)).toBe("2.0");
    expect((t.sweSmith / t.glm46Zai).toFixed(1)).toBe("3.1");
    expect((t.vllm / t.glm46Zai).toFixed(1)).toBe("1.1");
    const table = (b: TrajectoryCostBreakdown) => roundBreakdownLikeTable(b);
    expect((table(costs.glm46).inferenceUsd / table(costs.air).inferenceUsd).toFixed(1)).toBe("3.2");
    expect((t.glm46Zai / t.zai).toFixed(2)).toBe("1.85");
  });

  it("16,000 trajectories: about $1.5K, $2.7K, $3.0K and $8.4K", () => {
    const t = PAPER_USD_PER_TRAJECTORY;
    expect([t.zai, t.glm46Zai, t.vllm, t.sweSmith].map((usd) => (datasetCostUsd(16_000, usd) / 1000).toFixed(1))).toEqual(["1.5", "2.7", "3.0", "8.4"]);
  });

  it("Table 11 cost columns are samples × the printed per-trajectory totals, rounded to the dollar", () => {
    for (const point of PAPER_SCALING_POINTS) {
      expect(Math.round(datasetCostUsd(point.samples, PAPER_USD_PER_TRAJECTORY.vllm))).toBe(point.printedUsdVllm);
      expect(Math.round(datasetCostUsd(point.samples, PAPER_USD_PER_TRAJECTORY.zai))).toBe(point.printedUsdZai);
    }
    // With the unrounded z.ai total ($0.091772) the 16,000 row would read $1,468, not $1,469.
    expect(Math.round(datasetCostUsd(16_000, costs.air.totalUsd))).toBe(1468);
  });

  it("baseline dollars: SkyRL-Agent $9,202, DeepSWE $18,360; SWE-smith's $3,395 is not 6,402 × $0.5228", () => {
    const skyRl = PAPER_BASELINES.skyRlAgent;
    expect(skyRl.gpuHours * skyRl.usdPerGpuHour).toBe(9202);
    const deepSwe = PAPER_BASELINES.deepSwe;
    expect(deepSwe.gpuHours * deepSwe.usdPerGpuHour).toBe(18360);
    expect((18360 / 1920).toFixed(1)).toBe("9.6");
    expect(Math.round(datasetCostUsd(PAPER_BASELINES.sweSmith.samples, PAPER_USD_PER_TRAJECTORY.sweSmith))).toBe(3347);
  });

  it("rejects negative inputs", () => {
    expect(() => trajectoryCost({ inference: { kind: "fixed", usd: -1 }, training: { usd: 0 } })).toThrow(RangeError);
  });
});
