import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { expandSweep, loadExperiment } from "../src/index.js";

function experimentFile(tree: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-sweep-"));
  const file = path.join(dir, "e.yaml");
  writeFileSync(file, stringify(tree));
  return file;
}

function twoStage(grid: Record<string, unknown[]>, seeds: number | number[], extra: Record<string, unknown> = {}) {
  return {
    name: "sweep",
    stages: {
      prepare: { kind: "command", seeded: false, params: { run: "true", size: 1 } },
      train: { kind: "command", needs: ["prepare"], params: { run: "true", lr: 0.1, batch: 8 } },
    },
    sweep: { grid, seeds },
    ...extra,
  };
}

describe("sweep expansion", () => {
  it("expands grid × seeds and shares unswept, unseeded upstream runs", () => {
    const plan = expandSweep(loadExperiment(experimentFile(twoStage({ "stages.train.params.lr": [0.1, 0.2, 0.3] }, 2))));
    expect(plan.cells).toBe(6);
    expect(plan.runs.filter((r) => r.stage === "prepare")).toHaveLength(1);
    const train = plan.runs.filter((r) => r.stage === "train");
    expect(train).toHaveLength(6);
    expect(new Set(train.map((r) => `${r.params.lr}/${r.seed}`)).size).toBe(6);
    expect(train.every((r) => r.upstream.prepare === plan.runs[0].id)).toBe(true);
    expect(train.map((r) => r.sweep.p_lr).sort()).toEqual([0.1, 0.1, 0.2, 0.2, 0.3, 0.3]);
    expect(plan.runs[0].stage).toBe("prepare");
  });

  it("propagates an upstream axis into downstream run ids and sweep columns", () => {
    const plan = expandSweep(loadExperiment(experimentFile(twoStage({ "stages.prepare.params.size": [1, 2] }, [5]))));
    const prepare = plan.runs.filter((r) => r.stage === "prepare");
    const train = plan.runs.filter((r) => r.stage === "train");
    expect(prepare).toHaveLength(2);
    expect(train).toHaveLength(2);
    expect(new Set(train.map((r) => r.upstream.prepare))).toEqual(new Set(prepare.map((r) => r.id)));
    expect(train.map((r) => r.sweep.p_size).sort()).toEqual([1, 2]);
    expect(train.every((r) => r.seed === 5)).toBe(true);
  });

  it("qualifies clashing axis names by stage", () => {
    const tree = twoStage({ "stages.prepare.params.size": [1], "stages.train.params.size": [3, 4] }, 1);
    (tree.stages.train.params as Record<string, unknown>).size = 3;
    const plan = expandSweep(loadExperiment(experimentFile(tree)));
    expect(plan.axes.map((a) => a.column)).toEqual(["p_prepare_size", "p_train_size"]);
  });

  it("gives stable ids that ignore key order and file location but follow every input", () => {
    const a = expandSweep(loadExperiment(experimentFile(twoStage({}, 1))));
    const reordered = twoStage({}, 1);
    reordered.stages.train.params = { batch: 8, lr: 0.1, run: "true" };
    const b = expandSweep(loadExperiment(experimentFile(reordered)));
    expect(b.runs.map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
    // Golden id, recomputed here from the documented recipe: sha256 of the sorted-key JSON identity.
    const identity =
      '{"experiment":"sweep","kind":"command","params":{"batch":8,"env":{},"lr":0.1,"outputs":[],"run":"true"},' +
      `"salt":"sera-run-v1","seed":1,"stage":"train","upstream":{"prepare":"${a.runs[0].id}"},"version":1}`;
    expect(a.runs[1].id).toBe(createHash("sha256").update(identity).digest("hex").slice(0, 16));
    const changedUpstream = twoStage({}, 1);
    changedUpstream.stages.prepare.params.size = 2;
    const c = expandSweep(loadExperiment(experimentFile(changedUpstream)));
    expect(c.runs[1].id).not.toBe(a.runs[1].id);
  });

  it("property: run count is (product of axis lengths) × seeds for the seeded stage, deduplicated otherwise", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 99 }), { minLength: 1, maxLength: 3 }),
        (lrs, batches, seeds) => {
          const plan = expandSweep(loadExperiment(experimentFile(twoStage({ "stages.train.params.lr": lrs, "stages.train.params.batch": batches }, seeds))));
          const train = plan.runs.filter((r) => r.stage === "train");
          expect(plan.cells).toBe(lrs.length * batches.length * seeds.length);
          expect(train).toHaveLength(lrs.length * batches.length * seeds.length);
          expect(new Set(plan.runs.map((r) => r.id)).size).toBe(plan.runs.length);
          expect(plan.runs.filter((r) => r.stage === "prepare")).toHaveLength(1);
          // Expanding twice gives the same ids in the same order.
          const again = expandSweep(loadExperiment(experimentFile(twoStage({ "stages.train.params.lr": lrs, "stages.train.params.batch": batches }, seeds))));
          expect(again.runs.map((r) => r.id)).toEqual(plan.runs.map((r) => r.id));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("property: duplicate axis values collapse onto the same runs", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }), (values) => {
        const plan = expandSweep(loadExperiment(experimentFile(twoStage({ "stages.train.params.lr": values }, 1))));
        expect(plan.runs.filter((r) => r.stage === "train")).toHaveLength(new Set(values).size);
      }),
      { numRuns: 30 },
    );
  });
});
