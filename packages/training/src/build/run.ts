import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { appendRecordRows, readRunPlanOfOutput, SERA_VERSION, type StageExecution, type Trajectory } from "@sera/core";
import { datasetDropsTable, datasetsTable, samplesTable } from "../records/tables.js";
import { renderCardMarkdown, type CardFile, type DatasetCard, type SourceLineage } from "../card/card.js";
import { distribution, histogram, ratioHistogram, tokenEdges } from "../card/distribution.js";
import { exportSft, withQwen3Counter, type ExportedSample } from "../dataset/export.js";
import { sweAgentTools, type OpenAiTool } from "../dataset/format/tools.js";
import { countChangedLines, meanToolOutputTokens } from "../dataset/filters.js";
import { drawMix, type MixDraw, type MixPart } from "../dataset/mix.js";
import { nestedSubsets, subsetOrder } from "../dataset/subsets.js";
import { orderByRatio } from "../dataset/truncate.js";
import type { DatasetParams } from "./params.js";
import { DropLedger, selectCandidates, type Candidate } from "./select.js";
import { Spool, writeShards, type SpooledLine } from "./shards.js";
import { readSource, readTrajectoryFile, trajectoryFileOf, type SourceRecords } from "./source.js";
import { loadChatTemplate, type ChatTemplate } from "../dataset/format/chat-template.js";
import type { SegmentCheck } from "../dataset/format/chatml-layout.js";

/**
 * The `sera-dataset` stage body: read the sources' records, select and filter rollouts, render,
 * count and truncate them on worker threads, keep them down to the ratio floor, cut nested
 * subsets, and write shards, the card and the record files the ingest loads. The output folder is
 * rebuilt from scratch on every attempt, so a crash never leaves half a dataset behind a success.
 */

interface Fitted {
  candidate: Candidate;
  sample: Omit<ExportedSample, "line">;
  line: SpooledLine;
}

function openSources(run: StageExecution<DatasetParams>): SourceRecords[] {
  const sources = new Map<string, SourceRecords>();
  // Upstream runs are of this experiment and come with their plan; a `from` folder's plan is read by core.
  for (const upstream of Object.values(run.upstream)) {
    const plan = { experiment: run.experiment, kind: upstream.kind, params: upstream.params as Record<string, unknown> };
    sources.set(upstream.runId, readSource(upstream.runId, upstream.outDir, plan));
  }
  for (const from of run.params.from) {
    if (!sources.has(from.runId)) sources.set(from.runId, readSource(from.runId, path.resolve(from.outDir), readRunPlanOfOutput(path.resolve(from.outDir))));
  }
  return [...sources.values()];
}

function toolsFor(params: DatasetParams, source: SourceRecords, stored: OpenAiTool[] | undefined): readonly OpenAiTool[] | undefined {
  if (params.tools === "harness") return sweAgentTools;
  if (params.tools === "inferred") return undefined;
  return stored ?? (source.kind === "generation" ? sweAgentTools : undefined);
}

function lineageOf(source: SourceRecords): SourceLineage {
  const distinct = (values: (string | null | undefined)[]) => [...new Set(values.filter((v): v is string => typeof v === "string" && v !== ""))].sort();
  const teacher = (source.plan?.params?.teacher as { model?: string } | undefined)?.model ?? null;
  return {
    runId: source.runId,
    outDir: source.outDir,
    kind: source.kind,
    experiment: source.plan?.experiment ?? null,
    repos: distinct([...source.instances.values()].map((instance) => instance.repo)),
    commits: distinct([...source.instances.values()].map((instance) => instance.commit_sha)),
    teacher,
    rollouts: source.rollouts.length,
  };
}

export async function buildDataset(run: StageExecution<DatasetParams>): Promise<DatasetCard> {
  const { params, outDir } = run;
  for (const stale of ["data", "records", "work", "card.json", "README.md", "rendered-preview.txt"])
    rmSync(path.join(outDir, stale), { recursive: true, force: true });
  const sources = openSources(run);
  const ledger = new DropLedger();
  const { candidates, considered } = await selectCandidates(sources, params, ledger);

  const spool = new Spool(path.join(outDir, "work", "spool.jsonl"));
  const fitted: Fitted[] = [];
  let pulled = 0;
  let lastProgress = 0;
  const progress = (force = false) => {
    if (!force && Date.now() - lastProgress < 250) return;
    lastProgress = Date.now();
    run.emit({ progress_done: pulled, progress_total: candidates.length, samples: fitted.length, dropped: ledger.rows.length });
  };
  progress(true);
  const started = performance.now();
  let outputBytes = 0;
  let chatTemplate: ChatTemplate;
  try {
    chatTemplate = loadChatTemplate(params.studentTokenizer ?? undefined);
  } catch (error) {
    throw new Error(`params.studentTokenizer: ${(error as Error).message}`);
  }
  let templateCheck: SegmentCheck | undefined;
  let previewLine: string | undefined;
  await withQwen3Counter({ workers: params.workers }, async (counter) => {
    const fed: Candidate[] = [];
    const tools = new WeakMap<Trajectory, readonly OpenAiTool[] | undefined>();
    async function* trajectories(): AsyncGenerator<Trajectory> {
      for (const candidate of candidates) {
        run.signal.throwIfAborted();
        pulled++;
        progress();
        let loaded;
        try {
          loaded = readTrajectoryFile(trajectoryFileOf(candidate.source, candidate.rollout), candidate.rollout, candidate.source.kind);
        } catch {
          ledger.add(candidate, "render", "trajectory-unreadable");
          continue;
        }
        const { toolOutputTokens } = params.filters;
        if (toolOutputTokens.enabled && (await meanToolOutputTokens(loaded.trajectory, counter, toolOutputTokens.measure)) > toolOutputTokens.maxMean) {
          ledger.add(candidate, "filter", "tool-output-too-long");
          continue;
        }
        fed.push(candidate);
        tools.set(loaded.trajectory, toolsFor(params, candidate.source, loaded.tools));
        yield loaded.trajectory;
      }
    }
    const report = await exportSft(trajectories(), counter, {
      format: params.format,
      chatTemplate,
      keepThinking: params.thinking.keep,
      thinkMode: params.thinking.mode,
      thinkTags: params.thinking.tags,
      trainKey: params.train,
      toolJson: params.toolJson,
      enforceSubmit: params.enforceSubmit,
      budget: params.tokenBudget,
      toolsFor: (trajectory) => tools.get(trajectory),
      onSample: ({ line, ...sample }) => {
        previewLine ??= line;
        fitted.push({ candidate: fed[sample.index], sample, line: spool.append(line) });
      },
      onDrop: (index, reason) => ledger.add(fed[index], reason === "no-assistant-within-budget" ? "budget" : "render", reason),
    });
    outputBytes = report.outputBytes;
    templateCheck = report.chatTemplate;
  });
  const exportSeconds = (performance.now() - started) / 1000;
  progress(true);

  // Ratio order (ties by sample id: T1 and T2 of one instance share an instance id), then the floor and the cap.
  const ordered = orderByRatio(fitted.map((entry) => ({ sampleId: entry.candidate.sampleId, ratio: entry.sample.ratio, entry })));
  let selected: typeof ordered = [];
  for (const item of ordered) {
    if (item.ratio < params.ratioFloor) ledger.add(item.entry.candidate, "ratio", "below-ratio-floor");
    else if (params.topN !== null && selected.length >= params.topN) ledger.add(item.entry.candidate, "ratio", "beyond-top-n");
    else selected.push(item);
  }
  const mix = mixOf(run, selected, ledger);
  if (mix !== null) selected = mix.drawn.map((draw) => draw.item);
  const mixDraws = new Map(mix?.drawn.map((draw) => [draw.item.sampleId, draw]));
  const sizes = [...new Set(params.subsets.sizes)].sort((a, b) => a - b);
  const subsetSeed = params.subsets.seed ?? run.seed ?? 0;
  const keyOf = (item: (typeof selected)[number]) => item.sampleId;
  const ordering = { order: params.subsets.order, seed: subsetSeed, ratioOf: (item: (typeof selected)[number]) => item.ratio };
  let subsets: Map<number, typeof selected>;
  try {
    subsets = nestedSubsets(selected, sizes, ordering, keyOf);
  } catch (error) {
    throw new Error(`params.subsets.sizes: ${(error as Error).message} (after selection, filters and the ratio floor)`);
  }
  const subsetRank = new Map(subsetOrder(selected, { ...ordering, keyOf }).map((item, rank) => [item.sampleId, rank]));

  const files: CardFile[] = [];
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const shardOptions = { outDir, shardSize: params.shardSize, train: params.train, toolJson: params.toolJson };
    files.push(
      ...(await writeShards(
        spool,
        selected.map((item) => item.entry.line),
        "all",
        shardOptions,
        connection,
      )),
    );
    for (const [size, members] of subsets)
      files.push(
        ...(await writeShards(
          spool,
          members.map((item) => item.entry.line),
          `subset-${size}`,
          shardOptions,
          connection,
        )),
      );
  } finally {
    connection.closeSync();
    instance.closeSync();
    spool.close();
  }
  rmSync(path.join(outDir, "work"), { recursive: true, force: true });

  const samplesByPhase: Record<string, number> = {};
  for (const item of selected) samplesByPhase[item.entry.candidate.rollout.phase] = (samplesByPhase[item.entry.candidate.rollout.phase] ?? 0) + 1;
  const kept = selected.map((item) => item.entry.sample);
  const card: DatasetCard = {
    runId: run.runId,
    experiment: run.experiment,
    stage: run.stage,
    format: params.format,
    counts: {
      considered,
      candidates: candidates.length,
      fitted: fitted.length,
      samples: selected.length,
      dropped: ledger.rows.length,
      samplesByPhase,
      subsets: [...subsets].map(([size, members]) => ({ size, samples: members.length })),
      ...(mix === null ? {} : { mix: mix.parts }),
    },
    drops: ledger.counts(),
    chatTemplate: templateCheck!,
    tokens: {
      budget: params.tokenBudget,
      kept: distribution(kept.map((sample) => sample.keptTokens)),
      original: distribution(kept.map((sample) => sample.totalTokens)),
      keptHistogram: histogram(
        kept.map((sample) => sample.keptTokens),
        tokenEdges(params.tokenBudget, false),
        false,
      ),
      originalHistogram: histogram(
        kept.map((sample) => sample.totalTokens),
        tokenEdges(params.tokenBudget, true),
      ),
    },
    truncation: {
      truncated: kept.filter((sample) => sample.truncated).length,
      ratioFloor: params.ratioFloor,
      topN: params.topN,
      ratio: distribution(fitted.map((entry) => entry.sample.ratio)),
      ratioHistogram: ratioHistogram(fitted.map((entry) => entry.sample.ratio)),
    },
    lineage: { seraVersion: SERA_VERSION, sources: sources.map(lineageOf), subsetSeed: sizes.length > 0 ? subsetSeed : null, params },
    files,
    exportSeconds: Number(exportSeconds.toFixed(3)),
    outputMB: Number((outputBytes / 1e6).toFixed(6)),
  };
  writeRecords(
    run,
    card,
    selected.map((item, rank) => ({ fitted: item.entry, rank, mix: mixDraws.get(item.sampleId) })),
    subsetRank,
    sizes,
    ledger,
  );
  writeFileSync(path.join(outDir, "card.json"), JSON.stringify(card, null, 2) + "\n");
  // One sample exactly as the trainer's template turns it into text, for a look before training.
  if (previewLine !== undefined) {
    const messages = (JSON.parse(previewLine) as { messages: { role: string; content: string }[] }).messages;
    writeFileSync(path.join(outDir, "rendered-preview.txt"), chatTemplate.render(messages.map(({ role, content }) => ({ role, content }))));
  }
  writeFileSync(path.join(outDir, "README.md"), renderCardMarkdown(card));
  emitSummary(run, card, outputBytes, exportSeconds);
  return card;
}

function writeRecords(
  run: StageExecution<DatasetParams>,
  card: DatasetCard,
  selected: { fitted: Fitted; rank: number; mix: MixDraw<unknown> | undefined }[],
  subsetRank: Map<string, number>,
  sizes: number[],
  ledger: DropLedger,
): void {
  const recordsDir = path.join(run.outDir, "records");
  appendRecordRows(
    recordsDir,
    samplesTable,
    selected.map(({ fitted: { candidate, sample, line }, rank, mix }) => {
      const position = subsetRank.get(candidate.sampleId) ?? null;
      return {
        run_id: run.runId,
        sample_id: candidate.sampleId,
        source_run_id: candidate.source.runId,
        instance_id: candidate.rollout.instance_id,
        phase: candidate.rollout.phase,
        rollout_attempt: candidate.rollout.rollout_attempt,
        repo: candidate.instance?.repo ?? null,
        commit_sha: candidate.instance?.commit_sha ?? null,
        file: candidate.instance?.file ?? null,
        function: candidate.instance?.function ?? null,
        messages: sample.keptMessages,
        total_messages: sample.totalMessages,
        kept_tokens: sample.keptTokens,
        total_tokens: sample.totalTokens,
        truncation_ratio: sample.ratio,
        truncated: sample.truncated,
        patch_lines: countChangedLines(candidate.patch),
        bytes: line.length,
        ratio_rank: rank,
        subset_rank: position,
        subsets: position === null ? [] : sizes.filter((size) => position < size),
        mix_quota: mix?.quota ?? null,
        mix_source: mix?.source ?? null,
      };
    }),
  );
  appendRecordRows(
    recordsDir,
    datasetDropsTable,
    ledger.rows.map((row) => ({ run_id: run.runId, ...row })),
  );
  appendRecordRows(recordsDir, datasetsTable, [
    {
      run_id: run.runId,
      format: card.format,
      sources: card.lineage.sources.map((source) => source.runId),
      candidates: card.counts.candidates,
      samples: card.counts.samples,
      dropped: card.counts.dropped,
      truncated: card.truncation.truncated,
      token_budget: card.tokens.budget,
      ratio_floor: card.truncation.ratioFloor,
      mean_ratio: card.truncation.ratio.mean,
      kept_tokens: selected.reduce((sum, s) => sum + s.fitted.sample.keptTokens, 0),
      subsets: card.counts.subsets.map((subset) => subset.size),
      out_dir: run.outDir,
      card: { ...card },
    },
  ]);
}

/** The mix drawn from the samples that passed the ratio floor (null without `mix`); what it leaves goes to the ledger. */
function mixOf<T extends { sampleId: string; entry: Fitted }>(
  run: StageExecution<DatasetParams>,
  selected: readonly T[],
  ledger: DropLedger,
): { drawn: MixDraw<T>[]; parts: MixPart[] } | null {
  const { mix } = run.params;
  if (mix === undefined) return null;
  const specificRunIds = new Set((mix.sources?.specific ?? []).map((name) => run.upstream[name]?.runId ?? name));
  const result = drawMix(selected, mix, mix.seed ?? run.seed ?? 0, specificRunIds, (item) => {
    const { candidate } = item.entry;
    return {
      sampleId: item.sampleId,
      phase: candidate.rollout.phase,
      sourceRunId: candidate.source.runId,
      recall: candidate.source.verifications.get(candidate.rollout.instance_id)?.recall ?? null,
      patchLines: countChangedLines(candidate.patch),
    };
  });
  for (const { item, reason } of result.left) ledger.add(item.entry.candidate, "mix", reason);
  return { drawn: result.drawn, parts: result.parts };
}

function emitSummary(run: StageExecution<DatasetParams>, card: DatasetCard, outputBytes: number, seconds: number): void {
  const drops: Record<string, number> = {};
  for (const drop of card.drops) drops[`drop_${drop.reason.replace(/-/g, "_")}`] = drop.count;
  run.emit({
    samples: card.counts.samples,
    candidates: card.counts.candidates,
    dropped: card.counts.dropped,
    truncated: card.truncation.truncated,
    mean_ratio: card.truncation.ratio.mean ?? 0,
    export_mb: outputBytes / 1e6,
    export_mb_per_s: seconds > 0 ? outputBytes / 1e6 / seconds : 0,
    ...drops,
  });
}
