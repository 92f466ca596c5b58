import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { slurmBackend, slurmBackendSchema } from "@sera/core";

/**
 * Submitting a sweep to Slurm: N attempts as one job array against N single sbatch calls, on the
 * local cluster (.ci/slurm-up.sh). Jobs are submitted held, so nothing runs and only submission
 * is timed; they are cancelled afterwards.
 */

function attemptDirs(count: number): string[] {
  const root = mkdtempSync(path.join(os.tmpdir(), "sera-bench-slurm-"));
  return Array.from({ length: count }, (_, i) => {
    const runDir = path.join(root, "runs", `r${i}`);
    const attemptDir = path.join(runDir, "attempt-1");
    mkdirSync(attemptDir, { recursive: true });
    writeFileSync(path.join(runDir, "run.json"), JSON.stringify({ id: `r${i}`, stage: "work" }));
    writeFileSync(
      path.join(attemptDir, "job.json"),
      JSON.stringify({ runId: `r${i}`, attempt: 1, argv: ["true"], env: {}, cwd: root, outDir: path.join(runDir, "out"), outputs: [], timeoutSeconds: null }),
    );
    return attemptDir;
  });
}

export async function slurmSubmission(count = 100): Promise<Record<string, unknown>> {
  try {
    execFileSync("sinfo", ["-h"], { stdio: "pipe" });
  } catch {
    return { skipped: "no Slurm cluster answers here (start one with .ci/slurm-up.sh)" };
  }
  const config = (arrays: boolean) => slurmBackendSchema.parse({ kind: "slurm", arrays, resources: { memory: "100M", directives: ["--hold"] } });
  const timeIt = async (arrays: boolean) => {
    const backend = slurmBackend({ config: config(arrays) });
    const dirs = attemptDirs(count);
    const started = performance.now();
    const handles = await backend.submitMany!(dirs);
    const seconds = (performance.now() - started) / 1000;
    execFileSync("scancel", [...new Set(handles.map((handle) => handle.jobRef.split("_")[0]))], { stdio: "pipe" });
    return seconds;
  };
  const singleSeconds = await timeIt(false);
  const arraySeconds = await timeIt(true);
  return { attempts: count, arraySeconds, singleJobsSeconds: singleSeconds, arrayToSingleRatio: arraySeconds / singleSeconds };
}
