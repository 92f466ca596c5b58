import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { escapeAttempts, HOSTILE_MODEL, PWNED, startHostileTeacher } from "./support/hostile-teacher.js";
import { queryJson, sera, seraAsync, tempProject } from "./support/sera.js";

/**
 * The teacher is untrusted. A hostile stand-in teacher answers every agent turn with an escape
 * attempt (remounts, writes to host paths, /etc/shadow, process floods, memory and disk hogs,
 * processes that try to outlive the rollout, the network) and the whole thing runs through
 * `sera run` as whoever runs the tests — root in CI. Afterwards the host is unchanged, the run
 * finished with a reason for every instance, and the machine stayed responsive throughout.
 */

/** A digest of every regular file under `root` (names, modes and contents), skipping what `skip` names. */
function treeDigest(root: string, skip: (relative: string) => boolean = () => false): string {
  const hash = createHash("sha256");
  const walk = (relative: string) => {
    const full = path.join(root, relative);
    let entries: string[];
    try {
      entries = readdirSync(full).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      const child = path.join(relative, name);
      if (skip(child)) continue;
      // lstat: a link is its target's name, not its target's content (/etc/mtab shows the reader's
      // mounts, which change whenever a container starts anywhere on the machine).
      const stat = lstatSync(path.join(root, child), { throwIfNoEntry: false });
      if (!stat) continue;
      hash.update(`${child}\0${stat.mode}\0`);
      if (stat.isSymbolicLink()) hash.update(readlinkSync(path.join(root, child)));
      else if (stat.isDirectory()) walk(child);
      else if (stat.isFile()) {
        try {
          hash.update(readFileSync(path.join(root, child)));
        } catch {
          hash.update("unreadable");
        }
      }
    }
  };
  walk("");
  return hash.digest("hex");
}

function findPwned(roots: readonly string[]): string[] {
  const found: string[] = [];
  for (const root of roots.filter((r) => existsSync(r))) {
    // find exits 1 when an entry vanishes under it: other test files make and remove temporary
    // folders in /tmp meanwhile. What it printed is still every match it saw.
    const search = spawnSync("find", [root, "-xdev", "-maxdepth", "6", "-name", `*${PWNED}*`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (search.status !== 0 && search.status !== 1) throw new Error(`find in ${root} failed: ${search.stderr}`);
    const out = search.stdout.trim();
    if (out) found.push(...out.split("\n"));
  }
  return found;
}

function strayProcesses(): string[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      } catch {
        return "";
      }
    })
    .filter((cmd) => /sleep 1001\.(5|25)/.test(cmd));
}

describe("adversarial teacher", () => {
  it("a hostile stand-in teacher run through sera run leaves the host unchanged and the machine responsive", async () => {
    const cwd = tempProject();
    const home = mkdtempSync(path.join(os.tmpdir(), "sera-hostile-home-"));
    const env = { HOME: home, XDG_CACHE_HOME: "" };
    // A committed copy of the demo repository to generate from.
    expect(sera(["quickstart", "--dir", cwd, "--functions", "1"], cwd, env).code).toBe(0);
    const repo = path.join(cwd, "stockroom");
    const commit = readFileSync(path.join(repo, ".git", "refs", "heads", "main"), "utf8").trim();
    const cacheDirs = [path.join(home, ".cache"), path.join(os.tmpdir(), "sera-cache")];
    const teacher = await startHostileTeacher(escapeAttempts({ repo, home, cacheDirs }));

    const marker = path.join(cwd, "started.marker");
    writeFileSync(marker, "");
    const before = {
      etc: treeDigest("/etc"),
      repo: treeDigest(repo),
      gitStatus: execFileSync("git", ["status", "--porcelain", "--ignored"], { cwd: repo, encoding: "utf8" }),
    };
    const experiment = path.join(cwd, "hostile.yaml");
    writeFileSync(
      experiment,
      stringify({
        name: "hostile",
        executor: { retries: 0 },
        stages: {
          generate: {
            kind: "sera-generate",
            params: {
              repo,
              repoName: "stockroom",
              commits: [commit],
              functionsPerRepo: 1,
              teacher: { model: HOSTILE_MODEL, endpoints: [teacher.url], timeoutSeconds: 30, maxRetries: 0 },
              agent: { maxSteps: 40, commandTimeoutSeconds: 30 },
              rollout1Attempts: 1,
              concurrency: 1,
            },
          },
        },
      }),
    );

    // Responsiveness: the test process's own event loop keeps ticking while the run goes on.
    let worstLagMs = 0;
    let last = Date.now();
    const ticker = setInterval(() => {
      const now = Date.now();
      worstLagMs = Math.max(worstLagMs, now - last - 100);
      last = now;
    }, 100);
    try {
      const run = seraAsync(["run", experiment], cwd, env);
      const result = await run.done;
      expect(result.stderr).not.toMatch(/SHADOW-READ/);
      expect(result.code).toBe(0);
    } finally {
      clearInterval(ticker);
      await teacher.stop();
    }
    expect(teacher.attemptsServed()).toBeGreaterThanOrEqual(escapeAttempts({ repo, home, cacheDirs }).length);
    expect(worstLagMs).toBeLessThan(5_000);

    // The host is unchanged.
    expect(treeDigest("/etc")).toBe(before.etc);
    expect(treeDigest(repo)).toBe(before.repo);
    expect(execFileSync("git", ["status", "--porcelain", "--ignored"], { cwd: repo, encoding: "utf8" })).toBe(before.gitStatus);
    expect(execFileSync("find", ["/usr", "-xdev", "-newer", marker, "-print", "-quit"], { encoding: "utf8" }).trim()).toBe("");
    expect(findPwned(["/etc", "/usr", "/root", home, repo, os.tmpdir(), "/dev/shm", "/var/tmp"])).toEqual([]);
    expect(strayProcesses()).toEqual([]);

    // The run finished with a reason for every instance, and the trajectories show what the sandbox answered.
    const instances = queryJson(cwd, "SELECT instance_id, status, failure_reason FROM instances");
    expect(instances).toHaveLength(1);
    for (const instance of instances) if (instance.status === "failed") expect(instance.failure_reason).toEqual(expect.any(String));
    const [{ trajectory_path }] = queryJson(cwd, "SELECT trajectory_path FROM rollouts WHERE phase = 'r1' ORDER BY instance_id LIMIT 1");
    const observations = (JSON.parse(readFileSync(String(trajectory_path), "utf8")).messages as Array<{ role: string; content: unknown }>)
      .filter((m) => m.role === "tool")
      .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)))
      .join("\n");
    expect(observations).toMatch(/CapEff:\s+0000000000000000/);
    expect(observations).not.toMatch(/SHADOW-READ/);
    expect(observations).toMatch(/still-here/);
    expect(observations).toMatch(/Permission denied|must be superuser/);
    expect(observations).toMatch(/MemoryError/);
    expect(observations).toMatch(/File size limit exceeded/);
    expect(observations).toMatch(/flood stopped: \[Errno 11\] Resource temporarily unavailable/);
  }, 600_000);
});
