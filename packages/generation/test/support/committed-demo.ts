import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const demoRepo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..", "demo-repo");

/** A committed copy of the bundled demo repository in a fresh folder under `scratch`: its path and commit. */
export function committedDemo(scratch: string): { repo: string; commit: string } {
  const repo = fs.mkdtempSync(path.join(scratch, "repo-"));
  fs.cpSync(demoRepo, repo, { recursive: true });
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
