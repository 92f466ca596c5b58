import { execFileSync } from "node:child_process";
import { cpSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { repoRoot } from "./sera.js";

/** A committed copy of the bundled demo repository under `cwd`: its path and commit. */
export function committedDemoRepo(cwd: string): { repo: string; commit: string } {
  const repo = path.join(cwd, "stockroom");
  cpSync(path.join(repoRoot, "packages/generation/demo-repo"), repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args], {
      cwd: repo,
      encoding: "utf8",
    });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "demo");
  return { repo, commit: git("rev-parse", "HEAD").trim() };
}

export interface GenerationExperiment {
  name: string;
  repo: string;
  commit: string;
  /** The teacher's endpoint (the scripted stand-in, unless `teacher` names another model). */
  endpoint: string;
  executor?: Record<string, unknown>;
  /** Merged over the stand-in teacher's settings. */
  teacher?: Record<string, unknown>;
  /** Merged over the stage's other params. */
  params?: Record<string, unknown>;
}

/** The YAML of a one-stage `sera-generate` experiment over the demo repository. */
export function generationExperiment(options: GenerationExperiment): string {
  return stringify({
    name: options.name,
    executor: { retries: 0, backoffSeconds: 0.1, ...options.executor },
    stages: {
      generate: {
        kind: "sera-generate",
        params: {
          repo: options.repo,
          repoName: "stockroom",
          commits: [options.commit],
          functionsPerRepo: 3,
          teacher: { model: "scripted-stand-in", endpoints: [options.endpoint], scriptedStandIn: true, timeoutSeconds: 10, maxRetries: 1, ...options.teacher },
          agent: { maxSteps: 30 },
          concurrency: 2,
          ...options.params,
        },
      },
    },
  });
}
