import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { queryJson, repoRoot, sera } from "./sera.js";

/** Shared by the execution-environment e2e tests: the fixtures, experiments over them, and what their trajectories show. */

export const fixtures = path.join(repoRoot, "fixtures/environments");
export const pythonTests = "cd /testbed && python3 -m unittest discover -s tests -t . 2>&1";
export const nodeTests = "cd /testbed && npm test 2>&1";
export const pythonPrepared = {
  kind: "prepared",
  setup: ["python3 -m venv .venv", ".venv/bin/pip install --no-index --find-links vendor parcelkit==1.0.0"],
  path: ["/testbed/.venv/bin"],
};

/** A committed copy of a fixture, with a fixed identity and date so its commit is the same everywhere. */
export function fixtureRepo(cwd: string, name: string): { repo: string; commit: string } {
  const repo = path.join(cwd, name);
  cpSync(path.join(fixtures, name), repo, { recursive: true });
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "fixture",
    GIT_AUTHOR_EMAIL: "fixture@sera.invalid",
    GIT_COMMITTER_NAME: "fixture",
    GIT_COMMITTER_EMAIL: "fixture@sera.invalid",
    GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
    GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
  };
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args], { cwd: repo, env, encoding: "utf8" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", `${name} fixture`);
  return { repo, commit: git("rev-parse", "HEAD").trim() };
}

export function experiment(
  name: string,
  repo: string,
  commit: string,
  endpoint: string,
  environment: Record<string, unknown>,
  withEval = true,
  evalEnvironment = environment,
): string {
  const stages: Record<string, unknown> = {
    generate: {
      kind: "sera-generate",
      params: {
        repo,
        repoName: path.basename(repo),
        commits: [commit],
        functionsPerRepo: 3,
        teacher: { model: "scripted-stand-in", endpoints: [endpoint], scriptedStandIn: true, timeoutSeconds: 30 },
        agent: { maxSteps: 30 },
        concurrency: 3,
        environment,
      },
    },
  };
  if (withEval) {
    stages.heldout = {
      kind: "sera-eval",
      needs: ["generate"],
      params: {
        suite: "soft-verified",
        tasks: { fromGeneration: "generate" },
        model: { name: "scripted-stand-in" },
        serve: { endpoint },
        agent: { maxSteps: 30 },
        environment: evalEnvironment,
      },
    };
  }
  return stringify({ name, executor: { retries: 0 }, stages });
}

/** What the test command printed in each trajectory (the tool message answering that bash call). */
export function testObservations(trajectoryPath: string, command: string): string[] {
  const { messages } = JSON.parse(readFileSync(trajectoryPath, "utf8")) as {
    messages: Array<{ role: string; content: string; toolCallId?: string; toolCalls?: Array<{ id: string; arguments: unknown }> }>;
  };
  const callIds = new Set(
    messages.flatMap((m) =>
      (m.toolCalls ?? []).filter((c) => typeof c.arguments === "object" && (c.arguments as { command?: string }).command === command).map((c) => c.id),
    ),
  );
  return messages.filter((m) => m.role === "tool" && m.toolCallId !== undefined && callIds.has(m.toolCallId)).map((m) => m.content);
}

/** Each test has a cache of its own, so a prepared environment is really built (and logged) in it. */
export function runExperiment(cwd: string, file: string, yaml: string) {
  writeFileSync(path.join(cwd, file), yaml);
  return sera(["run", file], cwd, { SERA_CACHE_DIR: path.join(cwd, "cache") });
}

export function trajectories(cwd: string, experimentName: string): { generation: string[]; evaluation: string[] } {
  const join = `JOIN runs ON runs.id = t.run_id WHERE runs.experiment = '${experimentName}'`;
  const generation = queryJson(cwd, `SELECT t.trajectory_path AS p FROM rollouts t ${join} AND t.phase = 'r1'`).map((r) => String(r.p));
  const evaluation = queryJson(cwd, `SELECT t.trajectory_path AS p FROM eval_rollouts t ${join}`).map((r) => String(r.p));
  return { generation, evaluation };
}
