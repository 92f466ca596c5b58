import { readFileSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { buildDataset, datasetFiles, datasetStage, type DatasetCard } from "../src/index.js";
import { datasetExecution, patchOf, writeGenerationSource, type RolloutSpec } from "./support/generation-source.js";

/** The sera-dataset stage body over hand-written generation outputs: real files, real Qwen3 workers, real DuckDB. */

const jsonl = (file: string): Record<string, unknown>[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const lines = (file: string): string[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "");
const data = (outDir: string, name: string) => path.join(outDir, "data", `${name}-00000-of-00001.jsonl`);
const dropCounts = (card: DatasetCard) => Object.fromEntries(card.drops.map((drop) => [`${drop.step}/${drop.reason}`, drop.count]));

async function parquetRows(file: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT instance_id, len(messages)::INTEGER AS messages FROM read_parquet('${file}')`);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe("sera-dataset: selection", () => {
  const rollouts: RolloutSpec[] = [
    { instance: "a", phase: "r1", selfCheck: true },
    { instance: "a", phase: "r2" },
    { instance: "b", phase: "r1", attempt: 1, selfCheck: false },
    { instance: "b", phase: "r1", attempt: 2, selfCheck: true },
    { instance: "b", phase: "r2" },
    { instance: "c", phase: "r1", selfCheck: true, exitStatus: "submitted (exit_cost)" },
    { instance: "d", phase: "r1", selfCheck: true, exitStatus: "Submitted" },
    { instance: "d", phase: "r2", patch: "" },
  ];
  const instances = [
    { instance: "a", verdict: "pass" as const },
    { instance: "b", verdict: "fail" as const, recall: 0 },
    { instance: "c" },
    { instance: "d", verdict: "pass" as const, recall: 1 },
  ];
  const source = writeGenerationSource("gen0000000000001", rollouts, instances);

  it("keeps T1 the self-check accepted and verified T2, records each drop once with its rule, and writes files that agree", async () => {
    const { run, emitted } = datasetExecution("gen0000000000001", source, {});
    const card = await buildDataset(run);

    expect(card.counts.considered).toEqual({ r1: 5, r2: 3 });
    expect(dropCounts(card)).toEqual({ "selection/t1-self-check-not-yes": 1, "selection/t2-not-verified": 1, "selection/not-submitted": 1 });
    const samples = jsonl(path.join(run.outDir, "records", "samples.jsonl"));
    expect(samples.map((s) => s.sample_id).sort()).toEqual(["a/r1-1", "a/r2-1", "b/r1-2", "d/r1-1", "d/r2-1"].map((id) => `gen0000000000001/${id}`));
    expect(samples.find((s) => s.sample_id === "gen0000000000001/a/r1-1")).toMatchObject({
      instance_id: "a",
      function: "fn_a",
      repo: "demo",
      truncation_ratio: 1,
      truncated: false,
    });
    const drops = jsonl(path.join(run.outDir, "records", "dataset_drops.jsonl"));
    expect(drops.map((d) => `${d.filter_step}:${d.instance_id}/${d.phase}-${d.rollout_attempt}:${d.reason}`).sort()).toEqual([
      "selection:b/r1-1:t1-self-check-not-yes",
      "selection:b/r2-1:t2-not-verified",
      "selection:c/r1-1:not-submitted",
    ]);

    const all = jsonl(data(run.outDir, "all"));
    expect(all).toHaveLength(5);
    for (const line of all) {
      expect(Object.keys(line)).toEqual(["messages", "instance_id", "tool_json"]);
      const messages = line.messages as { role: string; content: string; train: boolean }[];
      expect(messages.every((m) => m.train === (m.role === "assistant"))).toBe(true);
      expect(messages.filter((m) => m.role === "assistant").every((m) => m.content.includes("<tool_call>"))).toBe(true);
      expect((line.tool_json as { function: { name: string } }[]).map((t) => t.function.name)).toEqual(["bash", "str_replace_editor", "submit"]);
    }
    const parquet = await parquetRows(path.join(run.outDir, "data", "all-00000-of-00001.parquet"));
    expect(parquet).toEqual(all.map((line) => ({ instance_id: line.instance_id, messages: (line.messages as unknown[]).length })));

    const datasets = jsonl(path.join(run.outDir, "records", "datasets.jsonl"));
    expect(datasets).toHaveLength(1);
    expect(datasets[0]).toMatchObject({ run_id: run.runId, samples: 5, candidates: 5, dropped: 3, sources: ["gen0000000000001"] });
    expect(JSON.parse(readFileSync(path.join(run.outDir, "card.json"), "utf8"))).toEqual(card);
    expect(card.lineage.sources[0]).toMatchObject({
      runId: "gen0000000000001",
      kind: "generation",
      experiment: "test",
      repos: ["demo"],
      teacher: "hand-written",
      rollouts: 8,
    });
    const readme = readFileSync(path.join(run.outDir, "README.md"), "utf8");
    expect(readme).toContain("| selection | t1-self-check-not-yes | 1 |");
    expect(card.chatTemplate).toMatchObject({ mode: "qwen3-layout", firstMismatch: null });
    expect(card.chatTemplate.checkedSamples).toBeGreaterThan(0);
    // The preview is one SFT line as Qwen3's template renders it: system turn with the template's tool section first.
    const preview = readFileSync(path.join(run.outDir, "rendered-preview.txt"), "utf8");
    expect(preview).toMatch(/^<\|im_start\|>system\n[\s\S]*# Tools\n\nYou may call one or more functions/);
    expect(preview.endsWith("</tool_response><|im_end|>\n")).toBe(true);
    expect(readme).toContain("data/all-00000-of-00001.parquet");
    const last = emitted.filter((record) => "progress_total" in record).at(-1);
    expect(last).toMatchObject({ progress_done: 5, progress_total: 5, samples: 5 });
    expect(emitted.at(-1)).toMatchObject({ samples: 5, dropped: 3, drop_not_submitted: 1 });
  });

  it("takes only the phase asked for, and recomputes the T2 verdict from recall when given a threshold", async () => {
    const t1 = await buildDataset(datasetExecution("gen0000000000001", source, { trajectories: "t1" }).run);
    expect(t1.counts.considered).toEqual({ r1: 5 });
    expect(t1.counts.samplesByPhase).toEqual({ r1: 3 });
    // Threshold 0: b's recall 0 now passes, but d's empty P2 still does not.
    const t2 = await buildDataset(datasetExecution("gen0000000000001", source, { trajectories: "t2", verificationThreshold: 0 }).run);
    expect(t2.counts.samplesByPhase).toEqual({ r2: 2 });
    expect(dropCounts(t2)).toEqual({ "selection/t2-not-verified": 1 });
  });

  it("reads generation record files written before `attempt` became `rollout_attempt` the same way, where filter included", async () => {
    const legacy = writeGenerationSource("gen0000000000002", rollouts, instances, { legacyAttemptColumn: true });
    expect(readFileSync(path.join(legacy, "records", "rollouts.jsonl"), "utf8")).toContain('"attempt":2');
    const { run } = datasetExecution("gen0000000000002", legacy, { where: "rollout_attempt = 2 OR phase = 'r2'" });
    await buildDataset(run);
    const samples = jsonl(path.join(run.outDir, "records", "samples.jsonl"));
    expect(samples.map((s) => `${s.sample_id}:${s.rollout_attempt}`).sort()).toEqual(
      ["a/r2-1:1", "b/r1-2:2", "d/r2-1:1"].map((id) => `gen0000000000002/${id}`),
    );
  });
});

describe("sera-dataset: filters", () => {
  const source = writeGenerationSource(
    "gen0000000000002",
    [
      { instance: "p1", phase: "r1", patch: patchOf(50) },
      { instance: "p2", phase: "r1", patch: patchOf(3, "same") },
      { instance: "p3", phase: "r1", patch: patchOf(3, "same") + "\n" },
      { instance: "p4", phase: "r1", steps: 6 },
      { instance: "p5", phase: "r1", toolOutput: "word ".repeat(3000) },
      { instance: "p6", phase: "r1" },
    ],
    ["p1", "p2", "p3", "p4", "p5", "p6"].map((instance) => ({ instance })),
  );

  it("counts a drop per enabled filter, and none while filters are off (the default)", async () => {
    const off = await buildDataset(datasetExecution("gen0000000000002", source, {}).run);
    expect(off.counts.samples).toBe(6);
    expect(off.drops).toEqual([]);

    const { run } = datasetExecution("gen0000000000002", source, {
      where: "steps <= 5",
      filters: { patchLines: { enabled: true }, dedupePatches: { enabled: true }, toolOutputTokens: { enabled: true } },
    });
    const card = await buildDataset(run);
    expect(dropCounts(card)).toEqual({
      "filter/sql-predicate": 1,
      "filter/patch-too-large": 1,
      "filter/duplicate-patch": 1,
      "filter/tool-output-too-long": 1,
    });
    const dropped = jsonl(path.join(run.outDir, "records", "dataset_drops.jsonl"))
      .map((d) => `${d.instance_id}:${d.reason}`)
      .sort();
    expect(dropped).toEqual(["p1:patch-too-large", "p3:duplicate-patch", "p4:sql-predicate", "p5:tool-output-too-long"]);
    expect(
      jsonl(data(run.outDir, "all"))
        .map((line) => line.instance_id)
        .sort(),
    ).toEqual(["p2", "p6"]);
  });

  it("evaluates the SQL predicate with subqueries over the other record tables, and names the parameter when it is wrong", async () => {
    const card = await buildDataset(
      datasetExecution("gen0000000000002", source, { where: "instance_id IN (SELECT instance_id FROM instances WHERE function IN ('fn_p1', 'fn_p6'))" }).run,
    );
    expect(card.counts.samples).toBe(2);
    expect(dropCounts(card)).toEqual({ "filter/sql-predicate": 4 });
    await expect(buildDataset(datasetExecution("gen0000000000002", source, { where: "no_such_column > 1" }).run)).rejects.toThrow(
      /^params\.where \(no_such_column > 1\): .*no_such_column/,
    );
  });

  it("names params.studentTokenizer when the student's tokenizer folder has no chat template", async () => {
    await expect(buildDataset(datasetExecution("gen0000000000002", source, { studentTokenizer: "/nonexistent/student" }).run)).rejects.toThrow(
      "params.studentTokenizer: /nonexistent/student: no such tokenizer folder or tokenizer_config.json",
    );
  });
});

describe("sera-dataset: token budget, ratio order and nested subsets", () => {
  const steps = [1, 2, 3, 4, 8, 12, 20, 30, 45, 70];
  const source = writeGenerationSource(
    "gen0000000000003",
    steps.map((n, i) => ({ instance: `s${String(i).padStart(2, "0")}`, phase: "r1" as const, steps: n })),
    steps.map((_, i) => ({ instance: `s${String(i).padStart(2, "0")}` })),
  );

  it("cuts long samples after an assistant turn within the budget, orders by ratio, and drops below the floor", async () => {
    const { run } = datasetExecution("gen0000000000003", source, { tokenBudget: 1500, ratioFloor: 0.5 });
    const card = await buildDataset(run);
    const samples = jsonl(path.join(run.outDir, "records", "samples.jsonl"));
    const all = jsonl(data(run.outDir, "all"));
    expect(card.truncation.truncated).toBeGreaterThan(0);
    expect(dropCounts(card)["ratio/below-ratio-floor"]).toBeGreaterThan(0);
    expect(card.counts.fitted).toBe(card.counts.samples + dropCounts(card)["ratio/below-ratio-floor"]);
    expect(card.truncation.ratioHistogram.reduce((sum, bin) => sum + bin.count, 0)).toBe(card.counts.fitted);
    expect(all.map((line) => line.instance_id)).toEqual(samples.sort((a, b) => Number(a.ratio_rank) - Number(b.ratio_rank)).map((s) => s.instance_id));
    for (const [rank, sample] of samples.entries()) {
      const messages = all[rank].messages as { role: string }[];
      expect(sample.kept_tokens as number).toBeLessThanOrEqual(1500);
      expect(sample.truncation_ratio as number).toBeGreaterThanOrEqual(0.5);
      expect(messages).toHaveLength(sample.messages as number);
      expect(sample.truncation_ratio).toBe((sample.messages as number) / (sample.total_messages as number));
      if (sample.truncated) expect(messages.at(-1)?.role).toBe("assistant");
      if (rank > 0) expect(sample.truncation_ratio as number).toBeLessThanOrEqual(samples[rank - 1].truncation_ratio as number);
    }
    const capped = await buildDataset(datasetExecution("gen0000000000003", source, { tokenBudget: 1500, ratioFloor: 0.5, topN: 2 }).run);
    expect(capped.counts.samples).toBe(2);
    expect(dropCounts(capped)["ratio/beyond-top-n"]).toBe(card.counts.samples - 2);
  });

  it("order random: writes each nested subset as a prefix of one seeded order, the same for the same seed", async () => {
    const first = datasetExecution("gen0000000000003", source, { ratioFloor: 0, subsets: { sizes: [7, 3], order: "random", seed: 11 } }).run;
    const card = await buildDataset(first);
    expect(card.counts.subsets).toEqual([
      { size: 3, samples: 3 },
      { size: 7, samples: 7 },
    ]);
    const small = lines(data(first.outDir, "subset-3"));
    const large = lines(data(first.outDir, "subset-7"));
    expect(small).toEqual(large.slice(0, 3));
    const everything = new Set(lines(data(first.outDir, "all")));
    expect(large.every((line) => everything.has(line))).toBe(true);
    const samples = jsonl(path.join(first.outDir, "records", "samples.jsonl"));
    const bySubsetRank = [...samples].sort((a, b) => Number(a.subset_rank) - Number(b.subset_rank));
    expect(large.map((line) => (JSON.parse(line) as { instance_id: string }).instance_id)).toEqual(bySubsetRank.slice(0, 7).map((s) => s.instance_id));
    for (const sample of samples) {
      expect(sample.subsets).toEqual([3, 7].filter((size) => (sample.subset_rank as number) < size));
    }

    expect(datasetFiles(first.outDir)).toEqual([data(first.outDir, "all")]);
    expect(datasetFiles(first.outDir, 7)).toEqual([data(first.outDir, "subset-7")]);
    expect(datasetFiles(first.outDir, 3, "parquet")).toEqual([path.join(first.outDir, "data", "subset-3-00000-of-00001.parquet")]);
    expect(() => datasetFiles(first.outDir, 5)).toThrow(/no subset-5 jsonl files \(it has: all, subset-3, subset-7\)/);

    const again = datasetExecution("gen0000000000003", source, { ratioFloor: 0, subsets: { sizes: [3, 7], order: "random", seed: 11 } }).run;
    await buildDataset(again);
    expect(lines(data(again.outDir, "subset-7"))).toEqual(large);
    const other = datasetExecution("gen0000000000003", source, { ratioFloor: 0, subsets: { sizes: [3, 7], order: "random", seed: 12 } }).run;
    await buildDataset(other);
    expect(lines(data(other.outDir, "subset-7"))).not.toEqual(large);

    await expect(buildDataset(datasetExecution("gen0000000000003", source, { subsets: { sizes: [40] } }).run)).rejects.toThrow(
      /^params\.subsets\.sizes: subset size 40 exceeds the \d+ eligible samples/,
    );
  });

  it("order truncation-ratio (the default): each nested subset is the top N by truncation ratio, the card says so", async () => {
    const { run } = datasetExecution("gen0000000000003", source, { tokenBudget: 1500, ratioFloor: 0, subsets: { sizes: [3, 7], seed: 5 } });
    const card = await buildDataset(run);
    expect(card.lineage.params.subsets.order).toBe("truncation-ratio");
    const samples = jsonl(path.join(run.outDir, "records", "samples.jsonl"));
    const ratioOf = new Map(samples.map((s) => [s.instance_id as string, s.truncation_ratio as number]));
    const descending = samples.map((s) => s.truncation_ratio as number).sort((a, b) => b - a);
    expect(new Set(descending).size).toBeGreaterThan(2);
    const idsOf = (file: string) => jsonl(file).map((line) => line.instance_id as string);
    const small = idsOf(data(run.outDir, "subset-3"));
    const large = idsOf(data(run.outDir, "subset-7"));
    expect(large.slice(0, 3)).toEqual(small);
    expect(large.map((id) => ratioOf.get(id))).toEqual(descending.slice(0, 7));
    for (const sample of samples) expect(sample.subsets).toEqual([3, 7].filter((size) => (sample.subset_rank as number) < size));
    expect(readFileSync(path.join(run.outDir, "README.md"), "utf8")).toMatch(/top N by truncation ratio/);
  });
});

describe("sera-dataset: mix", () => {
  // Two sources alike in shape: the repository's own generation run (a stage in needs) and general data (params.from).
  const ids = Array.from({ length: 8 }, (_, i) => i);
  const rolloutsOf = (prefix: string): RolloutSpec[] =>
    ids.flatMap((i) => [
      { instance: `${prefix}${i}`, phase: "r1" as const, patch: patchOf(10 + 10 * i, `${prefix}${i}`) },
      { instance: `${prefix}${i}`, phase: "r2" as const },
    ]);
  const instancesOf = (prefix: string) => ids.map((i) => ({ instance: `${prefix}${i}`, verdict: "pass" as const, recall: i / 7 }));
  const repoSource = writeGenerationSource("gen0000000000011", rolloutsOf("own"), instancesOf("own"));
  const generalSource = writeGenerationSource("gen0000000000012", rolloutsOf("gen"), instancesOf("gen"));
  const from = [{ runId: "gen0000000000012", outDir: generalSource }];
  const mixed = (mix: Record<string, unknown>, seed = 1) => datasetExecution("gen0000000000011", repoSource, { from, mix }, seed).run;
  const mix = { quotas: { t2: { n: 4, minRecall: 0.5 }, t1: { n: 4, maxPatchLines: 40 } }, sources: { specific: ["generate"], alpha: 0.75 } };

  it("draws each quota exactly, with its own filters and α of it from the repository's run, records each sample's quota and source, and drops the rest", async () => {
    const run = mixed(mix);
    const card = await buildDataset(run);
    const samples = jsonl(path.join(run.outDir, "records", "samples.jsonl"));
    expect(samples).toHaveLength(8);
    const tally = (quota: string, source: string) => samples.filter((s) => s.mix_quota === quota && s.mix_source === source).length;
    expect([tally("t2", "specific"), tally("t2", "general"), tally("t1", "specific"), tally("t1", "general")]).toEqual([3, 1, 3, 1]);
    for (const sample of samples) {
      expect(sample.source_run_id).toBe(sample.mix_source === "specific" ? "gen0000000000011" : "gen0000000000012");
      const index = Number(String(sample.instance_id).slice(3));
      if (sample.mix_quota === "t2") expect(sample.phase === "r2" && index / 7 >= 0.5).toBe(true);
      else expect(sample.phase === "r1" && (sample.patch_lines as number) <= 40).toBe(true);
    }
    expect(dropCounts(card)["mix/beyond-mix-quota"]).toBe(card.counts.fitted - 8);
    expect(card.counts.mix).toEqual([
      { quota: "t2", source: "specific", wanted: 3, eligible: 4 },
      { quota: "t2", source: "general", wanted: 1, eligible: 4 },
      { quota: "t1", source: "specific", wanted: 3, eligible: 4 },
      { quota: "t1", source: "general", wanted: 1, eligible: 4 },
    ]);
    expect(readFileSync(path.join(run.outDir, "README.md"), "utf8")).toMatch(
      /## Mix\n\nPer-quota draws with α = 0\.75 from the repository-specific sources \(generate\)/,
    );
    expect(jsonl(data(run.outDir, "all"))).toHaveLength(8);
    // Seeded: the same seed draws the same samples.
    const again = mixed(mix);
    await buildDataset(again);
    const idsOf = (outDir: string) =>
      jsonl(path.join(outDir, "records", "samples.jsonl"))
        .map((s) => String(s.sample_id))
        .sort();
    expect(idsOf(again.outDir)).toEqual(idsOf(run.outDir));
  });

  it("fails with the quota named when it cannot be filled, and names an unknown source at plan time", async () => {
    await expect(buildDataset(mixed({ ...mix, quotas: { t2: { n: 6, minRecall: 0.5 } } }))).rejects.toThrow(
      "params.mix.quotas.t2: 5 samples wanted from the repository-specific sources (alpha 0.75 of 6), 4 eligible after selection, filters and the ratio floor and this quota's minRecall 0.5",
    );
    const params = datasetExecution("gen0000000000011", repoSource, { mix: { ...mix, sources: { specific: ["generat"], alpha: 0.5 } } }).run.params;
    expect(datasetStage.check?.(params, { stage: "dataset", upstreamStages: ["generate"] })).toEqual({
      path: "mix.sources.specific",
      problem: "generat is neither a stage in needs nor a run id in params.from",
    });
  });
});
