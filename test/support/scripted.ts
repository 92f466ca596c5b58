import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { seraBin } from "./sera.js";

/** Start `sera model serve --scripted` as a real child process and return its base URL. */
export async function startScriptedServer(flags: string[] = []): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [seraBin, "model", "serve", "--scripted", "--port", "0", ...flags], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`scripted server exited early (${code}): ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Kill every process whose environment names this run directory (the stage process and its children). */
export function killProcessesOfRun(runDir: string): number {
  let killed = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`SERA_RUN_DIR=${runDir}`)) {
        process.kill(Number(pid), "SIGKILL");
        killed++;
      }
    } catch {
      /* gone or not ours */
    }
  }
  return killed;
}

/**
 * What a machine crash leaves behind: the run's worker (the local worker host, named by each
 * attempt's handle) is killed first, so it cannot record its job's death as the attempt's result,
 * and then every process of the run. Killing them the other way round left a window in which the
 * host wrote "killed by SIGKILL", and the rerun found a failed attempt instead of a lost one.
 * Returns how many of the run's own processes were killed.
 */
export function killRunAsInACrash(runDir: string): number {
  for (const attempt of readdirSync(runDir).filter((name) => name.startsWith("attempt-"))) {
    const handleFile = path.join(runDir, attempt, "handle.json");
    if (!existsSync(handleFile)) continue;
    try {
      process.kill(Number(String(JSON.parse(readFileSync(handleFile, "utf8")).jobRef).split(":")[0]), "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  return killProcessesOfRun(runDir);
}
