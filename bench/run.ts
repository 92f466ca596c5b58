import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fitPowerLaw, bootstrapFit, buildReport, writeSyntheticSweep, PAPER_SCALING_POINTS, PAPER_FIXED_ASYMPTOTE } from "@sera/analysis";
import { createSyntheticRepo, measureSandboxCycle } from "@sera/generation";
import { measureExportThroughput } from "@sera/training";
import { demoRepoCopy, engineEfficiency, recordRollouts, repoRoot } from "./engine.js";
import { slurmSubmission } from "./slurm.js";
import { proxyOverhead } from "./proxy.js";
import { softVerification } from "./verification.js";

/**
 * `npm run bench`: every performance figure the issues name, each next to a baseline measured in
 * the same run (these machines are shared and noisy, so ratios travel better than seconds).
 * Results go to bench/results/latest.json.
 */

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  loadAverageAtStart: os.loadavg(),
};
const time = async <T>(work: () => Promise<T> | T): Promise<[T, number]> => {
  const started = performance.now();
  const value = await work();
  return [value, (performance.now() - started) / 1000];
};
const log = (name: string, value: unknown) => {
  results[name] = value;
  process.stdout.write(`${name}: ${JSON.stringify(value)}\n`);
};

async function spineOverhead() {
  // Baseline: the same 40 trivial commands spawned two at a time without sera.
  const commands = 40;
  const [, baseline] = await time(async () => {
    let next = 0;
    const lane = async () => {
      while (next++ < commands) await new Promise((resolve) => spawn("bash", ["-c", "true"]).on("close", resolve));
    };
    await Promise.all([lane(), lane()]);
  });
  const cwd = mkdtempSync(path.join(os.tmpdir(), "sera-bench-spine-"));
  writeFileSync(path.join(cwd, "e.yaml"), `name: overhead\nbackend: { kind: local, concurrency: 2 }\nstages:\n  noop:\n    kind: command\n    params: { run: "true", i: 0 }\nsweep:\n  grid: { stages.noop.params.i: [${Array.from({ length: commands }, (_, i) => i).join(", ")}] }\n`);
  const [, seraSeconds] = await time(() => execFileSync(process.execPath, [path.join(repoRoot, "packages/cli/dist/main.js"), "run", "e.yaml"], { cwd, stdio: "pipe" }));
  return { runs: commands, seraSeconds, plainSpawnSeconds: baseline, overheadPerRunMs: ((seraSeconds - baseline) / commands) * 1000 };
}

async function main() {
  const repo = demoRepoCopy();
  process.stdout.write("recording rollouts in real sandboxes…\n");
  const recorded = await recordRollouts(repo, 24);
  log("rollout_engine", await engineEfficiency(recorded, { concurrency: 64, latencyMs: 100, rollouts: 512 }));

  const synthetic = await createSyntheticRepo(2000);
  // A memory-backed directory, as generation uses for sandboxes (see ARCHITECTURE.md).
  const shm = "/dev/shm/sera-bench";
  mkdirSync(shm, { recursive: true });
  const cycle = await measureSandboxCycle({ repoPath: synthetic, cacheRoot: path.join(os.tmpdir(), "sera-bench-cache"), root: shm, iterations: 25, compareWithPlainClone: true });
  log("sandbox_cycle", {
    files: cycle.fileCount,
    medianCreateDestroyMs: cycle.cycle.medianMs,
    medianPlainCloneMs: cycle.plainClone?.medianMs,
    ratioToPlainClone: cycle.plainClone ? cycle.cycle.medianMs / cycle.plainClone.medianMs : null,
  });

  log("soft_verification", softVerification());

  const corpus = Array.from({ length: 400 }, (_, i) => {
    const t = recorded[i % recorded.length].trajectory;
    return { ...t, instanceId: `${t.instanceId}-${i}`, messages: t.messages.map((m) => ({ ...m, content: `${m.content}\n# copy ${i}` })) };
  });
  const exported = await measureExportThroughput(corpus, { workers: 2, format: "hermes" });
  const [json, jsonSeconds] = await time(() => corpus.map((t) => JSON.stringify(t)).join("\n"));
  log("sft_export", { samples: exported.samples, outputMB: exported.outputBytes / 1e6, mbPerSecond: exported.mbPerSecond, jsonStringifyMBPerSecond: json.length / 1e6 / jsonSeconds });

  const x = PAPER_SCALING_POINTS.map((p) => p.samples);
  const y = PAPER_SCALING_POINTS.map((p) => p.seeds.reduce((a, b) => a + b, 0) / p.seeds.length);
  const [fit, fitSeconds] = await time(() => fitPowerLaw(x, y, { fixedC: PAPER_FIXED_ASYMPTOTE }));
  const [, bootSeconds] = await time(() => bootstrapFit(fit, { scheme: "seeds", seedValues: PAPER_SCALING_POINTS.map((p) => p.seeds), seed: 1, replicates: 1000 }));
  log("fit_bootstrap", { fitSeconds, fitPlus1000BootstrapSeconds: fitSeconds + bootSeconds, ratioToSingleFit: (fitSeconds + bootSeconds) / fitSeconds });

  // sera report over 1,000 runs × 500 instance rows (target ≤ 10 s); baseline: the same store's queries alone.
  const sweep = await writeSyntheticSweep({ dir: mkdtempSync(path.join(os.tmpdir(), "sera-bench-report-")) });
  const [report, reportSeconds] = await time(() => buildReport({ experimentFile: sweep.experimentFile, outDir: path.join(path.dirname(sweep.storeFile), "report") }));
  log("report", { runs: sweep.runs, instanceRows: sweep.instanceRows, seconds: reportSeconds, ...report.seconds, ratioToQueriesAlone: reportSeconds / report.seconds.queries });

  log("spine_overhead", await spineOverhead());
  log("slurm_submission", await slurmSubmission(100));
  log("proxy_overhead", await proxyOverhead(300));
  results.loadAverageAtEnd = os.loadavg();
  const out = path.join(repoRoot, "bench/results/latest.json");
  writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), out)}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
