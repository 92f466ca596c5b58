import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { repoRoot } from "./engine.js";

/**
 * Paper scale (issue 15, item 5): SERA generated 200,000+ trajectories over 121 repositories. For
 * each size, a generation run's output folder is written (record files through generation's own
 * table schemas, one trajectory file per rollout), ingested into a DuckDB store with sera's ingest
 * and, as the peer, with DuckDB's own read_json; then the sera-dataset stage builds a dataset from
 * the run and `sera report` reads the store. Every phase is its own node process, so each peak RSS
 * belongs to that phase and size alone.
 */

export const PAPER_SCALE_PHASES = ["write", "sera_ingest", "duckdb_read_json", "dataset", "report"] as const;
export type PaperScalePhase = (typeof PAPER_SCALE_PHASES)[number];

const phaseResultSchema = z.object({ phase: z.enum(PAPER_SCALE_PHASES), seconds: z.number(), maxRssMiB: z.number() }).catchall(z.number().nullable());
/** Every phase at every size, median and min of this many runs (the 100K path takes about two minutes a run). */
const REPEATS = 5;
export type PhaseResult = z.infer<typeof phaseResultSchema>;

export interface PaperScaleSize {
  instances: number;
  phases: Record<PaperScalePhase, PhaseResult>;
}

export interface PaperScaleFigures {
  repositories: number;
  sizes: PaperScaleSize[];
  /** sera ingest's speed over the peer's at the largest size (target ≥ 0.5). */
  ingestSpeedRatio: number;
}

function runPhase(phase: PaperScalePhase, dir: string, instances: number, repositories: number): PhaseResult {
  const stdout = execFileSync(
    process.execPath,
    ["--import", "tsx", path.join(repoRoot, "bench", "paper-scale-phase.ts"), phase, dir, String(instances), String(repositories)],
    {
      cwd: repoRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 << 20,
    },
  );
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return phaseResultSchema.parse(JSON.parse(last));
}

export function paperScale(sizes: number[] = [1_000, 10_000, 100_000], repositories = 100): PaperScaleFigures {
  const results: PaperScaleSize[] = [];
  for (const instances of sizes) {
    const runs: Partial<Record<PaperScalePhase, PhaseResult[]>> = {};
    // Each repeat is the whole data path in a fresh folder: write, then sera's ingest and the peer's
    // side by side, then the dataset and the report.
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const dir = mkdtempSync(path.join(os.tmpdir(), `sera-bench-paper-scale-${instances}-`));
      try {
        for (const phase of PAPER_SCALE_PHASES) {
          const result = runPhase(phase, dir, instances, repositories);
          process.stderr.write(`paper_scale ${instances} #${repeat + 1}: ${phase} ${result.seconds.toFixed(2)} s, ${result.maxRssMiB.toFixed(0)} MiB\n`);
          (runs[phase] ??= []).push(result);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const phases = Object.fromEntries(PAPER_SCALE_PHASES.map((phase) => [phase, medianRun(runs[phase] ?? [])])) as Record<PaperScalePhase, PhaseResult>;
    results.push({ instances, phases });
  }
  const largest = results[results.length - 1].phases;
  return { repositories, sizes: results, ingestSpeedRatio: largest.duckdb_read_json.seconds / largest.sera_ingest.seconds };
}

/** The median run by seconds, with the fastest run's seconds and the highest peak RSS beside it. */
function medianRun(runs: PhaseResult[]): PhaseResult {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const median = sorted[Math.floor(sorted.length / 2)];
  return Object.assign({}, median, { minSeconds: sorted[0].seconds, repeats: runs.length, maxRssMiB: Math.max(...runs.map((run) => run.maxRssMiB)) });
}

/** Microseconds per instance of a phase at a size, and its growth over the smallest size's (1.00 = linear). */
export function perInstance(figures: PaperScaleFigures, phase: PaperScalePhase): { instances: number; microseconds: number; growth: number }[] {
  const rates = figures.sizes.map((size) => ({ instances: size.instances, microseconds: (size.phases[phase].seconds / size.instances) * 1e6 }));
  return rates.map((rate) => ({ ...rate, growth: rate.microseconds / rates[0].microseconds }));
}

const PHASE_LABELS: Record<PaperScalePhase, string> = {
  write: "write generation records",
  sera_ingest: "sera ingest",
  duckdb_read_json: "duckdb read_json (peer)",
  dataset: "dataset build",
  report: "sera report",
};

/**
 * The printed table: per phase and size, seconds, µs per instance and peak RSS; the ratio is the
 * per-instance time over the previous size's (1.00 = linear, below 1 = start-up costs amortising).
 * The ingest rows put the peer's seconds beside sera's and their ratio is sera's speed over it.
 */
export function paperScaleRows(figures: PaperScaleFigures): { measure: string; peer: string; sera: string; ratio: string; repeats: string; inputs: string }[] {
  const inputs = `synthetic records via generation's schemas; ${String(figures.repositories)} repos; 1 node process per phase`;
  return PAPER_SCALE_PHASES.flatMap((phase) =>
    figures.sizes.map((size, index) => {
      const result = size.phases[phase];
      const microseconds = (result.seconds / size.instances) * 1e6;
      const previous = index > 0 ? figures.sizes[index - 1] : null;
      const growth = previous ? microseconds / ((previous.phases[phase].seconds / previous.instances) * 1e6) : null;
      const peer = size.phases.duckdb_read_json;
      const isIngest = phase === "sera_ingest";
      return {
        measure: `paper_scale ${size.instances.toLocaleString("en")}: ${PHASE_LABELS[phase]}`,
        peer: isIngest ? `duckdb read_json: ${peer.seconds.toFixed(2)} s (min ${Number(peer.minSeconds).toFixed(2)})` : "",
        sera: `${result.seconds.toFixed(2)} s (min ${Number(result.minSeconds).toFixed(2)}), ${microseconds.toFixed(0)} µs/inst, ${result.maxRssMiB.toFixed(0)} MiB RSS`,
        ratio: isIngest ? `${(peer.seconds / result.seconds).toFixed(2)}× peer speed` : growth === null ? "" : `${growth.toFixed(2)}× prev µs/inst`,
        repeats: String(result.repeats),
        inputs,
      };
    }),
  );
}
