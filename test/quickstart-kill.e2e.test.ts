import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { queryJson, sera, seraAsync, tempProject, waitFor } from "./support/sera.js";

/**
 * `sera quickstart` serves its scripted stand-in teacher (not an LLM) from its own process. Killed
 * with SIGKILL, it takes that server with it; the worker it started must not go on calling the dead
 * port (which once turned every instance into a permanent model_error), and the next quickstart
 * must finish with verified instances.
 */

describe("sera quickstart after kill -9", () => {
  it("stops the orphaned worker and finishes on rerun with verified instances", async () => {
    const cwd = tempProject();
    const runs = path.join(cwd, ".sera/experiments/quickstart/runs");
    const instancesOf = (runDir: string) => {
      const dir = path.join(runDir, "out/instances");
      return existsSync(dir) ? readdirSync(dir).filter((id) => existsSync(path.join(dir, id, "state.json"))) : [];
    };
    const runDir = () => (existsSync(runs) ? readdirSync(runs).map((id) => path.join(runs, id))[0] : undefined);

    const first = seraAsync(["quickstart", "--functions", "6", "--latency-ms", "100"], cwd);
    await waitFor(
      () => {
        const dir = runDir();
        return dir !== undefined && instancesOf(dir).length >= 2;
      },
      90_000,
      "instances under way",
      first.child,
    );
    first.child.kill("SIGKILL");
    await first.done;

    // The worker notices that its coordinator is gone and stops the stage itself.
    const result = path.join(runDir()!, "attempt-1/result.json");
    await waitFor(() => existsSync(result), 30_000, "the orphaned worker's result");
    expect(JSON.parse(readFileSync(result, "utf8"))).toMatchObject({
      status: "cancelled",
      error: expect.stringMatching(/^cancelled: its coordinator \(pid \d+\) exited$/),
    });

    const second = sera(["quickstart", "--functions", "6", "--latency-ms", "100"], cwd);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/\[attempt 1\] interrupted/);
    expect(second.stdout).toMatch(/\[attempt 2\] succeeded/);
    const instances = queryJson(cwd, "SELECT status, failure_reason FROM instances");
    expect(instances).toHaveLength(6);
    expect(instances.filter((i) => i.status === "verified").length).toBeGreaterThan(0);
    expect(instances.filter((i) => i.failure_reason === "model_error")).toEqual([]);
  }, 300_000);
});
