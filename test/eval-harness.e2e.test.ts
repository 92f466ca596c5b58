import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { queryJson, repoRoot, sera, tempProject } from "./support/sera.js";

/**
 * Evaluation through the CLI: the real SWE-bench harness reports (fixtures/real at the repository root) imported
 * by a swebench-harness run, and held-out soft verification of a student served by the scripted
 * stand-in against the teacher's patches from a real generation run.
 */

const real = path.resolve(repoRoot, "fixtures/real/mini-swe-agent");

describe("evaluation stages end to end", () => {
  it("imports the real harness reports into evals exactly, with the run's predictions", () => {
    const cwd = tempProject({
      "import.yaml": stringify({
        name: "harness-import",
        stages: {
          grade: {
            kind: "swebench-harness",
            seeded: false,
            params: {
              mode: "import",
              reports: path.join(real, "logs/run_evaluation/deepseek_bench1_eval"),
              predictions: path.join(real, "output/deepseek_bench1/preds.json"),
            },
          },
        },
      }),
    });
    const result = sera(["run", "import.yaml"], cwd);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const graded = queryJson(
      cwd,
      `SELECT instance_id, status, resolved, patch_exists, patch_applied, f2p_success, f2p_failure, p2p_success, p2p_failure,
              f2f_success, f2f_failure, p2f_success, p2f_failure, repo, harness_run_id, model
       FROM evals WHERE report_path IS NOT NULL ORDER BY instance_id`,
    );
    expect(graded).toEqual([
      {
        instance_id: "django__django-13660",
        status: "unresolved",
        resolved: false,
        patch_exists: true,
        patch_applied: true,
        f2p_success: 2,
        f2p_failure: 0,
        p2p_success: 4,
        p2p_failure: 2,
        f2f_success: 0,
        f2f_failure: 0,
        p2f_success: 0,
        p2f_failure: 0,
        repo: "django/django",
        harness_run_id: "deepseek_bench1_eval",
        model: "deepseek/deepseek-chat",
      },
      {
        instance_id: "django__django-14411",
        status: "unresolved",
        resolved: false,
        patch_exists: true,
        patch_applied: true,
        f2p_success: 0,
        f2p_failure: 1,
        p2p_success: 83,
        p2p_failure: 0,
        f2f_success: 0,
        f2f_failure: 0,
        p2f_success: 0,
        p2f_failure: 0,
        repo: "django/django",
        harness_run_id: "deepseek_bench1_eval",
        model: "deepseek/deepseek-chat",
      },
      {
        instance_id: "django__django-14752",
        status: "resolved",
        resolved: true,
        patch_exists: true,
        patch_applied: true,
        f2p_success: 1,
        f2p_failure: 0,
        p2p_success: 15,
        p2p_failure: 0,
        f2f_success: 0,
        f2f_failure: 0,
        p2f_success: 0,
        p2f_failure: 0,
        repo: "django/django",
        harness_run_id: "deepseek_bench1_eval",
        model: "deepseek/deepseek-chat",
      },
    ]);
    // The other 97 predictions have no report in this partial copy: the harness would count them as errors.
    expect(queryJson(cwd, "SELECT status, count(*)::INTEGER AS n FROM evals GROUP BY status ORDER BY status")).toEqual([
      { status: "error", n: 97 },
      { status: "resolved", n: 1 },
      { status: "unresolved", n: 2 },
    ]);
    expect(
      queryJson(
        cwd,
        "SELECT total_instances, completed_instances, resolved_instances, unresolved_instances, error_instances, resolve_rate, source FROM eval_summaries",
      ),
    ).toEqual([
      {
        total_instances: 100,
        completed_instances: 3,
        resolved_instances: 1,
        unresolved_instances: 2,
        error_instances: 97,
        resolve_rate: 1,
        source: "computed from report.json files",
      },
    ]);
    expect(queryJson(cwd, "SELECT value FROM run_metrics WHERE name = 'resolve_rate'")).toEqual([{ value: 1 }]);
    // Ingest is keyed: running again leaves the same rows.
    expect(sera(["run", "import.yaml"], cwd).code).toBe(0);
    expect(queryJson(cwd, "SELECT count(*)::INTEGER AS n FROM evals")).toEqual([{ n: 100 }]);
  });

  it("evaluates a student on held-out soft-verified tasks from a generation run, served by the scripted stand-in", () => {
    const cwd = tempProject();
    // Teacher data for held-out functions: the quickstart's generation run (scripted teacher, seed 0).
    expect(sera(["quickstart", "--functions", "6"], cwd).code).toBe(0);
    const [generation] = queryJson(cwd, "SELECT run_dir FROM runs WHERE stage = 'generate'");
    const verified = queryJson(cwd, "SELECT count(*)::INTEGER AS n FROM instances WHERE status = 'verified'")[0].n;
    const command = (seed: number) => `{sera} model serve --scripted --impersonate {model} --port {port} --seed ${seed}`;
    const experiment = {
      name: "heldout",
      stages: {
        heldout: {
          kind: "sera-eval",
          params: {
            suite: "soft-verified",
            tasks: { generationDir: path.join(String(generation.run_dir), "out") },
            // No training here: the stand-in server plays the student; the checkpoint only names it.
            model: { checkpoint: "stand-in-student" },
            serve: { command: command(0) },
            agent: { maxSteps: 30 },
          },
        },
      },
      // Seed 0 is the teacher's own policy, so it must reproduce every verified patch; seed 7 is another student.
      sweep: { grid: { "stages.heldout.params.serve.command": [command(0), command(7)] } },
    };
    const file = path.join(cwd, "heldout.yaml");
    writeFileSync(file, stringify(experiment));
    const result = sera(["run", "heldout.yaml"], cwd);
    expect(result.code).toBe(0);
    const rows = queryJson(cwd, `SELECT r.p_command AS command, e.status, e.recall FROM evals e JOIN runs r ON r.id = e.run_id ORDER BY 1, e.instance_id`);
    const faithful = rows.filter((r) => String(r.command).endsWith("--seed 0"));
    const other = rows.filter((r) => String(r.command).endsWith("--seed 7"));
    expect(faithful).toHaveLength(Number(verified));
    expect(faithful.every((r) => r.status === "resolved" && r.recall === 1)).toBe(true);
    // The served student said it is the scripted stand-in (whatever name it answered to): every row says so.
    expect(queryJson(cwd, "SELECT DISTINCT provenance FROM evals UNION SELECT DISTINCT provenance FROM eval_rollouts")).toEqual([{ provenance: "stand-in" }]);
    expect(other).toHaveLength(Number(verified));
    expect(other.some((r) => r.status !== "resolved")).toBe(true);
    const summaries = queryJson(
      cwd,
      "SELECT r.p_command AS command, s.resolve_rate, s.total_instances FROM eval_summaries s JOIN runs r ON r.id = s.run_id ORDER BY 1",
    );
    expect(summaries.map((s) => s.resolve_rate)[0]).toBe(100);
    expect(Number(summaries[1].resolve_rate)).toBeLessThan(100);
    // The real vLLM command is still written beside the stand-in's log.
    const [run] = queryJson(cwd, "SELECT run_dir FROM runs WHERE stage = 'heldout' LIMIT 1");
    expect(readFileSync(path.join(String(run.run_dir), "out/serve.sh"), "utf8")).toContain("vllm serve stand-in-student --served-model-name sera-student");
    expect(existsSync(path.join(String(run.run_dir), "out/server.log"))).toBe(true);
  });
});
