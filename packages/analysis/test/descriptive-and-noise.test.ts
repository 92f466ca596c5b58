import { describe, expect, it } from "vitest";
import { PAPER_SCALING_POINTS, assessNoise, median, pooledSd, signalToNoise, snrVerdict, summarize, summarizeConditions, withinNoise } from "../src/index.js";
import { expectClose, readReference } from "./reference-values.js";

describe("per-condition summaries", () => {
  it("mean and sample SD by hand", () => {
    // 2, 4, 9: mean 5; squared deviations 9 + 1 + 16 = 26; variance 26/2 = 13.
    const summary = summarize([2, 4, 9]);
    expect(summary.n).toBe(3);
    expect(summary.mean).toBe(5);
    expectClose(summary.sd as number, Math.sqrt(13), 1e-15);
    expect(summarize([3]).sd).toBeNull();
  });

  it("reproduces every printed mean and SD of Table 11 from the seeds", () => {
    const reference = readReference("stats.json").tests.descriptiveTable11;
    PAPER_SCALING_POINTS.forEach((point, i) => {
      const summary = summarize([...point.seeds]);
      expectClose(summary.mean, reference[i].mean, 1e-12);
      expectClose(summary.sd as number, reference[i].sd, 1e-12);
      expect(Number(summary.mean.toFixed(2))).toBe(point.printedMean);
      expect(Number((summary.sd as number).toFixed(2))).toBe(point.printedSd);
    });
  });

  it("groups rows by condition in order of appearance", () => {
    const summaries = summarizeConditions([
      { condition: "b", value: 1 },
      { condition: "a", value: 2 },
      { condition: "b", value: 3 },
    ]);
    expect(summaries.map((s) => [s.condition, s.n, s.mean])).toEqual([
      ["b", 2, 2],
      ["a", 1, 2],
    ]);
  });

  it("median of odd and even samples", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe("signal-to-noise verdicts", () => {
  it("uses the paper's bands with both edges borderline", () => {
    expect(snrVerdict(0.99)).toBe("not trustworthy");
    expect(snrVerdict(1)).toBe("borderline");
    expect(snrVerdict(2)).toBe("borderline");
    expect(snrVerdict(2.01)).toBe("likely real");
  });

  it("SERA vs SWE-smith (same teacher): +4.7 pp at SNR 4.4 with the pooled SD", () => {
    // 30.00 ± 1.41 vs 25.27 ± 0.61, 3 seeds each: pooled SD = sqrt((1.41² + 0.61²)/2) = 1.0863.
    const sd = pooledSd([
      { sd: 1.41, n: 3 },
      { sd: 0.61, n: 3 },
    ]);
    expectClose(sd, Math.sqrt((1.41 ** 2 + 0.61 ** 2) / 2), 1e-15);
    const assessment = assessNoise(30.0 - 25.27, sd);
    expect(assessment.snr.toFixed(1)).toBe("4.4");
    expect(assessment.verdict).toBe("likely real");
    expect(assessment.withinNoise).toBe(false);
  });

  it("truncation effect (+2.4 pp, published SNR 2.2) is not reproduced from the printed SDs", () => {
    // Ordered 43.00 ± 1.93 vs fit-only 40.60 ± 0.69: the pooled SD gives 1.66, the
    // paper's typical SD of 1.2 gives 2.0; 2.2 would need an SD of about 1.09.
    const pooled = pooledSd([
      { sd: 1.93, n: 3 },
      { sd: 0.69, n: 3 },
    ]);
    expect(signalToNoise(43.0 - 40.6, pooled).toFixed(2)).toBe("1.66");
    expect(signalToNoise(43.0 - 40.6, 1.2).toFixed(1)).toBe("2.0");
  });

  it("flags differences within noise", () => {
    expect(withinNoise(1.0, 1.2)).toBe(true); // SNR 0.83
    expect(withinNoise(2.4, 1.2)).toBe(true); // SNR exactly 2: preliminary
    expect(withinNoise(3.0, 1.2)).toBe(false);
    expect(withinNoise(1.5, 1.2, 1)).toBe(false); // stricter reading: only below one SD
    expect(signalToNoise(-2, 0.5)).toBe(4);
    expect(signalToNoise(0, 0)).toBe(0);
    expect(() => signalToNoise(1, -1)).toThrow(RangeError);
  });
});
