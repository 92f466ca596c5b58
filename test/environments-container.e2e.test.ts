import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { experiment, fixtureRepo, fixtures, pythonTests, runExperiment, testObservations, trajectories } from "./support/environments.js";
import { killRunAsInACrash, startScriptedServer } from "./support/scripted.js";
import { queryJson, sera, seraAsync, tempProject, waitFor } from "./support/sera.js";

/**
 * The container environment end to end through `sera run`, with the offline base image
 * .ci/containers-up.sh builds: generation on podman (runc) in the Python fixture's image built from
 * its Containerfile; held-out evaluation on docker in an image made as SWE-bench's are, whose own
 * /testbed holds the installed virtualenv (`testbed: image`); one container per rollout; and a run
 * killed with SIGKILL whose containers the next run removes. The teacher is the scripted stand-in
 * (not an LLM).
 */

const containerEnvironment = { kind: "container", build: path.join(fixtures, "python-shipping/Containerfile") };

function containersLabelled(runId: string, runtime = "podman"): string[] {
  const listed = spawnSync(runtime, ["ps", "-a", "-q", "--filter", `label=sera.run=${runId}`], { encoding: "utf8" });
  expect(listed.status).toBe(0);
  return listed.stdout.split("\n").filter((line) => line.trim() !== "");
}

/** A docker image as SWE-bench's are made: the repository at /testbed, its environment installed inside it. */
function testbedImage(cwd: string, repo: string): string {
  const context = mkdtempSync(path.join(cwd, "image-"));
  cpSync(repo, path.join(context, "testbed"), { recursive: true });
  writeFileSync(
    path.join(context, "Containerfile"),
    [
      "FROM localhost/sera-ci/bookworm:1",
      "COPY testbed /testbed",
      "RUN python3 -m venv /testbed/.venv && /testbed/.venv/bin/pip install --no-index --find-links /testbed/vendor parcelkit==1.0.0",
      "",
    ].join("\n"),
  );
  const tag = `localhost/sera-e2e-testbed:${process.pid}`;
  const built = spawnSync("docker", ["build", "-q", "-f", path.join(context, "Containerfile"), "-t", tag, context], { encoding: "utf8" });
  expect(built.status, built.stderr).toBe(0);
  return tag;
}

describe("execution environments: container", () => {
  it("generation (podman, built image) and evaluation (docker, the image's own /testbed) run the fixture's tests in containers, where they pass; nothing is left running", async () => {
    const cwd = tempProject();
    const { repo, commit } = fixtureRepo(cwd, "python-shipping");
    const image = testbedImage(cwd, repo);
    const evalEnvironment = { kind: "container", runtime: "docker", image, testbed: "image", path: ["/testbed/.venv/bin"] };
    const teacher = await startScriptedServer(["--test-command", pythonTests]);
    try {
      const yaml = experiment("env-container", repo, commit, teacher.url, containerEnvironment, true, evalEnvironment);
      const result = runExperiment(cwd, "container.yaml", yaml);
      expect(result.code, result.stderr).toBe(0);
      const runs = trajectories(cwd, "env-container");
      expect(runs.generation.length).toBeGreaterThanOrEqual(3);
      expect(runs.evaluation.length).toBeGreaterThan(0);
      for (const file of [...runs.generation, ...runs.evaluation]) expect(testObservations(file, pythonTests)[0]).toMatch(/Ran 4 tests[\s\S]*\nOK/);
      const patches = queryJson(cwd, "SELECT p.patch FROM patches p JOIN runs ON runs.id = p.run_id WHERE runs.experiment = 'env-container' AND p.patch <> ''");
      expect(patches.length).toBeGreaterThan(0);
      for (const { patch } of patches) expect(String(patch)).toMatch(/^diff --git a\/shipping\/rates\.py/);
      for (const { id } of queryJson(cwd, "SELECT id FROM runs WHERE experiment = 'env-container'")) {
        expect(containersLabelled(String(id))).toEqual([]);
        expect(containersLabelled(String(id), "docker")).toEqual([]);
      }
      // The image's virtualenv in /testbed never enters a prediction.
      const predictions = queryJson(cwd, "SELECT e.patch FROM eval_rollouts e JOIN runs ON runs.id = e.run_id WHERE runs.experiment = 'env-container'");
      expect(predictions.length).toBeGreaterThan(0);
      for (const { patch } of predictions) expect(String(patch ?? "")).not.toMatch(/\.venv/);
    } finally {
      await teacher.stop();
      spawnSync("docker", ["rmi", "-f", image]);
    }
  });

  it("a run killed with SIGKILL leaves containers; the rerun removes them and ends every instance once", async () => {
    const cwd = tempProject();
    const { repo, commit } = fixtureRepo(cwd, "python-shipping");
    const slow = await startScriptedServer(["--test-command", pythonTests, "--latency-ms", "150"]);
    try {
      // A killed attempt is `lost`, and a lost attempt needs retry budget to be run again.
      const yaml = experiment("env-killed", repo, commit, slow.url, containerEnvironment, false).replace("retries: 0", "retries: 2");
      const file = path.join(cwd, "killed.yaml");
      writeFileSync(file, yaml);
      const env = { SERA_CACHE_DIR: path.join(cwd, "cache") };
      const first = seraAsync(["run", file], cwd, env);
      const runsDir = path.join(cwd, ".sera/experiments/env-killed/runs");
      const runId = () => (existsSync(runsDir) ? readdirSync(runsDir)[0] : undefined);
      await waitFor(() => runId() !== undefined && containersLabelled(runId()!).length > 0, 90_000, "a rollout container", first.child);
      const id = runId()!;
      const runDir = path.join(runsDir, id);
      first.child.kill("SIGKILL");
      await first.done;
      killRunAsInACrash(runDir);
      const orphans = containersLabelled(id);
      expect(orphans.length).toBeGreaterThan(0);

      const second = sera(["run", file], cwd, env);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.stdout).toMatch(/\[attempt 1\] lost/);
      expect(containersLabelled(id)).toEqual([]);
      const instances = queryJson(cwd, "SELECT instance_id, status FROM instances");
      expect(instances).toHaveLength(3);
      expect(new Set(instances.map((i) => i.instance_id)).size).toBe(3);
      expect(instances.filter((i) => i.status === "failed")).toEqual([]);
      const states = readdirSync(path.join(runDir, "out/instances")).map(
        (instance) => JSON.parse(readFileSync(path.join(runDir, "out/instances", instance, "state.json"), "utf8")).step,
      );
      expect(states.sort()).toEqual(["done", "done", "done"]);
    } finally {
      await slow.stop();
    }
  });
});
