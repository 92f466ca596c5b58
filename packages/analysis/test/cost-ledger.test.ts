import { describe, expect, it } from "vitest";
import { parseCostLedger, summarizeLedgerByExperiment, summarizeLedgerByRun, type CostLedgerRow } from "../src/index.js";
import { expectClose } from "./reference-values.js";

const rows: CostLedgerRow[] = [
  { runId: "r1", kind: "teacher-cached-input", quantity: 2_000_000, unit: "token", unitPrice: 0.03e-6, usd: 0.06 },
  { runId: "r1", kind: "teacher-output", quantity: 100_000, unit: "token", unitPrice: 1.1e-6, usd: 0.11 },
  { runId: "r2", kind: "gpu", quantity: 3.5, unit: "H100-hour", unitPrice: 2, usd: 7 },
  { runId: "r1", kind: "teacher-output", quantity: 50_000, unit: "token", unitPrice: 1.1e-6, usd: 0.055 },
  { runId: "r3", kind: "gpu", quantity: 1, unit: "H100-hour", unitPrice: 2, usd: 2.5 },
];

describe("cost ledger", () => {
  it("validates rows", () => {
    expect(parseCostLedger(rows)).toEqual(rows);
    expect(() => parseCostLedger([{ ...rows[0], usd: -1 }])).toThrow();
    expect(() => parseCostLedger([{ ...rows[0], runId: "" }])).toThrow();
  });

  it("sums per run and per (kind, unit), by hand", () => {
    const byRun = summarizeLedgerByRun(rows);
    expect(byRun.map((run) => run.runId)).toEqual(["r1", "r2", "r3"]);
    // r1: 0.06 + 0.11 + 0.055 = 0.225 USD; output tokens 100,000 + 50,000.
    expectClose(byRun[0].totalUsd, 0.225, 1e-12);
    expect(byRun[0].lines.map((line) => [line.kind, line.quantity])).toEqual([
      ["teacher-cached-input", 2_000_000],
      ["teacher-output", 150_000],
    ]);
    expect(byRun[0].mismatches).toEqual([]);
    // r3 records $2.50 for 1 h at $2: flagged, not corrected.
    expect(byRun[2].mismatches).toEqual([{ runId: "r3", kind: "gpu", usd: 2.5, expectedUsd: 2 }]);
    expect(byRun[2].totalUsd).toBe(2.5);
  });

  it("sums per experiment and refuses runs with no experiment", () => {
    const byExperiment = summarizeLedgerByExperiment(rows, { r1: "scaling", r2: "scaling", r3: "ablation" });
    expect(byExperiment.map((e) => [e.experimentId, e.runIds])).toEqual([
      ["ablation", ["r3"]],
      ["scaling", ["r1", "r2"]],
    ]);
    expectClose(byExperiment[1].totalUsd, 7.225, 1e-12);
    expect(() => summarizeLedgerByExperiment(rows, (runId) => (runId === "r1" ? "x" : undefined))).toThrow(/r2/);
  });

  it("keeps quantities in different units apart", () => {
    const mixed = summarizeLedgerByRun([
      { runId: "r", kind: "gpu", quantity: 1, unit: "H100-hour", unitPrice: 2, usd: 2 },
      { runId: "r", kind: "gpu", quantity: 2, unit: "A100-hour", unitPrice: 1, usd: 2 },
    ]);
    expect(mixed[0].lines.map((line) => [line.unit, line.quantity])).toEqual([
      ["A100-hour", 2],
      ["H100-hour", 1],
    ]);
  });
});
