import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonl, writeJsonAtomic } from "../src/index.js";
import type { CostLine } from "../src/store/tables.js";
import { attempt, backendFor, finished, pollUntil, requireSlurm, slurmState, submit } from "./slurm-support.js";

/**
 * Slurm's own limits on a real single-node cluster. A file of its own because the time limit
 * takes a minute or more to reach, and other test files can run beside it meanwhile.
 */

requireSlurm();

describe("Slurm limits", () => {
  it("a job over its memory request is a failure (not retried as lost), with Slurm's words in the error", async () => {
    // The test cluster enforces --mem by polling (JobAcctGatherParams=OverMemoryKill, .ci/slurm-up.sh), as sites
    // without cgroup limits do: Slurm kills the whole step and ends the job FAILED with "exceeded memory limit".
    const grow = "import time\nx = []\nfor _ in range(100):\n    x.append(bytearray(20 << 20)); time.sleep(0.1)\n";
    const attemptDir = attempt(["python3", "-c", grow]);
    const backend = backendFor({ resources: { memory: "250M" } });
    const handle = await submit(backend, attemptDir);
    expect(await pollUntil(backend, handle, attemptDir, finished, 40_000)).toBe("done");
    const result = await backend.collect(handle, attemptDir);
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(
      new RegExp(`^out of memory \\(Slurm job ${handle.jobRef} ended FAILED; slurm-${handle.jobRef}\\.err: .*exceeded memory limit`, "i"),
    );
    expect(JSON.parse(readFileSync(path.join(attemptDir, "result.json"), "utf8")).status).toBe("failed");
    expect(readJsonl<CostLine>(path.join(attemptDir, "accounting.jsonl")).find((l) => l.kind === "cpu_hours")).toBeDefined();
  });

  it("in a job array, a task over its memory is found through the array's scheduler log; its sibling is untouched", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "sera-slurm-oom-array-"));
    const grow = "import time\nx = []\nfor _ in range(100):\n    x.append(bytearray(20 << 20)); time.sleep(0.1)\n";
    const dirs = [
      attempt(["python3", "-c", grow], root, { id: "grow", stage: "work" }),
      attempt(["bash", "-c", "sleep 1"], root, { id: "calm", stage: "work" }),
    ];
    const backend = backendFor({ resources: { memory: "250M" } });
    const handles = await backend.submitMany!(dirs);
    for (const [i, dir] of dirs.entries()) writeJsonAtomic(path.join(dir, "handle.json"), handles[i]);
    expect(handles[0].jobRef).toMatch(/^\d+_0$/);
    expect(await pollUntil(backend, handles[0], dirs[0], finished, 40_000)).toBe("done");
    const grown = await backend.collect(handles[0], dirs[0]);
    expect(grown.status).toBe("failed");
    expect(grown.error).toMatch(/^out of memory \(Slurm job \d+_0 ended FAILED; .*exceeded memory limit/i);
    expect(await pollUntil(backend, handles[1], dirs[1], finished, 40_000)).toBe("done");
    expect((await backend.collect(handles[1], dirs[1])).status).toBe("succeeded");
  });

  it("a job that reaches its Slurm time limit is a timeout (which the retry policy may retry)", async () => {
    // Slurm's limits are whole minutes and slurmctld checks them periodically, so this takes 1–2 minutes.
    const attemptDir = attempt(["bash", "-c", "echo started; sleep 600"]);
    const backend = backendFor({ resources: { memory: "200M", time: 1 } });
    const handle = await submit(backend, attemptDir);
    expect(await pollUntil(backend, handle, attemptDir, finished, 170_000)).toBe("done");
    const result = await backend.collect(handle, attemptDir);
    expect(result).toMatchObject({ status: "timeout", error: `Slurm time limit reached (job ${handle.jobRef})` });
    expect(result.wallSeconds).toBeGreaterThanOrEqual(55);
    expect(readFileSync(path.join(attemptDir, "stdout.log"), "utf8")).toContain("started");
    expect(slurmState(handle.jobRef)).toBe("TIMEOUT");
  }, 180_000);
});
