import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "../src/executor/backend.js";
import { attemptFiles, writeJsonAtomic, type AttemptResult, type JobFile, type JobHandle } from "../src/executor/journal.js";
import { sameProcessAlive } from "../src/executor/process-identity.js";

/**
 * The local backend's worker host, driven the way the coordinator drives it (submit, write the
 * handle, recorded, poll) with real processes. The host is a built script, so the backend comes
 * from dist/ (as the lock and worker tests do).
 */

const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/executor/local.js");
const { localBackend } = (await import(built)) as { localBackend: () => Backend };

const temporary: string[] = [];
const temp = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sera-host-"));
  temporary.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function prepareAttempt(dir: string, name: string, argv: string[]): string {
  const attemptDir = path.join(dir, name, "attempt-1");
  const job: JobFile = {
    runId: name,
    attempt: 1,
    argv,
    env: { RUN_NAME: name },
    cwd: dir,
    outDir: path.join(dir, name, "out"),
    outputs: [],
    timeoutSeconds: 60,
  };
  writeJsonAtomic(path.join(attemptDir, attemptFiles.job), job);
  return attemptDir;
}

/** What the coordinator does after submit: record the handle, then tell the backend it is recorded. */
function record(backend: Backend, attemptDir: string, handle: JobHandle): void {
  writeJsonAtomic(path.join(attemptDir, attemptFiles.handle), handle);
  backend.recorded?.(handle, attemptDir);
}

async function settle(backend: Backend, handle: JobHandle, attemptDir: string, withinMs = 20_000): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const state = await backend.poll(handle, attemptDir);
    if (state === "done" || state === "lost") return state;
    if (Date.now() > deadline) throw new Error(`${attemptDir} still ${state}`);
    await backend.waitForChange!(200);
  }
}

const hostPid = (handle: JobHandle) => Number(handle.jobRef.split(":")[0]);
const hostGone = async (handle: JobHandle, withinMs = 10_000) => {
  const [pid, start] = handle.jobRef.split(":");
  const deadline = Date.now() + withinMs;
  while (sameProcessAlive(Number(pid), start)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
};

describe("local worker host", () => {
  it("runs many attempts in one long-lived process, each once, with the usual result files, and exits when closed", async () => {
    const dir = temp();
    const backend = localBackend();
    const attempts = Array.from({ length: 6 }, (_, i) =>
      prepareAttempt(dir, `run${i}`, ["bash", "-c", 'echo "$RUN_NAME" >> "$PWD/executions.log"; echo "{\\"score\\": 1}"']),
    );
    const handles = [];
    for (const attemptDir of attempts) {
      const handle = await backend.submit(attemptDir);
      record(backend, attemptDir, handle);
      handles.push(handle);
    }
    expect(new Set(handles.map((h) => h.jobRef)).size).toBe(1);
    expect(hostPid(handles[0])).not.toBe(process.pid);
    for (const [index, attemptDir] of attempts.entries()) expect(await settle(backend, handles[index], attemptDir)).toBe("done");
    for (const attemptDir of attempts) {
      const result = await backend.collect(handles[0], attemptDir);
      expect(result).toMatchObject({ status: "succeeded", exitCode: 0 });
      expect(readFileSync(path.join(attemptDir, attemptFiles.metrics), "utf8")).toContain('"score":1');
    }
    expect(readFileSync(path.join(dir, "executions.log"), "utf8").trim().split("\n").sort()).toEqual(attempts.map((_, i) => `run${i}`).sort());
    backend.close!();
    expect(await hostGone(handles[0])).toBe(true);
  });

  it("never starts an attempt whose handle was not recorded when its coordinator went away, and runs one that was", async () => {
    const dir = temp();
    const backend = localBackend();
    // Submitted, but the coordinator "died" before writing handle.json: abandoned, never run.
    const unrecorded = prepareAttempt(dir, "unrecorded", ["bash", "-c", 'touch "$PWD/unrecorded.ran"']);
    const handle = await backend.submit(unrecorded);
    // Handle written, but the coordinator "died" before telling the host: the file decides, it runs.
    const recordedOnly = prepareAttempt(dir, "recorded", ["bash", "-c", 'touch "$PWD/recorded.ran"']);
    writeJsonAtomic(path.join(recordedOnly, attemptFiles.handle), await backend.submit(recordedOnly));
    backend.close!();
    expect(await hostGone(handle)).toBe(true);
    expect(existsSync(path.join(dir, "recorded.ran"))).toBe(true);
    expect((JSON.parse(readFileSync(path.join(recordedOnly, attemptFiles.result), "utf8")) as AttemptResult).status).toBe("succeeded");
    expect(existsSync(path.join(dir, "unrecorded.ran"))).toBe(false);
    expect(existsSync(path.join(unrecorded, attemptFiles.started))).toBe(false);
    expect(existsSync(path.join(unrecorded, attemptFiles.result))).toBe(false);
  });

  it("keeps running an attempt after its coordinator is gone, so the next one re-attaches to it", async () => {
    const dir = temp();
    const first = localBackend();
    const attemptDir = prepareAttempt(dir, "long", ["bash", "-c", "sleep 1; echo finished"]);
    const handle = await first.submit(attemptDir);
    record(first, attemptDir, handle);
    first.close!(); // as a coordinator's death closes the pipe
    const next = localBackend();
    expect(await next.poll(handle, attemptDir)).not.toBe("lost");
    expect(await settle(next, handle, attemptDir)).toBe("done");
    expect((await next.collect(handle, attemptDir)).stdoutTail).toBe("finished\n");
    expect(await hostGone(handle)).toBe(true);
  });

  it("cancels one attempt over the pipe and leaves the others running", async () => {
    const dir = temp();
    const backend = localBackend();
    const stopped = prepareAttempt(dir, "stopped", ["sleep", "30"]);
    const kept = prepareAttempt(dir, "kept", ["bash", "-c", "sleep 1; echo kept"]);
    const handles = [];
    for (const attemptDir of [stopped, kept]) {
      const handle = await backend.submit(attemptDir);
      record(backend, attemptDir, handle);
      handles.push(handle);
    }
    const startedAt = Date.now();
    while (!existsSync(path.join(stopped, attemptFiles.started))) await new Promise((resolve) => setTimeout(resolve, 20));
    await backend.cancel(handles[0], stopped);
    expect(await settle(backend, handles[0], stopped)).toBe("done");
    expect(await backend.collect(handles[0], stopped)).toMatchObject({ status: "cancelled", error: "cancelled" });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(await settle(backend, handles[1], kept)).toBe("done");
    expect(await backend.collect(handles[1], kept)).toMatchObject({ status: "succeeded", stdoutTail: "kept\n" });
    backend.close!();
  });

  it("an attempt the host cannot run is lost with the host's reason, and the host goes on", async () => {
    const dir = temp();
    const backend = localBackend();
    const broken = path.join(dir, "broken", "attempt-1");
    mkdirSync(broken, { recursive: true }); // no job.json
    const handle = await backend.submit(broken);
    record(backend, broken, handle);
    expect(await settle(backend, handle, broken)).toBe("lost");
    expect(backend.lostReason?.(handle, broken)).toMatch(/^sera worker: .*broken\/attempt-1: job\.json missing or unreadable$/);
    const fine = prepareAttempt(dir, "fine", ["true"]);
    const next = await backend.submit(fine);
    expect(next.jobRef).toBe(handle.jobRef);
    record(backend, fine, next);
    expect(await settle(backend, next, fine)).toBe("done");
    backend.close!();
  });

  it("a host killed with SIGKILL loses its attempts, and the next submit starts a fresh host", async () => {
    const dir = temp();
    const backend = localBackend();
    const victim = prepareAttempt(dir, "victim", ["bash", "-c", 'echo $$ > "$PWD/victim.pid"; exec sleep 30']);
    const handle = await backend.submit(victim);
    record(backend, victim, handle);
    while (!existsSync(path.join(dir, "victim.pid"))) await new Promise((resolve) => setTimeout(resolve, 20));
    process.kill(hostPid(handle), "SIGKILL");
    expect(await settle(backend, handle, victim)).toBe("lost");
    const after = prepareAttempt(dir, "after", ["true"]);
    const fresh = await backend.submit(after);
    expect(fresh.jobRef).not.toBe(handle.jobRef);
    record(backend, after, fresh);
    expect(await settle(backend, fresh, after)).toBe("done");
    backend.close!();
    // The orphaned `sleep 30` leads its own process group; stop it so the test leaves nothing behind.
    process.kill(-Number(readFileSync(path.join(dir, "victim.pid"), "utf8")), "SIGKILL");
  });
});
