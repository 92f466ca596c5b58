import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generationParamsSchema } from "../src/pipeline/params.js";
import { sandboxLimitsFromParams } from "@sera/rollout";
import { createSandbox, createSyntheticRepo, prepareSource, type PreparedSource, type Sandbox, type SandboxLimits } from "@sera/rollout";
import { runBashTool } from "@sera/rollout";

/**
 * Every limit is exercised for real with small values: the command that hits
 * it fails with a sentence naming the limit, nothing on the host suffers, and
 * the next command in the same sandbox works.
 */

let workDir: string;
let source: PreparedSource;
const sandboxes: Sandbox[] = [];

const SMALL_LIMITS: SandboxLimits = {
  addressSpaceKiB: 256 * 1024,
  processes: 48,
  fileSizeKiB: 1024,
  tmpKiB: 2048,
  copyGrowthKiB: 4096,
};

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), "sera-sandbox-limits-"));
  const repoPath = await createSyntheticRepo(10, workDir);
  source = await prepareSource(repoPath, "HEAD", path.join(workDir, "cache"));
});

afterAll(async () => {
  for (const sandbox of sandboxes) await sandbox.destroy();
  fs.rmSync(workDir, { recursive: true, force: true });
});

async function newSandbox(limits: SandboxLimits = SMALL_LIMITS): Promise<Sandbox> {
  const sandbox = await createSandbox({ source, root: path.join(workDir, "sandboxes"), isolation: "bwrap", limits });
  sandboxes.push(sandbox);
  return sandbox;
}

async function expectUsable(sandbox: Sandbox): Promise<void> {
  const after = await sandbox.exec("echo alive > alive.txt && cat alive.txt");
  expect(after.exitCode).toBe(0);
  expect(after.output).toBe("alive\n");
  expect(after.limit).toBeUndefined();
}

/** Live processes on the host owned by `uid`. */
function processesOf(uid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, "utf8");
      if (new RegExp(`^Uid:\\s+${uid}\\s`, "m").test(status)) found.push(Number(entry));
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}

describe("sandbox resource limits", () => {
  it("are on by default and come from the stage's params", () => {
    const params = generationParamsSchema.parse({ repo: "/r", teacher: { model: "m", endpoints: ["http://127.0.0.1:1/v1"] } });
    const limits = sandboxLimitsFromParams(params.sandboxLimits);
    expect(limits).toEqual({ addressSpaceKiB: 8 << 20, processes: 512, fileSizeKiB: 1 << 20, tmpKiB: 1 << 20, copyGrowthKiB: 2 << 20 });
    const tuned = generationParamsSchema.parse({
      repo: "/r",
      teacher: { model: "m", endpoints: ["http://127.0.0.1:1/v1"] },
      sandboxLimits: { memoryMiB: 2048, processes: 64 },
    });
    expect(sandboxLimitsFromParams(tuned.sandboxLimits)).toMatchObject({ addressSpaceKiB: 2 << 20, processes: 64, fileSizeKiB: 1 << 20 });
    expect(() => generationParamsSchema.parse({ repo: "/r", teacher: { model: "m", endpoints: ["http://x/v1"] }, sandboxLimits: { memoryGiB: 2 } })).toThrow(
      /memoryGiB/,
    );
  });

  it("stop a memory hog with a memory-limit observation", async () => {
    const sandbox = await newSandbox();
    const result = await sandbox.exec(`python3 -c "block = bytearray(1 << 30)"`);
    expect(result.exitCode).not.toBe(0);
    expect(result.limit?.kind).toBe("memory");
    const observation = await runBashTool(sandbox, `python3 -c "block = bytearray(1 << 30)"`);
    expect(observation.text).toMatch(/memory limit: each process may use 256 MiB/);
    await expectUsable(sandbox);
  });

  it("bound a fork bomb by the process limit; hitting it costs the shell, so nothing of the bomb outlives the command", async () => {
    const sandbox = await newSandbox();
    const bomb = `python3 -c "
import os, time
while True:
    os.fork()
"`;
    const started = Date.now();
    const result = await sandbox.exec(bomb, { timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(result.limit?.kind).toBe("processes");
    expect(result.limit?.message).toMatch(/at most 48 processes/);
    const uid = sandbox.commandUser?.uid;
    if (uid !== undefined) {
      const deadline = Date.now() + 3_000;
      while (processesOf(uid).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(processesOf(uid)).toEqual([]);
    }
    await expectUsable(sandbox);
  });

  it("stop a huge file at the file size limit", async () => {
    const sandbox = await newSandbox();
    const result = await sandbox.exec("head -c 50M /dev/zero > huge.bin");
    expect(result.exitCode).not.toBe(0);
    expect(result.limit?.kind).toBe("file_size");
    expect(fs.statSync(path.join(sandbox.hostPath, "huge.bin")).size).toBeLessThanOrEqual(1024 * 1024);
    const observation = await runBashTool(sandbox, "head -c 50M /dev/zero > huge.bin");
    expect(observation.text).toMatch(/file size limit 1 MiB reached/);
    await expectUsable(sandbox);
  });

  it("cap /tmp and $HOME, which last as long as the sandbox's shell and can be emptied", async () => {
    const sandbox = await newSandbox({ ...SMALL_LIMITS, fileSizeKiB: 64 * 1024 });
    for (const dir of ["/tmp", "$HOME"]) {
      const result = await sandbox.exec(`head -c 10M /dev/zero > ${dir}/fill.bin`);
      expect(result.exitCode, dir).not.toBe(0);
      expect(result.limit?.kind, dir).toBe("disk");
      expect(result.limit?.message).toMatch(/\/tmp and \$HOME hold at most 2 MiB each/);
    }
    expect((await sandbox.exec("rm /tmp/fill.bin $HOME/fill.bin && head -c 1M /dev/zero > /tmp/fits.bin && echo emptied")).output).toBe("emptied\n");
    await expectUsable(sandbox);
  });

  it("kill a command that keeps filling the copy, and let the next one clean up", async () => {
    const sandbox = await newSandbox({ ...SMALL_LIMITS, fileSizeKiB: 64 * 1024 });
    const started = Date.now();
    const filler = await sandbox.exec("mkdir junk; i=0; while true; do head -c 512K /dev/zero > junk/$i.bin; i=$((i+1)); sleep 0.01; done", {
      timeoutMs: 30_000,
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(filler.timedOut).toBe(false);
    expect(filler.exitCode).toBeNull();
    expect(filler.limit?.kind).toBe("copy_size");
    expect(filler.limit?.message).toMatch(/may grow by at most 4 MiB/);
    // The copy is over its cap now; removing files must still work, and so must commands afterwards.
    const cleanup = await sandbox.exec("rm -r junk && echo cleaned");
    expect(cleanup.output).toBe("cleaned\n");
    expect(cleanup.limit).toBeUndefined();
    await expectUsable(sandbox);
    // A burst faster than the watchdog's interval is still reported once the command ends: the
    // filesystem grew by more than the copy's headroom. Unless other processes freed space on the
    // same filesystem meanwhile (in the full suite, other test files clean up), which hides the
    // growth from that statfs: then the idle watch's full measure, at least every 30 s, catches it
    // and the next command reports it. It failed the suite once when it expected the first report only.
    const burst = await sandbox.exec("for i in 1 2 3; do head -c 3M /dev/zero > burst$i.bin; done");
    if (burst.limit === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 32_000));
      expect((await sandbox.exec("true")).limit?.kind).toBe("copy_size");
    } else expect(burst.limit.kind).toBe("copy_size");
  }, 120_000);

  it("catch a command's growth that space freed elsewhere hid from the after-command check, within the idle watch's 30 s", async () => {
    // Another process frees more than the command writes, on the same filesystem, between the
    // copy's last measure and the end of the command (which is too short for a measure of its own).
    const elsewhere = path.join(workDir, "freed-elsewhere.bin");
    fs.writeFileSync(elsewhere, Buffer.alloc(32 << 20, 1));
    const sandbox = await newSandbox({ ...SMALL_LIMITS, fileSizeKiB: 64 * 1024 });
    fs.rmSync(elsewhere);
    const burst = await sandbox.exec("for i in 1 2 3; do head -c 3M /dev/zero > burst$i.bin; done");
    await new Promise((resolve) => setTimeout(resolve, 32_000));
    const next = await sandbox.exec("rm -f burst*.bin; echo cleaned");
    // Alone, the burst goes unseen and the idle watch reports it with the next command (checked);
    // in the full suite, other tests' writes can make the after-command check see it first.
    expect((burst.limit ?? next.limit)?.kind).toBe("copy_size");
    expect(next.output).toBe("cleaned\n");
    await expectUsable(sandbox);
  }, 120_000);

  it("stop what the shell left running when it grows the copy between commands, and say so on the next command", async () => {
    const sandbox = await newSandbox({ ...SMALL_LIMITS, fileSizeKiB: 64 * 1024 });
    const writer = "(i=0; while true; do head -c 256K /dev/zero > bg$i.bin; i=$((i+1)); sleep 0.05; done) > /dev/null 2>&1 &";
    const started = await sandbox.exec(`${writer} echo started`);
    expect(started.output).toBe("started\n");
    expect(started.limit).toBeUndefined();
    // The agent's model call: no command runs while the writer fills the copy, until the idle watch stops it.
    const copy = sandbox.toHostPath("/testbed");
    const written = () => fs.readdirSync(copy).filter((name) => name.startsWith("bg")).length;
    // The watch asks statfs once a second, and measures the copy at least every 30 s regardless,
    // because space freed elsewhere on the same filesystem can hide the writer's growth: in the full
    // suite other tests delete their files meanwhile, and a 20 s wait once ended before the watch
    // had seen the growth. So wait past 30 s, and take the writer as stopped once three looks 0.7 s
    // apart find no new file (one quiet look was once only the loaded machine).
    let seen = -1;
    let quietLooks = 0;
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline && quietLooks < 3) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const now = written();
      quietLooks = now === seen ? quietLooks + 1 : 0;
      seen = now;
    }
    expect(seen).toBeGreaterThan(16); // past the 4 MiB cap
    const next = await sandbox.exec("rm -f bg*.bin; echo cleaned");
    expect(next.limit?.kind).toBe("copy_size");
    expect(next.limit?.message).toMatch(/^between commands, what the shell left running grew the repository copy/);
    expect(next.output).toBe("cleaned\n");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(written()).toBe(0); // the writer is gone for good
    await expectUsable(sandbox);
  });

  it("leave the process limit out without isolation, where it would count the user's whole host", async () => {
    const isolated = await newSandbox();
    expect((await isolated.exec("ulimit -u")).output).toBe("48\n");
    const unisolated = await createSandbox({ source, root: path.join(workDir, "sandboxes"), isolation: "none", limits: SMALL_LIMITS });
    sandboxes.push(unisolated);
    const hostLimit = (await unisolated.exec("ulimit -u; ulimit -f")).output.split("\n");
    expect(hostLimit[0]).not.toBe("48");
    expect(hostLimit[1]).toBe("1024"); // The file size limit still applies (bash counts KiB).
  });

  it("reject a limit that is not a positive number, naming it", async () => {
    await expect(createSandbox({ source, root: path.join(workDir, "sandboxes"), isolation: "bwrap", limits: { processes: 0 } })).rejects.toThrow(
      "sandbox limit processes must be a positive number, got 0",
    );
  });
});
