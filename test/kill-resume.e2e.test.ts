import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { killRunAsInACrash, startScriptedServer } from "./support/scripted.js";
import { generationExperiment } from "./support/generation-experiment.js";
import { queryJson, sera, seraAsync, tempProject } from "./support/sera.js";

/**
 * Crashes are resumable: a real-sandbox generation run is killed with SIGKILL (coordinator, worker
 * and stage) at five moments drawn from a seeded generator, each kill followed by a rerun; the
 * last rerun finishes. Every instance ends exactly once, every teacher call is booked once, and
 * the final tables equal those of a clean run of the same experiment.
 */

const KILL_SEED = 20261205;

/** mulberry32: a tiny seeded generator, so a failing schedule can be replayed from the seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function experimentFile(cwd: string, name: string, endpoint: string, repo: string, commit: string): string {
  const file = path.join(cwd, `${name}.yaml`);
  writeFileSync(
    file,
    generationExperiment({ name, repo, commit, endpoint, executor: { retries: 10 }, teacher: { maxRetries: 2 }, params: { functionsPerRepo: 8 } }),
  );
  return file;
}

function killEverything(runsDir: string): void {
  if (!existsSync(runsDir)) return;
  for (const runId of readdirSync(runsDir)) killRunAsInACrash(path.join(runsDir, runId));
}

/** How many attempts of the experiment's runs have a job handle, i.e. were started on the backend. */
function startedAttempts(runsDir: string): number {
  if (!existsSync(runsDir)) return 0;
  let started = 0;
  for (const runId of readdirSync(runsDir)) {
    const runDir = path.join(runsDir, runId);
    started += readdirSync(runDir).filter((name) => name.startsWith("attempt-") && existsSync(path.join(runDir, name, "handle.json"))).length;
  }
  return started;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not started within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The run's outcome with everything that legitimately differs between two runs (ids, times, paths) left out. */
function outcome(cwd: string, experiment: string) {
  const of = `t JOIN runs ON runs.id = t.run_id WHERE runs.experiment = '${experiment}'`;
  return {
    instances: queryJson(cwd, `SELECT t.instance_id, t.status, t.failure_reason, t.recall, t.r1_attempts FROM instances ${of} ORDER BY ALL`),
    patches: queryJson(cwd, `SELECT t.instance_id, t.phase, t.rollout_attempt, t.sha256 FROM patches ${of} ORDER BY ALL`),
    verifications: queryJson(cwd, `SELECT t.instance_id, t.recall, t.matched, t.verdict FROM verifications ${of} ORDER BY ALL`),
  };
}

describe("kill -9 at random moments", () => {
  it(`five SIGKILLs (seed ${KILL_SEED}), each followed by a rerun, end with the tables of a clean run`, async () => {
    const cwd = tempProject();
    expect(sera(["quickstart", "--dir", cwd, "--functions", "1"], cwd).code).toBe(0);
    const repo = path.join(cwd, "stockroom");
    const commit = readFileSync(path.join(repo, ".git", "refs", "heads", "main"), "utf8").trim();
    const server = await startScriptedServer(["--latency-ms", "30"]);
    try {
      const clean = sera(["run", experimentFile(cwd, "clean", server.url, repo, commit)], cwd);
      expect(clean.code).toBe(0);
      // Kills land within the first 40% of the time a whole run's job takes on this machine, so the
      // first kills always interrupt work even on a fast or lightly loaded machine.
      const [{ wall_seconds: cleanSeconds }] = queryJson(cwd, "SELECT wall_seconds FROM runs WHERE experiment = 'clean'");
      const killWindowMs = 400 * Number(cleanSeconds);

      const killed = experimentFile(cwd, "killed", server.url, repo, commit);
      const runsDir = path.join(cwd, ".sera/experiments/killed/runs");
      const random = seededRandom(KILL_SEED);
      for (let kill = 0; kill < 5; kill++) {
        const started = startedAttempts(runsDir);
        const run = seraAsync(["run", killed], cwd);
        let exited = false;
        void run.done.then(() => (exited = true));
        // Anywhere from a moment after the job started to well into the instances. Measured from the job's start,
        // not the command's, so a loaded machine's slower start-up cannot make a kill miss the running work.
        await waitFor(() => exited || startedAttempts(runsDir) > started, 120_000);
        if (!exited) await new Promise((resolve) => setTimeout(resolve, 100 + random() * killWindowMs));
        // Each rerun resumes what the last one left, so the work can run out before a late kill; the
        // assertions below still require that earlier kills landed on running attempts.
        if (exited) break;
        run.child.kill("SIGKILL");
        // Before waiting: a worker still holding the coordinator's output pipes would delay `done`.
        killEverything(runsDir);
        await run.done;
      }
      const last = sera(["run", killed], cwd);
      expect(last.stderr).toBe("");
      expect(last.code).toBe(0);

      // Every kill hit a started attempt, and the run finished only after they were lost and taken up again.
      const [{ attempt }] = queryJson(cwd, "SELECT attempt FROM runs WHERE experiment = 'killed'");
      expect(Number(attempt)).toBeGreaterThanOrEqual(3);
      // Every instance ended exactly once, with the same outcome as in the clean run.
      expect(outcome(cwd, "killed")).toEqual(outcome(cwd, "clean"));
      const duplicates = queryJson(cwd, "SELECT run_id, instance_id, phase, rollout_attempt, count(*)::INTEGER AS n FROM rollouts GROUP BY ALL HAVING n > 1");
      expect(duplicates).toEqual([]);
      // Every teacher call is booked once: the ledger's tokens are the sum of the recorded calls.
      for (const experiment of ["clean", "killed"]) {
        const of = `t JOIN runs ON runs.id = t.run_id WHERE runs.experiment = '${experiment}'`;
        const [calls] = queryJson(
          cwd,
          `SELECT sum(t.output_tokens)::BIGINT AS output, count(*)::INTEGER AS n, count(DISTINCT (t.instance_id, t.seq))::INTEGER AS distinct_calls FROM model_calls ${of}`,
        );
        expect(calls.distinct_calls).toBe(calls.n);
        const [ledger] = queryJson(cwd, `SELECT sum(t.quantity)::BIGINT AS output FROM cost_ledger ${of} AND t.kind = 'teacher_output_tokens'`);
        expect(Number(ledger.output)).toBe(Number(calls.output));
      }
    } finally {
      await server.stop();
    }
  }, 600_000);
});
