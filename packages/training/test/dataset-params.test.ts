import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "@sera/core";
import { datasetIdentity, datasetParamsSchema, datasetStage } from "../src/index.js";

/** What goes into a dataset run's id, and the checks the schema cannot express. */

const identityOf = (params: Record<string, unknown>) => canonicalJson(datasetIdentity(datasetParamsSchema.parse(params)));
const from = (outDir: string) => [{ runId: "gen0000000000001", outDir }];

describe("sera-dataset params", () => {
  it("carries the paper's defaults, with every optional filter off", () => {
    const params = datasetParamsSchema.parse({});
    expect(params).toMatchObject({
      format: "hermes",
      train: true,
      toolJson: true,
      enforceSubmit: true,
      trajectories: "mix",
      tokenBudget: 32_768,
      ratioFloor: 0.88,
      topN: null,
      where: null,
      thinking: { keep: true, tags: { open: "<think>", close: "</think>" } },
      filters: {
        patchLines: { enabled: false, max: 40 },
        toolOutputTokens: { enabled: false, maxMean: 600, measure: "toolTurns" },
        dedupePatches: { enabled: false },
      },
    });
    expect(() => datasetParamsSchema.parse({ filters: { patchLines: { enabled: true, maximum: 10 } } })).toThrow(/maximum/);
  });

  it("counts tokens on one worker per core beyond the main thread's unless told", () => {
    expect(datasetParamsSchema.parse({}).workers).toBe(Math.max(1, availableParallelism() - 1));
    expect(datasetParamsSchema.parse({ workers: 3 }).workers).toBe(3);
  });

  it("keys the run on what changes the data: not token threads, not where a source directory lives", () => {
    const base = identityOf({ from: from("/a/out") });
    expect(identityOf({ from: from("/elsewhere/out"), workers: 8 })).toBe(base);
    expect(identityOf({ from: from("/a/out"), format: "xml" })).not.toBe(base);
    expect(identityOf({ from: [{ runId: "gen0000000000002", outDir: "/a/out" }] })).not.toBe(base);
    expect(identityOf({ from: from("/a/out"), subsets: { sizes: [400], seed: 2 } })).not.toBe(base);
  });

  it("needs a source, and a single SQL condition", () => {
    const check = (params: Record<string, unknown>, upstreamStages: string[]) =>
      datasetStage.check?.(datasetParamsSchema.parse(params), { stage: "dataset", upstreamStages }) ?? null;
    expect(check({}, [])).toMatchObject({ path: "from" });
    expect(check({}, ["generate"])).toBeNull();
    expect(check({ from: from("/a/out") }, [])).toBeNull();
    expect(check({ where: "steps < 3; DROP TABLE rollouts" }, ["generate"])).toMatchObject({ path: "where" });
  });
});
