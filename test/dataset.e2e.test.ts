import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { beforeAll, describe, expect, it } from "vitest";
import { queryJson, repoRoot, sera, tempProject } from "./support/sera.js";

/**
 * Datasets and foreign trajectories through the built CLI: a real generation run (the quickstart
 * with the scripted stand-in teacher), the sera-dataset stage run by the spine, the store, and the
 * real third-party fixtures.
 */

const fixtures = path.resolve(repoRoot, "fixtures/real");
const lines = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "");
const ids = (file: string) => lines(file).map((line) => (JSON.parse(line) as { instance_id: string }).instance_id);
const one = (cwd: string, sql: string) => queryJson(cwd, sql)[0];

let cwd = "";
let generationRun = "";

beforeAll(() => {
  cwd = tempProject();
  const quickstart = sera(["quickstart", "--functions", "8"], cwd);
  expect(quickstart.code).toBe(0);
  generationRun = String(one(cwd, "SELECT id FROM runs WHERE kind = 'sera-generate'").id);
});

/** What a trainer loading the Parquet shards sees: the ids of the full set and the size of subset 4. */
async function readParquet(dataDir: string): Promise<{ allIds: string[]; subset4Rows: number }> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const all = await connection.runAndReadAll(`SELECT instance_id FROM read_parquet('${path.join(dataDir, "all-00000-of-00001.parquet")}')`);
    const subset4 = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${path.join(dataDir, "subset-4-00000-of-00001.parquet")}')`,
    );
    return { allIds: all.getRowObjects().map((row) => String(row.instance_id)), subset4Rows: Number(subset4.getRowObjects()[0].n) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** An experiment file adding a dataset stage with these params lines to the quickstart's generation. */
function writeDatasetExperiment(file: string, params: string[]): void {
  const lines = ["extends: .sera/quickstart/quickstart.yaml", "stages:", "  dataset:", "    kind: sera-dataset", "    needs: [generate]", "    params:"];
  writeFileSync(path.join(cwd, file), [...lines, ...params.map((line) => `      ${line}`), ""].join("\n"));
}

function datasetOutDir(runId: string): string {
  return String(one(cwd, `SELECT out_dir FROM datasets WHERE run_id = '${runId}'`).out_dir);
}

describe("sera dataset", () => {
  it("builds a dataset stage from its generation run; table, JSONL, Parquet and card agree; a rerun reuses the run", async () => {
    writeDatasetExperiment("dataset.yaml", [
      "subsets: { sizes: [2, 4], seed: 3 }",
      "filters: { patchLines: { enabled: true, max: 40 }, dedupePatches: { enabled: true } }",
    ]);
    const built = sera(["dataset", "build", "dataset.yaml"], cwd);
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    const { run_id: runId, samples } = one(cwd, "SELECT run_id, samples FROM datasets") as { run_id: string; samples: number };
    expect(built.stdout).toContain(`dataset ${runId}`);
    expect(samples).toBeGreaterThan(4);
    const outDir = datasetOutDir(runId);

    // One query for the store-side figures (each sera query is a process).
    const figures = one(
      cwd,
      `SELECT
         (SELECT count(*) FROM samples WHERE run_id = '${runId}')::INTEGER AS sample_rows,
         (SELECT count(*) FROM rollouts WHERE run_id = '${generationRun}' AND phase = 'r1' AND self_check IS NOT TRUE)::INTEGER AS not_yes,
         (SELECT count(*) FROM rollouts r LEFT JOIN verifications v USING (run_id, instance_id)
            WHERE r.run_id = '${generationRun}' AND r.phase = 'r2' AND coalesce(v.verdict, '') <> 'pass')::INTEGER AS not_verified,
         (SELECT count(*) FROM samples s
            JOIN rollouts r ON r.run_id = s.source_run_id AND r.instance_id = s.instance_id AND r.phase = s.phase AND r.rollout_attempt = s.rollout_attempt
            JOIN instances i ON i.run_id = s.source_run_id AND i.instance_id = s.instance_id AND i.function = s.function
            WHERE s.run_id = '${runId}')::INTEGER AS linked,
         (SELECT max(value) FROM run_metrics WHERE run_id = '${runId}' AND name = 'progress_total') AS progress_total,
         (SELECT max(value) FROM run_metrics WHERE run_id = '${runId}' AND name = 'progress_done') AS progress_done,
         (SELECT to_json(list(reason ORDER BY reason)) FROM dataset_drops WHERE run_id = '${runId}') AS drop_reasons,
         (SELECT to_json(list(instance_id ORDER BY ratio_rank)) FROM samples WHERE run_id = '${runId}') AS by_ratio,
         (SELECT to_json(list(instance_id ORDER BY subset_rank)) FROM samples WHERE run_id = '${runId}' AND list_contains(subsets, 2)) AS subset2,`,
    );
    // sera query is closed to files; the Parquet a trainer would load is read by a plain DuckDB.
    const parquet = await readParquet(path.join(outDir, "data"));
    const list = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value) as string[];

    // Every sample row, JSONL line and Parquet row, in the same order.
    const all = path.join(outDir, "data", "all-00000-of-00001.jsonl");
    expect(lines(all)).toHaveLength(samples);
    expect(figures.sample_rows).toBe(samples);
    expect(parquet.allIds).toEqual(ids(all));
    expect(list(figures.by_ratio)).toEqual(ids(all));

    // Each sample states the tools exactly as generation offered them to the teacher (stored with the trajectory).
    const trajectoryPath = String(one(cwd, `SELECT trajectory_path FROM rollouts WHERE run_id = '${generationRun}' LIMIT 1`).trajectory_path);
    const offered = (JSON.parse(readFileSync(trajectoryPath, "utf8")) as { tools: { function: { name: string; description: string } }[] }).tools;
    expect(offered.find((tool) => tool.function.name === "bash")?.function.description).toMatch(/working directory \/testbed/);
    for (const line of lines(all)) expect((JSON.parse(line) as { tool_json: unknown }).tool_json).toEqual(offered);

    // Nested subsets are prefixes of one seeded order, also on disk.
    const small = path.join(outDir, "data", "subset-2-00000-of-00001.jsonl");
    const large = path.join(outDir, "data", "subset-4-00000-of-00001.jsonl");
    expect(lines(small)).toEqual(lines(large).slice(0, 2));
    expect(list(figures.subset2)).toEqual(ids(small));
    expect(parquet.subset4Rows).toBe(4);

    // Drops per rule, checked against the generation tables themselves.
    const drops: Record<string, number> = {};
    for (const reason of list(figures.drop_reasons) ?? []) drops[reason] = (drops[reason] ?? 0) + 1;
    expect(drops["t1-self-check-not-yes"] ?? 0).toBe(figures.not_yes);
    expect(drops["t2-not-verified"] ?? 0).toBe(figures.not_verified);
    expect(Number(figures.not_yes) + Number(figures.not_verified)).toBeGreaterThan(0);
    const stats = JSON.parse(sera(["dataset", "stats", runId.slice(0, 8), "--json"], cwd).stdout) as {
      drops: { reason: string; count: number }[];
      counts: { samples: number };
    };
    expect(Object.fromEntries(stats.drops.map((d) => [d.reason, d.count]))).toEqual(drops);
    expect(stats.counts.samples).toBe(samples);

    // sample → rollout → instance → function; progress reached its total.
    expect(figures.linked).toBe(samples);
    expect(figures.progress_done).toBe(figures.progress_total);

    const text = sera(["dataset", "stats", runId], cwd);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/in the dataset\s+\d+/);
    // Every rule that dropped something is in the printed stats (which ones fire depends on the stand-in's episodes).
    for (const reason of Object.keys(drops)) expect(text.stdout).toContain(reason);
    expect(readFileSync(path.join(outDir, "README.md"), "utf8")).toContain(`# SFT dataset ${runId}`);

    const again = sera(["dataset", "build", "dataset.yaml"], cwd);
    expect(again.code).toBe(0);
    expect(one(cwd, `SELECT count(*)::INTEGER AS n FROM run_events WHERE run_id = '${runId}' AND event = 'submitted'`).n).toBe(1);
  });

  it("a mix takes exact per-phase quotas with their own filters, recorded per sample; a quota that cannot be filled fails the run with one line naming it", () => {
    writeDatasetExperiment("mix.yaml", ["mix: { quotas: { t1: { n: 2, maxPatchLines: 40 }, t2: { n: 1, minRecall: 0.5 } }, seed: 5 }"]);
    const built = sera(["dataset", "build", "mix.yaml"], cwd);
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    const runId = /dataset ([0-9a-f]{16})/.exec(built.stdout)?.[1];
    const figures = one(
      cwd,
      `SELECT (SELECT to_json(list(mix_quota || '/' || phase ORDER BY mix_quota)) FROM samples WHERE run_id = '${runId}') AS quotas,
              (SELECT max(patch_lines) FROM samples WHERE run_id = '${runId}' AND mix_quota = 't1') AS t1_lines,
              (SELECT count(*)::INTEGER FROM samples s JOIN verifications v ON v.run_id = s.source_run_id AND v.instance_id = s.instance_id
                 WHERE s.run_id = '${runId}' AND s.mix_quota = 't2' AND v.recall >= 0.5) AS t2_recalled,
              (SELECT count(*)::INTEGER FROM dataset_drops WHERE run_id = '${runId}' AND filter_step = 'mix') AS mix_drops`,
    );
    expect(JSON.parse(String(figures.quotas))).toEqual(["t1/r1", "t1/r1", "t2/r2"]);
    expect(Number(figures.t1_lines)).toBeLessThanOrEqual(40);
    expect(figures.t2_recalled).toBe(1);
    expect(Number(figures.mix_drops)).toBeGreaterThan(0);
    expect(readFileSync(path.join(datasetOutDir(runId!), "README.md"), "utf8")).toContain("## Mix");

    const short = sera(["dataset", "build", "mix.yaml", "--set", "stages.dataset.params.mix.quotas.t1.n=500"], cwd);
    expect(short.code).not.toBe(0);
    // A run that fails is an outcome of the sweep, reported with the others on stdout.
    expect(short.stdout).toMatch(
      /params\.mix\.quotas\.t1: 500 samples wanted, \d+ eligible after selection, filters and the ratio floor and this quota's maxPatchLines 40/,
    );
  });

  it("--subset-order picks how nested subsets are drawn: the paper's top N by ratio by default, or random", () => {
    const random = sera(["dataset", "build", "--from-run", generationRun.slice(0, 8), "--subsets", "2", "--subset-order", "random", "--seed", "4"], cwd);
    expect(random.stderr).toBe("");
    expect(random.code).toBe(0);
    const randomId = /dataset ([0-9a-f]{16})/.exec(random.stdout)?.[1];
    expect(one(cwd, `SELECT card->>'$.lineage.params.subsets.order' AS o FROM datasets WHERE run_id = '${randomId}'`).o).toBe("random");
    const paperId = /dataset ([0-9a-f]{16})/.exec(sera(["dataset", "build", "--from-run", generationRun.slice(0, 8), "--subsets", "2"], cwd).stdout)?.[1];
    expect(one(cwd, `SELECT card->>'$.lineage.params.subsets.order' AS o FROM datasets WHERE run_id = '${paperId}'`).o).toBe("truncation-ratio");
    const badOrder = sera(["dataset", "build", "--from-run", generationRun.slice(0, 8), "--subset-order", "best"], cwd);
    expect(badOrder.code).toBe(2);
    expect(badOrder.stderr).toMatch(/subset-order/);
  });

  it("--from-run builds with a SQL predicate and drops exactly the rollouts it rejects", () => {
    const predicate = "phase = 'r1' OR instance_id IN (SELECT instance_id FROM instances ORDER BY instance_id LIMIT 3)";
    const built = sera(["dataset", "build", "--from-run", generationRun.slice(0, 8), "--where", predicate, "--format", "xml"], cwd);
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    const row = one(cwd, `SELECT run_id, samples FROM datasets WHERE format = 'xml'`) as { run_id: string; samples: number };
    const rejected = one(
      cwd,
      `SELECT count(*)::INTEGER AS n FROM rollouts r LEFT JOIN verifications v USING (run_id, instance_id)
       WHERE r.run_id = '${generationRun}' AND lower(trim(r.exit_status)) = 'submitted'
         AND ((r.phase = 'r1' AND r.self_check) OR (r.phase = 'r2' AND v.verdict = 'pass'))
         AND NOT (r.phase = 'r1' OR r.instance_id IN (SELECT instance_id FROM instances WHERE run_id = '${generationRun}' ORDER BY instance_id LIMIT 3))`,
    ).n as number;
    expect(rejected).toBeGreaterThan(0);
    expect(one(cwd, `SELECT count(*)::INTEGER AS n FROM dataset_drops WHERE run_id = '${row.run_id}' AND reason = 'sql-predicate'`).n).toBe(rejected);
    expect(existsSync(path.join(cwd, ".sera", "datasets", `dataset-${generationRun}.yaml`))).toBe(true);
    const first = JSON.parse(lines(path.join(datasetOutDir(row.run_id), "data", "all-00000-of-00001.jsonl"))[0]) as {
      messages: { role: string; content: string }[];
    };
    expect(first.messages.find((m) => m.role === "assistant")?.content).toMatch(/<function=/);

    const tooBig = sera(["dataset", "build", "--from-run", generationRun.slice(0, 8), "--subsets", "400"], cwd);
    expect(tooBig.code).toBe(1);
    expect(tooBig.stdout).toMatch(/failed: params\.subsets\.sizes: subset size 400 exceeds the \d+ eligible samples/);

    const unknown = sera(["dataset", "build", "--from-run", "ffffffff"], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    expect(unknown.stderr).toMatch(/--from-run ffffffff: no run or ingest/);
  });
});

interface RawFile {
  history?: { role: string; tool_calls?: unknown[] | null }[];
  messages?: { role: string; tool_calls?: unknown[] | null }[];
  info: { submission: string };
}

/** Message, turn and patch counts read straight from each real trajectory file. */
function fixtureCounts(): Map<string, { messages: number; turns: number; patch: number }> {
  const counts = new Map<string, { messages: number; turns: number; patch: number }>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.traj(\.json)?$/.test(entry.name)) {
        const raw = JSON.parse(readFileSync(full, "utf8")) as RawFile;
        const messages = (raw.history ?? raw.messages ?? []).filter((m) => m.role !== "exit");
        counts.set(entry.name.replace(/\.traj(\.json)?$/, ""), {
          messages: messages.length,
          turns: messages.filter((m) => m.role === "assistant").length,
          patch: raw.info.submission.length,
        });
      }
    }
  };
  walk(fixtures);
  return counts;
}

describe("sera ingest", () => {
  const tables = ["rollouts", "patches", "instances", "foreign_trajectories"];
  const rowCounts = (id: string) =>
    one(
      cwd,
      `SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t} WHERE run_id = '${id}')::INTEGER AS ${t}`).join(", ")},
              (SELECT count(*) FROM ingests WHERE id = '${id}')::INTEGER AS ingests,
              (SELECT count(*) FROM patches WHERE run_id = '${id}' AND phase = 'prediction')::INTEGER AS predictions,
              (SELECT to_json(list(DISTINCT phase ORDER BY phase)) FROM rollouts) AS phases`,
    );

  it("records the real fixtures beside generated rollouts with nothing lost, and re-ingesting changes nothing", () => {
    const first = sera(["ingest", fixtures], cwd);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const id = /as (ingest-[0-9a-f]+)/.exec(first.stdout)?.[1] as string;
    expect(id).toBeDefined();
    const expected = fixtureCounts();
    const stored = queryJson(
      cwd,
      `SELECT f.instance_id, f.messages, f.assistant_turns, length(p.patch)::INTEGER AS patch FROM foreign_trajectories f
       JOIN patches p USING (run_id, instance_id, phase, rollout_attempt) WHERE f.run_id = '${id}' ORDER BY f.instance_id`,
    );
    expect(stored.map((r) => r.instance_id)).toEqual([...expected.keys()].sort());
    for (const row of stored) {
      const want = expected.get(String(row.instance_id))!;
      expect({ messages: row.messages, turns: row.assistant_turns, patch: row.patch }).toEqual(want);
    }
    const preds = JSON.parse(readFileSync(path.join(fixtures, "mini-swe-agent/output/deepseek_bench1/preds.json"), "utf8")) as Record<string, unknown>;
    const before = rowCounts(id);
    expect(before).toMatchObject({ rollouts: 6, foreign_trajectories: 6, ingests: 1, predictions: Object.keys(preds).length + 1 });
    expect(JSON.parse(String(before.phases))).toEqual(["foreign", "r1", "r2"]);

    const second = sera(["ingest", fixtures], cwd);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`as ${id}`);
    expect(rowCounts(id)).toEqual(before);
  });

  it("an SFT JSONL dataset round-trips: the built dataset ingests with the same samples and messages", () => {
    const { run_id: runId, samples } = one(cwd, "SELECT run_id, samples FROM datasets WHERE format = 'hermes'") as { run_id: string; samples: number };
    const file = path.join(datasetOutDir(runId), "data", "all-00000-of-00001.jsonl");
    const result = sera(["ingest", file], cwd);
    expect(result.code).toBe(0);
    const id = /as (ingest-[0-9a-f]+)/.exec(result.stdout)?.[1] as string;
    const messages = lines(file).reduce((sum, line) => sum + (JSON.parse(line) as { messages: unknown[] }).messages.length, 0);
    expect(
      one(cwd, `SELECT count(*)::INTEGER AS n, sum(messages)::INTEGER AS messages FROM foreign_trajectories WHERE run_id = '${id}' AND format = 'sft-jsonl'`),
    ).toEqual({ n: samples, messages });
  });

  it("bad input: one line naming the file (and line), exit 2, nothing recorded", () => {
    const before = one(cwd, "SELECT count(*)::INTEGER AS n FROM ingests").n;
    const ingested = readdirSync(path.join(cwd, ".sera", "ingested")).sort();
    writeFileSync(
      path.join(cwd, "broken.jsonl"),
      '{"messages": [{"role": "user", "content": "a"}]}\n{"messages": [{"role": "user", "content": "b"}]}\n{"messages": [\n',
    );
    const malformed = sera(["ingest", "broken.jsonl"], cwd);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr.trim().split("\n")).toHaveLength(1);
    expect(malformed.stderr).toMatch(/broken\.jsonl line 3: malformed JSON/);
    writeFileSync(path.join(cwd, "notes.json"), JSON.stringify({ title: "not a trajectory" }));
    const unknown = sera(["ingest", "notes.json"], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/notes\.json: not a known trajectory format/);
    expect(one(cwd, "SELECT count(*)::INTEGER AS n FROM ingests").n).toBe(before);
    expect(readdirSync(path.join(cwd, ".sera", "ingested")).sort()).toEqual(ingested);
  });

  it("gives up with one line while another process keeps the store open", async () => {
    const duckdb = pathToFileURL(path.join(repoRoot, "node_modules/@duckdb/node-api/lib/index.js")).href;
    const store = path.join(cwd, ".sera", "sera.duckdb");
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { DuckDBInstance } = await import(${JSON.stringify(duckdb)}); await DuckDBInstance.create(${JSON.stringify(store)}); console.log("holding"); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("holding") && resolve());
        holder.once("exit", (code) => reject(new Error(`holder exited ${code}`)));
      });
      const busy = sera(["ingest", path.join(fixtures, "SWE-agent"), "--wait", "1"], cwd);
      expect(busy.code).toBe(2);
      expect(busy.stderr.trim().split("\n")).toHaveLength(1);
      expect(busy.stderr).toMatch(/kept the store busy for 1 s; nothing was ingested/);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
