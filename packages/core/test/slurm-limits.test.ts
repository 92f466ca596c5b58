import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonl, writeJsonAtomic } from "../src/index.js";
import type { CostLine } from "../src/store/tables.js";
import { attempt, backendFor, finished, pollUntil, requireSlurm, slurmState, submit } from "./slurm-support.js";

/** Slurm's own limits on a real single-node cluster. */

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
    // Slurm's limits are whole minutes, so a one-minute job would hold the suite for 1–2 minutes. Once the job runs,
    // its end time is brought forward (what an administrator's `scontrol update EndTime=` does); slurmctld's own
    // periodic limit check then ends it TIMEOUT with reason TimeLimit, exactly as when the minute runs out.
    const attemptDir = attempt(["bash", "-c", "echo started; sleep 600"]);
    const backend = backendFor({ resources: { memory: "200M", time: 1 } });
    const handle = await submit(backend, attemptDir);
    expect(await pollUntil(backend, handle, attemptDir, (s) => s === "running", 30_000)).toBe("running");
    expect(execFileSync("scontrol", ["show", "job", handle.jobRef], { encoding: "utf8" })).toMatch(/TimeLimit=00:01:00/);
    const soon = new Date(Date.now() + 1000).toISOString().slice(0, 19);
    execFileSync("scontrol", ["update", `JobId=${handle.jobRef}`, `EndTime=${soon}`]);
    expect(await pollUntil(backend, handle, attemptDir, finished, 90_000)).toBe("done");
    const result = await backend.collect(handle, attemptDir);
    expect(result).toMatchObject({ status: "timeout", error: `Slurm time limit reached (job ${handle.jobRef})` });
    expect(readFileSync(path.join(attemptDir, "stdout.log"), "utf8")).toContain("started");
    expect(slurmState(handle.jobRef)).toBe("TIMEOUT");
    expect(execFileSync("scontrol", ["show", "job", handle.jobRef], { encoding: "utf8" })).toMatch(/Reason=TimeLimit/);
  }, 120_000);
});
