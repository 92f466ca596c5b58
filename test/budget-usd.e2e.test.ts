import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startScriptedServer } from "./support/scripted.js";
import { committedDemoRepo, generationExperiment } from "./support/generation-experiment.js";
import { queryJson, sera, tempProject } from "./support/sera.js";

/**
 * `sera run --budget-usd` through the CLI: a three-run generation sweep (three seeds) over the demo
 * repository with the scripted stand-in teacher (not an LLM) over loopback HTTP and teacher.prices
 * set, so its tokens are priced as a real teacher's would be. The cap stops the sweep; a rerun with
 * a higher cap finishes it with every row once. `sera plan --budget-usd` forecasts the same.
 */

const prices = { inputPerMTok: 3, outputPerMTok: 15 };

describe("sera run --budget-usd", () => {
  it("bad values get one line naming the option and exit 2", () => {
    const cwd = tempProject();
    for (const [command, bad] of [
      ["run", "-1"],
      ["run", "NaN"],
      ["run", "ten"],
      ["plan", "-0.5"],
    ]) {
      const result = sera([command, "missing.yaml", `--budget-usd=${bad}`], cwd);
      expect(result.code, `${command} ${bad}`).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(`--budget-usd must be a number of US dollars, 0 or more (got '${bad}')`);
    }
  });

  it("stops the sweep at the cap, and a rerun with a higher cap continues exactly the rest", async () => {
    const cwd = tempProject();
    const { repo, commit } = committedDemoRepo(cwd);
    const server = await startScriptedServer(["--reject-rate", "0"]);
    const runsDir = path.join(cwd, ".sera/experiments/capped/runs");
    try {
      const file = path.join(cwd, "capped.yaml");
      const experiment = (name: string) =>
        generationExperiment({ name, repo, commit, endpoint: server.url, teacher: { prices }, params: { functionsPerRepo: 2, concurrency: 1 } }) +
        "sweep: { seeds: 3 }\n";
      writeFileSync(file, experiment("capped"));

      // The first run starts with a millionth of a dollar left: its first instance spends more, so it
      // starts no second one and stops; the cap is then reached and neither other run starts.
      const first = sera(["run", file, "--budget-usd", "0.000001", "--concurrency", "1"], cwd);
      expect(first.code, first.stderr).toBe(1);
      expect(first.stdout).toMatch(
        /stopped at the invocation's --budget-usd: \$0\.\d{4} spent by this attempt of the \$0\.0000 left when it started; 1 of 2 instances/,
      );
      expect(first.stdout).toMatch(
        /\n--budget-usd: \$0\.\d{4} spent of \$0\.0000; 2 runs not started, 1 stopped part-way \(run again with a higher --budget-usd to continue exactly the rest\)\n/,
      );
      expect(first.stdout).not.toContain("some runs did not succeed");
      const attemptsOf = () =>
        readdirSync(runsDir)
          .map((id) => readdirSync(path.join(runsDir, id)).filter((name) => name.startsWith("attempt-")).length)
          .sort();
      expect(attemptsOf()).toEqual([0, 0, 1]);
      // The stopped run's one begun instance (its records reach the store once the run succeeds).
      const [stoppedRun] = readdirSync(runsDir).filter((id) => readdirSync(path.join(runsDir, id)).includes("attempt-1"));
      const instancesDir = path.join(runsDir, stoppedRun, "out/instances");
      const begun = readdirSync(instancesDir).filter((id) => readdirSync(path.join(instancesDir, id)).includes("state.json"));
      expect(begun).toHaveLength(1);
      const callsFile = path.join(instancesDir, begun[0], "calls.jsonl");
      const callsBefore = readFileSync(callsFile, "utf8");

      const second = sera(["run", file, "--budget-usd", "100", "--concurrency", "1"], cwd);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.stdout).toMatch(/\n--budget-usd: \$0\.\d{4} spent of \$100\.00\n/);
      // Nothing redone: the stopped run resumed in a second attempt, the finished instance was not asked again.
      expect(attemptsOf()).toEqual([1, 1, 2]);
      expect(readFileSync(callsFile, "utf8")).toBe(callsBefore);
      // Nothing duplicated: every instance once, and one ledger row per run and token kind.
      expect(queryJson(cwd, "SELECT status, count(*)::INTEGER AS n FROM runs GROUP BY status")).toEqual([{ status: "succeeded", n: 3 }]);
      const instances = queryJson(cwd, "SELECT count(*)::INTEGER AS n, count(DISTINCT (run_id, instance_id))::INTEGER AS distinct_n FROM instances")[0];
      expect(instances).toEqual({ n: 6, distinct_n: 6 });
      const ledger = queryJson(cwd, "SELECT run_id, kind, count(*)::INTEGER AS n FROM cost_ledger WHERE kind LIKE 'teacher_%' GROUP BY ALL HAVING n <> 1");
      expect(ledger).toEqual([]);
      expect(queryJson(cwd, "SELECT count(DISTINCT run_id)::INTEGER AS n FROM cost_ledger WHERE kind LIKE 'teacher_%'")).toEqual([{ n: 3 }]);

      // The plan of the same sweep under another name (new runs), from the store's token profile:
      // with a cap of one and a half runs' expected cost, the first run starts, the second stops
      // part-way and the third never starts.
      writeFileSync(path.join(cwd, "planned.yaml"), experiment("planned"));
      const profile = queryJson(
        cwd,
        `SELECT avg(i) AS i, avg(c) AS c, avg(o) AS o FROM (
           SELECT sum(input_tokens) AS i, sum(cached_input_tokens) AS c, sum(output_tokens) AS o FROM model_calls GROUP BY run_id, instance_id)`,
      )[0] as { i: number; c: number; o: number };
      const perRun = 2 * (((profile.i - profile.c) * prices.inputPerMTok + profile.o * prices.outputPerMTok) / 1e6);
      const cap = String(1.5 * perRun);
      const plan = sera(["plan", "planned.yaml", "--json", "--budget-usd", cap], cwd);
      expect(plan.code, plan.stderr).toBe(0);
      expect((JSON.parse(plan.stdout) as { underBudget?: string }[]).map((run) => run.underBudget)).toEqual(["starts", "stops part-way", "not started"]);
      const planText = sera(["plan", "planned.yaml", "--budget-usd", cap], cwd);
      expect(planText.stdout).toMatch(
        /\n--budget-usd \$0\.\d{4}: by the expected costs \(one run after another, in plan order\) 1 run would not start and 1 would stop part-way\n/,
      );
      // The finished sweep has nothing left to start.
      expect(sera(["plan", file, "--budget-usd", "0"], cwd).stdout).toMatch(/0 runs would not start; the cap covers the sweep\n/);
    } finally {
      await server.stop();
    }
  });
});
