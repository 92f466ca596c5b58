import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { experiment, fixtureRepo, nodeTests, pythonPrepared, pythonTests, runExperiment, testObservations, trajectories } from "./support/environments.js";
import { startScriptedServer } from "./support/scripted.js";
import { queryJson, tempProject } from "./support/sera.js";

/**
 * Execution environments end to end through `sera run`: the fixtures whose tests need a
 * dependency (a Python package from a vendored wheel, an npm package from a vendored tarball), a
 * generation stage and a held-out evaluation stage over real bubblewrap sandboxes, and the
 * scripted stand-in teacher (not an LLM) told to run the repository's tests first in every
 * rollout. Under `host` those tests fail on the missing dependency; under `prepared` they pass.
 */

describe("execution environments", () => {
  it("python: the teacher's test run fails under host and passes under prepared, in generation and in evaluation", async () => {
    const cwd = tempProject();
    const { repo, commit } = fixtureRepo(cwd, "python-shipping");
    const teacher = await startScriptedServer(["--test-command", pythonTests]);
    try {
      const host = runExperiment(cwd, "host.yaml", experiment("env-host", repo, commit, teacher.url, { kind: "host" }, false));
      expect(host.code, host.stderr).toBe(0);
      const hostRuns = trajectories(cwd, "env-host").generation;
      expect(hostRuns.length).toBeGreaterThanOrEqual(3);
      for (const file of hostRuns) {
        const [observation] = testObservations(file, pythonTests);
        expect(observation).toMatch(/ModuleNotFoundError: No module named 'parcelkit'/);
      }

      const prepared = runExperiment(cwd, "prepared.yaml", experiment("env-prepared", repo, commit, teacher.url, pythonPrepared));
      expect(prepared.code, prepared.stderr).toBe(0);
      const preparedRuns = trajectories(cwd, "env-prepared");
      expect(preparedRuns.generation.length).toBeGreaterThanOrEqual(3);
      expect(preparedRuns.evaluation.length).toBeGreaterThan(0);
      for (const file of [...preparedRuns.generation, ...preparedRuns.evaluation]) {
        const [observation] = testObservations(file, pythonTests);
        expect(observation).toMatch(/Ran 4 tests[\s\S]*\nOK/);
      }
      // Setup ran once for the commit: the generation stage built the environment, evaluation reused it.
      // The agents' patches hold only their own edits.
      const runsDir = path.join(cwd, ".sera/experiments/env-prepared/runs");
      const logs = readdirSync(runsDir).flatMap((run) => {
        const dir = path.join(runsDir, run, "out/environments");
        return existsSync(dir) ? readdirSync(dir).map((name) => readFileSync(path.join(dir, name), "utf8")) : [];
      });
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatch(/Successfully installed parcelkit-1\.0\.0/);
      const patches = queryJson(cwd, "SELECT p.patch FROM patches p JOIN runs ON runs.id = p.run_id WHERE runs.experiment = 'env-prepared' AND p.patch <> ''");
      expect(patches.length).toBeGreaterThan(0);
      for (const { patch } of patches) expect(String(patch)).not.toMatch(/\.venv|__pycache__/);
      const instances = queryJson(cwd, "SELECT i.status FROM instances i JOIN runs ON runs.id = i.run_id WHERE runs.experiment = 'env-prepared'");
      expect(instances.filter((i) => i.status === "failed")).toHaveLength(0);
    } finally {
      await teacher.stop();
    }
  });

  it("node: npm ci from a vendored tarball prepares the tests' dependency offline; host lacks it", async () => {
    const cwd = tempProject();
    const { repo, commit } = fixtureRepo(cwd, "node-invoice");
    const teacher = await startScriptedServer(["--test-command", nodeTests]);
    try {
      const host = runExperiment(cwd, "host.yaml", experiment("node-host", repo, commit, teacher.url, { kind: "host" }, false));
      expect(host.code, host.stderr).toBe(0);
      for (const file of trajectories(cwd, "node-host").generation) {
        expect(testObservations(file, nodeTests)[0]).toMatch(/Cannot find package '@fixture\/money'/);
      }
      const environment = { kind: "prepared", setup: ["npm ci --offline --no-audit --no-fund"], path: ["/testbed/node_modules/.bin"] };
      const prepared = runExperiment(cwd, "prepared.yaml", experiment("node-prepared", repo, commit, teacher.url, environment, false));
      expect(prepared.code, prepared.stderr).toBe(0);
      const files = trajectories(cwd, "node-prepared").generation;
      expect(files.length).toBeGreaterThanOrEqual(3);
      for (const file of files) expect(testObservations(file, nodeTests)[0]).toMatch(/# pass 3\n# fail 0/);
    } finally {
      await teacher.stop();
    }
  });

  it("a setup that fails fails its instances with environment_error and keeps the log", async () => {
    const cwd = tempProject();
    const { repo, commit } = fixtureRepo(cwd, "python-shipping");
    const teacher = await startScriptedServer(["--test-command", pythonTests]);
    try {
      const environment = { kind: "prepared", setup: ["python3 -m venv .venv", ".venv/bin/pip install --no-index parcelkit==9.9"] };
      const result = runExperiment(cwd, "broken.yaml", experiment("env-broken", repo, commit, teacher.url, environment, false));
      expect(result.code, result.stderr).toBe(0);
      const instances = queryJson(cwd, "SELECT status, failure_reason, failure_detail FROM instances");
      expect(instances.length).toBeGreaterThanOrEqual(3);
      for (const instance of instances) {
        expect(instance).toMatchObject({ status: "failed", failure_reason: "environment_error" });
        expect(String(instance.failure_detail)).toMatch(
          /setup command 2 .* exited 1: .*No matching distribution found for parcelkit==9\.9 \(log: .*\.setup\.log\)/,
        );
      }
      const log = String(instances[0].failure_detail).match(/\(log: (.*\.setup\.log)\)/)![1];
      expect(readFileSync(log, "utf8")).toMatch(/\$ \.venv\/bin\/pip install --no-index parcelkit==9\.9\n[\s\S]*No matching distribution/);
      expect(queryJson(cwd, "SELECT count(*)::INTEGER AS n FROM rollouts")[0].n).toBe(0);
    } finally {
      await teacher.stop();
    }
  });
});
