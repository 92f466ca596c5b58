import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Spine overhead: `sera run` of N trivial runs (`true`, one sweep cell each) at concurrency 2,
 * beside `xargs -P 2` running the same N `bash -c true` commands, interleaved, ≥ 5 repeats each.
 * Wall time is the command's; CPU time is that of every process the command started, the
 * detached worker host and DuckDB's threads included, read from a cpuacct cgroup made for each
 * measurement (without one, from the command's reaped children, which misses the host: said so
 * in `cpuMethod`). A one-run `sera run` is measured too, so the fixed start-up (loading the CLI,
 * creating the store) can be told from the cost of each further run.
 *
 * `npx tsx bench/spine.ts [runs] [repeats]` writes bench/results/spine.json.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const seraMain = path.join(repoRoot, "packages/cli/dist/main.js");
const CPUACCT = "/sys/fs/cgroup/cpuacct";

interface Sample {
  wallSeconds: number;
  cpuSeconds: number;
}

function cgroupUsable(): boolean {
  try {
    const probe = path.join(CPUACCT, `sera-bench-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

const useCgroup = cgroupUsable();

/** Run `argv` in `cwd` and measure it; with a cgroup, CPU counts until the last process in it is gone. */
async function measure(argv: string[], cwd: string, stdin?: string): Promise<Sample> {
  const group = useCgroup ? path.join(CPUACCT, `sera-bench-${process.pid}-${Date.now()}`) : null;
  if (group) mkdirSync(group);
  // The shell joins the cgroup first, then becomes the command, so nothing it starts escapes the count.
  // Without a cgroup, bash's `times` reports the CPU of the children it reaped (not the detached host).
  const wrapped = group
    ? ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', group, ...argv]
    : ["bash", "-c", '"$@"; code=$?; times >&2; exit $code', "bash", ...argv];
  const started = performance.now();
  const child = spawn(wrapped[0], wrapped.slice(1), { cwd, stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin ?? "");
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${stderr.trim().split("\n").at(-1)}`);
  if (!group) {
    const children = stderr.trim().split("\n").at(-1) ?? "";
    const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    return { wallSeconds, cpuSeconds: seconds.reduce((a, b) => a + b, 0) };
  }
  // The worker host outlives `sera run` by the moment it takes to see its input closed.
  const procs = path.join(group, "cgroup.procs");
  const deadline = Date.now() + 30_000;
  while (readFileSync(procs, "utf8").trim() !== "" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const cpuSeconds = Number(readFileSync(path.join(group, "cpuacct.usage"), "utf8")) / 1e9;
  rmdirSync(group);
  return { wallSeconds, cpuSeconds };
}

function experimentYaml(runs: number): string {
  const cells = Array.from({ length: runs }, (_, i) => i).join(", ");
  return `name: overhead\nbackend: { kind: local, concurrency: 2 }\nstages:\n  noop:\n    kind: command\n    params: { run: "true", i: 0 }\nsweep:\n  grid: { stages.noop.params.i: [${cells}] }\n`;
}

/** A fresh project (own experiment directory and store) for each `sera run`, so every repeat is a first run. */
function freshProject(runs: number): string {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "sera-bench-spine-"));
  writeFileSync(path.join(cwd, "e.yaml"), experimentYaml(runs));
  return cwd;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const summary = (samples: Sample[], runs: number) => ({
  wallSeconds: { median: median(samples.map((s) => s.wallSeconds)), min: Math.min(...samples.map((s) => s.wallSeconds)) },
  cpuSeconds: { median: median(samples.map((s) => s.cpuSeconds)), min: Math.min(...samples.map((s) => s.cpuSeconds)) },
  wallMsPerRun: (median(samples.map((s) => s.wallSeconds)) * 1000) / runs,
  cpuSecondsPerRun: median(samples.map((s) => s.cpuSeconds)) / runs,
});

export async function spineOverhead(runs = 100, repeats = 5) {
  if (!existsSync(seraMain)) throw new Error(`${seraMain} is missing: build first (npx turbo run build)`);
  const lines = Array.from({ length: runs }, () => "true").join("\n") + "\n";
  const xargs: Sample[] = [];
  const sera: Sample[] = [];
  const seraOne: Sample[] = [];
  const loadBefore = os.loadavg();
  for (let repeat = 0; repeat < repeats; repeat++) {
    // Interleaved, so a load change on this shared machine touches every measure alike.
    xargs.push(await measure(["xargs", "-P", "2", "-n", "1", "bash", "-c"], os.tmpdir(), lines));
    for (const [count, samples] of [
      [runs, sera],
      [1, seraOne],
    ] as const) {
      const cwd = freshProject(count);
      samples.push(await measure([process.execPath, seraMain, "run", "e.yaml"], cwd));
      rmSync(cwd, { recursive: true, force: true });
    }
  }
  const seraSummary = summary(sera, runs);
  const oneSummary = summary(seraOne, 1);
  return {
    runs,
    repeats,
    concurrency: 2,
    cpuMethod: useCgroup ? "cpuacct cgroup (every process, worker host and DuckDB threads included)" : "reaped children only (misses the detached worker host)",
    loadAverage: { before: loadBefore, after: os.loadavg() },
    xargs: summary(xargs, runs),
    sera: seraSummary,
    seraOneRun: oneSummary,
    // Each run beyond the first: what a run costs once the CLI is loaded and the store exists.
    seraMarginal: {
      wallMsPerRun: ((seraSummary.wallSeconds.median - oneSummary.wallSeconds.median) / (runs - 1)) * 1000,
      cpuSecondsPerRun: (seraSummary.cpuSeconds.median - oneSummary.cpuSeconds.median) / (runs - 1),
    },
    ratioToXargs: {
      wall: seraSummary.wallSeconds.median / summary(xargs, runs).wallSeconds.median,
      cpu: seraSummary.cpuSeconds.median / summary(xargs, runs).cpuSeconds.median,
    },
    targets: { wallMsPerRun: 50, cpuSecondsPerRun: 0.05 },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [runs, repeats] = process.argv.slice(2).map(Number);
  const result = await spineOverhead(runs || 100, repeats || 5);
  const out = path.join(repoRoot, "bench/results/spine.json");
  writeFileSync(
    out,
    JSON.stringify(
      { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, spine_overhead: result },
      null,
      2,
    ) + "\n",
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nwrote ${path.relative(process.cwd(), out)}\n`);
}
